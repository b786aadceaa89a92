"""Reads for staff pages, all answered from the local read model (never from TechLink).

Searches follow TechLink's wildcard rules exactly, so a search here finds the same records as the
same search upstream: the whole value is matched, case-insensitively; ``*`` is any run of characters,
``\\*`` a literal star, ``\\\\`` a literal backslash, every other character (``%``, ``_``, ``?``...) is literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from portal_ui.integrations.techlink import types, wildcards

from .models import SiteRecord, SyncState, WorkOrderRecord

__all__ = [
    "WORKORDER_SORTS",
    "Freshness",
    "HomeSummary",
    "InvalidFilter",
    "SiteRow",
    "StatusCount",
    "WorkOrderRow",
    "freshness",
    "home_summary",
    "site_get",
    "site_search",
    "wildcard_q",
    "workorder_get",
    "workorder_list",
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
    last_error: str = ""
    last_error_at: datetime | None = None
    running: str = ""  # which sync holds the lease right now ("full", "open", "new"), "" when none
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


# -- wildcard patterns as ORM lookups ---------------------------------------------------------------


def _segments(pattern: str) -> list[str | None]:
    """Split a wildcard pattern into literal text and ``None`` for each (collapsed) ``*``."""
    parts: list[str | None] = []
    literal: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*\\":
            literal.append(pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            if literal:
                parts.append("".join(literal))
                literal = []
            if not parts or parts[-1] is not None:
                parts.append(None)
        else:
            literal.append(ch)
        i += 1
    if literal:
        parts.append("".join(literal))
    return parts


def _regex(parts: list[str | None]) -> str:
    # Escape only what is special in both Python's and PostgreSQL's regular expressions.
    body = "".join(".*" if p is None else re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", p) for p in parts)
    # (?s): "." also matches line breaks; \A and \Z anchor at the very ends (Python's "$" would allow a final
    # line break). Both spellings mean the same in Python's and PostgreSQL's regular expressions.
    return rf"(?s)\A{body}\Z"


def wildcard_q(field_name: str, pattern: str) -> Q:
    """A ``Q`` matching ``field_name`` against a TechLink wildcard pattern, on SQLite and PostgreSQL alike."""
    parts = _segments(pattern)
    if not parts:
        return Q(**{f"{field_name}__exact": ""})
    if parts == [None]:
        return Q(**{f"{field_name}__isnull": False})
    literals = [p for p in parts if p is not None]
    if len(literals) == 1:
        text = literals[0]
        starts, ends = parts[0] is None, parts[-1] is None
        lookup = {
            (False, False): "iexact",
            (False, True): "istartswith",
            (True, False): "iendswith",
            (True, True): "icontains",
        }[(starts, ends)]
        if text.isascii():
            return Q(**{f"{field_name}__{lookup}": text})
    # Several literal parts, or text whose case folding SQL LIKE would get wrong: a regular expression,
    # behind cheap LIKE tests on the plain-ASCII parts so that few rows reach the regular expression.
    narrow = Q()
    for text in literals:
        if text.isascii():
            narrow &= Q(**{f"{field_name}__icontains": text})
    return narrow & Q(**{f"{field_name}__iregex": _regex(parts)})


def _wildcard_int(qs: QuerySet, field_name: str, pattern: str) -> QuerySet:
    """Upstream matches numeric fields as text (``status_code=6*``); plain numbers use the index."""
    if pattern.isascii() and pattern.isdigit() and str(int(pattern)) == pattern:
        return qs.filter(**{field_name: int(pattern)})
    alias = f"{field_name}_text"
    qs = qs.alias(**{alias: Cast(field_name, CharField())})
    if _segments(pattern) and all(p is None for p in _segments(pattern)):
        return qs  # "*" matches everything, even an empty value
    # A missing value is compared as empty text upstream.
    return qs.filter(
        wildcard_q(alias, pattern) | (Q(**{f"{field_name}__isnull": True}) & _empty_matches(pattern))
    )


def _empty_matches(pattern: str) -> Q:
    return Q() if wildcards.matches(pattern, "") else Q(pk__in=[])


# -- work orders -----------------------------------------------------------------------------------

WORKORDER_SORTS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "-id": ("-id",),
    "status": ("status_code", "-id"),
    "-status": ("-status_code", "id"),
    "scheduled": ("scheduled_at", "-id"),
    "-scheduled": ("-scheduled_at", "id"),
    "modified": ("last_modified", "-id"),
    "-modified": ("-last_modified", "id"),
    "site": ("site_name", "-id"),
    "-site": ("-site_name", "id"),
    "summary": ("summary", "-id"),
    "-summary": ("-summary", "id"),
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


def workorder_filter(filters: dict) -> QuerySet:
    """Work orders matching upstream-style filters (empty values are ignored, like upstream)."""
    qs = WorkOrderRecord.objects.all()
    for name in _WORKORDER_INT_FILTERS:
        value = str(filters.get(name) or "").strip()
        if value:
            qs = _wildcard_int(qs, name, value)
    for name in _WORKORDER_TEXT_FILTERS:
        value = filters.get(name)
        if value:
            qs = qs.filter(wildcard_q(name, str(value)))
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


def workorder_list(*, filters: dict, sort: str = "-id", page: int = 1, per_page: int = 25) -> Page:
    """One page of work orders (``WorkOrderRow``) matching ``filters``.

    ``filters`` keys: status_code, project_id, site_id, po, summary, description (upstream wildcards)
    and install_date (YYYY-MM-DD, the date part of the site-local scheduled date). ``sort`` is a key of
    ``WORKORDER_SORTS`` (unknown values fall back to newest first). Raises ``InvalidFilter``.
    """
    order = WORKORDER_SORTS.get(sort, WORKORDER_SORTS["-id"])
    qs = workorder_filter(filters).order_by(*order).values(*_WO_ONLY)
    paginator = Paginator(qs, per_page)
    result = paginator.get_page(page)
    result.object_list = [_wo_row(r) for r in result.object_list]
    return result


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
    site_id: str | None = None,
    name: str | None = None,
    address: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip: str | None = None,
) -> QuerySet:
    qs = SiteRecord.objects.all()
    if site_id:
        qs = qs.filter(wildcard_q("siteid", str(site_id)))
    if name:
        qs = qs.filter(wildcard_q("name", name))
    if address:
        # Any non-empty street line may match, as upstream.
        qs = qs.filter(
            (wildcard_q("street", address) & ~Q(street=""))
            | (wildcard_q("street2", address) & ~Q(street2=""))
            | (wildcard_q("street3", address) & ~Q(street3=""))
        )
    if city:
        qs = qs.filter(wildcard_q("city", city))
    if state:
        qs = qs.filter(wildcard_q("state", state) | wildcard_q("stateabbr", state))
    if zip:
        qs = qs.filter(wildcard_q("zip", zip))
    return qs


def site_search(
    *,
    site_id: str | None = None,
    name: str | None = None,
    address: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """One page of sites (``SiteRow``), newest first, matching upstream-style wildcard filters.

    ``site_id`` is the client's site code (e.g. "ST-00123"), as in the upstream search; ``state``
    matches the abbreviation or the full name.
    """
    qs = site_filter(site_id=site_id, name=name, address=address, city=city, state=state, zip=zip)
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


def home_summary(*, today: date | None = None) -> HomeSummary:
    """What the home page shows; "today" is a day in the dashboard's time zone (``TIME_ZONE``).

    * status counts: every known status (zero included) plus any other status found;
    * scheduled today: scheduled within today (cancelled ones left out), by time;
    * overdue: open work orders still awaiting their install whose scheduled time is before today;
    * unscheduled: open work orders without a scheduled date (upstream's all-zero dates included);
    * unassigned: open work orders without an installer;
    * recently modified: the latest changes upstream.
    """
    today, start, end = _dashboard_day(today)
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
    open_records = records.filter(status_code__in=types.OPEN_STATUS_CODES)
    # Separate counts: each one is answered from an index, cheaper than one pass over the table.
    today_qs = records.filter(scheduled_at__gte=start, scheduled_at__lt=end).exclude(
        status_code=CANCELLED_CODE
    )
    overdue_qs = records.filter(status_code__in=AWAITING_INSTALL_CODES, scheduled_at__lt=start)
    unscheduled_qs = open_records.filter(scheduled_at__isnull=True)  # set together with scheduled_date
    unassigned_qs = open_records.filter(is_assigned=False)
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
    if state is None:
        return Freshness()
    now = timezone.now()
    running = state.lease_holder if state.lease_until and state.lease_until > now else ""
    return Freshness(
        site_count=state.site_count,
        workorder_count=state.workorder_count,
        full_sync_at=state.full_sync_finished_at,
        full_sync_started_at=state.full_sync_started_at,
        new_scan_at=state.new_scan_at,
        open_refresh_at=state.open_refresh_at,
        last_error=state.last_error,
        last_error_at=state.last_error_at,
        running=running,
        checked_at=now,
    )
