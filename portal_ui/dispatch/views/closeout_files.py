"""Files of the close-out review for staff: photo thumbnails and downloads, the close-out report (PDF, made
by a worker with its progress shown) and the bundle of every close-out file (ZIP, streamed)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal_ui.accounts.permissions import viewer_required
from portal_ui.core.downloads import stream_download
from portal_ui.core.htmx import is_partial, vary_on_htmx
from portal_ui.core.upstream import UpstreamError, UpstreamNotFound, upstream_banner
from portal_ui.dispatch import live
from portal_ui.dispatch.closeouts import bundle, photos, report_services, selectors
from portal_ui.dispatch.views.common import upstream_page

PLACEHOLDER = "dispatch/photo-unavailable.svg"


@viewer_required
@require_GET
def workorder_photo_scaled(request: HttpRequest, workorder_id: int, photo_id: int, size: str) -> HttpResponse:
    """A photo scaled once and kept (``thumb`` for galleries, ``large`` for the viewer). A photo that is not a
    readable image shows a placeholder; when TechLink is busy or slow, 503 with Retry-After (the gallery's
    script asks again, and the thumbnails are being made in the background)."""
    if size not in photos.SIZES:
        raise Http404("No such size")
    try:
        path = photos.photo_variant(workorder_id=workorder_id, photo_id=photo_id, size=size)
    except photos.PhotoUnreadable:
        return redirect(static(PLACEHOLDER))
    except UpstreamNotFound as exc:
        raise Http404(str(exc)) from exc
    except UpstreamError:
        photos.closeout_photos_prepare_soon(workorder_id=workorder_id, photo_ids=[photo_id])
        response = HttpResponse(
            "TechLink is busy; try again in a moment.", status=503, content_type="text/plain"
        )
        response["Retry-After"] = "2"
        response["Cache-Control"] = "no-store"
        return response
    response = FileResponse(path.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"  # a photo id names one file for good
    return response


@viewer_required
@require_GET
@upstream_page(status=502)
def workorder_photo_download(request: HttpRequest, workorder_id: int, photo_id: int) -> HttpResponse:
    """The original photo as TechLink has it, as a download."""
    download = live.workorder_photo(workorder_id=workorder_id, photo_id=photo_id)
    return stream_download(download.raw, filename=download.filename or f"photo-{photo_id}.jpg")


# -- the report -------------------------------------------------------------------------------------


@viewer_required
@require_POST
@upstream_page
def workorder_closeout_report(request: HttpRequest, workorder_id: int) -> HttpResponse:
    """Ask for the close-out report: the one made for the close-out as it is now, else a new one."""
    back = reverse("workorder_closeout", args=[workorder_id])
    try:
        report = report_services.closeout_report_request(workorder_id=workorder_id, user=request.user)
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        messages.error(
            request, f"{upstream_banner(exc)} The report needs the close-out as TechLink has it now."
        )
        return redirect(back)
    if report.is_ready:
        return redirect("workorder_closeout_report_download", workorder_id, report.pk)
    return redirect("workorder_closeout_report_status", workorder_id, report.pk)


@viewer_required
@require_GET
@vary_on_htmx
def workorder_closeout_report_status(request: HttpRequest, workorder_id: int, report_id: int) -> HttpResponse:
    """The report's progress (htmx polls its ``progress`` partial; without JavaScript the page reloads)."""
    report = selectors.closeout_report_get(report_id=report_id, workorder_id=workorder_id)
    if report is None:
        raise Http404("No such report")
    context = {"report": report, "workorder_id": workorder_id}
    template = "dispatch/closeout_report.html"
    return render(request, f"{template}#progress" if is_partial(request) else template, context)


@viewer_required
@require_GET
def workorder_closeout_report_download(
    request: HttpRequest, workorder_id: int, report_id: int
) -> HttpResponse:
    report = selectors.closeout_report_get(report_id=report_id, workorder_id=workorder_id)
    if report is None:
        raise Http404("No such report")
    path = selectors.closeout_report_file(report=report)
    if path is None:
        return redirect("workorder_closeout_report_status", workorder_id, report.pk)
    response = FileResponse(
        path.open("rb"), content_type="application/pdf", as_attachment=True, filename=report.filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


# -- the bundle -------------------------------------------------------------------------------------


@viewer_required
@require_GET
@upstream_page(status=502)
def workorder_closeout_bundle(request: HttpRequest, workorder_id: int) -> HttpResponse:
    """Every close-out document and photo in one ZIP with a manifest, streamed while it is made."""
    archive = bundle.closeout_bundle_stream(workorder_id=workorder_id)
    return stream_download(archive, filename=archive.filename)
