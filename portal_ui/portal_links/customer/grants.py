"""What this browser has proven for a link, kept in its session.

A grant counts while the link has the token and the gate it was opened with: regenerating the URL or changing
the gate (type, passcode, allowed addresses) ends it. ``passed``: the gate was passed; ``viewed``: the page was
shown (files, comments and uploads need it); ``email``: the address a private link's visitor proved.
"""

from typing import Any

from django.http import HttpRequest

from portal_ui.portal_links.models import LinkType, PortalLink

SESSION_KEY = "portal_links.grants"


def _is_current(grant: dict[str, Any] | None, link: PortalLink) -> bool:
    return bool(grant) and grant.get("v") == link.token_version and grant.get("g") == link.gate_version


def current_grant(request: HttpRequest, link: PortalLink) -> dict[str, Any]:
    """This browser's grant for the link ({} when it has none for the link's current token and gate)."""
    grant = request.session.get(SESSION_KEY, {}).get(link.pk)
    return grant if _is_current(grant, link) else {}


def store_grant(request: HttpRequest, link: PortalLink, **values: Any) -> None:
    """Add `values` to this browser's current grant for the link (a stale grant starts afresh). A grant
    that already holds them is left alone, so a page view writes no session."""
    current = current_grant(request, link)
    grant = {**current, "v": link.token_version, "g": link.gate_version, **values}
    if grant == current:
        return
    grants = dict(request.session.get(SESSION_KEY, {}))
    grants[link.pk] = grant
    request.session[SESSION_KEY] = grants


def passed_gate(request: HttpRequest, link: PortalLink) -> bool:
    return link.link_type == LinkType.PUBLIC or bool(current_grant(request, link).get("passed"))


def has_viewed(request: HttpRequest, link: PortalLink) -> bool:
    """The gate was passed and the page shown with the current token and gate."""
    return passed_gate(request, link) and bool(current_grant(request, link).get("viewed"))
