"""The schedule board: TechLink's schedule as the read model holds it, a lane per installer (or planned tech),
a column per day, plus the open work orders waiting for a date. Read only from the read model, in a fixed
number of queries whatever its size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from portal_ui.integrations.techlink import types

from ..models import WorkOrderRecord
from ..search import typed_pattern, wildcard_int_filter, wildcard_q
from .lists import _WO_ONLY, WorkOrderRow, _wo_row
from .queues import AWAITING_INSTALL_CODES, InvalidFilter

NO_ONE = "Nobody yet"
# The most cards a board shows at once (a week of a very busy team), and per waiting lane.
BOARD_MAX = 3000
WAITING_MAX = 60
_EXTRA = ("planned_tech_name", "requested_time")


@dataclass(frozen=True, slots=True)
class Card:
    row: WorkOrderRow
    person: str
    requested: str
    overdue: bool

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def local_time(self) -> str:
        return self.row.scheduled_date.strftime("%H:%M") if self.row.scheduled_date else ""


@dataclass(slots=True)
class Lane:
    name: str
    days: list[tuple[date, list[Card]]] = field(default_factory=list)  # (day, its cards) per column

    @property
    def count(self) -> int:
        return sum(len(cards) for _, cards in self.days)


@dataclass(frozen=True, slots=True)
class Waiting:
    cards: list[Card]
    count: int


@dataclass(frozen=True, slots=True)
class Board:
    start: date
    days: list[date]
    lanes: list[Lane]
    unscheduled: Waiting
    requested: Waiting
    truncated: bool
    version: str


def board_filter(filters: dict) -> QuerySet:
    """Work orders matching the board's (and the map's) filters: project_id, status_code, state (abbreviation
    or name), installer (the staff search rule over installer and planned tech)."""
    qs = WorkOrderRecord.objects.all()
    for name in ("project_id", "status_code"):
        value = str(filters.get(name) or "").strip()
        if value:
            if not value.isdigit():
                raise InvalidFilter(f"{name.replace('_code', '').replace('_id', '').title()}: give a number")
            qs = wildcard_int_filter(qs, name, value)
    state = str(filters.get("state") or "").strip()
    if state:
        qs = qs.filter(Q(site_stateabbr__iexact=state) | Q(site_state__iexact=state))
    installer = str(filters.get("installer") or "").strip()
    if installer:
        pattern = typed_pattern(installer)
        qs = qs.filter(wildcard_q("installer_name", pattern) | wildcard_q("planned_tech_name", pattern))
    return qs


def _card(values: dict, *, lane_by: str, now: datetime) -> Card:
    extra = {k: values.pop(k) for k in _EXTRA}
    row = _wo_row(values)
    person = (row.installer_name if lane_by == "installer" else extra["planned_tech_name"]) or NO_ONE
    overdue = bool(
        row.scheduled_at is not None and row.scheduled_at < now and row.status_code in AWAITING_INSTALL_CODES
    )
    return Card(row=row, person=person, requested=extra["requested_time"], overdue=overdue)


def _fields() -> tuple[str, ...]:
    return (*_WO_ONLY, *_EXTRA)


def _waiting(qs: QuerySet, *, lane_by: str, now: datetime) -> Waiting:
    cards = [_card(v, lane_by=lane_by, now=now) for v in qs.order_by("-id").values(*_fields())[:WAITING_MAX]]
    count = len(cards) if len(cards) < WAITING_MAX else qs.count()
    return Waiting(cards, count)


def board_version() -> str:
    """Changes whenever the sync stores a work order (what the board's live refresh compares)."""
    latest = WorkOrderRecord.objects.aggregate(at=Max("synced_at"))["at"]
    return latest.isoformat() if latest else ""


def schedule_board(
    *, start: date, days: int, filters: dict, lane_by: str = "installer", now: datetime | None = None
) -> Board:
    """The board from ``start`` for ``days`` days (the site-local install date), with lanes by ``lane_by``
    ("installer" or "planned"). Raises ``InvalidFilter``."""
    now = now or timezone.now()
    end = start + timedelta(days=days - 1)
    base = board_filter(filters)
    scheduled = base.filter(install_date__gte=start, install_date__lte=end).order_by("scheduled_date", "id")
    values = list(scheduled.values(*_fields(), "install_date")[: BOARD_MAX + 1])
    truncated = len(values) > BOARD_MAX
    day_list = [start + timedelta(days=i) for i in range(days)]
    lanes: dict[str, Lane] = {}
    for v in values[:BOARD_MAX]:
        index = (v.pop("install_date") - start).days
        card = _card(v, lane_by=lane_by, now=now)
        lane = lanes.get(card.person)
        if lane is None:
            lane = lanes[card.person] = Lane(card.person, [(d, []) for d in day_list])
        lane.days[index][1].append(card)
    ordered = sorted(lanes.values(), key=lambda lane: (lane.name == NO_ONE, lane.name.casefold()))
    waiting = base.filter(status_code__in=types.OPEN_STATUS_CODES, scheduled_at__isnull=True)
    return Board(
        start=start,
        days=day_list,
        lanes=ordered,
        unscheduled=_waiting(waiting.filter(requested_time=""), lane_by=lane_by, now=now),
        requested=_waiting(waiting.exclude(requested_time=""), lane_by=lane_by, now=now),
        truncated=truncated,
        version=board_version(),
    )
