from django.urls import NoReverseMatch, reverse

from portal_ui.accounts.models import Role

# (label, url name, least role). Entries whose page is not installed are left out.
NAVIGATION = [
    ("Home", "home", Role.VIEWER),
    ("Sites", "sites", Role.VIEWER),
    ("Work orders", "workorders", Role.VIEWER),
    ("Reference", "reference", Role.VIEWER),
    ("Outbox", "jobs", Role.VIEWER),
    ("Portal links", "portal_links", Role.VIEWER),
    ("Staff", "staff_users", Role.ADMIN),
]


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
    return {"nav_items": items}
