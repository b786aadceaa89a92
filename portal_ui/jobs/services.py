"""Intake of the outbox: what views, the Portal Link API and the customer page call to change something in
TechLink.

Each ``<entity>_<action>`` service checks the input against its kind (``portal_ui.jobs.kinds``), records a write
(payload, uploaded file, who asked) and wakes a worker for it once the surrounding transaction commits; the
outbox (``portal_ui.jobs.outbox``) sends it. Nothing staff typed or uploaded is lost: a failed write keeps its payload
and file, and staff send it again (``upstream_write_retry``) or give it up (``upstream_write_dismiss``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from portal_ui.accounts.models import User
from portal_ui.core.generations import generation_move

from . import outbox
from .kinds import KINDS
from .models import UpstreamWrite, WriteKind, WriteStatus

logger = logging.getLogger(__name__)


def upstream_write_record(
    *, kind: str, user: User | None, actor_label: str = "", **values: Any
) -> UpstreamWrite:
    """Record a write of ``kind`` with the input its kind accepts (``values``), then queue it once the
    transaction commits. ``actor_label`` says who asked when no staff member did (a customer, the system)."""
    declared = KINDS[kind]
    accepted = declared.accept(**values)
    if user is None and not actor_label.strip():
        raise ValidationError("Say who asked for this change (actor label) when no staff member did.")
    with transaction.atomic():
        write = UpstreamWrite(
            kind=kind,
            payload=accepted.payload,
            target=declared.target(accepted.payload),
            created_by=user,
            actor_label=actor_label.strip()[:200],
            marker=accepted.marker[:300],
            enqueued_at=timezone.now(),
            give_up_at=_give_up_at(),
        )
        if accepted.upload is not None:
            # The name TechLink will store (the client sends it stripped), so a repeat can be recognised.
            write.filename = accepted.upload.name.rsplit("/", 1)[-1].strip()[:255]
            write.content_type = (getattr(accepted.upload, "content_type", "") or "")[:150]
            write.file.save(write.filename, accepted.upload, save=False)
        write.save()
        transaction.on_commit(lambda: outbox.enqueue_if_next(write))
    return write


def _give_up_at() -> datetime:
    """Until when a write made (or retried) now is tried, however long TechLink cannot be reached."""
    return timezone.now() + timedelta(seconds=settings.JOBS_RETRY_FOR_SECONDS)


def _record(kind: str, user: User | None, actor_label: str, **values: Any) -> UpstreamWrite:
    return upstream_write_record(kind=kind, user=user, actor_label=actor_label, **values)


# -- sites ------------------------------------------------------------------------------------------


def site_create(*, user: User | None, fields: dict, actor_label: str = "") -> UpstreamWrite:
    """Create a site with the given fields (``SITE_REQUIRED`` filled in)."""
    return _record(WriteKind.SITE_CREATE, user, actor_label, fields=fields)


def site_update(*, user: User | None, site_id: int, changes: dict, actor_label: str = "") -> UpstreamWrite:
    """Change the given fields of a site."""
    return _record(WriteKind.SITE_UPDATE, user, actor_label, site_id=site_id, changes=changes)


def site_attribute_set(
    *, user: User | None, site_id: int, name: str, value: str, actor_label: str = ""
) -> UpstreamWrite:
    """Set a site attribute (added, or its value replaced)."""
    return _record(WriteKind.SITE_ATTRIBUTE_SET, user, actor_label, site_id=site_id, name=name, value=value)


def site_attribute_remove(
    *, user: User | None, site_id: int, name: str, actor_label: str = ""
) -> UpstreamWrite:
    """Remove a site attribute."""
    return _record(WriteKind.SITE_ATTRIBUTE_REMOVE, user, actor_label, site_id=site_id, name=name)


def site_document_upload(
    *, user: User | None, site_id: int, upload: UploadedFile, description: str = "", actor_label: str = ""
) -> UpstreamWrite:
    """Upload a document to a site."""
    document = {"upload": upload, "description": description}
    return _record(WriteKind.SITE_DOCUMENT_UPLOAD, user, actor_label, site_id=site_id, **document)


def site_document_delete(
    *, user: User | None, site_id: int, document_id: int, actor_label: str = ""
) -> UpstreamWrite:
    """Delete a document of a site."""
    return _record(
        WriteKind.SITE_DOCUMENT_DELETE, user, actor_label, site_id=site_id, document_id=document_id
    )


# -- work orders ------------------------------------------------------------------------------------


def workorder_create(*, user: User | None, fields: dict, actor_label: str = "") -> UpstreamWrite:
    """Create a work order at a site (``site_id`` and ``summary`` among the fields)."""
    return _record(WriteKind.WORKORDER_CREATE, user, actor_label, fields=fields)


def workorder_update(
    *, user: User | None, workorder_id: int, changes: dict, actor_label: str = ""
) -> UpstreamWrite:
    """Change the given fields of a work order."""
    return _record(WriteKind.WORKORDER_UPDATE, user, actor_label, workorder_id=workorder_id, changes=changes)


def workorder_note_add(
    *, user: User | None, workorder_id: int, note: str, actor_label: str = ""
) -> UpstreamWrite:
    """Add a note to a work order (its text as given; see ``staff_signed``)."""
    return _record(WriteKind.WORKORDER_NOTE_ADD, user, actor_label, workorder_id=workorder_id, note=note)


def staff_signed(*, note: str, user: User | None) -> str:
    """A note a staff member wrote, as it goes to TechLink, which signs every note with the dashboard's one
    account: "<note>\n\n— Jane Doe (dispatch)". A customer's comment comes signed already."""
    text = (note or "").strip()
    if user is None or not text:
        return text
    return f"{text}\n\n— {user.get_full_name() or user.username} (dispatch)"


def workorder_task_add(
    *,
    user: User | None,
    workorder_id: int,
    taskitem_id: int,
    description: str,
    rate: Decimal | str | float,
    quantity: Decimal | str | int = 1,
    actor_label: str = "",
) -> UpstreamWrite:
    """Add a billed task to a work order."""
    task = {"taskitem_id": taskitem_id, "description": description, "rate": rate, "quantity": quantity}
    return _record(WriteKind.WORKORDER_TASK_ADD, user, actor_label, workorder_id=workorder_id, **task)


def workorder_document_upload(
    *, user: User | None, workorder_id: int, upload: UploadedFile, description: str = "", actor_label: str = ""
) -> UpstreamWrite:  # fmt: skip
    """Upload a document to a work order."""
    document = {"upload": upload, "description": description}
    return _record(
        WriteKind.WORKORDER_DOCUMENT_UPLOAD, user, actor_label, workorder_id=workorder_id, **document
    )


def workorder_document_delete(
    *, user: User | None, workorder_id: int, document_id: int, actor_label: str = ""
) -> UpstreamWrite:
    """Delete a document of a work order."""
    return _record(
        WriteKind.WORKORDER_DOCUMENT_DELETE,
        user,
        actor_label,
        workorder_id=workorder_id,
        document_id=document_id,
    )


def workorder_required_document_upload(
    *, user: User | None, workorder_id: int, upload: UploadedFile, description: str = "", actor_label: str = ""
) -> UpstreamWrite:  # fmt: skip
    """Give the technician a close-out document to fill in."""
    document = {"upload": upload, "description": description}
    return _record(
        WriteKind.WORKORDER_REQUIRED_DOCUMENT_UPLOAD, user, actor_label, workorder_id=workorder_id, **document
    )


# -- failed writes ----------------------------------------------------------------------------------


def upstream_write_retry(*, write: UpstreamWrite, user: User | None = None) -> UpstreamWrite:
    """Send a failed write again (it keeps its payload, file and marker; the outbox looks for it upstream first
    when an earlier attempt may have arrived)."""
    updated = UpstreamWrite.objects.filter(
        pk=write.pk, status=WriteStatus.FAILED, version=write.version
    ).update(
        status=WriteStatus.QUEUED,
        attempts=0,
        version=write.version + 1,
        next_attempt_at=None,
        enqueued_at=timezone.now(),
        give_up_at=_give_up_at(),
        finished_at=None,
        updated_at=timezone.now(),
    )
    if not updated:
        write.refresh_from_db()
        raise ValidationError(
            f"Only a failed write can be retried; this one is {write.get_status_display().lower()}."
        )
    generation_move("outbox")
    if user is not None:
        logger.info("Write #%s retried by %s", write.pk, user.username)
    write.refresh_from_db()
    transaction.on_commit(lambda: outbox.enqueue_if_next(write))
    return write


def upstream_write_dismiss(*, write: UpstreamWrite, user: User | None = None) -> UpstreamWrite:
    """Give up on a failed write (e.g. TechLink refused it and staff will make the change anew); its file goes."""
    updated = UpstreamWrite.objects.filter(
        pk=write.pk, status=WriteStatus.FAILED, version=write.version
    ).update(status=WriteStatus.DISMISSED, version=write.version + 1, updated_at=timezone.now())
    if not updated:
        write.refresh_from_db()
        raise ValidationError(
            f"Only a failed write can be dismissed; this one is {write.get_status_display().lower()}."
        )
    generation_move("outbox")
    logger.info("Write #%s dismissed by %s", write.pk, user.username if user else "the system")
    write.refresh_from_db()
    if write.file:
        outbox.forget_file(write)
    return write
