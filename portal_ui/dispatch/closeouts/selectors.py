"""Reads of close-out reviews from the dashboard's own tables: a work order's history of decisions and
reminders, the review queue, the reports. Nothing here asks TechLink or writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.utils import timezone

from portal_ui.dispatch.models import (
    CloseoutDecision,
    CloseoutReminder,
    CloseoutReport,
    CloseoutState,
    Outcome,
    ReportStatus,
)
from portal_ui.mirror.models import WorkOrderRecord
from portal_ui.mirror.selectors import WorkOrderRow
from portal_ui.mirror.selectors.lists import workorder_rows

from .items import CloseoutItems, options_key

__all__ = [
    "CloseoutHistory",
    "QueueEntry",
    "closeout_history",
    "closeout_queue",
    "closeout_queue_count",
    "closeout_recent_reminder",
    "closeout_report_file",
    "closeout_report_for",
    "closeout_report_get",
    "closeout_state_get",
    "closeout_version",
]


@dataclass(frozen=True)
class CloseoutHistory:
    """A work order's decisions and reminders, newest first, and its latest decision."""

    decisions: list[CloseoutDecision]
    reminders: list[CloseoutReminder]

    @property
    def latest(self) -> CloseoutDecision | None:
        return self.decisions[0] if self.decisions else None

    @property
    def last_reminder(self) -> CloseoutReminder | None:
        return self.reminders[0] if self.reminders else None

    @property
    def is_empty(self) -> bool:
        return not (self.decisions or self.reminders)


def closeout_history(*, workorder_id: int) -> CloseoutHistory:
    decisions = CloseoutDecision.objects.filter(workorder_id=workorder_id).select_related("note_write")
    reminders = CloseoutReminder.objects.filter(workorder_id=workorder_id).select_related("write")
    return CloseoutHistory(decisions=list(decisions), reminders=list(reminders))


def closeout_state_get(*, workorder_id: int) -> CloseoutState | None:
    return CloseoutState.objects.filter(pk=workorder_id).first()


def closeout_version(*, fingerprint: str, workorder_id: int) -> str:
    """The version of a close-out a decision is taken on: its content and its latest decision. A decision
    posted with another version than the current one is refused (the page was out of date)."""
    state = closeout_state_get(workorder_id=workorder_id)
    return f"{state.decision_version if state else 0}:{fingerprint}"


def closeout_recent_reminder(*, workorder_id: int, now: datetime | None = None) -> CloseoutReminder | None:
    """The latest reminder, when it was sent within ``CLOSEOUT_REMINDER_REPEAT_HOURS`` (another one then
    needs a confirmation)."""
    since = (now or timezone.now()) - timedelta(hours=settings.CLOSEOUT_REMINDER_REPEAT_HOURS)
    return (
        CloseoutReminder.objects.filter(workorder_id=workorder_id, sent_at__gte=since)
        .select_related("write")
        .first()
    )


# -- the review queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    """A work order waiting for a close-out decision."""

    workorder_id: int
    activity_at: datetime | None
    delivered: dict
    last_outcome: str
    last_decision_at: datetime | None
    row: WorkOrderRow | None

    @property
    def documents(self) -> int:
        return len(self.delivered.get("documents", []))

    @property
    def photos(self) -> int:
        return len(self.delivered.get("photos", []))

    @property
    def answers(self) -> int:
        return len(self.delivered.get("answers", {}))

    @property
    def was_returned(self) -> bool:
        return self.last_outcome == Outcome.RETURNED


def _queue():
    return CloseoutState.objects.filter(needs_review=True).order_by("-activity_at", "-workorder_id")


def closeout_queue_count() -> int:
    return _queue().count()


def _entries(states: list[CloseoutState]) -> list[QueueEntry]:
    records = WorkOrderRecord.objects.filter(pk__in=[s.workorder_id for s in states])
    rows = {row.id: row for row in workorder_rows(records)}
    return [
        QueueEntry(
            workorder_id=s.workorder_id,
            activity_at=s.activity_at,
            delivered=s.delivered or {},
            last_outcome=s.last_outcome,
            last_decision_at=s.last_decision_at,
            row=rows.get(s.workorder_id),
        )
        for s in states
    ]


def closeout_queue(*, page: int = 1, per_page: int = 25) -> Page:
    """Work orders whose technician delivered close-out documents, photos or answers since the latest
    decision (or ever, when none was taken), and that are not approved; latest delivery first."""
    paginator = Paginator(_queue(), per_page)
    current = paginator.get_page(page)
    current.object_list = _entries(list(current.object_list))
    return current


# -- reports ----------------------------------------------------------------------------------------


def closeout_report_get(*, report_id: int | str | None, workorder_id: int) -> CloseoutReport | None:
    """A report of this work order (None when there is no such report, or it is another work order's)."""
    try:
        pk = int(report_id or 0)
    except (TypeError, ValueError):
        return None
    return CloseoutReport.objects.filter(pk=pk, workorder_id=workorder_id).first()


def closeout_report_for(
    *, report_id: int | str | None, workorder_id: int, items: CloseoutItems | None, branding=None
) -> CloseoutReport | None:
    """A report of this work order made for this audience (the items and branding of a portal link), or
    None: a customer never opens a report made for staff or for another link."""
    report = closeout_report_get(report_id=report_id, workorder_id=workorder_id)
    if report is None or report.variant != options_key(items, branding):
        return None
    return report


def closeout_report_file(*, report: CloseoutReport) -> Path | None:
    """Where a ready report's PDF is on disk (None when it is not ready or its file is gone)."""
    if report.status != ReportStatus.DONE or not report.file:
        return None
    path = Path(settings.MEDIA_ROOT) / report.file
    return path if path.is_file() else None
