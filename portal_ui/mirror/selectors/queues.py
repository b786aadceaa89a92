"""The home page's queues of work orders, also offered as a filter of the work order list."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from portal_ui.integrations.techlink import types

# Open work orders whose install has not happened yet: late when their scheduled time has passed.
AWAITING_INSTALL_CODES = frozenset(c for c in types.OPEN_STATUS_CODES if c < 70)
CANCELLED_CODE = 95


class InvalidFilter(ValueError):
    """A filter value the search cannot use; the message says what is wrong and is safe to show."""


# The home page's queues, also offered as a filter of the work order list (``filters["queue"]``).
QUEUES: dict[str, str] = {
    "today": "Installs today",
    "overdue": "Overdue installs",
    "unscheduled": "Unscheduled",
    "unassigned": "Unassigned",
}


def dashboard_day(today: date | None) -> tuple[date, datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    today = today or timezone.localdate(timezone=zone)
    start = datetime.combine(today, time.min, tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    return today, start, end


def queue_filter(qs: QuerySet, queue: str, *, today: date | None = None) -> QuerySet:
    """The work orders of one home page queue (a key of ``QUEUES``); "today" is in ``TIME_ZONE``.

    * today: scheduled within today, cancelled ones left out;
    * overdue: open work orders still awaiting their install whose scheduled time is before today;
    * unscheduled: open work orders without a scheduled date (upstream's all-zero dates are stored as none);
    * unassigned: open work orders without an installer.
    """
    _, start, end = dashboard_day(today)
    if queue == "today":
        return qs.filter(scheduled_at__gte=start, scheduled_at__lt=end).exclude(status_code=CANCELLED_CODE)
    if queue == "overdue":
        return qs.filter(status_code__in=AWAITING_INSTALL_CODES, scheduled_at__lt=start)
    open_records = qs.filter(status_code__in=types.OPEN_STATUS_CODES)
    if queue == "unscheduled":
        return open_records.filter(scheduled_at__isnull=True)  # set together with scheduled_date
    if queue == "unassigned":
        return open_records.filter(is_assigned=False)
    raise InvalidFilter(f"Unknown queue: {queue}")
