"""The customer page `/p/<token>/`: the gate, the work order as the link shares it, its files, and the
customer's comments and uploads.

The page renders from the dashboard's copy of the work order (``sharing``): no TechLink call while a copy
exists. Unknown, expired, deactivated, deleted and used-up links all get the same plain "not available" page.
Every answer carries the headers of ``security.customer_view``. Page views, gates passed, comments and uploads
are written to the access log, files fetched nested under their page view; refusals are counted per link.
"""

import logging
import re
from collections.abc import Callable
from functools import partial
from ipaddress import ip_address, ip_network
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from portal_ui.core.downloads import StreamedFile, stream_download
from portal_ui.core.uploads import upload_limit
from portal_ui.core.upstream import UpstreamError, UpstreamNotFound
from portal_ui.portal_links import selectors
from portal_ui.portal_links.customer import gates, grants, page_cache, view_batch
from portal_ui.portal_links.customer import services as customer_services
from portal_ui.portal_links.customer.access import (
    access_download_record,
    access_refusal_count,
)
from portal_ui.portal_links.customer.closeout import closeout_offer
from portal_ui.portal_links.customer.security import (
    CUSTOMER_CSP,
    FILE_CSP,
    client_ip,
    customer_headers,
    customer_render,
    customer_view,
    page_csp,
    with_csp,
)
from portal_ui.portal_links.errors import PortalLinkInvalid
from portal_ui.portal_links.models import AccessOutcome, LinkStatus, LinkType, PortalLink, WorkOrderSnapshot
from portal_ui.portal_links.schemas import shared_items_of
from portal_ui.portal_links.sharing import selectors as sharing
from portal_ui.portal_links.sharing.services import (
    workorder_snapshot_for_page,
    workorder_snapshot_refresh_if_due,
)

logger = logging.getLogger(__name__)

HEX_COLOR = re.compile(r"#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")
EMAIL_MAX_LENGTH = 254
OUTCOME_FOR_STATUS = {
    LinkStatus.INACTIVE: AccessOutcome.INACTIVE,
    LinkStatus.EXPIRED: AccessOutcome.EXPIRED,
    LinkStatus.EXHAUSTED: AccessOutcome.EXHAUSTED,
}


def _refused(link: PortalLink | None, outcome: str) -> None:
    """Count a refused request for the link (an unknown token is counted nowhere)."""
    if link is not None:
        access_refusal_count(link_ref=link.pk, outcome=outcome)


def gone(request: HttpRequest, *, link: PortalLink | None, outcome: str) -> HttpResponse:
    """The one answer for every link that cannot be opened: reveals nothing about the link."""
    _refused(link, outcome)
    return customer_render(request, "gone", status=404)


def _ip_allowed(link: PortalLink, ip: str | None) -> bool:
    ranges = (link.access_restrictions or {}).get("ip_ranges") or []
    if not ranges:
        return True
    try:
        address = ip_address(ip or "")
    except ValueError:
        return False
    return any(address in ip_network(cidr, strict=False) for cidr in ranges)


def _refusal(request: HttpRequest, link: PortalLink | None, *, allow_exhausted: bool) -> str | None:
    """Why the link may not be used now (an AccessOutcome), or None when it may."""
    if link is None:
        return AccessOutcome.NOT_FOUND
    status = link.status
    if status != LinkStatus.ACTIVE and not (allow_exhausted and status == LinkStatus.EXHAUSTED):
        return OUTCOME_FOR_STATUS[status]
    if not _ip_allowed(link, client_ip(request)):
        return AccessOutcome.DENIED
    return None


def _usable(
    request: HttpRequest, token: str, *, allow_exhausted: bool = False, for_page: bool = False
) -> tuple[PortalLink | None, HttpResponse | None]:
    """(link, None) when the link may be used now, else (None, the "gone" answer). `for_page`: read with
    what the page's cache needs (``selectors.portal_link_for_page``)."""
    read = selectors.portal_link_for_page if for_page else selectors.portal_link_by_token
    link = read(token=token)
    outcome = _refusal(request, link, allow_exhausted=allow_exhausted)
    if outcome is not None:
        return None, gone(request, link=link, outcome=outcome)
    return link, None


def _customer_redirect(token: str, *, sent: str = "") -> HttpResponse:
    url = reverse("portal_customer", kwargs={"token": token}) + (f"?sent={sent}" if sent else "")
    return with_csp(CUSTOMER_CSP, redirect, url)


# --- the page -------------------------------------------------------------------------------------------


def _snapshot(link: PortalLink) -> WorkOrderSnapshot | None:
    """The copy of the link's work order (None when there is none and TechLink cannot answer)."""
    try:
        return workorder_snapshot_for_page(workorder_id=int(link.workorder))
    except UpstreamError:
        logger.warning("work order %s unavailable for portal link %s", link.workorder, link.pk, exc_info=True)
        return None


def page_context(
    request: HttpRequest, link: PortalLink, token: str, *, preview: bool = False
) -> dict[str, Any]:
    """What the page shows; `preview` (staff) links files and the stylesheet through the preview URLs."""
    if preview:
        base = reverse("portal_link_preview", kwargs={"pk": link.pk})
    else:
        base = reverse("portal_customer", kwargs={"token": token})
    permissions = selectors.link_permissions(link)
    notes_by_rule = permissions["view_notes"] and shared_items_of(link.shared_items)["customer_visible_notes"]
    key = None if preview else page_cache.sections_key(link=link, token=token, notes_shown=notes_by_rule)
    sections_html = page_cache.sections_get(key)
    if sections_html is not None:
        workorder = sharing.CustomerWorkOrder(
            workorder_id=link.workorder, fetched_at=link.copy_fetched_at, found=link.copy_found
        )
        workorder_snapshot_refresh_if_due(
            workorder_id=int(link.workorder),
            fetched_at=link.copy_fetched_at,
            refresh_requested_at=link.copy_refresh_requested_at,
        )
    else:
        workorder = sharing.customer_workorder(link=link, snapshot=_snapshot(link))
    shown = workorder.available and workorder.found
    context = {
        "link": link,
        "token": token,
        "preview": preview,
        "permissions": permissions,
        "branding": link.custom_branding or {},
        "workorder": workorder,
        "shown": shown,
        "comments": sharing.customer_comments(link=link) if shown and permissions["add_comment"] else [],
        "file_base": f"{base}files/",
        "closeout_base": f"{base}closeout/",
        "brand_css_url": f"{base}brand.css",
        "flash": request.GET.get("sent", ""),
        "upload_limit_mb": upload_limit() // (1024 * 1024),
    }
    if sections_html is None:
        context["closeout"] = closeout_offer(link)
        sections_html = page_cache.sections_render(context, key=key if workorder.available else None)
    context["sections_html"], context["sections_key"] = sections_html, key
    return context


def render_page(
    request: HttpRequest, link: PortalLink, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The page; when nothing on it belongs to one visitor, drawn once and kept (``page_cache.page_key``)."""
    key = page_cache.page_key(context) if status == 200 else None
    html = page_cache.page_get(key)
    if html is not None:
        return with_csp(page_csp(link), HttpResponse, html)
    response = customer_render(request, "page", context, status=status, link=link)
    page_cache.page_keep(key, response.content)
    return response


def _gate_page(
    request: HttpRequest, link: PortalLink, token: str, *, status: int = 200, **context: Any
) -> HttpResponse:
    template = "secure_gate" if link.link_type == LinkType.SECURE else "private_gate"
    context = {"link": link, "token": token, "branding": link.custom_branding or {}, **context}
    return customer_render(request, template, context, status=status, link=link)


@customer_view(methods=("GET", "POST"))
def page(request: HttpRequest, token: str) -> HttpResponse:
    link, refused = _usable(request, token, for_page=True)
    if refused:
        return refused
    if request.method == "POST":
        return _gate_post(request, link, token)
    if not grants.passed_gate(request, link):
        return _gate_page(request, link, token)
    context = page_context(request, link, token)
    if not context["workorder"].available:
        # Nothing shown: not counted as a view.
        _refused(link, AccessOutcome.UNAVAILABLE)
        return render_page(request, link, context, status=503)
    email = grants.current_grant(request, link).get("email", "")
    if not customer_services.portal_link_view_record(link=link, ip=client_ip(request), email=email):
        return gone(request, link=link, outcome=AccessOutcome.EXHAUSTED)
    grants.store_grant(request, link, passed=True, viewed=True)
    return render_page(request, link, context)


# --- the gate -------------------------------------------------------------------------------------------


def _opened(request: HttpRequest, link: PortalLink, token: str, **values: Any) -> HttpResponse:
    """The gate was passed: the grant (a new cookie value, see ``grants``), then the page."""
    grants.store_grant(request, link, passed=True, **values)
    return _customer_redirect(token)


def _passcode_post(request: HttpRequest, link: PortalLink, token: str) -> HttpResponse:
    outcome = gates.portal_link_passcode_attempt(
        link=link, passcode=request.POST.get("passcode", ""), ip=client_ip(request)
    )
    if outcome == gates.PasscodeOutcome.OK:
        return _opened(request, link, token)
    if outcome == gates.PasscodeOutcome.LOCKED:
        error = "Too many wrong passcodes. Try again in 15 minutes."
        return _gate_page(request, link, token, status=429, error=error)
    return _gate_page(request, link, token, status=403, error="That passcode is not right.")


def _send_code_post(request: HttpRequest, link: PortalLink, token: str) -> HttpResponse:
    email = request.POST.get("email", "").strip()[:EMAIL_MAX_LENGTH]
    if "@" not in email or "\x00" in email:
        return _gate_page(request, link, token, status=400, error="Enter your e-mail address.", email=email)
    outcome = gates.portal_link_email_code_send(link=link, email=email, ip=client_ip(request))
    if outcome == gates.CodeRequestOutcome.LIMITED:
        error = "Too many codes were asked for. Try again in 15 minutes."
        return _gate_page(request, link, token, status=429, email=email, error=error)
    return _gate_page(request, link, token, email=email, code_sent=True)


def _verify_post(request: HttpRequest, link: PortalLink, token: str) -> HttpResponse:
    email = request.POST.get("email", "").strip()[:EMAIL_MAX_LENGTH].replace("\x00", "")
    outcome = gates.portal_link_email_code_verify(
        link=link, email=email, code=request.POST.get("code", "")[:20], ip=client_ip(request)
    )
    if outcome == gates.CodeCheckOutcome.OK:
        return _opened(request, link, token, email=email.lower())
    if outcome == gates.CodeCheckOutcome.WRONG:
        error = "That code is not right."
        return _gate_page(request, link, token, status=403, email=email, code_sent=True, error=error)
    error = "That code has expired or was used up. Ask for a new one."
    return _gate_page(request, link, token, status=403, email=email, error=error)


GATE_ACTIONS: dict[tuple[str, str], Callable[[HttpRequest, PortalLink, str], HttpResponse]] = {
    (LinkType.SECURE, "passcode"): _passcode_post,
    (LinkType.PRIVATE, "send_code"): _send_code_post,
    (LinkType.PRIVATE, "verify"): _verify_post,
}


def _gate_post(request: HttpRequest, link: PortalLink, token: str) -> HttpResponse:
    action = GATE_ACTIONS.get((link.link_type, request.POST.get("action", "")))
    if action is not None:
        return action(request, link, token)
    if grants.passed_gate(request, link):
        return _customer_redirect(token)
    return _gate_page(request, link, token, status=400, error="Please use the form below.")


# --- the stylesheet and files ---------------------------------------------------------------------------


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


def _opened_by_this_browser(request: HttpRequest, link: PortalLink | None) -> bool:
    """Whether the link's page would answer this browser: usable now, or used up after this browser had
    seen the page (its files, comments and uploads stay open to it)."""
    if _refusal(request, link, allow_exhausted=True) is not None:
        return False
    return link.status != LinkStatus.EXHAUSTED or grants.has_viewed(request, link)


@customer_view(methods=("GET",), group="assets")
def brand_css(request: HttpRequest, token: str) -> HttpResponse:
    """The link's colours, for the gate and the page; 404 wherever the page itself answers 404."""
    link = selectors.portal_link_by_token(token=token)
    if not _opened_by_this_browser(request, link):
        return customer_render(request, "gone", status=404)
    return with_csp(CUSTOMER_CSP, brand_stylesheet, link)


def opened_link(request: HttpRequest, token: str) -> tuple[PortalLink | None, HttpResponse | None]:
    """(link, None) when this browser may fetch what the link's page offers (files, the close-out report
    and bundle): the link is usable, or used up after this browser saw the page, and the page was shown
    with the current token and gate; else (None, the "gone" answer)."""
    link, refused = _usable(request, token, allow_exhausted=True)
    if refused:
        return None, refused
    viewed = grants.has_viewed(request, link)
    if link.status == LinkStatus.EXHAUSTED and not viewed:
        return None, gone(request, link=link, outcome=AccessOutcome.EXHAUSTED)
    if not viewed:
        return None, gone(request, link=link, outcome=AccessOutcome.DENIED)
    return link, None


@customer_view(methods=("GET",), group="assets")
def customer_file(request: HttpRequest, token: str, kind: str, file_id: int) -> HttpResponse:
    link, refused = opened_link(request, token)
    if refused:
        return refused
    return file_response(request, link, kind, file_id, log=True)


def _download(raw: StreamedFile, kind: str, file_id: int) -> HttpResponse:
    """Photos that are images (not SVG) show inline; everything else downloads, documents with their type."""
    content_type = (raw.content_type or "").split(";")[0].strip().lower()
    inline = kind == "photo" and content_type.startswith("image/") and "svg" not in content_type
    if not inline and (kind == "photo" or not content_type):
        content_type = "application/octet-stream"
    return stream_download(
        raw,
        filename=raw.filename or f"{kind}-{file_id}",
        inline=inline,
        content_type=content_type,
        cache_control="no-store",
        with_length=True,
    )


def file_response(
    request: HttpRequest, link: PortalLink, kind: str, file_id: int, *, log: bool
) -> HttpResponse:
    """A photo or document of the link's work order, streamed from TechLink in a sandbox, when the link
    shares it: its section is permitted and the item chosen (`log`: record the download under its page view
    and count refusals)."""
    snapshot = sharing.snapshot_get(workorder_id=int(link.workorder))
    if not sharing.customer_file_shared(link=link, snapshot=snapshot, kind=kind, file_id=file_id):
        if log:
            _refused(link, AccessOutcome.DENIED)
        return customer_render(request, "gone", status=404)
    try:
        raw = selectors.workorder_file(workorder=link.workorder, kind=kind, file_id=file_id)
    except UpstreamNotFound:
        return customer_render(request, "gone", status=404)
    except UpstreamError:
        if log:
            _refused(link, AccessOutcome.UNAVAILABLE)
        return customer_render(request, "unavailable", status=503)
    if log:
        view_batch.views_flush_for(link_ref=link.pk)
        access_download_record(link_ref=link.pk, ip=client_ip(request), what=f"{kind} {file_id}")
    return customer_headers(with_csp(FILE_CSP, _download, raw, kind, file_id))


# --- comments and uploads -------------------------------------------------------------------------------


def _customer_write(
    request: HttpRequest, token: str, *, permission: str, what: str, field: str, send: Callable[..., Any]
) -> HttpResponse:
    """Refuse unless the page was opened and the link grants `permission`; then `send` on the customer's
    behalf, showing the page again with the refusal next to the form (keeping what was typed in `field`)."""
    link, refused = _usable(request, token, allow_exhausted=True)
    if refused:
        return refused
    if not grants.has_viewed(request, link) or not selectors.link_permissions(link)[permission]:
        return gone(request, link=link, outcome=AccessOutcome.DENIED)
    email = grants.current_grant(request, link).get("email", "")
    try:
        send(link=link, ip=client_ip(request), email=email)
    except PortalLinkInvalid as exc:
        context = page_context(request, link, token)
        context.update(
            {"form_errors": exc.fields, "form_message": exc.message, field: request.POST.get(field, "")}
        )
        return render_page(request, link, context, status=400)
    return _customer_redirect(token, sent=what)


@customer_view(methods=("POST",))
def comment(request: HttpRequest, token: str) -> HttpResponse:
    send = partial(customer_services.portal_link_customer_comment, note=request.POST.get("note", ""))
    return _customer_write(request, token, permission="add_comment", what="comment", field="note", send=send)


@customer_view(methods=("POST",))
def upload(request: HttpRequest, token: str) -> HttpResponse:
    send = partial(
        customer_services.portal_link_customer_upload,
        upload=request.FILES.get("upload"),
        description=request.POST.get("description", ""),
    )
    return _customer_write(
        request, token, permission="upload_document", what="upload", field="description", send=send
    )
