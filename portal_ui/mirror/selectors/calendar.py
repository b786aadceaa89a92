"""Scheduled installs for calendar feeds, with their site's address, from the read model (one query)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import QuerySet

from .queues import CANCELLED_CODE

FEED_FIELDS = (
    "id", "summary", "status", "po", "client_reference", "scheduled_at", "scheduled_date", "site_timezone",
    "installer_name", "planned_tech_name", "site_id", "site_name", "site__street", "site__city",
    "site__stateabbr", "site__state", "site__zip", "synced_at", "last_modified",
)  # fmt: skip


def scheduled_installs(qs: QuerySet, *, start: datetime, end: datetime) -> Iterator[dict]:
    """The work orders of ``qs`` scheduled between ``start`` and ``end`` (cancelled ones left out)."""
    rows = (
        qs.filter(scheduled_at__gte=start, scheduled_at__lt=end)
        .exclude(status_code=CANCELLED_CODE)
        .order_by("scheduled_at", "id")
        .values(*FEED_FIELDS)
    )
    return rows.iterator(chunk_size=2000)
