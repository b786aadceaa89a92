"""The schedule board: TechLink's schedule as the read model holds it, a lane per installer (or planned tech),
a column per day, plus the open work orders waiting for a date. Read only from the read model, in a fixed
number of queries whatever its size."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connections
from django.db.models import BooleanField, Case, Count, Max, Q, QuerySet, Value, When
from django.utils import timezone

from portal_ui.integrations.techlink import types

from ..models import WorkOrderRecord
from ..search import typed_pattern, wildcard_int_filter, wildcard_q
from .queues import AWAITING_INSTALL_CODES, InvalidFilter

NO_ONE = "Nobody yet"
# The most cards a board shows at once (a week of a very busy team), and per waiting lane.
BOARD_MAX = 3000
WAITING_MAX = 60
SUMMARY_MAX = 60
# Only what a card shows: no model instances, no dates a card does not print (each one parsed per row).
_CARD_FIELDS = (
    "id", "status", "status_code", "summary", "site_name", "site_city", "site_state", "site_stateabbr",
    "site_timezone", "scheduled_date", "installer_name", "planned_tech_name", "requested_time",
)  # fmt: skip


class Card(NamedTuple):
    """A board card with its display values worked out once, when the board is read. A named tuple: the board
    goes through the cache as hundreds of cards, and a tuple is quick to store and load."""

    id: int
    status: str
    status_code: int | None
    summary: str  # shortened to SUMMARY_MAX characters
    place: str  # "site name, city ST"
    site_timezone: str
    local_time: str  # "09:30" at the site, "" when unscheduled
    zone: str  # the site's zone as a clock shows it at that time ("EST"), else its name
    person: str
    requested: str
    overdue: bool


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
    """Work orders matching the board's (and the map's) filters: project_id, status_code, state and installer
    (the staff search rule, ``typed_pattern``: over the site's state abbreviation and name, over installer
    and planned tech)."""
    qs = WorkOrderRecord.objects.all()
    for name in ("project_id", "status_code"):
        value = str(filters.get(name) or "").strip()
        if value:
            if not value.isdigit():
                raise InvalidFilter(f"{name.replace('_code', '').replace('_id', '').title()}: give a number")
            qs = wildcard_int_filter(qs, name, value)
    state = str(filters.get("state") or "").strip()
    if state:
        pattern = typed_pattern(state)
        qs = qs.filter(wildcard_q("site_stateabbr", pattern) | wildcard_q("site_state", pattern))
    installer = str(filters.get("installer") or "").strip()
    if installer:
        pattern = typed_pattern(installer)
        qs = qs.filter(wildcard_q("installer_name", pattern) | wildcard_q("planned_tech_name", pattern))
    return qs


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.lru_cache(maxsize=4096)
def _zone_abbr(zone_name: str, hour: str) -> str:
    """The zone's abbreviation at a site-local hour ("2026-11-23 09"), else the zone's name."""
    zone = _zone(zone_name)
    if zone is None:
        return zone_name
    try:
        moment = datetime.fromisoformat(f"{hour}:00").replace(tzinfo=zone)
    except ValueError:
        return zone_name
    return moment.tzname() or zone_name


def _short(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


def _cards(qs: QuerySet, *, lane_by: str, now: datetime) -> list[tuple[str, Card]]:
    """(site-local scheduled date "YYYY-MM-DD HH:MM:SS" or "", card) per row of ``qs``, in its order (one
    query)."""
    overdue = Case(
        When(Q(scheduled_at__lt=now, status_code__in=AWAITING_INSTALL_CODES), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    query = qs.annotate(card_overdue=overdue).values_list(*_CARD_FIELDS, "card_overdue").query
    sql, params = query.sql_with_params()
    # Plain numbers and text, read straight from the cursor: Django's per-row conversions of hundreds of rows
    # would cost more than the query.
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    planned = lane_by != "installer"
    out = []
    for (
        id_, status, code, summary, site_name, city, state, abbr, zone, scheduled, installer, tech, asked, late,
    ) in rows:  # fmt: skip
        where = f"{city} {abbr or state}" if city and (abbr or state) else city or abbr or state
        place = f"{site_name}, {where}" if site_name and where else site_name or where
        card = Card(
            id=id_,
            status=status,
            status_code=code,
            summary=_short(summary),
            place=place,
            site_timezone=zone,
            local_time=scheduled[11:16] if scheduled else "",
            zone=_zone_abbr(zone, scheduled[:13]) if scheduled else zone,
            person=(tech if planned else installer) or NO_ONE,
            requested=asked,
            overdue=bool(late),
        )
        out.append((scheduled or "", card))
    return out


def board_version() -> str:
    """Changes whenever the sync stores a work order (what the board's live refresh compares)."""
    latest = WorkOrderRecord.objects.aggregate(at=Max("synced_at"))["at"]
    return latest.isoformat() if latest else ""


def schedule_board(
    *,
    start: date,
    days: int,
    filters: dict,
    lane_by: str = "installer",
    now: datetime | None = None,
    version: str | None = None,
) -> Board:
    """The board from ``start`` for ``days`` days (the site-local install date), with lanes by ``lane_by``
    ("installer" or "planned"), in five queries (four when ``version``, ``board_version()``, is given).
    Raises ``InvalidFilter``."""
    now = now or timezone.now()
    end = start + timedelta(days=days - 1)
    base = board_filter(filters)
    # In the install date index's order (no sort in the database; the earliest days first when there are too
    # many), then by time within a day here.
    scheduled = base.filter(install_date__gte=start, install_date__lte=end).order_by("install_date")
    values = _cards(scheduled[: BOARD_MAX + 1], lane_by=lane_by, now=now)
    truncated = len(values) > BOARD_MAX
    values = sorted(values[:BOARD_MAX], key=lambda value: (value[0], value[1].id))
    day_list = [start + timedelta(days=i) for i in range(days)]
    column = {d.isoformat(): i for i, d in enumerate(day_list)}
    lanes: dict[str, Lane] = {}
    for scheduled_date, card in values:
        index = column.get(scheduled_date[:10])
        if index is None:
            continue
        lane = lanes.get(card.person)
        if lane is None:
            lane = lanes[card.person] = Lane(card.person, [(d, []) for d in day_list])
        lane.days[index][1].append(card)
    ordered = sorted(lanes.values(), key=lambda lane: (lane.name == NO_ONE, lane.name.casefold()))
    waiting = base.filter(status_code__in=types.OPEN_STATUS_CODES, scheduled_at__isnull=True)
    counts = waiting.aggregate(
        unscheduled=Count("id", filter=Q(requested_time="")),
        requested=Count("id", filter=~Q(requested_time="")),
    )
    newest = waiting.order_by("-id")
    return Board(
        start=start,
        days=day_list,
        lanes=ordered,
        unscheduled=Waiting(
            [c for _, c in _cards(newest.filter(requested_time="")[:WAITING_MAX], lane_by=lane_by, now=now)],
            counts["unscheduled"],
        ),
        requested=Waiting(
            [c for _, c in _cards(newest.exclude(requested_time="")[:WAITING_MAX], lane_by=lane_by, now=now)],
            counts["requested"],
        ),
        truncated=truncated,
        version=board_version() if version is None else version,
    )
