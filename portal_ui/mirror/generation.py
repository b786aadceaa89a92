"""The read model's generation (``core.generations``): what staff pages keep of the read model (the
freshness line, the rows of the close-out review queue) is kept until it moves.

Saves of the read model's rows move it through signals (``MirrorConfig.ready``); the sync's bulk writes
(``bulk_create``, ``bulk_update``, ``QuerySet.update`` and ``QuerySet.delete``) call ``read_model_moved``
where they write.
"""

from __future__ import annotations

from django.db.models.signals import post_save

from portal_ui.core.generations import generation_move, generation_moved_by

READ_MODEL = "read_model"


def read_model_moved() -> None:
    generation_move(READ_MODEL)


def _saved(sender, **kwargs) -> None:
    read_model_moved()


def connect() -> None:
    """Saves and deletions of the small tables move the generation; of work orders and sites only saves do
    (their bulk deletions move it where they delete, without a signal per deleted row)."""
    from .models import (
        ClientUserRecord,
        ProjectRecord,
        SiteRecord,
        StatusName,
        SyncLease,
        SyncState,
        TaskItemRecord,
        WorkOrderRecord,
    )

    generation_moved_by(
        READ_MODEL, [StatusName, SyncState, SyncLease, ProjectRecord, TaskItemRecord, ClientUserRecord]
    )
    for model in (SiteRecord, WorkOrderRecord):
        post_save.connect(
            _saved, sender=model, weak=False, dispatch_uid=f"generation:{READ_MODEL}:{model._meta.label}"
        )
