"""The home page's summary, and how fresh the read model is."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count
from django.utils import timezone

from portal_ui.core.columns import aware_datetime

from ..models import ProjectRecord, SiteRecord, SyncLease, SyncState, WorkOrderRecord
from .lists import WorkOrderRow, workorder_rows, workorder_status_names
from .queues import dashboard_day, queue_filter

HOME_LIST_SIZE = 10
STALE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class StatusCount:
    status_code: int
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class HomeSummary:
    today: date
    status_counts: list[StatusCount]
    total: int
    scheduled_today: list[WorkOrderRow]
    scheduled_today_count: int
    overdue: list[WorkOrderRow]
    overdue_count: int
    unscheduled: list[WorkOrderRow]
    unscheduled_count: int
    unassigned: list[WorkOrderRow]
    unassigned_count: int
    recently_modified: list[WorkOrderRow]


@dataclass(frozen=True, slots=True)
class Freshness:
    site_count: int = 0
    workorder_count: int = 0
    full_sync_at: datetime | None = None
    full_sync_started_at: datetime | None = None
    new_scan_at: datetime | None = None
    open_refresh_at: datetime | None = None
    reference_sync_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    running: str = ""  # the cycles running right now ("full", "new, open"...), "" when none
    checked_at: datetime = field(default_factory=timezone.now)
    # Changes whenever the sync stores, changes or removes a work order, a site, a status name or the reference
    # lists ("" when it could not be read): what the staff pages key their cached fragments on.
    version: str = ""

    @property
    def workorders_synced_at(self) -> datetime | None:
        """When work orders were last brought up to date (newest of the sync cycles)."""
        stamps = [s for s in (self.full_sync_at, self.open_refresh_at, self.new_scan_at) if s]
        return max(stamps) if stamps else None

    @property
    def sites_synced_at(self) -> datetime | None:
        stamps = [s for s in (self.full_sync_at, self.new_scan_at) if s]
        return max(stamps) if stamps else None

    @property
    def never_synced(self) -> bool:
        return self.workorders_synced_at is None

    @property
    def is_stale(self) -> bool:
        synced = self.workorders_synced_at
        return synced is None or self.checked_at - synced > STALE_AFTER


# -- home -------------------------------------------------------------------------------------------


def home_summary(*, today: date | None = None) -> HomeSummary:
    """What the home page shows; "today" is a day in the dashboard's time zone (``TIME_ZONE``).

    * status counts: every known status (zero included) plus any other status found;
    * the four queues of ``queue_filter`` (today's installs by time, overdue ones oldest first, unscheduled and
      unassigned ones newest first), each with its count;
    * recently modified: the latest changes upstream.
    """
    today = dashboard_day(today)[0]
    records = WorkOrderRecord.objects.all()
    counts = dict(
        records.order_by().values_list("status_code").annotate(n=Count("id")).values_list("status_code", "n")
    )
    names = workorder_status_names()
    for code, status in (
        records.filter(status_code__in=[c for c in counts if c not in names])
        .values_list("status_code", "status")
        .distinct()
    ):
        names.setdefault(code, status)
    status_counts = [
        StatusCount(status_code=code, status=names.get(code, ""), count=counts.get(code, 0))
        for code in sorted(set(names) | {c for c in counts if c is not None})
    ]
    # Separate counts: each one is answered from an index, cheaper than one pass over the table.
    today_qs = queue_filter(records, "today", today=today)
    overdue_qs = queue_filter(records, "overdue", today=today)
    unscheduled_qs = queue_filter(records, "unscheduled", today=today)
    unassigned_qs = queue_filter(records, "unassigned", today=today)
    return HomeSummary(
        today=today,
        status_counts=status_counts,
        total=sum(counts.values()),
        scheduled_today=workorder_rows(today_qs.order_by("scheduled_at", "id")[:HOME_LIST_SIZE]),
        scheduled_today_count=today_qs.count(),
        overdue=workorder_rows(overdue_qs.order_by("scheduled_at", "id")[:HOME_LIST_SIZE]),
        overdue_count=overdue_qs.count(),
        unscheduled=workorder_rows(unscheduled_qs.order_by("-id")[:HOME_LIST_SIZE]),
        unscheduled_count=unscheduled_qs.count(),
        unassigned=workorder_rows(unassigned_qs.order_by("-id")[:HOME_LIST_SIZE]),
        unassigned_count=unassigned_qs.count(),
        recently_modified=workorder_rows(
            records.filter(last_modified__isnull=False).order_by("-last_modified", "id")[:HOME_LIST_SIZE]
        ),
    )


_STATE_FIELDS = (
    "full_sync_started_at", "full_sync_finished_at", "new_scan_at", "open_refresh_at", "site_count",
    "workorder_count", "last_error", "last_error_at", "reference_sync_at",
)  # fmt: skip


@functools.cache
def _freshness_sql(vendor: str) -> str:
    """One statement for the freshness line and the version, written once per database vendor: it runs on
    every staff page that does not keep it, where building it with the ORM each time would cost more than
    running it. The leases come as every lease with an end (a JSON list of [name, until]): whether one is
    still running depends on the time of reading, not on the rows."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    state, wo, site, project, lease = (
        quote(m._meta.db_table) for m in (SyncState, WorkOrderRecord, SiteRecord, ProjectRecord, SyncLease)
    )
    if vendor == "postgresql":
        leases = "JSON_AGG(JSON_BUILD_ARRAY(name, until))"
    else:
        leases = "JSON_GROUP_ARRAY(JSON_ARRAY(name, until))"
    columns = ", ".join(f"s.{quote(f)}" for f in _STATE_FIELDS)
    return (
        f"SELECT (SELECT synced_at FROM {wo} ORDER BY synced_at DESC LIMIT 1),"
        f" (SELECT synced_at FROM {site} ORDER BY synced_at DESC LIMIT 1),"
        f" (SELECT MAX(synced_at) FROM {project}),"
        f" (SELECT {leases} FROM {lease} WHERE until IS NOT NULL), s.id, {columns}"
        f" FROM (SELECT 1 AS one) AS o LEFT JOIN {state} AS s ON s.id = 1"
    )


def _version(stamps: tuple[object, ...], state: dict[str, object]) -> str:
    """The read model's version. The sync stamps every work order, site and project it stores (status names
    and the copied site fields are written with them), records its counts after removing what TechLink no
    longer has, and stamps the reference lists: one of these moves whenever what a list shows may have
    changed."""
    parts = (
        *(aware_datetime(stamp) for stamp in stamps),
        state.get("workorder_count"),
        state.get("site_count"),
        state.get("full_sync_finished_at"),
        state.get("reference_sync_at"),
    )
    return "|".join(str(p) for p in parts)


def _leases(found: object) -> tuple[tuple[str, datetime], ...]:
    """The leases with an end, as (name, until): PostgreSQL gives the list, SQLite its JSON text."""
    if isinstance(found, str | bytes):
        found = json.loads(found)
    return tuple((str(name), aware_datetime(until)) for name, until in found or () if until is not None)


def freshness_values() -> dict[str, Any]:
    """The freshness line as the database holds it, in one query: plain values (the sync's state, the leases
    with their ends, the version), nothing that depends on when they are shown. ``freshness`` makes them
    the line; what reads them often keeps them until the read model's writers move its generation."""
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(_freshness_sql(connection.vendor))
        workorders_at, sites_at, projects_at, leases, state_id, *values = cursor.fetchone()
    stamps = (workorders_at, sites_at, projects_at)
    if state_id is None:
        return {"state": None, "leases": _leases(leases), "version": _version(stamps, {})}
    state = dict(zip(_STATE_FIELDS, values, strict=True))
    for name, value in state.items():
        if name.endswith("_at"):
            state[name] = aware_datetime(value)
    return {"state": state, "leases": _leases(leases), "version": _version(stamps, state)}


def freshness(values: dict[str, Any] | None = None) -> Freshness:
    """When the read model was last brought up to date, whether a sync is running (a lease whose end lies
    ahead now) or failed, and the read model's version (``Freshness.version``): from ``values``
    (``freshness_values``), else read now in one query."""
    if values is None:
        values = freshness_values()
    now = timezone.now()
    running = ", ".join(sorted({name for name, until in values["leases"] if until > now}))
    state = values["state"]
    if state is None:
        return Freshness(running=running, checked_at=now, version=values["version"])
    return Freshness(
        site_count=state["site_count"],
        workorder_count=state["workorder_count"],
        full_sync_at=state["full_sync_finished_at"],
        full_sync_started_at=state["full_sync_started_at"],
        new_scan_at=state["new_scan_at"],
        open_refresh_at=state["open_refresh_at"],
        reference_sync_at=state["reference_sync_at"],
        last_error=state["last_error"],
        last_error_at=state["last_error_at"],
        running=running,
        checked_at=now,
        version=values["version"],
    )
