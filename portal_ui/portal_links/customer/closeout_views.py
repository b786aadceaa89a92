"""The close-out report (PDF) and the bundle of close-out files (ZIP) of a portal link's work order, for its
customer (`/p/<token>/closeout/...`) and for staff previewing the link.

They hold only what the link shares (``customer.closeout``); a link that offers neither answers 404, the
same "not available" page as everywhere else. The customer's URLs pass the same gates as the page's files
(``views.opened_link``): the gate was passed and the page shown with the current token and gate. The report
is made by a worker: asking for it gives the report made for the close-out as it is now, or a small page
that refreshes itself (no script needed) until it is ready. Downloads are written to the access log nested
under their page view, refusals counted per link; a preview logs and counts nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from portal_ui.accounts.permissions import viewer_required
from portal_ui.core.downloads import stream_download
from portal_ui.core.upstream import UpstreamError, UpstreamNotFound
from portal_ui.dispatch.closeouts import report_services
from portal_ui.dispatch.closeouts import selectors as closeout_selectors
from portal_ui.dispatch.closeouts.bundle import closeout_bundle_stream
from portal_ui.dispatch.models import CloseoutReport
from portal_ui.portal_links.customer.access import access_download_record, access_refusal_count
from portal_ui.portal_links.customer.closeout import CloseoutOffer, closeout_offer
from portal_ui.portal_links.customer.security import (
    CUSTOMER_CSP,
    FILE_CSP,
    client_ip,
    customer_headers,
    customer_render,
    customer_view,
    with_csp,
)
from portal_ui.portal_links.customer.views import opened_link
from portal_ui.portal_links.models import AccessOutcome, PortalLink

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 3  # the "being prepared" page asks again this often (within the pages' rate limit)
WHAT_REPORT = "closeout report"
WHAT_BUNDLE = "closeout bundle"

View = Callable[..., HttpResponse]
# What one close-out URL answers, for either audience: (request, who, the URL's other arguments).
Answer = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Audience:
    """Who is asking: the customer through the link's URL (`log`: downloads logged, refusals counted) or
    staff through the preview; `base` is the URL of the page the answers link back to."""

    link: PortalLink
    base: str
    log: bool
    preview: bool = False

    @classmethod
    def customer(cls, link: PortalLink, token: str) -> Audience:
        return cls(link=link, base=reverse("portal_customer", kwargs={"token": token}), log=True)

    @classmethod
    def staff_preview(cls, link: PortalLink) -> Audience:
        base = reverse("portal_link_preview", kwargs={"pk": link.pk})
        return cls(link=link, base=base, log=False, preview=True)

    @property
    def workorder_id(self) -> int:
        return int(self.link.workorder)

    @property
    def report_base(self) -> str:
        return f"{self.base}closeout/report/"


def _refused(request: HttpRequest, who: Audience, outcome: str, *, status: int = 404) -> HttpResponse:
    """The "not available" page (404) or, when TechLink cannot answer, the "unavailable" one (503)."""
    if who.log:
        access_refusal_count(link_ref=who.link.pk, outcome=outcome)
    return customer_render(request, "gone" if status == 404 else "unavailable", status=status)


def _offer(request: HttpRequest, who: Audience) -> tuple[CloseoutOffer, HttpResponse | None]:
    """What the link offers, and the refusal when it offers neither the report nor the bundle."""
    offer = closeout_offer(who.link)
    if not offer.anything:
        return offer, _refused(request, who, AccessOutcome.DENIED)
    return offer, None


def _redirect(url: str) -> HttpResponse:
    return with_csp(CUSTOMER_CSP, redirect, url)


def _upstream_refusal(request: HttpRequest, who: Audience, exc: UpstreamError) -> HttpResponse:
    if isinstance(exc, UpstreamNotFound):
        return customer_render(request, "gone", status=404)
    logger.warning("close-out of work order %s unavailable for portal link %s", who.workorder_id, who.link.pk)
    return _refused(request, who, AccessOutcome.UNAVAILABLE, status=503)


# --- the report -----------------------------------------------------------------------------------------


def report_request_response(request: HttpRequest, who: Audience) -> HttpResponse:
    """The report of the close-out as it is now, for this link: its download when it is ready, else the
    page showing it is being prepared."""
    offer, refused = _offer(request, who)
    if refused:
        return refused
    if offer.report is None:
        return _refused(request, who, AccessOutcome.DENIED)
    try:
        report = report_services.closeout_report_request(
            workorder_id=who.workorder_id, items=offer.report, branding=offer.branding
        )
    except UpstreamError as exc:
        return _upstream_refusal(request, who, exc)
    if report.is_ready:
        return _redirect(f"{who.report_base}{report.pk}/pdf/")
    return _redirect(f"{who.report_base}{report.pk}/")


def _report(
    request: HttpRequest, who: Audience, report_id: int
) -> tuple[CloseoutReport | None, HttpResponse | None]:
    """The report made for this link's items and branding (never one made for staff or another audience)."""
    offer, refused = _offer(request, who)
    if refused:
        return None, refused
    report = None
    if offer.report is not None:
        report = closeout_selectors.closeout_report_for(
            report_id=report_id, workorder_id=who.workorder_id, items=offer.report, branding=offer.branding
        )
    if report is None:
        return None, _refused(request, who, AccessOutcome.DENIED)
    return report, None


def report_status_response(request: HttpRequest, who: Audience, report_id: int) -> HttpResponse:
    """The report's progress: refreshes itself while it is being prepared, then offers the download."""
    report, refused = _report(request, who, report_id)
    if refused:
        return refused
    context = {
        "link": who.link,
        "report": report,
        "preview": who.preview,
        "branding": who.link.custom_branding or {},
        "page_url": who.base,
        "brand_css_url": f"{who.base}brand.css",
        "report_base": who.report_base,
        "refresh_seconds": REFRESH_SECONDS,
    }
    return customer_render(request, "closeout_report", context, link=who.link)


def report_pdf_response(request: HttpRequest, who: Audience, report_id: int) -> HttpResponse:
    """The report's PDF, as a download (the progress page while it is not ready)."""
    report, refused = _report(request, who, report_id)
    if refused:
        return refused
    path = closeout_selectors.closeout_report_file(report=report)
    if path is None:
        return _redirect(f"{who.report_base}{report.pk}/")
    if who.log:
        access_download_record(link_ref=who.link.pk, ip=client_ip(request), what=WHAT_REPORT)
    response = with_csp(
        FILE_CSP,
        FileResponse,
        path.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=report.filename,
    )
    return customer_headers(response)


# --- the bundle -----------------------------------------------------------------------------------------


def bundle_response(request: HttpRequest, who: Audience) -> HttpResponse:
    """Every close-out file the link shares in one ZIP with a manifest, streamed while it is made."""
    offer, refused = _offer(request, who)
    if refused:
        return refused
    if offer.bundle is None:
        return _refused(request, who, AccessOutcome.DENIED)
    try:
        archive = closeout_bundle_stream(workorder_id=who.workorder_id, items=offer.bundle)
    except UpstreamError as exc:
        return _upstream_refusal(request, who, exc)
    if who.log:
        access_download_record(link_ref=who.link.pk, ip=client_ip(request), what=WHAT_BUNDLE)
    response = with_csp(
        FILE_CSP,
        stream_download,
        archive,
        filename=archive.filename,
        content_type="application/zip",
        cache_control="no-store",
    )
    return customer_headers(response)


# --- the URLs: the customer's and staff's preview -------------------------------------------------------


class AudienceViews(NamedTuple):
    customer: View
    preview: View


def audience_views(name: str, answer: Answer, *, group: str = "pages") -> AudienceViews:
    """The two views of one close-out answer, `name` and ``preview_<name>``: the customer's at
    `/p/<token>/closeout/...`, once the link's page was shown in this browser (``opened_link``), and staff's
    preview at `/portal-links/<pk>/preview/closeout/...` (the viewer role; no gate, nothing logged or
    counted, never cached or indexed). `group` is the customer's rate-limit group. Both hand the URL's other
    arguments to `answer`."""

    @customer_view(methods=("GET",), group=group)
    def customer(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponse:
        link, refused = opened_link(request, token)
        if refused:
            return refused
        return answer(request, Audience.customer(link, token), **kwargs)

    @viewer_required
    @require_GET
    def preview(request: HttpRequest, pk: str, **kwargs: Any) -> HttpResponse:
        # Imported here: the staff views import this module.
        from portal_ui.portal_links import views as staff_views

        who = Audience.staff_preview(staff_views._link_or_404(pk))
        return staff_views._preview_headers(answer(request, who, **kwargs))

    for view, view_name in ((customer, name), (preview, f"preview_{name}")):
        view.__name__ = view.__qualname__ = view_name
    return AudienceViews(customer=customer, preview=preview)


closeout_report, preview_closeout_report = audience_views("closeout_report", report_request_response)
closeout_report_status, preview_closeout_report_status = audience_views(
    "closeout_report_status", report_status_response
)
closeout_report_pdf, preview_closeout_report_pdf = audience_views(
    "closeout_report_pdf", report_pdf_response, group="assets"
)
closeout_bundle, preview_closeout_bundle = audience_views("closeout_bundle", bundle_response, group="assets")
