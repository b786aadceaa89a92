"""Work order and site lists from the read model (never from TechLink).

Searches follow TechLink's wildcard rules exactly (see ``mirror/search.py``), so a search here finds the same
records as the same search upstream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy

from portal_ui.integrations.techlink import types

from ..models import SITE_FOLDED, WORKORDER_FOLDED, SiteRecord, StatusName, WorkOrderRecord
from ..search import typed_pattern, wildcard_int_filter, wildcard_q
from .queues import QUEUES, InvalidFilter, queue_filter

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class WorkOrderRow:
    id: int
    status: str
    status_code: int | None
    type: str
    summary: str
    po: str
    client_reference: str
    project_id: int | None
    site_id: int | None
    site_name: str
    site_city: str
    site_state: str
    site_timezone: str
    scheduled_date: datetime | None  # naive, site-local, as upstream shows it
    scheduled_at: datetime | None  # aware
    installer_name: str
    is_assigned: bool
    last_modified: datetime | None
    synced_at: datetime

    @property
    def is_scheduled(self) -> bool:
        return self.scheduled_date is not None

    @property
    def is_open(self) -> bool:
        return self.status_code in types.OPEN_STATUS_CODES


@dataclass(frozen=True, slots=True)
class SiteRow:
    id: int
    name: str
    siteid: str
    phone: str
    street: str
    city: str
    state: str
    stateabbr: str
    zip: str
    timezone: str
    contact1_name: str
    contact1_phone: str
    last_modified: datetime | None
    synced_at: datetime


# -- work orders -----------------------------------------------------------------------------------

# Work orders without a date (never scheduled, never modified) come last in both directions: a dispatcher
# sorting by schedule wants the dated ones first, and the unscheduled ones have their own queue.
WORKORDER_SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "id": ("id",),
    "-id": ("-id",),
    "status": ("status_code", "-id"),
    "-status": ("-status_code", "id"),
    "scheduled": (F("scheduled_at").asc(nulls_last=True), "-id"),
    "-scheduled": (F("scheduled_at").desc(nulls_last=True), "id"),
    "modified": (F("last_modified").asc(nulls_last=True), "-id"),
    "-modified": (F("last_modified").desc(nulls_last=True), "id"),
    "site": ("site_name", "-id"),
    "-site": ("-site_name", "id"),
    "summary": ("summary", "-id"),
    "-summary": ("-summary", "id"),
}
_WORKORDER_TEXT_FILTERS = ("summary", "description", "po")
# Text filters without a folded copy (a pattern with or without "*" is matched ignoring case letter by letter).
_WORKORDER_PLAIN_TEXT_FILTERS = ("installer_name", "planned_tech_name", "client_reference")
# Date range filters: key -> (field, lookup). Scheduled dates are the site-local install date; created dates
# are compared as days in the dashboard's time zone.
_WORKORDER_DATE_RANGES = {
    "scheduled_from": ("install_date", "gte"),
    "scheduled_to": ("install_date", "lte"),
    "created_from": ("created_date__date", "gte"),
    "created_to": ("created_date__date", "lte"),
}
_WORKORDER_INT_FILTERS = ("status_code", "project_id", "site_id")


_WO_ONLY = (
    "id", "status", "status_code", "type", "summary", "po", "client_reference", "project_id", "site_id",
    "site_name", "site_city", "site_state", "site_stateabbr", "site_timezone", "scheduled_date", "scheduled_at",
    "installer_name", "is_assigned", "last_modified", "synced_at",
)  # fmt: skip


def _wo_row(values: dict) -> WorkOrderRow:
    """A list row from ``.values(*_WO_ONLY)`` (plain values: no model instances to build)."""
    values = dict(values)
    abbr = values.pop("site_stateabbr")
    values["site_state"] = abbr or values["site_state"]
    scheduled = values["scheduled_date"]
    values["scheduled_date"] = datetime.fromisoformat(scheduled) if scheduled else None
    return WorkOrderRow(**values)


def workorder_rows(qs: QuerySet) -> list[WorkOrderRow]:
    return [_wo_row(r) for r in qs.values(*_WO_ONLY)]


def workorder_filter(filters: dict, *, today: date | None = None) -> QuerySet:
    """Work orders matching upstream-style filters (empty values are ignored, like upstream)."""
    qs = WorkOrderRecord.objects.all()
    for name in _WORKORDER_INT_FILTERS:
        value = str(filters.get(name) or "").strip()
        if value:
            qs = wildcard_int_filter(qs, name, value)
    for name in _WORKORDER_TEXT_FILTERS:
        value = filters.get(name)
        if value:
            qs = qs.filter(wildcard_q(name, str(value), folded=WORKORDER_FOLDED[name]))
    for name in _WORKORDER_PLAIN_TEXT_FILTERS:
        value = filters.get(name)
        if value:
            qs = qs.filter(wildcard_q(name, str(value)))
    number = str(filters.get("id") or "").strip().lstrip("#")
    if number:
        if not (number.isascii() and number.isdigit()) or len(number) > 12:
            raise InvalidFilter("Work order number: digits only, e.g. 102951")
        qs = qs.filter(id=int(number))
    site = str(filters.get("site") or "").strip()
    if site:
        qs = qs.filter(site_id__in=site_filter(site=site).values("id"))
    for name, (field, lookup) in _WORKORDER_DATE_RANGES.items():
        value = _date_param(filters.get(name), name)
        if value is not None:
            qs = qs.filter(**{f"{field}__{lookup}": value})
    queue = str(filters.get("queue") or "").strip()
    if queue:
        if queue not in QUEUES:
            raise InvalidFilter(f"Unknown queue: {queue}")
        qs = queue_filter(qs, queue, today=today)
    install_date = filters.get("install_date")
    if isinstance(install_date, date):
        qs = qs.filter(install_date=install_date)
    elif install_date and str(install_date).strip():
        text = str(install_date).strip()
        if not _DATE_RE.match(text):
            raise InvalidFilter("Invalid install date: expected YYYY-MM-DD")
        try:
            qs = qs.filter(install_date=date.fromisoformat(text))
        except ValueError:
            qs = qs.none()  # a well-formed but impossible date matches nothing, as upstream
    return qs


_RANGE_LABELS = {
    "scheduled_from": "Scheduled from",
    "scheduled_to": "Scheduled to",
    "created_from": "Created from",
    "created_to": "Created to",
}


def _date_param(value: object, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if not _DATE_RE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidFilter(f"{_RANGE_LABELS.get(name, name)}: expected a date YYYY-MM-DD") from None


def workorder_list(
    *, filters: dict, sort: str = "-id", page: int = 1, per_page: int = 25, today: date | None = None
) -> Page:
    """One page of work orders (``WorkOrderRow``) matching ``filters``.

    ``filters`` keys: status_code, project_id, site_id, po, summary, description (upstream wildcards),
    install_date (YYYY-MM-DD, the date part of the site-local scheduled date) and queue (a key of
    ``QUEUES``: the home page's queue of that name, today's in the dashboard's time zone). ``sort`` is a key of
    ``WORKORDER_SORTS`` (unknown values fall back to newest first). Raises ``InvalidFilter``.
    """
    order = WORKORDER_SORTS.get(sort, WORKORDER_SORTS["-id"])
    qs = workorder_filter(filters, today=today).order_by(*order).values(*_WO_ONLY)
    paginator = Paginator(qs, per_page)
    result = paginator.get_page(page)
    result.object_list = [_wo_row(r) for r in result.object_list]
    return result


def workorder_status_names() -> dict[int, str]:
    """Work order status codes and their names, in code order, for pickers and labels: the name TechLink
    last sent for a code, else the client's built-in name."""
    stored = dict(StatusName.objects.values_list("code", "name"))
    return dict(sorted({**types.WORKORDER_STATUSES, **stored}.items()))


def workorder_get(*, workorder_id: int) -> WorkOrderRecord | None:
    """The stored work order (every field), or None when the read model does not have it."""
    return WorkOrderRecord.objects.filter(pk=workorder_id).first()


# -- sites ------------------------------------------------------------------------------------------

_SITE_ONLY = (
    "id", "name", "siteid", "phone", "street", "city", "state", "stateabbr", "zip", "timezone",
    "contact1_name", "contact1_phone", "last_modified", "synced_at",
)  # fmt: skip


def _site_row(values: dict) -> SiteRow:
    return SiteRow(**values)


def site_filter(
    *,
    site: str | None = None,
    site_code: str | None = None,
    name: str | None = None,
    address: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip: str | None = None,
) -> QuerySet:
    qs = SiteRecord.objects.all()

    def match(field_name: str, pattern: str) -> Q:
        return wildcard_q(field_name, pattern, folded=SITE_FOLDED[field_name])

    if site:
        # What staff typed for the client's site code or TechLink's site number, in one field (the staff
        # search rule, ``typed_pattern``, for the code; a number also matches the site with that number).
        text = str(site).strip().lstrip("#")
        by_code = match("siteid", typed_pattern(str(site)))
        if text.isascii() and text.isdigit() and len(text) <= 12:
            by_code |= Q(id=int(text))
        qs = qs.filter(by_code)
    if site_code:
        qs = qs.filter(match("siteid", str(site_code)))
    if name:
        qs = qs.filter(match("name", name))
    if address:
        # Any non-empty street line may match, as upstream.
        qs = qs.filter(
            (match("street", address) & ~Q(street=""))
            | (match("street2", address) & ~Q(street2=""))
            | (match("street3", address) & ~Q(street3=""))
        )
    if city:
        qs = qs.filter(match("city", city))
    if state:
        qs = qs.filter(match("state", state) | match("stateabbr", state))
    if zip:
        qs = qs.filter(match("zip", zip))
    return qs


def site_search(*, page: int = 1, per_page: int = 25, **filters: str | None) -> Page:
    """One page of sites (``SiteRow``), newest first, matching upstream-style wildcard filters (those of
    ``site_filter``): ``site_code`` is the client's own site code (e.g. "ST-00123"; upstream's ``site_id``
    search field); ``state`` matches the abbreviation or the full name.
    """
    qs = site_filter(**filters)
    paginator = Paginator(qs.order_by("-id").values(*_SITE_ONLY), per_page)
    result = paginator.get_page(page)
    result.object_list = [_site_row(r) for r in result.object_list]
    return result


def site_get(*, site_id: int) -> SiteRecord | None:
    """The stored site (every field), or None when the read model does not have it."""
    return SiteRecord.objects.filter(pk=site_id).first()
