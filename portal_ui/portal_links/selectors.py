"""Reads of portal links, their permissions and the access log, and the files of a link's work order.

What a customer page shows of the work order is read from the dashboard's copy (``sharing.selectors``); only
files stream from TechLink, through ``core.upstream``: its errors arrive as ``UpstreamNotFound`` and
``UpstreamUnavailable`` (or ``UpstreamRefused``).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Sum
from django.db.models.functions import Length
from django.utils import timezone

from portal_ui.core.columns import aware_datetime
from portal_ui.core.downloads import StreamedFile
from portal_ui.core.generations import kept
from portal_ui.core.upstream import UpstreamNotFound, techlink_client, translated
from portal_ui.mirror.models import WorkOrderRecord
from portal_ui.portal_links.models import (
    PAGE_STATE,
    AccessLog,
    AccessOutcome,
    AccessRefusal,
    ApiKey,
    LinkNamespace,
    NoteShare,
    PortalLink,
    WorkOrderSnapshot,
)
from portal_ui.portal_links.sharing import selectors as sharing_selectors
from portal_ui.portal_links.tokens import hash_token

# Sort keys the list accepts (`-` prefix for descending), mapped to model fields.
SORTABLE_FIELDS = {
    "_id": "id",
    "workorder": "workorder",
    "link_type": "link_type",
    "is_active": "is_active",
    "expiry_date": "expiry_date",
    "view_count": "view_count",
    "last_viewed_at": "last_viewed_at",
    "created_at": "created_at",
    "updated_at": "updated_at",
}


class InvalidSort(ValueError):
    pass


def portal_link_by_token(*, token: str) -> PortalLink | None:
    if not token or len(token) > 128:
        return None
    return PortalLink.objects.filter(token_hash=hash_token(token)).first()


# The link by its token hash, with its work order's copy and note choices, in one statement (written out: the
# customer page's hottest read; ``PortalLink.objects.raw`` builds the link from it).
_FOR_PAGE_SQL = """
SELECT link.*,
       copy.fetched_at AS copy_fetched_at,
       copy.found AS copy_found,
       copy.refresh_requested_at AS copy_refresh_requested_at,
       (SELECT MAX(updated_at) FROM {shares} WHERE workorder_id = copy.workorder_id) AS notes_changed_at,
       (SELECT COUNT(*) FROM {shares} WHERE workorder_id = copy.workorder_id) AS notes_count,
       (SELECT COUNT(note_id) FROM {shares} WHERE workorder_id = copy.workorder_id) AS notes_matched
FROM {links} AS link
LEFT JOIN {copies} AS copy ON copy.workorder_id = CAST(link.workorder AS BIGINT)
WHERE link.token_hash = %s
"""


def portal_link_for_page(*, token: str) -> PortalLink | None:
    """``portal_link_by_token`` with what the customer page's cache (``customer.page_cache``) needs to know of
    the link's work order, in the same statement: the copy's ``copy_fetched_at`` (None: no copy),
    ``copy_found`` and ``copy_refresh_requested_at``, and the state of its note choices (``notes_*``).

    Kept by each process until the ``PAGE_STATE`` generation moves (``core.generations``): every write of a
    link, a copy or a note choice moves it, so a page view reads one number from the shared cache instead of
    the database. Status by date (expiry) is worked out from the kept row on each request."""
    if not token or len(token) > 128:
        return None
    token_hash = hash_token(token)
    return kept(PAGE_STATE, token_hash, partial(_link_for_page, token_hash))


def _link_for_page(token_hash: str) -> PortalLink | None:
    sql = _FOR_PAGE_SQL.format(
        links=PortalLink._meta.db_table,
        copies=WorkOrderSnapshot._meta.db_table,
        shares=NoteShare._meta.db_table,
    )
    link = next(iter(PortalLink.objects.raw(sql, [token_hash])), None)
    if link is not None:
        link.copy_fetched_at = aware_datetime(link.copy_fetched_at)
        link.copy_refresh_requested_at = aware_datetime(link.copy_refresh_requested_at)
        link.notes_changed_at = aware_datetime(link.notes_changed_at)
        link.copy_found = bool(link.copy_found)
    return link


def portal_link_id_by_token(*, token: str) -> str | None:
    """The id of the link with this token (its id alone: the rate-limited path reads nothing more)."""
    if not token or len(token) > 128:
        return None
    return PortalLink.objects.filter(token_hash=hash_token(token)).values_list("pk", flat=True).first()


def portal_links_visible_to(api_key: ApiKey | None) -> QuerySet[PortalLink]:
    """Links an API key may see: every namespace of the link lies within the key's namespaces.
    Staff (no key) see every link."""
    links = PortalLink.objects.all()
    if api_key is None:
        return links
    allowed = list(api_key.namespaces)
    inside = LinkNamespace.objects.filter(link=OuterRef("pk"), name__in=allowed)
    outside = LinkNamespace.objects.filter(link=OuterRef("pk")).exclude(name__in=allowed)
    return links.filter(Exists(inside)).exclude(Exists(outside))


def portal_link_visible(*, api_key: ApiKey | None, link_id: str) -> PortalLink | None:
    """The link with this id if the key may see it (the rule of ``portal_links_visible_to``), read by primary
    key alone and checked against the link's namespaces in Python: no join per request."""
    link = PortalLink.objects.filter(pk=link_id).first()
    if link is None or api_key is None:
        return link
    return link if _key_sees(api_key, link.company_namespace) else None


def _key_sees(api_key: ApiKey, namespaces: Iterable[str] | None) -> bool:
    """The rule of ``portal_links_visible_to`` for one link's namespaces: every one lies within the key's."""
    names = set(namespaces or [])
    return bool(names) and names <= set(api_key.namespaces)


def portal_link_list(
    *,
    api_key: ApiKey | None = None,
    company_namespace: list[str] | None = None,
    workorder: str | None = None,
    is_active: bool | None = None,
    link_type: str | None = None,
    ids: list[str] | None = None,
    sort: str | None = None,
) -> QuerySet[PortalLink]:
    links = portal_links_visible_to(api_key)
    if company_namespace:
        links = links.filter(
            Exists(LinkNamespace.objects.filter(link=OuterRef("pk"), name__in=company_namespace))
        )
    if workorder:
        links = links.filter(workorder=workorder)
    if is_active is not None:
        links = links.filter(is_active=is_active)
    if link_type:
        links = links.filter(link_type=link_type)
    if ids:
        links = links.filter(id__in=ids)
    return links.order_by(*_ordering(sort))


# What an API key's answers show of its links, as one fingerprint: any save of a link moves ``updated_at``
# (its namespaces too), a view the view counts, a deletion the count, the clock passing an expiry date the
# number expired. Written out (the API's hottest read); the key's links by the rule of
# ``portal_links_visible_to``, which a test holds equal.
_FINGERPRINT_SQL = """
SELECT COUNT(*), MAX(link.updated_at), MAX(link.last_viewed_at), SUM(link.view_count),
       SUM(CASE WHEN link.expiry_date <= %s THEN 1 ELSE 0 END)
FROM {links} AS link
WHERE EXISTS (SELECT 1 FROM {names} AS ns WHERE ns.link_id = link.id AND ns.name IN ({marks}))
  AND NOT EXISTS (SELECT 1 FROM {names} AS ns WHERE ns.link_id = link.id AND ns.name NOT IN ({marks}))
"""


def portal_links_fingerprint(*, api_key: ApiKey) -> str:
    """Changes whenever anything the key's answers show of its links changes (one statement)."""
    names = sorted(set(api_key.namespaces))
    if not names:
        return "none"
    sql = _FINGERPRINT_SQL.format(
        links=PortalLink._meta.db_table,
        names=LinkNamespace._meta.db_table,
        marks=", ".join(["%s"] * len(names)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *names, *names])
        return "|".join(str(value) for value in cursor.fetchone())


_LINK_STATE_SQL = """
SELECT company_namespace, updated_at, view_count, last_viewed_at,
       CASE WHEN expiry_date <= %s THEN 1 ELSE 0 END
FROM {links} WHERE id = %s
"""


def portal_link_fingerprint(*, api_key: ApiKey, link_id: str) -> str | None:
    """A fingerprint of everything the API shows of the link with this id (as ``portal_links_fingerprint``
    for one link), or None when there is no such link or the key may not see it (the rule of
    ``portal_link_visible``). One statement."""
    sql = _LINK_STATE_SQL.format(links=PortalLink._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), link_id])
        row = cursor.fetchone()
    if row is None:
        return None
    names = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    if not _key_sees(api_key, names):
        return None
    return "|".join(str(value) for value in row[1:])


def _ordering(sort: str | None) -> list:
    if not sort:
        return ["-created_at", "id"]
    descending = sort.startswith("-")
    name = sort[1:] if descending else sort
    if name not in SORTABLE_FIELDS:
        raise InvalidSort(f"Cannot sort by {name!r}; use one of: {', '.join(SORTABLE_FIELDS)}.")
    column = SORTABLE_FIELDS[name]
    if name == "workorder":
        # Work order ids are digit strings without leading zeros: shorter is smaller, then digit by digit
        # ("2" before "10"), on every database and without casting.
        return [
            Length(column).desc() if descending else Length(column).asc(),
            F(column).desc() if descending else F(column).asc(),
            "id",
        ]
    return [f"-{column}" if descending else column, "id"]


@dataclass(frozen=True, slots=True)
class LinkWorkOrder:
    """What the list of links shows of a link's work order, from the read model."""

    id: int
    summary: str
    site_id: int | None
    site_name: str
    site_place: str  # "Portland, OR", or "" when the read model has no city


@dataclass(frozen=True, slots=True)
class LinkRow:
    link: PortalLink
    workorder_id: int | None  # the link's work order number, None when it is not one
    workorder: LinkWorkOrder | None  # None: the work order is not (or not yet) in the read model


def _place(city: str, state: str) -> str:
    return f"{city}, {state}" if city and state else city


# The read model's work order ids are 32-bit integers: a larger number names no work order there.
_MAX_RECORD_ID = 2**31 - 1


def _record_id(workorder: str) -> int | None:
    if not (workorder.isascii() and workorder.isdigit()):
        return None
    number = int(workorder)
    return number if 0 < number <= _MAX_RECORD_ID else None


def portal_link_rows(links: Iterable[PortalLink]) -> list[LinkRow]:
    """Each link with its work order's summary and site, read in one query for all the links."""
    links = list(links)
    ids = {_record_id(link.workorder) for link in links} - {None}
    found: dict[int, LinkWorkOrder] = {}
    if ids:
        fields = ("id", "summary", "site_id", "site_name", "site_city", "site_state", "site_stateabbr")
        for values in WorkOrderRecord.objects.filter(id__in=ids).values(*fields):
            found[values["id"]] = LinkWorkOrder(
                id=values["id"],
                summary=values["summary"],
                site_id=values["site_id"],
                site_name=values["site_name"],
                site_place=_place(values["site_city"], values["site_stateabbr"] or values["site_state"]),
            )
    rows = []
    for link in links:
        number = _record_id(link.workorder)
        rows.append(LinkRow(link=link, workorder_id=number, workorder=found.get(number)))
    return rows


ACCESS_LOG_PAGE_SIZE = 25
REFUSALS_DAYS = 30


def access_log_page(*, link_id: str, page: int | str | None = 1) -> Page:
    """One page of the link's access log, newest first: page views, gates passed, codes sent, comments and
    uploads, each page view with the files fetched from it (``entry.downloads``)."""
    entries = (
        AccessLog.objects.filter(link_ref=link_id, parent__isnull=True)
        .prefetch_related(Prefetch("downloads", queryset=AccessLog.objects.order_by("at", "id")))
        .order_by("-at", "-id")
    )
    return Paginator(entries, ACCESS_LOG_PAGE_SIZE).get_page(page)


def access_refusals_for(*, link_id: str, days: int = REFUSALS_DAYS) -> list[tuple[str, int]]:
    """Refused requests to the link in the last `days` days, per outcome (label, count), most first."""
    since = timezone.localdate() - timedelta(days=days)
    rows = (
        AccessRefusal.objects.filter(link_ref=link_id, day__gt=since)
        .values("outcome")
        .annotate(total=Sum("count"))
        .order_by("-total", "outcome")
    )
    labels = dict(AccessOutcome.choices)
    return [(labels.get(row["outcome"], row["outcome"]), row["total"]) for row in rows]


def link_permissions(link: PortalLink) -> dict[str, bool]:
    """Every permission of the link: the stored ones over the API's defaults."""
    return sharing_selectors.link_permissions(link)


# --- files of the customer page ----------------------------------------------------------------------------

# The client method that opens a file of each kind.
FILE_READERS = {
    "photo": "workorder_photo_raw",
    "document": "workorder_document_raw",
    "closeout": "workorder_closeout_document_raw",
}


def _workorder_id(workorder: str) -> int:
    try:
        return int(workorder)
    except ValueError:
        raise UpstreamNotFound(f"There is no work order {workorder!r}.") from None


def workorder_file(*, workorder: str, kind: str, file_id: int) -> StreamedFile:
    """Open a photo ("photo"), client document ("document") or close-out document ("closeout") of a work
    order, streamed from TechLink. Raises UpstreamNotFound for an unknown kind or file, UpstreamUnavailable
    when TechLink cannot say. Whether a customer may open it is ``sharing.selectors.customer_file_shared``."""
    if kind not in FILE_READERS:
        raise UpstreamNotFound(f"There is no file kind {kind!r}.")
    workorder_id = _workorder_id(workorder)
    with translated():
        return getattr(techlink_client(), FILE_READERS[kind])(workorder_id, file_id)
