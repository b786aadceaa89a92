"""Reads for staff pages, all answered from the local read model (never from TechLink)."""

from .board import Board, board_filter, board_version, schedule_board
from .calendar import scheduled_installs
from .exports import board_export, map_export, site_export, workorder_export
from .find import FindResult, find_anything, workorder_exists, workorder_number
from .home import Freshness, HomeSummary, StatusCount, freshness, freshness_values, home_summary
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
from .map import MapData, MapSite, map_data, map_site, map_workorders
from .queues import QUEUES, InvalidFilter, queue_filter
from .reference import Reference, reference_get

__all__ = [
    "QUEUES",
    "WORKORDER_SORTS",
    "Board",
    "FindResult",
    "Freshness",
    "HomeSummary",
    "InvalidFilter",
    "MapData",
    "MapSite",
    "Reference",
    "SiteRow",
    "StatusCount",
    "WorkOrderRow",
    "board_export",
    "board_filter",
    "board_version",
    "find_anything",
    "freshness",
    "freshness_values",
    "home_summary",
    "map_data",
    "map_export",
    "map_site",
    "map_workorders",
    "queue_filter",
    "reference_get",
    "schedule_board",
    "scheduled_installs",
    "site_export",
    "site_filter",
    "site_get",
    "site_search",
    "workorder_exists",
    "workorder_export",
    "workorder_filter",
    "workorder_get",
    "workorder_list",
    "workorder_number",
    "workorder_status_names",
]
