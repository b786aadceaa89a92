"""The close-out review of a work order: the review page, the decision (approve or return), the reminder to
the technician (previewed and editable before it is sent), and the review queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal_ui.accounts.permissions import dispatcher_required, viewer_required
from portal_ui.core.htmx import vary_on_htmx
from portal_ui.core.upstream import UpstreamError, upstream_banner
from portal_ui.dispatch import live, sections
from portal_ui.dispatch.closeouts import photos, selectors, services
from portal_ui.dispatch.closeouts.content import closeout_content_of
from portal_ui.dispatch.closeouts.forms import ApproveForm, ReminderForm, ReturnForm
from portal_ui.dispatch.models import Outcome
from portal_ui.dispatch.views.common import int_param, queued, shown_write, upstream_page

TEMPLATE = "dispatch/workorder_closeout.html"


def _review_context(request: HttpRequest, workorder_id: int) -> dict[str, Any]:
    """What the review shows, from a live read of TechLink; what the technician delivered is recorded (the
    review queue), and thumbnails not made yet are queued."""
    detail = live.workorder_detail_get(workorder_id=workorder_id)
    wo = detail.workorder
    version = ""
    if detail.answered_in_full:
        services.closeout_state_observe(workorder_id=workorder_id, workorder=wo, zone=detail.zone)
        version = selectors.closeout_version(
            fingerprint=closeout_content_of(detail).fingerprint, workorder_id=workorder_id
        )
    if wo.photos:
        photos.closeout_photos_prepare_soon(
            workorder_id=workorder_id, photo_ids=[p.photo_id for p in wo.photos]
        )
    history = selectors.closeout_history(workorder_id=workorder_id)
    return {
        "detail": detail,
        "wo": wo,
        "workorder_id": workorder_id,
        "site": detail.site,
        "zone": detail.zone,
        "review": detail.review,
        "history": history,
        "version": version,
        "recent_reminder": selectors.closeout_recent_reminder(workorder_id=workorder_id),
        "approve_form": ApproveForm(initial={"version": version}, prefix="approve"),
        "return_form": ReturnForm(initial={"version": version}, prefix="return"),
        "closeout_assets": True,  # the page links closeout.css/js itself
    }


@viewer_required
@require_GET
@vary_on_htmx
@upstream_page
def workorder_closeout(request: HttpRequest, workorder_id: int) -> HttpResponse:
    """The close-out review; htmx gets its ``review`` section ("Check again" fetches it afresh)."""
    context = _review_context(request, workorder_id)
    section = sections.asked(request, "closeout")
    if section:
        return render(request, f"{TEMPLATE}#{section.name}", context)
    context |= {"upstream_banner": context["detail"].upstream_error, "write": shown_write(request)}
    return render(request, TEMPLATE, context)


# -- decision ---------------------------------------------------------------------------------------


@dispatcher_required
@require_POST
@upstream_page
def workorder_closeout_decide(request: HttpRequest, workorder_id: int, outcome: str) -> HttpResponse:
    """Approve (``outcome="approved"``) or return the close-out as the page showed it."""
    back = reverse("workorder_closeout", args=[workorder_id])
    form_class, prefix = (ApproveForm, "approve") if outcome == Outcome.APPROVED else (ReturnForm, "return")
    form = form_class(request.POST, prefix=prefix)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    try:
        decision = services.closeout_decision_record(
            user=request.user,
            workorder_id=workorder_id,
            outcome=outcome,
            version=data["version"],
            reason=data["reason"],
        )
    except services.CloseoutConflict as exc:
        context = {
            "workorder_id": workorder_id,
            "conflict": exc,
            "outcome": outcome,
            "reason": data["reason"],
        }
        return render(request, "dispatch/closeout_conflict.html", context, status=409)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect(back)
    except UpstreamError as exc:
        messages.error(
            request, f"{upstream_banner(exc)} Nothing was recorded: the close-out cannot be checked now."
        )
        return redirect(back)
    if decision.note_write is not None:
        message = "Close-out returned. The reason is on its way to TechLink as a note to the technician."
        return queued(request, decision.note_write, back=back, message=message)
    messages.success(request, "Close-out approved.")
    return redirect(back)


# -- reminder ---------------------------------------------------------------------------------------


def _reminder_page(
    request: HttpRequest, workorder_id: int, form: ReminderForm, *, status: int = 200, **extra: Any
):
    context = {
        "workorder_id": workorder_id,
        "form": form,
        "recent_reminder": selectors.closeout_recent_reminder(workorder_id=workorder_id),
        **extra,
    }
    return render(request, "dispatch/closeout_remind.html", context, status=status)


@dispatcher_required
@require_http_methods(["GET", "POST"])
@upstream_page
def workorder_closeout_remind(request: HttpRequest, workorder_id: int) -> HttpResponse:
    """GET: the reminder as it would be sent, to edit. POST: send it (a note through the outbox), once."""
    back = reverse("workorder_closeout", args=[workorder_id])
    if request.method == "POST":
        form = ReminderForm(request.POST)
        if not form.is_valid():
            return _reminder_page(request, workorder_id, form, status=400)
        data = form.cleaned_data
        try:
            reminder = services.closeout_reminder_send(
                user=request.user,
                workorder_id=workorder_id,
                note=data["note"],
                version=data["version"],
                missing_count=data["missing_count"] or 0,
                confirm_repeat=data["confirm_repeat"],
            )
        except services.ReminderNeedsConfirmation as exc:
            again = ReminderForm(
                initial={"note": data["note"], "version": exc.version, "missing_count": data["missing_count"]}
            )
            return _reminder_page(request, workorder_id, again, status=409, just_sent=exc.reminder)
        count = reminder.missing_count
        message = f"Reminder with {count} missing item(s) sent to the technician."
        return queued(request, reminder.write, back=back, message=message)
    try:
        detail = live.workorder_detail_get(workorder_id=workorder_id, write_back=False)
    except UpstreamError as exc:
        messages.error(
            request, f"{upstream_banner(exc)} The close-out cannot be checked, so no reminder is offered."
        )
        return redirect(back)
    if not detail.answered_in_full:
        messages.error(request, "TechLink did not answer in full, so the close-out cannot be checked now.")
        return redirect(back)
    missing = detail.review.missing_summary()
    if not missing:
        messages.info(request, "The close-out is complete; no reminder is needed.")
        return redirect(back)
    state = selectors.closeout_state_get(workorder_id=workorder_id)
    form = ReminderForm(
        initial={
            "note": detail.review.reminder_note(),
            "version": state.reminder_version if state else 0,
            "missing_count": len(missing),
        }
    )
    return _reminder_page(request, workorder_id, form, missing=missing, review=detail.review)


# -- the review queue -------------------------------------------------------------------------------


@viewer_required
@require_GET
def closeout_queue(request: HttpRequest) -> HttpResponse:
    """Work orders whose technician delivered close-out documents, photos or answers since the latest
    decision, and that are not approved."""
    page = selectors.closeout_queue(page=int_param(request, "page"))
    return render(request, "dispatch/closeout_queue.html", {"page": page, "query": ""})
