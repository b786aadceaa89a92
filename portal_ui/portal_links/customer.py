"""The customer page `/p/<token>/`: gates, the work order as the link's permissions allow, files, comments.

Unknown, expired, deactivated, deleted and used-up links all get the same plain "not available" page.
Every answer carries no-referrer, noindex, no-store, no framing and a strict CSP, and every view, gate
attempt and download is written to the access log.
"""

import re
from functools import wraps
from ipaddress import ip_address, ip_network
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from portal_ui.portal_links import selectors, services
from portal_ui.portal_links.models import AccessOutcome, LinkStatus, LinkType, PortalLink

SESSION_KEY = "portal_links.grants"
ASSET_RATE_FACTOR = 5
LOGO_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")
HEX_COLOR = re.compile(r"#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")

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

OUTCOME_FOR_STATUS = {
    LinkStatus.INACTIVE: AccessOutcome.INACTIVE,
    LinkStatus.EXPIRED: AccessOutcome.EXPIRED,
    LinkStatus.EXHAUSTED: AccessOutcome.EXHAUSTED,
}


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _customer_headers(response, csp: dict | None = None):
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    response["X-Frame-Options"] = "DENY"
    response["X-Content-Type-Options"] = "nosniff"
    if not hasattr(response, "_csp_config"):
        response._csp_config = csp or CUSTOMER_CSP
    return response


def _rate(group: str) -> str:
    """settings.PORTAL_LINK_RATE_LIMIT for pages and forms; photos, files and the stylesheet (many per page)
    get ASSET_RATE_FACTOR times as many."""
    rate = settings.PORTAL_LINK_RATE_LIMIT
    if group == "assets":
        count, _, period = rate.partition("/")
        rate = f"{int(count) * ASSET_RATE_FACTOR}/{period}"
    return rate


class CustomerCsrfMiddleware(CsrfViewMiddleware):
    """Django's CSRF protection for the customer page's forms, with one difference.

    The page answers with ``Referrer-Policy: no-referrer`` so a link token never leaks to another site; under
    that policy browsers send ``Origin: null`` with the page's own form posts. That one value is let through
    the origin check; the secret token in the form must still match the visitor's CSRF cookie, and any real
    foreign origin is still refused.
    """

    def _origin_verified(self, request):
        return request.META.get("HTTP_ORIGIN") == "null" or super()._origin_verified(request)


_customer_csrf = decorator_from_middleware(CustomerCsrfMiddleware)


def customer_view(view=None, *, group: str = "pages"):
    """Headers on every answer, the per-IP rate limit (429 page) before anything else happens, and the
    customer page's CSRF check (see ``CustomerCsrfMiddleware``) in place of the site-wide one."""
    if view is None:
        return lambda v: customer_view(v, group=group)

    checked = _customer_csrf(view)

    @csrf_exempt
    @wraps(view)
    def wrapped(request, token: str, *args, **kwargs):
        if is_ratelimited(
            request,
            group=f"portal_links.customer.{group}",
            key="ip",
            rate=_rate(group),
            method=is_ratelimited.ALL,
            increment=True,
        ):
            link = selectors.portal_link_by_token(token=token)
            services.access_log_record(
                link_ref=link.pk if link else "",
                ip=client_ip(request),
                outcome=AccessOutcome.RATE_LIMITED,
                what=_what(request),
            )
            response = render(request, "portal_links/customer/rate_limited.html", status=429)
            response["Retry-After"] = "60"
            return _customer_headers(response)
        return _customer_headers(checked(request, token, *args, **kwargs))

    return wrapped


def _what(request) -> str:
    match = request.resolver_match
    name = match.url_name.removeprefix("portal_customer").lstrip("_") if match and match.url_name else ""
    return name or "page"


def gone(request, *, link: PortalLink | None, outcome: str, what: str):
    """The one answer for every link that cannot be opened: reveals nothing about the link."""
    services.access_log_record(
        link_ref=link.pk if link else "", ip=client_ip(request), outcome=outcome, what=what
    )
    return render(request, "portal_links/customer/gone.html", status=404)


def _ip_allowed(link: PortalLink, ip: str | None) -> bool:
    ranges = (link.access_restrictions or {}).get("ip_ranges") or []
    if not ranges:
        return True
    try:
        address = ip_address(ip or "")
    except ValueError:
        return False
    return any(address in ip_network(cidr, strict=False) for cidr in ranges)


def _usable(request, token: str, *, what: str, allow_exhausted: bool = False):
    """(link, None) when the link may be used now, else (None, the "gone" response)."""
    link = selectors.portal_link_by_token(token=token)
    if link is None:
        return None, gone(request, link=None, outcome=AccessOutcome.NOT_FOUND, what=what)
    status = link.status
    if status != LinkStatus.ACTIVE and not (allow_exhausted and status == LinkStatus.EXHAUSTED):
        return None, gone(request, link=link, outcome=OUTCOME_FOR_STATUS[status], what=what)
    if not _ip_allowed(link, client_ip(request)):
        return None, gone(request, link=link, outcome=AccessOutcome.DENIED, what=what)
    return link, None


# --- session grants ----------------------------------------------------------------------------------


def _is_current(grant: dict | None, link: PortalLink) -> bool:
    """A grant counts while the link has the token and the gate it was opened with: regenerating the URL or
    changing the gate (type, passcode, allowed addresses) ends it."""
    return bool(grant) and grant.get("v") == link.token_version and grant.get("g") == link.gate_version


def _grant(request, link: PortalLink) -> dict | None:
    """This browser's grant for the link, if it was opened with the link's current token and gate."""
    grant = request.session.get(SESSION_KEY, {}).get(link.pk)
    return grant if _is_current(grant, link) else None


def _store_grant(request, link: PortalLink, **values) -> None:
    grants = dict(request.session.get(SESSION_KEY, {}))
    current = grants.get(link.pk) if _is_current(grants.get(link.pk), link) else {}
    grants[link.pk] = {**(current or {}), "v": link.token_version, "g": link.gate_version, **values}
    request.session[SESSION_KEY] = grants


def _passed_gate(request, link: PortalLink) -> bool:
    if link.link_type == LinkType.PUBLIC:
        return True
    grant = _grant(request, link)
    return bool(grant and grant.get("passed"))


# --- the page -----------------------------------------------------------------------------------------


def page_context(request, link: PortalLink, token: str, *, preview: bool = False) -> dict:
    permissions = selectors.link_permissions(link)
    if preview:
        base = reverse("portal_link_preview", kwargs={"pk": link.pk})
    else:
        base = reverse("portal_customer", kwargs={"token": token})
    return {
        "link": link,
        "token": token,
        "preview": preview,
        "permissions": permissions,
        "branding": link.custom_branding or {},
        "workorder": selectors.customer_workorder(link=link),
        "file_base": f"{base}files/",
        "brand_css_url": f"{base}brand.css",
        "flash": request.GET.get("sent", ""),
        "upload_limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    }


def render_page(request, link: PortalLink, context: dict, status: int = 200):
    response = render(request, "portal_links/customer/page.html", context, status=status)
    return _allow_logo(response, link)


def _allow_logo(response, link: PortalLink):
    """Let the page load the link's logo (an https URL) and nothing else from elsewhere."""
    logo = (link.custom_branding or {}).get("logo_url")
    netloc = urlsplit(logo).netloc if logo else ""
    if netloc and LOGO_HOST.fullmatch(netloc):
        response._csp_config = {**CUSTOMER_CSP, "img-src": [CSP.SELF, f"https://{netloc}"]}
    return response


def _gate(request, link: PortalLink, token: str, *, status: int = 200, **context):
    template = "secure_gate" if link.link_type == LinkType.SECURE else "private_gate"
    response = render(
        request,
        f"portal_links/customer/{template}.html",
        {"link": link, "token": token, "branding": link.custom_branding or {}, **context},
        status=status,
    )
    return _allow_logo(response, link)


@customer_view
@require_http_methods(["GET", "POST"])
def page(request, token: str):
    link, refused = _usable(request, token, what="page")
    if refused:
        return refused
    ip = client_ip(request)
    if request.method == "POST":
        return _gate_post(request, link, token)
    if not _passed_gate(request, link):
        return _gate(request, link, token)
    context = page_context(request, link, token)
    if not context["workorder"].available:
        # Nothing shown: not counted as a view.
        services.access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.UNAVAILABLE, what="page")
        return render_page(request, link, context, status=503)
    if not services.portal_link_view_count(link=link, ip=ip):
        return gone(request, link=link, outcome=AccessOutcome.EXHAUSTED, what="page")
    _store_grant(request, link, passed=True, viewed=True)
    services.access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what="page")
    return render_page(request, link, context)


def _gate_post(request, link: PortalLink, token: str):
    ip = client_ip(request)
    action = request.POST.get("action", "")
    if link.link_type == LinkType.SECURE and action == "passcode":
        result = services.portal_link_passcode_attempt(
            link=link, passcode=request.POST.get("passcode", ""), ip=ip
        )
        if result == "ok":
            request.session.cycle_key()
            _store_grant(request, link, passed=True)
            return redirect("portal_customer", token=token)
        if result == "locked":
            return _gate(
                request, link, token, status=429, error="Too many wrong passcodes. Try again in 15 minutes."
            )
        return _gate(request, link, token, status=403, error="That passcode is not right.")
    if link.link_type == LinkType.PRIVATE and action == "send_code":
        email = request.POST.get("email", "").strip()[:254]
        if "@" not in email or "\x00" in email:
            return _gate(request, link, token, status=400, error="Enter your e-mail address.", email=email)
        result = services.portal_link_email_code_send(link=link, email=email, ip=ip)
        if result == "limited":
            return _gate(
                request,
                link,
                token,
                status=429,
                email=email,
                error="Too many codes were asked for. Try again in 15 minutes.",
            )
        return _gate(request, link, token, email=email, code_sent=True)
    if link.link_type == LinkType.PRIVATE and action == "verify":
        email = request.POST.get("email", "").strip()[:254].replace("\x00", "")
        result = services.portal_link_email_code_verify(
            link=link, email=email, code=request.POST.get("code", "")[:20], ip=ip
        )
        if result == "ok":
            request.session.cycle_key()
            _store_grant(request, link, passed=True, email=email.lower())
            return redirect("portal_customer", token=token)
        if result == "bad":
            return _gate(
                request, link, token, status=403, email=email, code_sent=True, error="That code is not right."
            )
        return _gate(
            request,
            link,
            token,
            status=403,
            email=email,
            error="That code has expired or was used up. Ask for a new one.",
        )
    if link.link_type == LinkType.PUBLIC or _passed_gate(request, link):
        return redirect("portal_customer", token=token)
    return _gate(request, link, token, status=400, error="Please use the form below.")


@customer_view(group="assets")
@require_GET
def brand_css(request, token: str):
    link = selectors.portal_link_by_token(token=token)
    if link is None or link.status not in (LinkStatus.ACTIVE, LinkStatus.EXHAUSTED):
        return render(request, "portal_links/customer/gone.html", status=404)
    return brand_stylesheet(link)


def brand_stylesheet(link: PortalLink) -> HttpResponse:
    """The link's colours as CSS custom properties (validated #rgb/#rrggbb values only)."""
    branding = link.custom_branding or {}
    lines = []
    for name in ("primary_color", "secondary_color"):
        value = branding.get(name)
        if isinstance(value, str) and HEX_COLOR.fullmatch(value):
            lines.append(f"  --brand-{name.removesuffix('_color')}: {value};")
    css = ":root {\n" + "\n".join(lines) + "\n}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")


# --- photos and documents, proxied through the link -----------------------------------------------------

FILE_PERMISSIONS = {
    "photo": ("view_photos",),
    "document": ("view_client_documents", "download_documents"),
    "closeout": ("view_closeout_documents", "download_documents"),
}


@customer_view(group="assets")
@require_GET
def customer_file(request, token: str, kind: str, file_id: int):
    what = f"{kind} {file_id}"
    link, refused = _usable(request, token, what=what, allow_exhausted=True)
    if refused:
        return refused
    grant = _grant(request, link)
    viewed = bool(grant and grant.get("viewed"))
    if link.status == LinkStatus.EXHAUSTED and not viewed:
        return gone(request, link=link, outcome=AccessOutcome.EXHAUSTED, what=what)
    if not _passed_gate(request, link) or not viewed:
        return gone(request, link=link, outcome=AccessOutcome.DENIED, what=what)
    return stream_file(request, link, kind, file_id, log=True)


def stream_file(request, link: PortalLink, kind: str, file_id: int, *, log: bool):
    from portal_ui.integrations.techlink import errors

    what = f"{kind} {file_id}"
    permissions = selectors.link_permissions(link)
    if kind not in FILE_PERMISSIONS or not all(permissions[p] for p in FILE_PERMISSIONS[kind]):
        if log:
            services.access_log_record(
                link_ref=link.pk, ip=client_ip(request), outcome=AccessOutcome.DENIED, what=what
            )
        return render(request, "portal_links/customer/gone.html", status=404)
    try:
        raw = selectors.customer_file(link=link, kind=kind, file_id=file_id)
    except (errors.TechLinkNotFound, ValueError):
        return render(request, "portal_links/customer/gone.html", status=404)
    except errors.TechLinkError:
        if log:
            services.access_log_record(
                link_ref=link.pk, ip=client_ip(request), outcome=AccessOutcome.UNAVAILABLE, what=what
            )
        return render(request, "portal_links/customer/unavailable.html", status=503)
    if log:
        services.access_log_record(
            link_ref=link.pk, ip=client_ip(request), outcome=AccessOutcome.OK, what=what
        )
    content_type = (raw.content_type or "").split(";")[0].strip().lower()
    inline = kind == "photo" and content_type.startswith("image/") and "svg" not in content_type
    if not inline:
        content_type = content_type if kind != "photo" and content_type else "application/octet-stream"

    def chunks():
        try:
            yield from raw.iter_bytes()
        finally:
            raw.close()

    response = StreamingHttpResponse(chunks(), content_type=content_type or "application/octet-stream")
    filename = (raw.filename or f"{kind}-{file_id}").replace('"', "").replace("\r", "").replace("\n", "")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if raw.content_length:
        response["Content-Length"] = str(raw.content_length)
    response._csp_config = FILE_CSP
    return _customer_headers(response, FILE_CSP)


# --- comments and uploads -----------------------------------------------------------------------------


def _writable(request, token: str, permission: str, what: str):
    link, refused = _usable(request, token, what=what, allow_exhausted=True)
    if refused:
        return None, refused
    grant = _grant(request, link)
    if (
        not (_passed_gate(request, link) and grant and grant.get("viewed"))
        or not selectors.link_permissions(link)[permission]
    ):
        return None, gone(request, link=link, outcome=AccessOutcome.DENIED, what=what)
    return link, None


def _page_with_error(request, link: PortalLink, token: str, exc: services.PortalLinkInvalid, **values):
    context = page_context(request, link, token)
    context.update({"form_errors": exc.fields, "form_message": exc.message, **values})
    return render_page(request, link, context, status=400)


@customer_view
@require_POST
def comment(request, token: str):
    link, refused = _writable(request, token, "add_comment", "comment")
    if refused:
        return refused
    grant = _grant(request, link) or {}
    try:
        services.portal_link_customer_comment(
            link=link, note=request.POST.get("note", ""), ip=client_ip(request), email=grant.get("email", "")
        )
    except services.PortalLinkInvalid as exc:
        return _page_with_error(request, link, token, exc, note=request.POST.get("note", ""))
    return redirect(reverse("portal_customer", kwargs={"token": token}) + "?sent=comment")


@customer_view
@require_POST
def upload(request, token: str):
    link, refused = _writable(request, token, "upload_document", "upload")
    if refused:
        return refused
    grant = _grant(request, link) or {}
    try:
        services.portal_link_customer_upload(
            link=link,
            upload=request.FILES.get("upload"),
            description=request.POST.get("description", ""),
            ip=client_ip(request),
            email=grant.get("email", ""),
        )
    except services.PortalLinkInvalid as exc:
        return _page_with_error(request, link, token, exc, description=request.POST.get("description", ""))
    return redirect(reverse("portal_customer", kwargs={"token": token}) + "?sent=upload")
