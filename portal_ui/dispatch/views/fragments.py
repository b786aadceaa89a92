"""Parts of staff pages kept in Django's cache, keyed by the read model's version.

The sync is the only writer of the read-model tables, and ``Freshness.version`` (read with the freshness line
every page shows anyway) moves whenever it stores, changes or removes something. A part drawn from the read
model alone is therefore kept until the version moves, keyed also by everything else it depends on (the
query string, the dashboard's day). What depends on the viewer (role, pending writes, close-out decisions,
the freshness line itself) stays outside these parts and is drawn per request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator

from portal_ui.core.generations import kept_by_process
from portal_ui.mirror.selectors import Freshness, Reference
from portal_ui.mirror.selectors.queues import dashboard_day

# A part is dropped as soon as the version moves; this bounds what the version cannot see (a record removed
# on its own because TechLink no longer has it, between two sync cycles) to a minute, as on the board.
FRAGMENT_SECONDS = 60


def version_of(freshness: Freshness | None) -> str:
    """The read model's version, "" when it could not be read (then nothing is kept)."""
    return getattr(freshness, "version", "") or ""


def kept[T](kind: str, version: str, *parts: Any, build: Callable[[], T]) -> T:
    """``build()``'s answer for this version of the read model and these ``parts``, from the cache when it
    was built before; without a version it is built every time."""
    if not version:
        return build()
    return kept_by_process(f"staff:{kind}", (version, *parts), build, timeout=FRAGMENT_SECONDS)


def today() -> date:
    """The dashboard's day: the queues ("today", "overdue") move with it, so what shows them is kept per day."""
    return dashboard_day(None)[0]


class KeptRows(Sequence):
    """A kept page's rows: kept as plain values (quick to load from the cache), made into rows only when
    someone reads them (the page shows the rows already drawn)."""

    def __init__(self, row: type | None, values: list[tuple]) -> None:
        self._row, self._values = row, values

    @functools.cached_property
    def _rows(self) -> list:
        return [self._row(*values) for values in self._values] if self._row else []

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, index: Any) -> Any:  # an index or a slice, as a list takes
        return self._rows[index]


def page_of(kept_rows: tuple[type | None, list[tuple]], count: int, number: int, per_page: int) -> Page:
    """A paginator's page rebuilt from what was kept (its rows, the number found and its number)."""
    paginator = Paginator([], per_page)
    paginator.count = count  # a cached property: set, not counted
    return Page(KeptRows(*kept_rows), number, paginator)


def page_parts(page: Page) -> tuple[tuple[type | None, list[tuple]], int, int]:
    """What ``page_of`` needs to rebuild ``page`` (its rows are dataclasses: kept as their values)."""
    rows = list(page.object_list)
    kept_rows = (
        type(rows[0]) if rows else None,
        [tuple(getattr(r, f.name) for f in fields(r)) for r in rows],
    )
    return kept_rows, page.paginator.count, page.number


def reference_kept(freshness: Freshness | None, read: Callable[[], Reference | None]) -> Reference | None:
    """The reference lists as the read model holds them (``read``), kept until the sync stores them again;
    None when they were never synced (the caller then asks TechLink)."""
    synced = getattr(freshness, "reference_sync_at", None)
    if synced is None:
        return None
    return kept("reference", version_of(freshness), synced, build=read)
