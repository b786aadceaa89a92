"""TechLink's reference lists (projects, task items, client users) as the read model last synced them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal_ui.integrations.techlink import types

from ..models import ClientUserRecord, ProjectRecord, SyncState, TaskItemRecord

# -- reference lists --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reference:
    """TechLink's projects, task items and client users as last synced.

    The lists hold what upstream still lists (for pickers); the name maps also know entries upstream no
    longer lists, so an old work order still shows its project's name.
    """

    projects: list[types.Project]
    task_items: list[types.TaskItem]
    users: list[types.User]
    project_names: dict[int, str]
    user_names: dict[int, str]
    synced_at: datetime | None


def _user(record: ClientUserRecord) -> types.User:
    return types.User(
        user_id=record.id,
        username=record.username,
        name=record.name,
        email=record.email,
        phone=record.phone,
        restricted=record.restricted,
        enabled=record.enabled,
        last_login=record.last_login,
    )


def _by_name(record: ProjectRecord | TaskItemRecord) -> tuple[str, int]:
    return (record.name.casefold(), record.id)


def reference_get() -> Reference | None:
    """The reference lists from the read model, or None when they were never synced."""
    synced_at = SyncState.objects.filter(pk=1).values_list("reference_sync_at", flat=True).first()
    if synced_at is None:
        return None
    projects = sorted(ProjectRecord.objects.all(), key=_by_name)
    users = sorted(ClientUserRecord.objects.all(), key=lambda u: ((u.name or u.username).casefold(), u.id))
    task_items = sorted(TaskItemRecord.objects.filter(listed=True), key=_by_name)
    return Reference(
        projects=[types.Project(project_id=p.id, name=p.name) for p in projects if p.listed],
        task_items=[types.TaskItem(taskitem_id=t.id, name=t.name) for t in task_items],
        users=[_user(u) for u in users if u.listed],
        project_names={p.id: p.name for p in projects},
        user_names={u.id: u.name or u.username for u in users},
        synced_at=synced_at,
    )
