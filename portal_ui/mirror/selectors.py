"""Reads for staff pages, all answered from the local read model (never from TechLink).

Searches follow TechLink's wildcard rules exactly (see ``search.py``), so a search here finds the same
records as the same search upstream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone

from portal_ui.integrations.techlink import types

from .models import (
    SITE_FOLDED,
    WORKORDER_FOLDED,
    ClientUserRecord,
    ProjectRecord,
    SiteRecord,
    SyncLease,
    SyncState,
    TaskItemRecord,
    WorkOrderRecord,
)
from .search import wildcard_int_filter, wildcard_q

__all__ = [
    "QUEUES",
    "WORKORDER_SORTS",
    "Freshness",
    "HomeSummary",
    "InvalidFilter",
    "Reference",
    "SiteRow",
    "StatusCount",
    "WorkOrderRow",
    "freshness",
    "home_summary",
    "queue_filter",
    "reference_get",
    "site_get",
    "site_search",
    "workorder_get",
    "workorder_list",
    "workorder_status_names",
]

# Open work orders whose install has not happened yet: late when their scheduled time has passed.
AWAITING_INSTALL_CODES = frozenset(c for c in types.OPEN_STATUS_CODES if c < 70)
CANCELLED_CODE = 95
HOME_LIST_SIZE = 10
STALE_AFTER = timedelta(minutes=15)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidFilter(ValueError):
    """A filter value the search cannot use; the message says what is wrong and is safe to show."""


# -- result types ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkOrderRow:
    id: int
    status: str
    status_code: int | None
    type: str
    summary: str
    po: str
    client_reference: str
    project_id: int | None
    site_id: int | None
    site_name: str
    site_city: str
    site_state: str
    site_timezone: str
    scheduled_date: datetime | None  # naive, site-local, as upstream shows it
    scheduled_at: datetime | None  # aware
    installer_name: str
    is_assigned: bool
    last_modified: datetime | None
    synced_at: datetime

    @property
    def is_scheduled(self) -> bool:
        return self.scheduled_date is not None

    @property
    def is_open(self) -> bool:
        return self.status_code in types.OPEN_STATUS_CODES


@dataclass(frozen=True, slots=True)
class SiteRow:
    id: int
    name: str
    siteid: str
    phone: str
    street: str
    city: str
    state: str
    stateabbr: str
    zip: str
    timezone: str
    contact1_name: str
    contact1_phone: str
    last_modified: datetime | None
    synced_at: datetime


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


# -- work orders -----------------------------------------------------------------------------------

# Work orders without a date (never scheduled, never modified) come last in both directions: a dispatcher
# sorting by schedule wants the dated ones first, and the unscheduled ones have their own queue.
WORKORDER_SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "id": ("id",),
    "-id": ("-id",),
    "status": ("status_code", "-id"),
    "-status": ("-status_code", "id"),
    "scheduled": (F("scheduled_at").asc(nulls_last=True), "-id"),
    "-scheduled": (F("scheduled_at").desc(nulls_last=True), "id"),
    "modified": (F("last_modified").asc(nulls_last=True), "-id"),
    "-modified": (F("last_modified").desc(nulls_last=True), "id"),
    "site": ("site_name", "-id"),
    "-site": ("-site_name", "id"),
    "summary": ("summary", "-id"),
    "-summary": ("-summary", "id"),
}
# The home page's queues, also offered as a filter of the work order list (``filters["queue"]``).
QUEUES: dict[str, str] = {
    "today": "Installs today",
    "overdue": "Overdue installs",
    "unscheduled": "Unscheduled",
    "unassigned": "Unassigned",
}
_WORKORDER_TEXT_FILTERS = ("summary", "description", "po")
_WORKORDER_INT_FILTERS = ("status_code", "project_id", "site_id")


_WO_ONLY = (
    "id", "status", "status_code", "type", "summary", "po", "client_reference", "project_id", "site_id",
    "site_name", "site_city", "site_state", "site_stateabbr", "site_timezone", "scheduled_date", "scheduled_at",
    "installer_name", "is_assigned", "last_modified", "synced_at",
)  # fmt: skip


def _wo_row(values: dict) -> WorkOrderRow:
    """A list row from ``.values(*_WO_ONLY)`` (plain values: no model instances to build)."""
    values = dict(values)
    abbr = values.pop("site_stateabbr")
    values["site_state"] = abbr or values["site_state"]
    scheduled = values["scheduled_date"]
    values["scheduled_date"] = datetime.fromisoformat(scheduled) if scheduled else None
    return WorkOrderRow(**values)


def _rows(qs: QuerySet) -> list[WorkOrderRow]:
    return [_wo_row(r) for r in qs.values(*_WO_ONLY)]


def workorder_filter(filters: dict, *, today: date | None = None) -> QuerySet:
    """Work orders matching upstream-style filters (empty values are ignored, like upstream)."""
    qs = WorkOrderRecord.objects.all()
    for name in _WORKORDER_INT_FILTERS:
        value = str(filters.get(name) or "").strip()
        if value:
            qs = wildcard_int_filter(qs, name, value)
    for name in _WORKORDER_TEXT_FILTERS:
        value = filters.get(name)
        if value:
            qs = qs.filter(wildcard_q(name, str(value), folded=WORKORDER_FOLDED[name]))
    queue = str(filters.get("queue") or "").strip()
    if queue:
        if queue not in QUEUES:
            raise InvalidFilter(f"Unknown queue: {queue}")
        qs = queue_filter(qs, queue, today=today)
    install_date = filters.get("install_date")
    if isinstance(install_date, date):
        qs = qs.filter(install_date=install_date)
    elif install_date and str(install_date).strip():
        text = str(install_date).strip()
        if not _DATE_RE.match(text):
            raise InvalidFilter("Invalid install date: expected YYYY-MM-DD")
        try:
            qs = qs.filter(install_date=date.fromisoformat(text))
        except ValueError:
            qs = qs.none()  # a well-formed but impossible date matches nothing, as upstream
    return qs


def workorder_list(
    *, filters: dict, sort: str = "-id", page: int = 1, per_page: int = 25, today: date | None = None
) -> Page:
    """One page of work orders (``WorkOrderRow``) matching ``filters``.

    ``filters`` keys: status_code, project_id, site_id, po, summary, description (upstream wildcards),
    install_date (YYYY-MM-DD, the date part of the site-local scheduled date) and queue (a key of
    ``QUEUES``: the home page's queue of that name, today's in the dashboard's time zone). ``sort`` is a key of
    ``WORKORDER_SORTS`` (unknown values fall back to newest first). Raises ``InvalidFilter``.
    """
    order = WORKORDER_SORTS.get(sort, WORKORDER_SORTS["-id"])
    qs = workorder_filter(filters, today=today).order_by(*order).values(*_WO_ONLY)
    paginator = Paginator(qs, per_page)
    result = paginator.get_page(page)
    result.object_list = [_wo_row(r) for r in result.object_list]
    return result


def workorder_status_names() -> dict[int, str]:
    """Work order status codes and their names, in code order, for pickers and labels."""
    return dict(sorted(types.WORKORDER_STATUSES.items()))


def workorder_get(*, workorder_id: int) -> WorkOrderRecord | None:
    """The stored work order (every field), or None when the read model does not have it."""
    return WorkOrderRecord.objects.filter(pk=workorder_id).first()


# -- sites ------------------------------------------------------------------------------------------

_SITE_ONLY = (
    "id", "name", "siteid", "phone", "street", "city", "state", "stateabbr", "zip", "timezone",
    "contact1_name", "contact1_phone", "last_modified", "synced_at",
)  # fmt: skip


def _site_row(values: dict) -> SiteRow:
    return SiteRow(**values)


def site_filter(
    *,
    site_code: str | None = None,
    name: str | None = None,
    address: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip: str | None = None,
) -> QuerySet:
    qs = SiteRecord.objects.all()

    def match(field_name: str, pattern: str) -> Q:
        return wildcard_q(field_name, pattern, folded=SITE_FOLDED[field_name])

    if site_code:
        qs = qs.filter(match("siteid", str(site_code)))
    if name:
        qs = qs.filter(match("name", name))
    if address:
        # Any non-empty street line may match, as upstream.
        qs = qs.filter(
            (match("street", address) & ~Q(street=""))
            | (match("street2", address) & ~Q(street2=""))
            | (match("street3", address) & ~Q(street3=""))
        )
    if city:
        qs = qs.filter(match("city", city))
    if state:
        qs = qs.filter(match("state", state) | match("stateabbr", state))
    if zip:
        qs = qs.filter(match("zip", zip))
    return qs


def site_search(
    *,
    site_code: str | None = None,
    name: str | None = None,
    address: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """One page of sites (``SiteRow``), newest first, matching upstream-style wildcard filters.

    ``site_code`` is the client's own site code (e.g. "ST-00123"; upstream's ``site_id`` search field);
    ``state`` matches the abbreviation or the full name.
    """
    qs = site_filter(site_code=site_code, name=name, address=address, city=city, state=state, zip=zip)
    paginator = Paginator(qs.order_by("-id").values(*_SITE_ONLY), per_page)
    result = paginator.get_page(page)
    result.object_list = [_site_row(r) for r in result.object_list]
    return result


def site_get(*, site_id: int) -> SiteRecord | None:
    """The stored site (every field), or None when the read model does not have it."""
    return SiteRecord.objects.filter(pk=site_id).first()


# -- home -------------------------------------------------------------------------------------------


def _dashboard_day(today: date | None) -> tuple[date, datetime, datetime]:
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
    _, start, end = _dashboard_day(today)
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


def home_summary(*, today: date | None = None) -> HomeSummary:
    """What the home page shows; "today" is a day in the dashboard's time zone (``TIME_ZONE``).

    * status counts: every known status (zero included) plus any other status found;
    * the four queues of ``queue_filter`` (today's installs by time, overdue ones oldest first, unscheduled and
      unassigned ones newest first), each with its count;
    * recently modified: the latest changes upstream.
    """
    today = _dashboard_day(today)[0]
    records = WorkOrderRecord.objects.all()
    counts = dict(
        records.order_by().values_list("status_code").annotate(n=Count("id")).values_list("status_code", "n")
    )
    names = dict(types.WORKORDER_STATUSES)
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
        scheduled_today=_rows(today_qs.order_by("scheduled_at", "id")[:HOME_LIST_SIZE]),
        scheduled_today_count=today_qs.count(),
        overdue=_rows(overdue_qs.order_by("scheduled_at", "id")[:HOME_LIST_SIZE]),
        overdue_count=overdue_qs.count(),
        unscheduled=_rows(unscheduled_qs.order_by("-id")[:HOME_LIST_SIZE]),
        unscheduled_count=unscheduled_qs.count(),
        unassigned=_rows(unassigned_qs.order_by("-id")[:HOME_LIST_SIZE]),
        unassigned_count=unassigned_qs.count(),
        recently_modified=_rows(
            records.filter(last_modified__isnull=False).order_by("-last_modified", "id")[:HOME_LIST_SIZE]
        ),
    )


def freshness() -> Freshness:
    """When the read model was last brought up to date, and whether a sync is running or failed."""
    state = SyncState.objects.filter(pk=1).first()
    now = timezone.now()
    running = ", ".join(
        SyncLease.objects.filter(until__gt=now).order_by("name").values_list("name", flat=True)
    )
    if state is None:
        return Freshness(running=running, checked_at=now)
    return Freshness(
        site_count=state.site_count,
        workorder_count=state.workorder_count,
        full_sync_at=state.full_sync_finished_at,
        full_sync_started_at=state.full_sync_started_at,
        new_scan_at=state.new_scan_at,
        open_refresh_at=state.open_refresh_at,
        reference_sync_at=state.reference_sync_at,
        last_error=state.last_error,
        last_error_at=state.last_error_at,
        running=running,
        checked_at=now,
    )


# -- reference lists --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reference:
    """TechLink's projects, task items and client users as last synced.

    The lists hold what upstream still lists (for pickers); the name maps also know entries upstream no
    longer lists, so an old work order still shows its project's name.
    """

    projects: list[types.Project]
    task_items: list[types.TaskItem]
    users: list[types.User]
    project_names: dict[int, str]
    user_names: dict[int, str]
    synced_at: datetime | None


def _user(record: ClientUserRecord) -> types.User:
    return types.User(
        user_id=record.id,
        username=record.username,
        name=record.name,
        email=record.email,
        phone=record.phone,
        restricted=record.restricted,
        enabled=record.enabled,
        last_login=record.last_login,
    )


def _by_name(record: ProjectRecord | TaskItemRecord) -> tuple[str, int]:
    return (record.name.casefold(), record.id)


def reference_get() -> Reference | None:
    """The reference lists from the read model, or None when they were never synced."""
    synced_at = SyncState.objects.filter(pk=1).values_list("reference_sync_at", flat=True).first()
    if synced_at is None:
        return None
    projects = sorted(ProjectRecord.objects.all(), key=_by_name)
    users = sorted(ClientUserRecord.objects.all(), key=lambda u: ((u.name or u.username).casefold(), u.id))
    task_items = sorted(TaskItemRecord.objects.filter(listed=True), key=_by_name)
    return Reference(
        projects=[types.Project(project_id=p.id, name=p.name) for p in projects if p.listed],
        task_items=[types.TaskItem(taskitem_id=t.id, name=t.name) for t in task_items],
        users=[_user(u) for u in users if u.listed],
        project_names={p.id: p.name for p in projects},
        user_names={u.id: u.name or u.username for u in users},
        synced_at=synced_at,
    )
