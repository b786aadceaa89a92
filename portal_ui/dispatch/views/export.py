"""CSV exports of every list, the board and the map: all matching rows (not one page), streamed from the
database in chunks, so that 20,000 rows never sit in memory at once. Bad filters go back to the page, which
says what is wrong."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal_ui.accounts.permissions import viewer_required
from portal_ui.dispatch import filter_forms, selectors
from portal_ui.dispatch.views import board as board_views
from portal_ui.dispatch.views import map as map_views
from portal_ui.mirror import selectors as mirror_selectors

# A cell a spreadsheet would read as a formula is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _number(value):
        return "'" + value
    return value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(rows: Iterable[tuple], name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # so that spreadsheets read UTF-8
        for row in rows:
            yield writer.writerow([_cell(v) for v in row])

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _back(name: str, request: HttpRequest) -> HttpResponse:
    query = request.GET.urlencode()
    return redirect(f"{reverse(name)}?{query}" if query else reverse(name))


@viewer_required
@require_GET
def workorders_csv(request: HttpRequest) -> HttpResponse:
    reference = selectors.reference_lists() or selectors.NO_REFERENCE
    form = filter_forms.WorkOrderFilterForm(request.GET or None, reference=reference)
    if form.is_bound and not form.is_valid():
        return _back("workorders", request)
    sort = request.GET.get("sort", "-id")
    try:
        rows = mirror_selectors.workorder_export(form.lookups() if form.is_bound else {}, sort=sort)
    except mirror_selectors.InvalidFilter:
        return _back("workorders", request)
    return csv_response(rows, "workorders")


@viewer_required
@require_GET
def sites_csv(request: HttpRequest) -> HttpResponse:
    form = filter_forms.SiteSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _back("sites", request)
    return csv_response(mirror_selectors.site_export(form.lookups() if form.is_bound else {}), "sites")


@viewer_required
@require_GET
def schedule_csv(request: HttpRequest) -> HttpResponse:
    state = board_views.board_state(request)
    if state["problems"]:
        return _back("schedule", request)
    try:
        rows = mirror_selectors.board_export(state["filters"], start=state["start"], days=state["days"])
    except mirror_selectors.InvalidFilter:
        return _back("schedule", request)
    return csv_response(rows, f"schedule-{state['start']:%Y%m%d}")


@viewer_required
@require_GET
def map_csv(request: HttpRequest) -> HttpResponse:
    _, filters, problems = map_views.map_state(request)
    if problems:
        return _back("map", request)
    try:
        rows = mirror_selectors.map_export(filters)
    except mirror_selectors.InvalidFilter:
        return _back("map", request)
    return csv_response(rows, "map-workorders")


EXPORTS = {"workorders": "workorders_csv", "sites": "sites_csv", "schedule": "schedule_csv", "map": "map_csv"}


def export_url(page: str, query: str) -> str:
    return f"{reverse(EXPORTS[page])}?{query}" if query else reverse(EXPORTS[page])
