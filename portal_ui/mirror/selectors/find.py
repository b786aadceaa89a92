"""Find anything: work orders and sites matching what staff typed in the top bar's search box, from the read
model only. What was typed is read with the staff search rule (``mirror.search.typed_pattern``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from ..models import SITE_FOLDED, WORKORDER_FOLDED, SiteRecord, WorkOrderRecord
from ..search import typed_pattern, wildcard_q
from .lists import _SITE_ONLY, _WO_ONLY, SiteRow, WorkOrderRow, _site_row, _wo_row

# The fields searched, in the order a result page names them.
WORKORDER_FIELDS = ("summary", "po", "client_reference", "description")
SITE_FIELDS = ("name", "siteid", "street", "city", "zip")


@dataclass(frozen=True, slots=True)
class FindResult:
    query: str
    pattern: str
    workorders: list[WorkOrderRow]
    workorder_count: int
    sites: list[SiteRow]
    site_count: int


def workorder_number(query: str) -> int | None:
    """The work order number a query names ("102951" or "#102951"), when it names one."""
    text = query.strip().lstrip("#")
    if text.isascii() and text.isdigit() and 0 < len(text) <= 12:
        return int(text)
    return None


def workorder_exists(workorder_id: int) -> bool:
    return WorkOrderRecord.objects.filter(pk=workorder_id).exists()


def _workorder_q(pattern: str) -> Q:
    q = Q()
    for name in WORKORDER_FIELDS:
        q |= wildcard_q(name, pattern, folded=WORKORDER_FOLDED.get(name))
    return q


def _site_q(pattern: str) -> Q:
    q = Q()
    for name in SITE_FIELDS:
        q |= wildcard_q(name, pattern, folded=SITE_FOLDED.get(name))
    return q


def find_anything(query: str, *, limit: int = 25) -> FindResult:
    """Up to ``limit`` work orders (newest first) and sites matching ``query``, and how many match in all
    (four queries, whatever the size of the read model)."""
    pattern = typed_pattern(query)
    wo_q, site_q = _workorder_q(pattern), _site_q(pattern)
    number = workorder_number(query)
    if number is not None:
        wo_q |= Q(pk=number)
        site_q |= Q(pk=number)
    workorders = WorkOrderRecord.objects.filter(wo_q)
    sites = SiteRecord.objects.filter(site_q)
    wo_rows = [_wo_row(r) for r in workorders.order_by("-id").values(*_WO_ONLY)[:limit]]
    site_rows = [_site_row(r) for r in sites.order_by("-id").values(*_SITE_ONLY)[:limit]]
    wo_count = len(wo_rows) if len(wo_rows) < limit else workorders.count()
    site_count = len(site_rows) if len(site_rows) < limit else sites.count()
    return FindResult(query, pattern, wo_rows, wo_count, site_rows, site_count)
