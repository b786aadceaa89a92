from html import escape

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe

from portal_ui.accounts.models import Role
from portal_ui.core.generations import kept_by_process

# What a process keeps of the navigation bounds memory only (it never changes while the process runs).
NAV_SECONDS = 3600
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


def _links(user) -> list[tuple[str, str]]:
    """(label, url) of the entries the user's role may use."""
    links = []
    for label, name, role in NAVIGATION:
        if not user.has_role(role):
            continue
        try:
            links.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    return links


def _nav_html(links: list[tuple[str, str]], active: tuple[int, ...]) -> str:
    return "\n".join(
        f'<li><a href="{escape(url)}"{' aria-current="page"' if n in active else ""}>{escape(label)}</a></li>'
        for n, (label, url) in enumerate(links)
    )


def navigation(request):
    """The main navigation (``nav_items``, and drawn: ``nav_html``; ``nav_active``: which entries are the
    current page's) and who is logged in. The entries depend only on the role (and the URL configuration):
    they are found once per process for each role and kept, and drawn once for each current entry."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    who = (user.role, user.is_active, user.is_superuser, get_script_prefix(), get_urlconf())  # has_role
    links = kept_by_process("nav-links", who, lambda: _links(user), timeout=NAV_SECONDS)
    path = request.path
    active = tuple(
        n for n, (_, url) in enumerate(links) if path == url or (url != "/" and path.startswith(url))
    )
    return {
        "nav_items": SimpleLazyObject(
            lambda: [
                {"label": label, "url": url, "active": n in active} for n, (label, url) in enumerate(links)
            ]
        ),
        "nav_html": SimpleLazyObject(
            lambda: mark_safe(
                kept_by_process(
                    "nav-html", (*who, active), lambda: _nav_html(links, active), timeout=NAV_SECONDS
                )
            )
        ),
        "nav_active": active,
        "account": _account(user),
    }
