"""Reads of the outbox: its pages, the writes open on a site or work order, a refused create to change."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from portal_ui.accounts.models import User

from .models import OPEN_STATUSES, UpstreamWrite, WriteStatus


def upstream_write_list(
    *, status: str = "", mine: bool = False, user: User | None = None, page: int = 1, per_page: int = 25
) -> Page:
    """Writes newest first, optionally only one status and/or only those the given staff member made."""
    writes: QuerySet[UpstreamWrite] = UpstreamWrite.objects.select_related("created_by")
    if status in WriteStatus.values:
        writes = writes.filter(status=status)
    if mine and user is not None:
        writes = writes.filter(created_by=user)
    return Paginator(writes.order_by("-id"), per_page).get_page(page)


def upstream_write_refused(*, pk: str | int | None, kind: str) -> UpstreamWrite | None:
    """A failed write of ``kind`` that staff may change and send again as a new one, else None."""
    if not str(pk or "").isdigit():
        return None
    return UpstreamWrite.objects.filter(pk=int(pk), kind=kind, status=WriteStatus.FAILED).first()


def upstream_write_get(*, pk: str | int | None) -> UpstreamWrite | None:
    """The write with this number (as a page's ``?write=`` names it), else None."""
    if not str(pk or "").isdigit():
        return None
    return UpstreamWrite.objects.select_related("created_by").filter(pk=int(pk)).first()


def upstream_writes_open(
    *, workorder_id: int | None = None, site_id: int | None = None, exclude_id: int | None = None
) -> list[UpstreamWrite]:
    """Changes to one work order or site that TechLink has not confirmed yet (queued, running or failed)."""
    writes = UpstreamWrite.objects.filter(status__in=OPEN_STATUSES).select_related("created_by")
    if workorder_id is not None:
        writes = writes.filter(payload__workorder_id=workorder_id)
    if site_id is not None:
        writes = writes.filter(payload__site_id=site_id)
    if exclude_id is not None:
        writes = writes.exclude(pk=exclude_id)
    return list(writes.order_by("-id")[:10])
