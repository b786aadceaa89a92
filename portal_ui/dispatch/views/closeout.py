"""The close-out review of a work order, and the reminder to the technician of what it lacks."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal_ui.accounts.permissions import dispatcher_required
from portal_ui.core.upstream import UpstreamUnavailable
from portal_ui.dispatch import live
from portal_ui.dispatch.views.common import queued, upstream_page
from portal_ui.dispatch.views.pages import detail_view, workorder_page
from portal_ui.jobs import services as jobs_services

# The close-out review; htmx gets its ``review`` section ("Check again" fetches it afresh).
workorder_closeout = detail_view(workorder_page, page="closeout")


@dispatcher_required
@require_POST
@upstream_page
def workorder_closeout_remind(request: HttpRequest, workorder_id: int) -> HttpResponse:
    """Post one note to the technician listing everything the close-out still lacks."""
    back = reverse("workorder_closeout", args=[workorder_id])
    try:
        detail = live.workorder_detail_get(workorder_id=workorder_id, write_back=False)
    except UpstreamUnavailable as exc:
        messages.error(request, f"{exc} The reminder was not sent because the close-out cannot be checked.")
        return redirect(back)
    if not detail.answered_in_full:
        messages.error(
            request, "TechLink did not answer in full, so the close-out cannot be checked; nothing was sent."
        )
        return redirect(back)
    missing = detail.review.missing_summary()
    if not missing:
        messages.info(request, "The close-out is complete; no reminder was needed.")
        return redirect(back)
    note = detail.review.reminder_note()
    write = jobs_services.workorder_note_add(user=request.user, workorder_id=workorder_id, note=note)
    message = f"Reminder with {len(missing)} missing item(s) sent to the technician."
    return queued(request, write, back=back, message=message)
