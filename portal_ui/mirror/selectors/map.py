"""The map: sites with their matching work orders, by latitude and longitude, from the read model (two queries
for the markers whatever the number of sites, two for one site's card)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, FloatField
from django.db.models.functions import Cast
from django.utils import timezone

from portal_ui.integrations.techlink import types

from ..models import SiteRecord
from .board import board_filter
from .lists import _WO_ONLY, WorkOrderRow, _wo_row
from .queues import InvalidFilter, queue_filter

MAP_WHEN = ("", "today", "week", "overdue", "unscheduled", "all")
UNPLACED_MAX = 200


@dataclass(frozen=True, slots=True)
class MapData:
    # [site id, latitude, longitude, matching work orders, "name, city ST"] per placed site
    placed: list[list]
    unplaced: list[dict]  # sites without coordinates (at most UNPLACED_MAX)
    unplaced_count: int
    workorder_count: int


def map_workorders(filters: dict, *, today: date | None = None):
    """Work orders the map's filters select: ``when`` (today, week, overdue, unscheduled; else every open
    one; "all" every work order) and the board's filters. Raises ``InvalidFilter``."""
    when = str(filters.get("when") or "")
    if when not in MAP_WHEN:
        raise InvalidFilter(f"Unknown choice: {when}")
    qs = board_filter(filters)
    if when in ("today", "overdue", "unscheduled"):
        return queue_filter(qs, when, today=today)
    if when == "week":
        today = today or timezone.localdate()
        start = today - timedelta(days=today.weekday())
        return qs.filter(install_date__gte=start, install_date__lte=start + timedelta(days=6))
    if when == "all":
        return qs
    return qs.filter(status_code__in=types.OPEN_STATUS_CODES)


def map_data(filters: dict, *, today: date | None = None) -> MapData:
    wos = map_workorders(filters, today=today).exclude(site_id=None)
    counts = dict(wos.values_list("site_id").annotate(n=Count("id")).order_by())
    sites = (
        SiteRecord.objects.filter(id__in=wos.values("site_id"))
        .annotate(lat=Cast("latitude", FloatField()), lng=Cast("longitude", FloatField()))
        .order_by("name", "id")
        .values_list("id", "name", "city", "stateabbr", "state", "lat", "lng")
    )
    placed, unplaced, unplaced_count = [], [], 0
    for site_id, name, city, abbr, state, lat, lng in sites:
        where = f"{city} {abbr or state}".strip()
        label = f"{name}, {where}" if name and where else name or where
        count = counts.get(site_id, 0)
        if lat is None or lng is None:
            unplaced_count += 1
            if len(unplaced) < UNPLACED_MAX:
                unplaced.append({"id": site_id, "label": label, "count": count})
            continue
        placed.append([site_id, round(lat, 6), round(lng, 6), count, label])
    return MapData(placed, unplaced, unplaced_count, sum(counts.values()))


@dataclass(frozen=True, slots=True)
class MapSite:
    site: dict
    workorders: list[WorkOrderRow]
    count: int


def map_site(site_id: int, filters: dict, *, limit: int = 20) -> MapSite | None:
    """A site's card: its address and the work orders the map's filters select there."""
    site = (
        SiteRecord.objects.filter(pk=site_id)
        .values("id", "name", "siteid", "street", "city", "stateabbr", "state", "zip")
        .first()
    )
    if site is None:
        return None
    qs = map_workorders(filters).filter(site_id=site_id).order_by("scheduled_at", "-id")
    rows = [_wo_row(r) for r in qs.values(*_WO_ONLY)[: limit + 1]]
    return MapSite(site, rows[:limit], len(rows) if len(rows) <= limit else qs.count())
