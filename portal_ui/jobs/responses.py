"""What htmx responses about a write tell the page."""

from django.http import HttpResponse

from portal_ui.core.htmx import trigger_json

from .models import UpstreamWrite, WriteStatus

WRITE_DONE_EVENT = "techlink:write-done"


def announce_done(response: HttpResponse, write: UpstreamWrite) -> HttpResponse:
    """Once TechLink has the write, an ``HX-Trigger`` tells the page, whose lists of what the write changed
    fetch themselves again: ``{"techlink:write-done": {"id": <write id>, "kind": <write kind>}}``."""
    if write.status == WriteStatus.DONE:
        trigger_json(response, WRITE_DONE_EVENT, {"id": write.pk, "kind": write.kind})
    return response
