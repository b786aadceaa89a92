"""Every row a list, board or map selects, for CSV exports: read in chunks from the database (never the whole
result in memory), in the list's order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from django.db.models import QuerySet

from .board import board_filter
from .lists import WORKORDER_SORTS, site_filter, workorder_filter
from .map import map_workorders

CHUNK = 2000

WORKORDER_COLUMNS = (
    ("id", "Number"),
    ("status", "Status"),
    ("type", "Type"),
    ("summary", "Summary"),
    ("po", "PO"),
    ("client_reference", "Client reference"),
    ("project_id", "Project"),
    ("site_id", "Site number"),
    ("site_name", "Site"),
    ("site_city", "City"),
    ("site_stateabbr", "State"),
    ("scheduled_date", "Scheduled (site's local time)"),
    ("site_timezone", "Time zone"),
    ("installer_name", "Installer"),
    ("planned_tech_name", "Planned tech"),
    ("requested_time", "Requested install"),
    ("created_date", "Created"),
    ("last_modified", "Modified"),
)
SITE_COLUMNS = (
    ("id", "Site number"),
    ("siteid", "Site code"),
    ("name", "Name"),
    ("street", "Street"),
    ("city", "City"),
    ("stateabbr", "State"),
    ("zip", "ZIP"),
    ("country", "Country"),
    ("phone", "Phone"),
    ("contact1_name", "Contact"),
    ("contact1_phone", "Contact phone"),
    ("latitude", "Latitude"),
    ("longitude", "Longitude"),
)


def _rows(qs: QuerySet, columns: tuple[tuple[str, str], ...]) -> Iterator[tuple]:
    yield tuple(label for _, label in columns)
    yield from qs.values_list(*(name for name, _ in columns)).iterator(chunk_size=CHUNK)


def workorder_export(filters: dict, *, sort: str = "-id") -> Iterator[tuple]:
    """The work order list's rows (``workorder_filter``'s filters, ``WORKORDER_SORTS`` order), header first."""
    order = WORKORDER_SORTS.get(sort, WORKORDER_SORTS["-id"])
    return _rows(workorder_filter(filters).order_by(*order), WORKORDER_COLUMNS)


def site_export(filters: dict) -> Iterator[tuple]:
    return _rows(site_filter(**filters).order_by("-id"), SITE_COLUMNS)


def board_export(filters: dict, *, start: date, days: int) -> Iterator[tuple]:
    """The board's scheduled installs in its date range, in schedule order."""
    qs = board_filter(filters).filter(
        install_date__gte=start, install_date__lte=start + timedelta(days=days - 1)
    )
    return _rows(qs.order_by("scheduled_date", "id"), WORKORDER_COLUMNS)


def map_export(filters: dict) -> Iterator[tuple]:
    return _rows(map_workorders(filters).order_by("-id"), WORKORDER_COLUMNS)
