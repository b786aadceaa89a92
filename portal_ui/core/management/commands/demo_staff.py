"""Create the demo staff accounts once and print how to log in (used by `make run`)."""

import json
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand

from portal_ui.accounts.models import Role, User
from portal_ui.accounts.services import user_create

DEMO_ACCOUNTS = [("admin", Role.ADMIN), ("dispatcher", Role.DISPATCHER), ("viewer", Role.VIEWER)]


class Command(BaseCommand):
    help = "Create demo staff accounts (admin, dispatcher, viewer) if missing and print their passwords."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Dashboard address to print.")

    def handle(self, *args, **options):
        store = settings.VAR_DIR / "demo-staff.json"
        store.parent.mkdir(parents=True, exist_ok=True)
        known = json.loads(store.read_text()) if store.exists() else {}
        for username, role in DEMO_ACCOUNTS:
            if User.objects.filter(username=username).exists() and username in known:
                continue
            password = secrets.token_urlsafe(9)
            user = User.objects.filter(username=username).first()
            if user is None:
                user_create(username=username, password=password, role=role, first_name=username.title())
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            known[username] = password
        store.write_text(json.dumps(known, indent=2))
        store.chmod(0o600)
        lines = [f"    {name:<11} {known[name]:<16} ({Role(role).label})" for name, role in DEMO_ACCOUNTS]
        self.stdout.write(
            "\n  Demo staff log-ins (stored in var/demo-staff.json):\n" + "\n".join(lines) + "\n"
            f"  Dashboard: {options['url']}\n"
        )
