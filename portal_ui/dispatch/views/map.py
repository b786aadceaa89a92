"""The map (``/map/``): sites and their work orders by latitude and longitude, from the read model. The page
lists, filters and links without JavaScript or tiles; ``map.js`` draws the markers (clustered) from
``/map/data.json`` and opens a site's card (``/map/sites/<id>/``) on click."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from portal_ui.accounts.permissions import viewer_required
from portal_ui.core.htmx import is_partial, vary_on_htmx
from portal_ui.dispatch import filter_forms, selectors
from portal_ui.mirror import selectors as mirror_selectors
from portal_ui.mirror.selectors.map import map_versions

MAP_CACHE_SECONDS = 600
FILTER_NAMES = ("when", "project_id", "status_code", "state", "installer")


def map_state(request: HttpRequest) -> tuple[filter_forms.MapForm, dict[str, str], list[str]]:
    form = filter_forms.MapForm(
        request.GET or None, reference=selectors.reference_lists() or selectors.NO_REFERENCE
    )
    usable = form.usable() if form.is_bound else {}
    return form, {k: v for k, v in usable.items() if k in FILTER_NAMES}, form.problems()


def _data(filters: dict[str, str], problems: list[str]) -> mirror_selectors.MapData:
    """The map's markers (with their JSON), kept in the cache until the sync stores a work order or a site
    (or the day turns): every dispatcher's map of the same filters is then one cheap query and no encoding."""
    workorders, sites = map_versions()
    stamp = f"{workorders}|{sites}|{timezone.localdate()}|{sorted(filters.items())}"
    key = "map-data:" + hashlib.sha256(stamp.encode()).hexdigest()
    data = caches["fragments"].get(key)
    if data is not None:
        return data
    try:
        data = mirror_selectors.map_data(filters, sites_version=sites)
    except mirror_selectors.InvalidFilter as exc:
        problems.append(str(exc))
        return _data({}, [])
    caches["fragments"].set(key, data, timeout=MAP_CACHE_SECONDS)
    return data


@viewer_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    form, filters, problems = map_state(request)
    data = _data(filters, problems)
    query = urlencode(filters)
    context: dict[str, Any] = {
        "form": form,
        "problems": problems,
        "data": data,
        "query": query,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "freshness": selectors.freshness(),
    }
    return render(request, "dispatch/map.html", context, status=400 if problems else 200)


@viewer_required
@require_GET
def map_data(request: HttpRequest) -> HttpResponse:
    """``{"sites": [[id, lat, lng, count, label], ...], "unplaced_count", "workorder_count", "problems"}``:
    the sites' part is encoded once per version of the read model and sent as it is."""
    _, filters, problems = map_state(request)
    data = _data(filters, problems)
    rest = {
        "unplaced_count": data.unplaced_count,
        "workorder_count": data.workorder_count,
        "problems": problems,
    }
    body = b'{"sites":' + data.placed_json + b"," + json.dumps(rest, ensure_ascii=False).encode()[1:]
    return HttpResponse(body, content_type="application/json", status=400 if problems else 200)


@viewer_required
@require_GET
@vary_on_htmx
@vary_on_headers("X-Map-Card")
def map_site(request: HttpRequest, site_id: int) -> HttpResponse:
    _, filters, _ = map_state(request)
    try:
        card = mirror_selectors.map_site(site_id, filters)
    except mirror_selectors.InvalidFilter:
        card = mirror_selectors.map_site(site_id, {})
    fragment = is_partial(request) or request.headers.get("X-Map-Card") == "1"
    template = "dispatch/_map_site.html" if fragment else "dispatch/map_site.html"
    return render(request, template, {"card": card}, status=404 if card is None else 200)
