"""Single records: staff opened one, or a write to it just succeeded; and the reference lists."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from portal_ui.core.upstream import techlink_client
from portal_ui.integrations.techlink import errors, types

from ..generation import read_model_moved
from ..models import ClientUserRecord, ProjectRecord, SiteRecord, SyncState, TaskItemRecord, WorkOrderRecord
from ..rows import aware, store_sites, store_workorders

logger = logging.getLogger(__name__)


def mirror_workorder_store(*, workorder: types.WorkOrder) -> None:
    """Store a work order the caller already fetched (e.g. the detail page's ``include_all`` answer)."""
    store_workorders([workorder])


def mirror_site_store(*, site: types.Site) -> None:
    """Store a site the caller already fetched (e.g. the site page's answer)."""
    store_sites([site])


def mirror_workorder_refresh(*, workorder_id: int) -> WorkOrderRecord | None:
    """Fetch one work order (with its site) and store it; remove it locally when upstream says 404.

    Returns the stored record, or None when the work order no longer exists upstream.
    Other upstream errors propagate (the local record is kept as it was).
    """
    try:
        wo = techlink_client().workorder_get(workorder_id, include_site=True)
    except errors.TechLinkNotFound:
        WorkOrderRecord.objects.filter(pk=workorder_id).delete()
        read_model_moved()
        return None
    store_workorders([wo])
    return WorkOrderRecord.objects.get(pk=wo.id)


def mirror_site_refresh(*, site_id: int) -> SiteRecord | None:
    """Fetch one site and store it; remove it locally when upstream says 404. Returns the record or None."""
    try:
        site = techlink_client().site_get(site_id)
    except errors.TechLinkNotFound:
        SiteRecord.objects.filter(pk=site_id).delete()
        read_model_moved()
        return None
    store_sites([site])
    return SiteRecord.objects.get(pk=site.id)


def mirror_sync_request(*, full: bool = False) -> bool:
    """Queue a sync now: new records, open work orders and the reference lists, or everything when ``full``.
    False when the queue cannot be reached (the scheduled syncs still run once it is back)."""
    from .. import tasks

    cycle = tasks.mirror_sync_full_task if full else tasks.mirror_sync_open_task
    try:
        cycle.delay()
        tasks.mirror_sync_reference_task.delay()
    except (BrokerError, OSError):
        logger.warning("Could not queue a sync", exc_info=True)
        return False
    return True


def _upsert_reference(model, rows: list, fields: list[str], *, complete: bool) -> int:
    """Store listed entries; with a ``complete`` list, entries upstream no longer lists are kept unlisted."""
    with transaction.atomic():
        if rows:
            model.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=[*fields, "listed", "synced_at"],
            )
        if complete:
            model.objects.exclude(pk__in=[r.id for r in rows]).filter(listed=True).update(listed=False)
        read_model_moved()
    return len(rows)


def mirror_reference_store(
    *,
    projects: Sequence[types.Project] | None = None,
    task_items: Sequence[types.TaskItem] | None = None,
    users: Sequence[types.User] | None = None,
) -> int:
    """Store complete reference lists the caller fetched (any of the three; None: not fetched).

    When all three are given, the lists count as synced (pages then read them from here, not upstream).
    """
    now = timezone.now()
    stored = 0
    if projects is not None:
        rows = [
            ProjectRecord(id=p.project_id, name=p.name[:255], listed=True, synced_at=now) for p in projects
        ]
        stored += _upsert_reference(ProjectRecord, rows, ["name"], complete=True)
    if task_items is not None:
        rows = [
            TaskItemRecord(id=t.taskitem_id, name=t.name[:255], listed=True, synced_at=now)
            for t in task_items
        ]
        stored += _upsert_reference(TaskItemRecord, rows, ["name"], complete=True)
    if users is not None:
        rows = [
            ClientUserRecord(
                id=u.user_id, name=u.name[:255], username=u.username[:150], email=u.email[:255],
                phone=u.phone[:50], restricted=u.restricted, enabled=u.enabled, last_login=aware(u.last_login),
                listed=True, synced_at=now,
            )
            for u in users
        ]  # fmt: skip
        fields = ["name", "username", "email", "phone", "restricted", "enabled", "last_login"]
        stored += _upsert_reference(ClientUserRecord, rows, fields, complete=True)
    if projects is not None and task_items is not None and users is not None:
        SyncState.get()
        SyncState.objects.filter(pk=1).update(reference_sync_at=now)
        read_model_moved()
    return stored
