"""What this browser has proven for a link, kept in a signed cookie of the customer pages (``/p/``).

A grant counts while the link has the token and the gate it was opened with: regenerating the URL or changing
the gate (type, passcode, allowed addresses) ends it. ``passed``: the gate was passed; ``viewed``: the page was
shown (files, comments and uploads need it); ``email``: the address a private link's visitor proved.

The grants live in the browser, signed with the secret key and dated (they end after ``SESSION_COOKIE_AGE``),
so a customer's page view reads and writes no server-side session: a link sent to a whole building costs no
session row per reader. The cookie is HttpOnly, SameSite=Lax, Secure where the staff session cookie is, and
limited to the customer pages' path; it holds the grants of the ``MAX_GRANTS`` links opened last. Passing a
gate makes a new cookie value, so a cookie planted in a browser never becomes a passed gate (no fixation).
"""

from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from portal_ui.portal_links.models import LinkType, PortalLink

COOKIE_NAME = "portal_grants"
COOKIE_PATH = "/p/"
SALT = "portal_links.customer.grants"
MAX_GRANTS = 20
_READ = "_portal_grants"
_CHANGED = "_portal_grants_changed"


def _all(request: HttpRequest) -> dict[str, dict[str, Any]]:
    """Every grant this browser holds (read from its cookie once per request; {} when absent or forged)."""
    grants = getattr(request, _READ, None)
    if grants is None:
        raw = request.COOKIES.get(COOKIE_NAME, "")
        try:
            grants = signing.loads(raw, salt=SALT, max_age=settings.SESSION_COOKIE_AGE) if raw else {}
        except signing.BadSignature:
            grants = {}
        if not isinstance(grants, dict):
            grants = {}
        setattr(request, _READ, grants)
    return grants


def _is_current(grant: dict[str, Any] | None, link: PortalLink) -> bool:
    return (
        isinstance(grant, dict)
        and grant.get("v") == link.token_version
        and grant.get("g") == link.gate_version
    )


def current_grant(request: HttpRequest, link: PortalLink) -> dict[str, Any]:
    """This browser's grant for the link ({} when it has none for the link's current token and gate)."""
    grant = _all(request).get(link.pk)
    return grant if _is_current(grant, link) else {}


def store_grant(request: HttpRequest, link: PortalLink, **values: Any) -> None:
    """Add `values` to this browser's current grant for the link (a stale grant starts afresh). A grant
    that already holds them is left alone, so a repeated page view sets no cookie."""
    current = current_grant(request, link)
    grant = {**current, "v": link.token_version, "g": link.gate_version, **values}
    if grant == current:
        return
    grants = {pk: held for pk, held in _all(request).items() if pk != link.pk}
    grants[link.pk] = grant
    setattr(request, _READ, dict(list(grants.items())[-MAX_GRANTS:]))
    setattr(request, _CHANGED, True)


def grant_cookie(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Set the grants cookie on `response` when this request changed a grant."""
    if getattr(request, _CHANGED, False):
        response.set_cookie(
            COOKIE_NAME,
            signing.dumps(_all(request), salt=SALT, compress=True),
            max_age=settings.SESSION_COOKIE_AGE,
            path=COOKIE_PATH,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def passed_gate(request: HttpRequest, link: PortalLink) -> bool:
    return link.link_type == LinkType.PUBLIC or bool(current_grant(request, link).get("passed"))


def has_viewed(request: HttpRequest, link: PortalLink) -> bool:
    """The gate was passed and the page shown with the current token and gate."""
    return passed_gate(request, link) and bool(current_grant(request, link).get("viewed"))
