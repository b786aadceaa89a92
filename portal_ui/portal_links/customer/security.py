"""What every customer answer carries: privacy headers, a strict Content-Security-Policy, the per-address
rate limit, and CSRF protection that works under ``Referrer-Policy: no-referrer``.

CSP is applied with Django's ``csp_override`` to each answer where it is made: ``customer_render`` for pages,
``with_csp`` for anything else.
"""

import re
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils.csp import CSP
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from portal_ui.portal_links import selectors
from portal_ui.portal_links.customer.access import access_refusal_count
from portal_ui.portal_links.customer.grants import grant_cookie
from portal_ui.portal_links.models import AccessOutcome, PortalLink

ASSET_RATE_FACTOR = 5
LOGO_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")

CUSTOMER_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.NONE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Downloads and photos: nothing in them may run or load anything. `True` renders the bare `sandbox`
# directive (every restriction on); an empty list would drop the directive altogether.
FILE_CSP = {"default-src": [CSP.NONE], "sandbox": True, "frame-ancestors": [CSP.NONE]}

View = Callable[..., HttpResponse]


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def page_csp(link: PortalLink | None) -> dict[str, Any]:
    """CUSTOMER_CSP, letting the page load the link's logo (an https URL) and nothing else from elsewhere."""
    logo = ((link.custom_branding or {}).get("logo_url") if link else None) or ""
    netloc = urlsplit(logo).netloc
    if netloc and LOGO_HOST.fullmatch(netloc):
        return {**CUSTOMER_CSP, "img-src": [CSP.SELF, f"https://{netloc}"]}
    return CUSTOMER_CSP


def with_csp(
    config: dict[str, Any], respond: Callable[..., HttpResponse], *args: Any, **kwargs: Any
) -> HttpResponse:
    """``respond(*args, **kwargs)`` under the Content-Security-Policy ``config``."""
    return csp_override(config)(respond)(*args, **kwargs)


def customer_render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    link: PortalLink | None = None,
) -> HttpResponse:
    """A page of ``templates/portal_links/customer/``; with `link`, its logo may load."""
    return with_csp(
        page_csp(link), render, request, f"portal_links/customer/{template}.html", context, status=status
    )


def customer_headers(response: HttpResponse) -> HttpResponse:
    """Never cached, indexed, framed or sniffed, and no token leaks through the Referer header."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    response["X-Frame-Options"] = "DENY"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class CustomerCsrfMiddleware(CsrfViewMiddleware):
    """Django's CSRF protection for the customer page's forms, with one difference.

    The page answers with ``Referrer-Policy: no-referrer`` so a link token never leaks to another site; under
    that policy browsers send ``Origin: null`` with the page's own form posts. That one value is let through
    the origin check; the secret token in the form must still match the visitor's CSRF cookie, and any real
    foreign origin is still refused.
    """

    def _origin_verified(self, request: HttpRequest) -> bool:
        return request.META.get("HTTP_ORIGIN") == "null" or super()._origin_verified(request)

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return with_csp(CUSTOMER_CSP, super()._reject, request, reason)


_customer_csrf = decorator_from_middleware(CustomerCsrfMiddleware)


def _rate(group: str) -> str:
    """settings.PORTAL_LINK_RATE_LIMIT for pages and forms; photos, files and the stylesheet (many per page)
    get ASSET_RATE_FACTOR times as many."""
    rate = settings.PORTAL_LINK_RATE_LIMIT
    if group == "assets":
        count, _, period = rate.partition("/")
        rate = f"{int(count) * ASSET_RATE_FACTOR}/{period}"
    return rate


def _rate_limited(request: HttpRequest, token: str) -> HttpResponse:
    """The 429 page; the refusal is counted for the link (nothing is logged, nothing for unknown tokens)."""
    link_id = selectors.portal_link_id_by_token(token=token)
    if link_id:
        access_refusal_count(link_ref=link_id, outcome=AccessOutcome.RATE_LIMITED)
    response = customer_render(request, "rate_limited", status=429)
    response["Retry-After"] = "60"
    return response


def _allow_methods(view: View, methods: Sequence[str]) -> View:
    @wraps(view)
    def allowed(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in methods:
            return with_csp(CUSTOMER_CSP, HttpResponseNotAllowed, list(methods))
        return view(request, *args, **kwargs)

    return allowed


def customer_view(*, methods: Sequence[str], group: str = "pages") -> Callable[[View], View]:
    """The per-address rate limit (429 page) before anything else, then the customer page's CSRF check (see
    ``CustomerCsrfMiddleware``) in place of the site-wide one, then `methods`; ``customer_headers`` on every
    answer, and the grants cookie when the view changed a grant. `group` "assets" (photos, files, the stylesheet) is counted apart from pages and forms."""

    def decorate(view: View) -> View:
        checked = _customer_csrf(_allow_methods(view, methods))

        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if is_ratelimited(
                request,
                group=f"portal_links.customer.{group}",
                key="ip",
                rate=_rate(group),
                method=is_ratelimited.ALL,
                increment=True,
            ):
                return customer_headers(_rate_limited(request, token))
            return customer_headers(grant_cookie(request, checked(request, token, *args, **kwargs)))

        return wrapped

    return decorate
