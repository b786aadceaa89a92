from django.urls import NoReverseMatch, reverse

from portal_ui.accounts.models import Role

# (label, url name, least role). Entries whose page is not installed are left out.
NAVIGATION = [
    ("Home", "home", Role.VIEWER),
    ("Sites", "sites", Role.VIEWER),
    ("Work orders", "workorders", Role.VIEWER),
    ("Schedule", "schedule", Role.VIEWER),
    ("Map", "map", Role.VIEWER),
    ("Close-outs", "closeout_queue", Role.VIEWER),
    ("Saved views", "saved_views", Role.VIEWER),
    ("Search", "search", Role.VIEWER),
    ("Reference", "reference", Role.VIEWER),
    ("Outbox", "jobs", Role.VIEWER),
    ("Portal links", "portal_links", Role.VIEWER),
    ("Staff", "staff_users", Role.ADMIN),
]


def _account(user) -> dict[str, str]:
    """Who is logged in, as the header shows it: the name, and the role unless the name already says it
    (the demo user "Dispatcher" is not "Dispatcher · Dispatcher")."""
    name = user.get_full_name() or user.username
    role_label = user.get_role_display()  # e.g. "Dispatcher (read and write)"
    role, _, note = role_label.partition(" (")
    return {
        "name": name,
        "role": "" if role.casefold() == name.casefold() else role,
        "role_note": note.rstrip(")"),
        "role_label": role_label,
    }


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name, role in NAVIGATION:
        if not user.has_role(role):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": label,
                "url": url,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return {"nav_items": items, "account": _account(user)}
