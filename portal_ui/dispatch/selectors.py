"""Reads behind the staff pages, answered from the read model (``portal_ui.mirror``) only; nothing here
asks TechLink or writes anything (live reads are in ``live.py``)."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.core.paginator import Page

from portal_ui.accounts.generations import kept_now
from portal_ui.integrations.techlink import types
from portal_ui.integrations.techlink.types import site_zone
from portal_ui.mirror import selectors as mirror_selectors
from portal_ui.mirror.search import picker_pattern
from portal_ui.mirror.selectors import Freshness, Reference

__all__ = [
    "NO_REFERENCE",
    "Reference",
    "freshness",
    "reference_lists",
    "reference_lists_filter",
    "site_choices",
    "site_stored",
    "site_workorders",
    "site_zone",
    "workorder_stored",
]

logger = logging.getLogger(__name__)

PICKER_SIZE = 20
# No reference lists (what is known when nothing is): pickers let staff type numbers instead.
NO_REFERENCE = Reference(
    projects=[], task_items=[], users=[], project_names={}, user_names={}, synced_at=None
)


def freshness() -> Freshness | None:
    """How fresh the read model is, or None when that cannot be read (it is a hint, never an error). What
    the database holds is kept until the read model's writers move the generation "read_model"; whether a
    sync is still running and how long ago it ran are worked out for each request."""
    try:
        return mirror_selectors.freshness(
            kept_now("read_model", "freshness", mirror_selectors.freshness_values)
        )
    except Exception:
        logger.warning("Could not read the read model's freshness", exc_info=True)
        return None


def reference_lists() -> Reference | None:
    """Projects, task items and client users as the read model last synced them; None when they never
    were or cannot be read (then a page asks TechLink)."""
    try:
        return mirror_selectors.reference_get()
    except Exception:
        logger.warning("Could not read the reference lists from the read model", exc_info=True)
        return None


def reference_lists_filter(lists: Reference, query: str) -> Reference:
    """The entries whose name (and for users, username or e-mail) contains ``query``, ignoring case."""
    needle = query.strip().casefold()
    if not needle:
        return lists

    def found(*values: str) -> bool:
        return any(needle in (v or "").casefold() for v in values)

    return dataclasses.replace(
        lists,
        projects=[p for p in lists.projects if found(p.name, str(p.project_id))],
        task_items=[t for t in lists.task_items if found(t.name, str(t.taskitem_id))],
        users=[u for u in lists.users if found(u.name, u.username, u.email)],
    )


def site_workorders(*, site_id: int, page: int = 1, per_page: int = 50) -> Page | None:
    """The site's work orders, newest first; None when the read model cannot be read."""
    try:
        return mirror_selectors.workorder_list(
            filters={"site_id": str(site_id)}, sort="-id", page=page, per_page=per_page
        )
    except Exception:
        logger.warning("Could not list work orders of site #%s", site_id, exc_info=True)
        return None


def site_choices(query: str) -> list[tuple[int, str]]:
    """The site picker's options for ``query`` (``mirror.search.picker_pattern``): sites by name, then by
    site code, and the site with that number when the query is one."""
    if not query:
        return []
    pattern = picker_pattern(query)
    rows = list(mirror_selectors.site_search(name=pattern, per_page=PICKER_SIZE).object_list)
    if len(rows) < PICKER_SIZE:
        seen = {r.id for r in rows}
        by_code = mirror_selectors.site_search(site_code=pattern, per_page=PICKER_SIZE).object_list
        rows += [r for r in by_code if r.id not in seen]
    if query.isdigit() and not any(r.id == int(query) for r in rows):
        record = mirror_selectors.site_get(site_id=int(query))
        if record is not None:
            rows.insert(0, record)
    return [(r.id, _site_label(r)) for r in rows[:PICKER_SIZE]]


def _site_label(row: Any) -> str:
    place = ", ".join(p for p in (row.city, row.stateabbr or row.state) if p)
    code = f" [{row.siteid}]" if row.siteid else ""
    return f"{row.name}{code} — {place} (#{row.id})" if place else f"{row.name}{code} (#{row.id})"


def _from_raw(cls: type, raw: Any, fallback_id: int) -> Any:
    data = dict(raw) if isinstance(raw, dict) else {}
    data.setdefault("id", fallback_id)
    return cls.from_api(data)


def site_stored(*, site_id: int) -> types.Site | None:
    """The site as the read model last stored it, or None when it does not have it."""
    record = mirror_selectors.site_get(site_id=site_id)
    return None if record is None else _from_raw(types.Site, record.raw, record.pk)


def workorder_stored(*, workorder_id: int) -> types.WorkOrder | None:
    """The work order as the read model last stored it (with its stored site), or None."""
    record = mirror_selectors.workorder_get(workorder_id=workorder_id)
    if record is None:
        return None
    workorder = _from_raw(types.WorkOrder, record.raw, record.pk)
    if workorder.site is None and workorder.site_id:
        site = site_stored(site_id=workorder.site_id)
        if site is not None:
            workorder = dataclasses.replace(workorder, site=site)
    return workorder
