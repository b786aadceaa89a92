"""Values of columns read with hand-written SQL, where no model field converts them."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def aware_datetime(value: object) -> datetime | None:
    """A date/time column as the database gives it back, aware: PostgreSQL gives an aware datetime, SQLite
    the UTC time as text or as a naive datetime."""
    if value is None or isinstance(value, datetime):
        moment = value
    else:
        moment = parse_datetime(str(value))
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment
