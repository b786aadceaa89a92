"""Documents and photos of sites and work orders: uploads and deletes (queued writes), downloads streamed
from TechLink, and the full-size photo page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from portal_ui.accounts.permissions import dispatcher_required, viewer_required
from portal_ui.core.downloads import stream_download
from portal_ui.dispatch import forms, live, sections
from portal_ui.dispatch.views.common import View, queued_removal, refuse, refused_by_status, upstream_page
from portal_ui.dispatch.views.pages import send_into
from portal_ui.jobs import services as jobs_services
from portal_ui.jobs.models import UpstreamWrite, WriteKind

# -- uploads and deletes --------------------------------------------------------------------------


def _upload_view(page: str, section: str, upload: Callable[..., UpstreamWrite], *, prefix: str) -> View:
    """The view queueing a document upload into ``section`` of a detail page; ``upload`` is the jobs
    service, which takes the owner's id as the URL names it."""

    @dispatcher_required
    @require_POST
    @upstream_page
    def view(request: HttpRequest, **owner: int) -> HttpResponse:
        form = forms.DocumentUploadForm(request.POST, request.FILES, prefix=prefix)

        def send(data: dict[str, Any]) -> UpstreamWrite:
            return upload(user=request.user, upload=data["file"], description=data["description"], **owner)

        return send_into(
            request, page, section, owner, form, send, message="Uploading {file.name} to TechLink."
        )

    return view


def _delete_view(page: str, delete: Callable[..., UpstreamWrite]) -> View:
    """The view queueing a document delete from a detail page; the row, named as the page listed the
    document (else by its number), stays marked as being removed until TechLink has the change."""

    @dispatcher_required
    @require_POST
    def view(request: HttpRequest, document_id: int, **owner: int) -> HttpResponse:
        back = sections.PAGES[page].url(**owner)
        if "workorder_id" in owner:
            reason = refused_by_status(owner["workorder_id"], WriteKind.WORKORDER_DOCUMENT_DELETE)
            if reason:
                return refuse(request, reason, back=back)
        write = delete(user=request.user, document_id=document_id, **owner)
        filename = forms.DocumentDeleteForm(request.POST).shown_name()
        label = f"“{filename}”" if filename else f"document #{document_id}"
        return queued_removal(request, write, back=back, label=label, message=f"Deleting {label}.")

    return view


site_document_upload = _upload_view("site", "documents", jobs_services.site_document_upload, prefix="doc")
site_document_delete = _delete_view("site", jobs_services.site_document_delete)
workorder_document_upload = _upload_view(
    "workorder", "client_documents", jobs_services.workorder_document_upload, prefix="doc"
)
workorder_document_delete = _delete_view("workorder", jobs_services.workorder_document_delete)
workorder_required_upload = _upload_view(
    "workorder", "required_documents", jobs_services.workorder_required_document_upload, prefix="req"
)


# -- downloads and photos -------------------------------------------------------------------------


def _download_view(source: Callable[..., live.Download], *, inline_images: bool = False) -> View:
    """The view streaming one kind of file from TechLink (``source`` takes the ids as the URL names them).
    With ``inline_images``, an image is shown in the page, and may be kept five minutes (thumbnails are
    shown again and again)."""

    @viewer_required
    @require_GET
    @upstream_page(status=502)
    def view(request: HttpRequest, **ids: int) -> HttpResponse:
        download = source(**ids)
        inline = inline_images and download.raw.content_type.lower().startswith("image/")
        cache_control = "private, max-age=300" if inline else "private, no-store"
        return stream_download(
            download.raw, filename=download.filename, inline=inline, cache_control=cache_control
        )

    return view


site_document_download = _download_view(live.site_document)
workorder_document_download = _download_view(live.workorder_document)
workorder_required_download = _download_view(live.workorder_required_document)
workorder_closeout_download = _download_view(live.workorder_closeout_document)
# Photos through the dashboard (same origin, staff only): thumbnails and the full-size view.
workorder_photo_raw = _download_view(live.workorder_photo, inline_images=True)


@viewer_required
@require_GET
@upstream_page
def workorder_photo(request: HttpRequest, workorder_id: int, photo_id: int) -> HttpResponse:
    """One photo at full size, with the previous and next ones a click away."""
    view = live.workorder_photo_get(workorder_id=workorder_id, photo_id=photo_id)
    context = {"view": view, "wo": view.workorder, "zone": view.zone}
    return render(request, "dispatch/workorder_photo.html", context)
