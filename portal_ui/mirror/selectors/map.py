"""The map: sites with their matching work orders, by latitude and longitude, from the read model (at most
three queries for the markers whatever the number of sites, two for one site's card).

The markers are drawn from two readings: what the map shows of each site (its place and label, already in
JSON), which changes only when the sync stores a site and is kept in the cache until then, and the number
of matching work orders per site, counted for each version of the work orders from an index alone."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from json.encoder import encode_basestring  # a JSON string, as json.dumps(ensure_ascii=False)

from django.core.cache import caches
from django.db import connections
from django.db.models import Count
from django.utils import timezone

from portal_ui.integrations.techlink import types

from ..models import SiteRecord, WorkOrderRecord
from .board import board_filter
from .lists import _WO_ONLY, WorkOrderRow, _wo_row
from .queues import InvalidFilter, queue_filter

MAP_WHEN = ("", "today", "week", "overdue", "unscheduled", "all")
UNPLACED_MAX = 200


SITES_CACHE_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class MapData:
    # (site id, latitude, longitude, matching work orders, "name, city ST") per placed site, by site name
    placed: list[tuple]
    unplaced: list[dict]  # sites without coordinates (at most UNPLACED_MAX)
    unplaced_count: int
    workorder_count: int
    placed_json: bytes  # ``placed`` in JSON, what ``/map/data.json`` sends


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


def _fetch(sql: str, params: tuple = (), *, using: str) -> list[tuple]:
    """Rows straight from the database cursor (thousands of them: Django's per-row conversions would cost
    more than the query); only for plain numbers and text."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def map_versions() -> tuple[str, str]:
    """The versions of the work orders (their latest sync stamp) and of the sites (their latest sync stamp and
    number: changes whenever the sync stores or drops a site), in one query: what the map's caches are kept
    by."""
    connection = connections[SiteRecord.objects.db]
    q = connection.ops.quote_name
    wo, site, at = q(WorkOrderRecord._meta.db_table), q(SiteRecord._meta.db_table), q("synced_at")
    sql = (
        f"SELECT (SELECT MAX({at}) FROM {wo}), (SELECT MAX({at}) FROM {site}), (SELECT COUNT(*) FROM {site})"
    )
    ((workorders, sites, count),) = _fetch(sql, using=SiteRecord.objects.db)
    return str(workorders or ""), f"{sites or ''}|{count}"


def _site_markers(version: str) -> list[tuple]:
    """(id, latitude, longitude, label, marker's JSON up to its count, the rest of it) per site, by name:
    the map's view of every site, kept in the cache until the sync stores a site. The label ("name, city
    ST") and the rounding are done by the database (one query)."""
    key = "map-sites:" + hashlib.sha256(version.encode()).hexdigest()
    markers = caches["fragments"].get(key)
    if markers is not None:
        return markers
    connection = connections[SiteRecord.objects.db]
    q = connection.ops.quote_name
    name, city, abbr, state = (q(c) for c in ("name", "city", "stateabbr", "state"))
    where = f"TRIM({city} || ' ' || COALESCE(NULLIF({abbr}, ''), {state}))"
    label = (
        f"CASE WHEN {name} <> '' AND {where} <> '' THEN {name} || ', ' || {where} ELSE {name} || {where} END"
    )
    lat, lng = (f"CAST(ROUND({q(c)}, 6) AS DOUBLE PRECISION)" for c in ("latitude", "longitude"))
    sql = f"SELECT {q('id')}, {lat}, {lng}, {label} FROM {q(SiteRecord._meta.db_table)} ORDER BY {name}, {q('id')}"
    markers = []
    for site_id, latitude, longitude, text in _fetch(sql, using=SiteRecord.objects.db):
        if latitude is None or longitude is None:
            markers.append((site_id, None, None, text, "", ""))
            continue
        lat, lng = float(latitude), float(longitude)
        markers.append(
            (site_id, lat, lng, text, f"[{site_id},{lat!r},{lng!r},", f",{encode_basestring(text)}]")
        )
    caches["fragments"].set(key, markers, timeout=SITES_CACHE_SECONDS)
    return markers


def map_data(filters: dict, *, today: date | None = None, sites_version: str | None = None) -> MapData:
    """The map's sites with the number of matching work orders at each: the sites' markers from the cache
    (by ``sites_version``, the second of ``map_versions()``), the counts per site in one query read from the
    site and status index alone."""
    wos = map_workorders(filters, today=today).exclude(site_id=None)
    counts_sql, params = wos.order_by().values_list("site_id").annotate(n=Count("id")).query.sql_with_params()
    counts = dict(_fetch(counts_sql, params, using=wos.db))
    placed, fragments, unplaced, unplaced_count, total = [], [], [], 0, 0
    if sites_version is None:
        sites_version = map_versions()[1]
    for site_id, latitude, longitude, label, head, tail in _site_markers(sites_version):
        count = counts.get(site_id)
        if count is None:
            continue
        total += count
        if head:
            fragments.append(f"{head}{count}{tail}")
            placed.append((site_id, latitude, longitude, count, label))
        else:
            unplaced_count += 1
            if len(unplaced) < UNPLACED_MAX:
                unplaced.append({"id": site_id, "label": label, "count": count})
    placed_json = f"[{','.join(fragments)}]".encode()
    return MapData(placed, unplaced, unplaced_count, total, placed_json)


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
