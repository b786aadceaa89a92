"""Writes of close-out reviews: what the technician delivered (the review queue), decisions (a return's
reason goes to TechLink as a note through the outbox) and reminders.

Each decision and reminder is recorded against the version of the work order's ``CloseoutState`` the page
showed: two at once, or one on a page that is out of date, cannot both be recorded (``CloseoutConflict``,
``ReminderNeedsConfirmation``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from portal_ui.accounts.models import User
from portal_ui.dispatch import live
from portal_ui.dispatch.closeout import deliveries_of, delivery_count, new_deliveries
from portal_ui.dispatch.forms import line_breaks
from portal_ui.dispatch.models import CloseoutDecision, CloseoutReminder, CloseoutState, Outcome
from portal_ui.integrations.techlink import types
from portal_ui.jobs import services as jobs_services
from portal_ui.mirror.models import WorkOrderRecord

from . import selectors
from .content import closeout_content_get

__all__ = [
    "CloseoutConflict",
    "ReminderNeedsConfirmation",
    "closeout_decision_record",
    "closeout_reminder_send",
    "closeout_scan",
    "closeout_state_observe",
]

logger = logging.getLogger(__name__)

REASON_MAX = 4000


class CloseoutConflict(Exception):
    """The close-out changed since the page was loaded; nothing was recorded. The message says what changed."""

    def __init__(self, message: str, *, decision: CloseoutDecision | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.decision = decision


class ReminderNeedsConfirmation(Exception):
    """A reminder was sent a short while ago (or since the preview was shown): another one needs a yes."""

    def __init__(self, reminder: CloseoutReminder | None, version: int) -> None:
        super().__init__("A reminder was sent a short while ago.")
        self.reminder = reminder
        self.version = version


def _name(user: User | None) -> str:
    if user is None:
        return "System"
    return (user.get_full_name() or user.username)[:150]


def _state(workorder_id: int) -> CloseoutState:
    """The work order's state row, locked for the transaction (made when it is first needed)."""
    try:
        with transaction.atomic():
            CloseoutState.objects.get_or_create(pk=workorder_id)
    except IntegrityError:  # made by another request at the same moment
        pass
    return CloseoutState.objects.select_for_update().get(pk=workorder_id)


def _first_activity(workorder: types.WorkOrder, now: datetime, zone: ZoneInfo | None) -> datetime:
    """When the technician delivered what is seen for the first time: the latest photo or answer time
    TechLink gives (answers carry site-local times: ``zone``), else now."""
    stamps = [p.created_date for p in workorder.photos or [] if p.created_date and p.created_date.tzinfo]
    for question in workorder.questions or []:
        stamp = question.last_modified
        if question.is_answered and stamp is not None:
            if stamp.tzinfo is None and zone is not None:
                stamp = stamp.replace(tzinfo=zone)
            if stamp.tzinfo is not None:
                stamps.append(stamp)
    return min(max(stamps), now) if stamps else now


# -- what the technician delivered ------------------------------------------------------------------


def closeout_state_observe(
    *,
    workorder_id: int,
    workorder: types.WorkOrder,
    now: datetime | None = None,
    zone: ZoneInfo | None = None,
) -> CloseoutState | None:
    """Record the documents, photos and answers TechLink shows now for the work order (the work order must
    come with them: ``include_questions``, ``include_photos``, ``include_closeout_documents``). Something
    new since the last look is the technician's latest activity, and puts the work order (back) in the review
    queue unless its close-out is approved. ``zone``: the site's, for the times of answers."""
    if workorder.photos is None or workorder.questions is None or workorder.closeout_documents is None:
        return None
    now = now or timezone.now()
    delivered = deliveries_of(
        closeout_documents=workorder.closeout_documents,
        photos=workorder.photos,
        questions=workorder.questions,
    )
    with transaction.atomic():
        state = _state(workorder_id)
        count = delivery_count(delivered)
        if state.checked_at is None:
            state.activity_at = _first_activity(workorder, now, zone) if count else None
        elif new_deliveries(state.delivered or {}, delivered):
            state.activity_at = now
        state.delivered, state.delivered_count, state.checked_at = delivered, count, now
        state.needs_review = state.compute_needs_review()
        state.save(
            update_fields=["delivered", "delivered_count", "activity_at", "checked_at", "needs_review"]
        )
    return state


def _scan_candidates(budget: int, now: datetime) -> list[tuple[int, str]]:
    since = now - timedelta(days=settings.CLOSEOUT_SCAN_DAYS)
    checked = CloseoutState.objects.filter(pk=OuterRef("pk")).values("checked_at")[:1]
    records = (
        WorkOrderRecord.objects.filter(status_code__in=settings.CLOSEOUT_SCAN_STATUSES)
        .filter(Q(scheduled_at__gte=since) | Q(last_modified__gte=since))
        .annotate(checked=Subquery(checked))
        .order_by(F("checked").asc(nulls_first=True), "-id")
    )
    return list(records.values_list("id", "site_timezone")[:budget])


def closeout_scan(*, budget: int | None = None, now: datetime | None = None) -> int:
    """Look at the close-outs of work orders a technician has been to (``CLOSEOUT_SCAN_STATUSES``, scheduled
    or changed within ``CLOSEOUT_SCAN_DAYS``), those looked at longest ago first, at most ``budget``
    (``CLOSEOUT_SCAN_BUDGET``): one TechLink call each, several at once. Answers how many were looked at."""
    now = now or timezone.now()
    candidates = _scan_candidates(budget or settings.CLOSEOUT_SCAN_BUDGET, now)
    ids = [workorder_id for workorder_id, _ in candidates]
    zones = dict(candidates)
    seen = 0
    for workorder_id, workorder in zip(ids, live.workorders_closeout_get(workorder_ids=ids), strict=True):
        if workorder is None:
            logger.info("Close-out scan: TechLink did not give work order #%s", workorder_id)
            continue
        zone = types.site_zone(zones.get(workorder_id))
        closeout_state_observe(workorder_id=workorder_id, workorder=workorder, now=now, zone=zone)
        seen += 1
    return seen


# -- decisions --------------------------------------------------------------------------------------


def _return_note(user: User | None, reason: str) -> str:
    return f"Close-out returned by {_name(user)}. Please fix and upload again:\n{reason}"


def _conflict(state: CloseoutState, seen: int) -> CloseoutConflict:
    decision = state.last_decision
    if decision is not None and state.decision_version != seen:
        when = timezone.localtime(decision.decided_at).strftime("%Y-%m-%d %H:%M %Z")
        message = (
            f"{decision.decided_by_name} recorded “{decision.get_outcome_display()}” at {when}, after this page "
            "was loaded."
        )
        return CloseoutConflict(message, decision=decision)
    return CloseoutConflict(
        "The close-out changed in TechLink since this page was loaded (documents, photos or answers)."
    )


def closeout_decision_record(
    *, user: User, workorder_id: int, outcome: str, version: str, reason: str = ""
) -> CloseoutDecision:
    """Approve or return the close-out as the page showed it (``version``: ``selectors.closeout_version``).

    The close-out is read from TechLink again: when it or the latest decision changed since, nothing is
    recorded (``CloseoutConflict``). A return needs a reason, which is posted to the work order as a note
    through the outbox. The decision keeps who, when, the completeness then, and the reason."""
    outcome = Outcome(outcome)
    reason = line_breaks(reason or "").strip()
    if outcome == Outcome.RETURNED and not reason:
        raise ValidationError({"reason": "Say what the technician has to fix: the reason is sent to them."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX} characters."})
    seen_version, _, seen_fingerprint = (version or "").partition(":")
    content = closeout_content_get(workorder_id=workorder_id)
    now = timezone.now()
    with transaction.atomic():
        state = _state(workorder_id)
        if str(state.decision_version) != seen_version or content.fingerprint != seen_fingerprint:
            raise _conflict(state, int(seen_version) if seen_version.isdigit() else -1)
        decision = CloseoutDecision.objects.create(
            workorder_id=workorder_id,
            outcome=outcome,
            reason=reason,
            decided_by=user,
            decided_by_name=_name(user),
            decided_at=now,
            completeness=content.review.summary(),
            fingerprint=content.fingerprint,
        )
        if outcome == Outcome.RETURNED:
            decision.note = _return_note(user, reason)
            decision.note_write = jobs_services.workorder_note_add(
                user=user, workorder_id=workorder_id, note=decision.note
            )
            decision.save(update_fields=["note", "note_write"])
        wo = content.workorder
        delivered = deliveries_of(
            closeout_documents=wo.closeout_documents, photos=wo.photos, questions=wo.questions
        )
        if state.checked_at is None and delivery_count(delivered):
            state.activity_at = _first_activity(wo, now, content.zone)
        state.delivered, state.delivered_count, state.checked_at = delivered, delivery_count(delivered), now
        state.last_decision, state.last_outcome, state.last_decision_at = decision, outcome, now
        state.decision_version += 1
        state.needs_review = state.compute_needs_review()
        state.save()
    return decision


# -- reminders --------------------------------------------------------------------------------------


def closeout_reminder_send(
    *,
    user: User,
    workorder_id: int,
    note: str,
    version: int,
    missing_count: int = 0,
    confirm_repeat: bool = False,
) -> CloseoutReminder:
    """Send the (edited) reminder to the technician as a note through the outbox, and keep it.

    ``version`` is the work order's reminder version when the preview was shown. A reminder sent since
    then (a second click, a colleague) always asks again; one sent within ``CLOSEOUT_REMINDER_REPEAT_HOURS``
    before the preview asks unless ``confirm_repeat``: ``ReminderNeedsConfirmation`` in both cases, and
    nothing is sent."""
    note = line_breaks(note or "").strip()
    if not note:
        raise ValidationError({"note": "The reminder is empty."})
    with transaction.atomic():
        state = _state(workorder_id)
        recent = selectors.closeout_recent_reminder(workorder_id=workorder_id)
        if state.reminder_version != version or (recent is not None and not confirm_repeat):
            raise ReminderNeedsConfirmation(recent or state.last_reminder, state.reminder_version)
        write = jobs_services.workorder_note_add(user=user, workorder_id=workorder_id, note=note)
        reminder = CloseoutReminder.objects.create(
            workorder_id=workorder_id,
            note=note,
            missing_count=max(0, missing_count),
            sent_by=user,
            sent_by_name=_name(user),
            write=write,
        )
        state.last_reminder = reminder
        state.reminder_version += 1
        state.save(update_fields=["last_reminder", "reminder_version"])
    return reminder
