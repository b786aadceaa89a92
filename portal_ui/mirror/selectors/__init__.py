"""Reads for staff pages, all answered from the local read model (never from TechLink)."""

from .home import Freshness, HomeSummary, StatusCount, freshness, home_summary
from .lists import (
    WORKORDER_SORTS,
    SiteRow,
    WorkOrderRow,
    site_filter,
    site_get,
    site_search,
    workorder_filter,
    workorder_get,
    workorder_list,
    workorder_status_names,
)
from .queues import QUEUES, InvalidFilter, queue_filter
from .reference import Reference, reference_get

__all__ = [
    "QUEUES",
    "WORKORDER_SORTS",
    "Freshness",
    "HomeSummary",
    "InvalidFilter",
    "Reference",
    "SiteRow",
    "StatusCount",
    "WorkOrderRow",
    "freshness",
    "home_summary",
    "queue_filter",
    "reference_get",
    "site_filter",
    "site_get",
    "site_search",
    "workorder_filter",
    "workorder_get",
    "workorder_list",
    "workorder_status_names",
]
