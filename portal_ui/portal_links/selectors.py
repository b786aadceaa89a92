"""Reads of portal links, their permissions and the access log, and what a link's customer page shows.

The customer page's reads reach TechLink only through ``core.upstream``: its errors arrive as
``UpstreamNotFound`` and ``UpstreamUnavailable`` (or ``UpstreamRefused``).
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import Length

from portal_ui.core.downloads import StreamedFile
from portal_ui.core.upstream import UpstreamNotFound, techlink_client, translated
from portal_ui.integrations.techlink.types import WORKORDER_STATUSES
from portal_ui.portal_links.models import AccessLog, ApiKey, LinkNamespace, PortalLink
from portal_ui.portal_links.schemas import Permissions
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


def access_log_for(*, link_id: str, limit: int = 100) -> list[AccessLog]:
    return list(AccessLog.objects.filter(link_ref=link_id)[:limit])


def link_permissions(link: PortalLink) -> dict[str, bool]:
    """Every permission of the link: the stored ones over the API's defaults."""
    return {**Permissions().model_dump(), **(link.permissions or {})}


# --- what the customer page shows ------------------------------------------------------------------

# The permissions a file of each kind needs, and the client method that opens it.
FILE_PERMISSIONS = {
    "photo": ("view_photos",),
    "document": ("view_client_documents", "download_documents"),
    "closeout": ("view_closeout_documents", "download_documents"),
}
FILE_READERS = {
    "photo": "workorder_photo_raw",
    "document": "workorder_document_raw",
    "closeout": "workorder_closeout_document_raw",
}


@dataclass
class CustomerWorkOrder:
    """The parts of a work order a link's permissions grant; None/[] for everything else."""

    available: bool = True
    found: bool = True
    workorder_id: str = ""
    status: str = ""
    summary: str = ""
    site_name: str = ""
    site_city: str = ""
    schedule: dict[str, Any] | None = None
    notes: list[Any] = field(default_factory=list)
    photos: list[Any] = field(default_factory=list)
    client_documents: list[Any] = field(default_factory=list)
    closeout_documents: list[Any] = field(default_factory=list)
    questions: list[Any] = field(default_factory=list)

    @classmethod
    def missing(cls, link: PortalLink) -> "CustomerWorkOrder":
        """What the page shows when TechLink does not know the work order."""
        return cls(found=False, workorder_id=link.workorder)

    @classmethod
    def unavailable(cls, link: PortalLink) -> "CustomerWorkOrder":
        """What the page shows when TechLink cannot be asked."""
        return cls(available=False, workorder_id=link.workorder)


def _workorder_id(link: PortalLink) -> int:
    try:
        return int(link.workorder)
    except ValueError:
        raise UpstreamNotFound(f"There is no work order {link.workorder!r}.") from None


def _status_label(workorder: Any) -> str:
    for attr in ("status", "status_name", "status_text"):
        value = getattr(workorder, attr, None)
        if isinstance(value, str) and value:
            return value
    code = getattr(workorder, "status_code", None)
    try:
        return WORKORDER_STATUSES.get(int(code), str(code or ""))
    except (TypeError, ValueError):
        return str(code or "")


def customer_workorder(*, link: PortalLink) -> CustomerWorkOrder:
    """The work order of a link from TechLink, with only the parts its permissions grant.

    Raises UpstreamNotFound when TechLink does not know it, UpstreamUnavailable when TechLink cannot say."""
    perms = link_permissions(link)
    with translated():
        workorder = techlink_client().workorder_get(
            _workorder_id(link),
            include_site=True,
            include_notes=perms["view_notes"],
            include_photos=perms["view_photos"],
            include_client_documents=perms["view_client_documents"],
            include_closeout_documents=perms["view_closeout_documents"],
            include_questions=perms["view_closeout_answers"],
        )
    site = getattr(workorder, "site", None)
    address = getattr(site, "address", None)
    data = CustomerWorkOrder(
        workorder_id=link.workorder,
        status=_status_label(workorder),
        summary=getattr(workorder, "summary", "") or "",
        site_name=getattr(site, "name", "") or "",
        site_city=getattr(address, "city", "") or "",
    )
    if perms["view_schedule"]:
        installer = getattr(workorder, "installer", None)
        data.schedule = {
            "requested": getattr(workorder, "requested_time", "") or "",
            "scheduled": getattr(workorder, "scheduled_date", None),
            "installer": getattr(installer, "name", "") or "",
        }
    if perms["view_notes"]:
        data.notes = list(getattr(workorder, "notes", None) or [])
    if perms["view_photos"]:
        data.photos = list(getattr(workorder, "photos", None) or [])
    if perms["view_client_documents"]:
        data.client_documents = list(getattr(workorder, "client_documents", None) or [])
    if perms["view_closeout_documents"]:
        data.closeout_documents = list(getattr(workorder, "closeout_documents", None) or [])
    if perms["view_closeout_answers"]:
        questions = list(getattr(workorder, "questions", None) or [])
        data.questions = sorted(questions, key=lambda q: getattr(q, "sort_order", 0) or 0)
    return data


def customer_file_allowed(*, link: PortalLink, kind: str) -> bool:
    """Whether the link's permissions let its customer open files of this kind."""
    permissions = link_permissions(link)
    return kind in FILE_PERMISSIONS and all(permissions[name] for name in FILE_PERMISSIONS[kind])


def customer_file(*, link: PortalLink, kind: str, file_id: int) -> StreamedFile:
    """Open a photo ("photo"), client document ("document") or close-out document ("closeout") of the link's
    work order, streamed. Raises UpstreamNotFound for an unknown kind or file, UpstreamUnavailable when
    TechLink cannot say."""
    if kind not in FILE_READERS:
        raise UpstreamNotFound(f"There is no file kind {kind!r}.")
    workorder_id = _workorder_id(link)
    with translated():
        return getattr(techlink_client(), FILE_READERS[kind])(workorder_id, file_id)
