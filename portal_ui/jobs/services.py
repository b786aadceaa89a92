"""Durable upstream writes.

Every change sent to TechLink goes through one of the ``<entity>_<action>`` services below. Each checks the
input, records an ``UpstreamWrite`` row (payload, uploaded file, who asked) and queues a Celery task once the
surrounding transaction commits. The task (``upstream_write_run``) claims the row atomically, sends it, and
records the outcome; transient failures are retried with exponential backoff, refusals fail at once with
TechLink's message. Nothing the staff member typed or uploaded is lost: a failed row keeps its payload and
file and can be retried (``upstream_write_retry``).

Exactly once: before repeating a create whose earlier attempt may have reached TechLink, the task looks
upstream for it (see ``portal_ui.jobs.operations``) and only sends when it is not there. Writes to the same
TechLink object (``UpstreamWrite.target``) are sent one at a time, oldest first: a retried change never
overtakes a later one, and a create being checked upstream cannot mistake a later write's object for its own.
Rows stuck in ``queued``/``running`` (lost broker message, worker killed) are re-queued by the periodic
``upstream_write_requeue_stuck``.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Exists, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from portal_ui.accounts.models import User
from portal_ui.core.upstream import techlink_client
from portal_ui.integrations.techlink import errors
from portal_ui.mirror import tasks as mirror_tasks

from . import operations
from .models import UpstreamWrite, WriteKind, WriteStatus, write_target

logger = logging.getLogger(__name__)

SITE_FIELDS = frozenset(
    {
        "name", "site_id", "phone", "fax", "address1", "address2", "address3", "city", "state", "zip", "country",
        "primary_contact_name", "primary_contact_phone", "primary_contact_email",
        "secondary_contact_name", "secondary_contact_phone", "secondary_contact_email",
        "enable_notifications", "additional_notifications", "notes",
    }
)  # fmt: skip
SITE_REQUIRED = (
    "name", "address1", "city", "state", "zip",
    "primary_contact_name", "primary_contact_phone", "primary_contact_email",
)  # fmt: skip
WORKORDER_CREATE_FIELDS = frozenset(
    {"site_id", "summary", "type", "description", "po", "client_reference", "project_id", "requested_install",
     "submitter_id"}
)  # fmt: skip
WORKORDER_UPDATE_FIELDS = frozenset(
    {"summary", "description", "po", "client_reference", "project_id", "requested_install", "submitter_id"}
)
# Fields TechLink requires to stay non-empty once given ("if provided").
SITE_NOT_EMPTY_ON_UPDATE = frozenset(SITE_REQUIRED)
WORKORDER_NOT_EMPTY_ON_UPDATE = frozenset(
    {"summary", "po", "client_reference", "project_id", "requested_install"}
)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_attempts() -> int:
    return int(_setting("JOBS_MAX_ATTEMPTS", 6))


def lease_seconds() -> float:
    """How long one attempt may run before the row counts as stuck (must exceed the slowest attempt)."""
    return float(_setting("JOBS_LEASE_SECONDS", 600))


def queued_grace_seconds() -> float:
    """How long a queued row may wait for its broker message before it is sent again."""
    return float(_setting("JOBS_QUEUED_GRACE_SECONDS", 300))


def doubt_wait_seconds() -> float:
    """How long to wait before checking TechLink for a write that may have been applied: at least as long as
    TechLink may still be working on the request the client gave up on."""
    return float(_setting("TECHLINK_READ_TIMEOUT", 20.0))


def _backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), capped, then 50-100% of that."""
    base = float(_setting("JOBS_RETRY_BACKOFF_SECONDS", 2.0))
    cap = float(_setting("JOBS_RETRY_BACKOFF_MAX_SECONDS", 300.0))
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay * random.uniform(0.5, 1.0)


# -- input checks -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _positive_id(value: Any, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{label} must be a number.") from None
    if number <= 0:
        raise ValidationError(f"{label} must be a positive number.")
    return number


def _clean_fields(fields: dict, allowed: frozenset, what: str) -> dict[str, str]:
    if not isinstance(fields, dict):
        raise ValidationError(f"The {what} must be given as named fields.")
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError(f"Unknown {what} field(s): {', '.join(unknown)}.")
    return {key: _text(value) for key, value in fields.items()}


def _check_not_empty(values: dict[str, str], names: Any, what: str) -> None:
    missing = [name for name in names if name in values and not values[name]]
    if missing:
        labels = ", ".join(name.replace("_", " ") for name in missing)
        raise ValidationError(f"The {what} needs: {labels}.")


def _check_upload(upload: UploadedFile | None) -> None:
    if upload is None:
        raise ValidationError("Choose a file to upload.")
    if not getattr(upload, "name", ""):
        raise ValidationError("The uploaded file has no name.")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(f"“{upload.name}” is empty.")
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(
            f"“{upload.name}” is {size / 1024 / 1024:.1f} MB; files up to {limit / 1024 / 1024:.0f} MB can be uploaded."
        )


def _check_actor(user: User | None, actor_label: str) -> None:
    if user is None and not actor_label.strip():
        raise ValidationError("Say who asked for this change (actor label) when no staff member did.")


# -- recording and queueing -------------------------------------------------------------------------


def _record(
    *,
    kind: str,
    user: User | None,
    payload: dict,
    actor_label: str = "",
    upload: UploadedFile | None = None,
    marker: str = "",
) -> UpstreamWrite:
    """Store the write (and its file), then queue it once the transaction commits."""
    _check_actor(user, actor_label)
    now = timezone.now()
    with transaction.atomic():
        write = UpstreamWrite(
            kind=kind,
            payload=payload,
            target=write_target(kind, payload),
            created_by=user,
            actor_label=actor_label.strip()[:200],
            marker=marker[:300],
            enqueued_at=now,
        )
        if upload is not None:
            # The name TechLink will store (the client sends it stripped), so a repeat can be recognised.
            write.filename = upload.name.rsplit("/", 1)[-1].strip()[:255]
            write.content_type = (getattr(upload, "content_type", "") or "")[:150]
            write.file.save(write.filename, upload, save=False)
        write.save()
        transaction.on_commit(lambda: _enqueue_if_next(write))
    return write


def _ahead(write: UpstreamWrite):
    """The writes to the same target that go before this one: one being sent, or an older one waiting."""
    return (
        UpstreamWrite.objects.filter(target=write.target)
        .exclude(pk=write.pk)
        .filter(Q(status=WriteStatus.RUNNING) | Q(status=WriteStatus.QUEUED, pk__lt=write.pk))
    )


def _next_in_line(write: UpstreamWrite) -> bool:
    return not write.target or not _ahead(write).exists()


def _enqueue_if_next(write: UpstreamWrite) -> None:
    """Queue a committed write now if it is next in line; otherwise the write ahead of it queues it when done
    (``upstream_write_run``): the queue then holds only writes that can run, not a backlog of ones that wait."""
    if _next_in_line(write):
        _enqueue(write.pk)


def _enqueue(write_id: int, *, countdown: float | None = None) -> None:
    from .tasks import run_upstream_write

    try:
        run_upstream_write.apply_async((write_id,), countdown=countdown)
    except (BrokerError, OSError):
        # The row stays queued; upstream_write_requeue_stuck sends it again later.
        logger.exception("Could not queue upstream write #%s; it will be re-queued", write_id)


# -- the write services views call ------------------------------------------------------------------


def site_create(*, user: User | None, fields: dict, actor_label: str = "") -> UpstreamWrite:
    values = _clean_fields(fields, SITE_FIELDS, "site")
    missing = [name for name in SITE_REQUIRED if not values.get(name)]
    if missing:
        raise ValidationError(f"A new site needs: {', '.join(name.replace('_', ' ') for name in missing)}.")
    return _record(
        kind=WriteKind.SITE_CREATE, user=user, actor_label=actor_label,
        payload={"fields": values}, marker=values.get("site_id", ""),
    )  # fmt: skip


def site_update(*, user: User | None, site_id: int, changes: dict, actor_label: str = "") -> UpstreamWrite:
    site_id = _positive_id(site_id, "Site")
    values = _clean_fields(changes, SITE_FIELDS, "site")
    if not values:
        raise ValidationError("Nothing to change.")
    _check_not_empty(values, SITE_NOT_EMPTY_ON_UPDATE, "site")
    return _record(
        kind=WriteKind.SITE_UPDATE, user=user, actor_label=actor_label,
        payload={"site_id": site_id, "changes": values},
    )  # fmt: skip


def site_attribute_set(
    *, user: User | None, site_id: int, name: str, value: str, actor_label: str = ""
) -> UpstreamWrite:
    site_id = _positive_id(site_id, "Site")
    name = _text(name)
    if not name:
        raise ValidationError("The attribute needs a name.")
    return _record(
        kind=WriteKind.SITE_ATTRIBUTE_SET, user=user, actor_label=actor_label,
        payload={"site_id": site_id, "name": name, "value": "" if value is None else str(value)},
    )  # fmt: skip


def site_attribute_remove(
    *, user: User | None, site_id: int, name: str, actor_label: str = ""
) -> UpstreamWrite:
    site_id = _positive_id(site_id, "Site")
    name = _text(name)
    if not name:
        raise ValidationError("Say which attribute to remove.")
    return _record(
        kind=WriteKind.SITE_ATTRIBUTE_REMOVE, user=user, actor_label=actor_label,
        payload={"site_id": site_id, "name": name},
    )  # fmt: skip


def _record_upload(
    *, kind: str, user: User | None, actor_label: str, upload: UploadedFile, owner: dict, description: str
) -> UpstreamWrite:
    """A document upload: the file is kept with the row; its description (or file name) marks it upstream."""
    _check_upload(upload)
    description = _text(description)
    return _record(
        kind=kind, user=user, actor_label=actor_label, upload=upload,
        payload={**owner, "description": description}, marker=description or upload.name,
    )  # fmt: skip


def site_document_upload(
    *, user: User | None, site_id: int, upload: UploadedFile, description: str = "", actor_label: str = ""
) -> UpstreamWrite:
    return _record_upload(
        kind=WriteKind.SITE_DOCUMENT_UPLOAD, user=user, actor_label=actor_label, upload=upload,
        owner={"site_id": _positive_id(site_id, "Site")}, description=description,
    )  # fmt: skip


def site_document_delete(
    *, user: User | None, site_id: int, document_id: int, actor_label: str = ""
) -> UpstreamWrite:
    site_id = _positive_id(site_id, "Site")
    document_id = _positive_id(document_id, "Document")
    return _record(
        kind=WriteKind.SITE_DOCUMENT_DELETE, user=user, actor_label=actor_label,
        payload={"site_id": site_id, "document_id": document_id},
    )  # fmt: skip


def workorder_create(*, user: User | None, fields: dict, actor_label: str = "") -> UpstreamWrite:
    values = _clean_fields(fields, WORKORDER_CREATE_FIELDS, "work order")
    if not values.get("site_id"):
        raise ValidationError("A new work order needs a site.")
    values["site_id"] = str(_positive_id(values["site_id"], "Site"))
    if not values.get("summary"):
        raise ValidationError("A new work order needs a summary.")
    return _record(
        kind=WriteKind.WORKORDER_CREATE, user=user, actor_label=actor_label,
        payload={"fields": values}, marker=values.get("client_reference", ""),
    )  # fmt: skip


def workorder_update(
    *, user: User | None, workorder_id: int, changes: dict, actor_label: str = ""
) -> UpstreamWrite:
    workorder_id = _positive_id(workorder_id, "Work order")
    values = _clean_fields(changes, WORKORDER_UPDATE_FIELDS, "work order")
    if not values:
        raise ValidationError("Nothing to change.")
    _check_not_empty(values, WORKORDER_NOT_EMPTY_ON_UPDATE, "work order")
    return _record(
        kind=WriteKind.WORKORDER_UPDATE, user=user, actor_label=actor_label,
        payload={"workorder_id": workorder_id, "changes": values},
    )  # fmt: skip


def workorder_note_add(
    *, user: User | None, workorder_id: int, note: str, actor_label: str = ""
) -> UpstreamWrite:
    workorder_id = _positive_id(workorder_id, "Work order")
    note = (note or "").strip()
    if not note:
        raise ValidationError("The note is empty.")
    return _record(
        kind=WriteKind.WORKORDER_NOTE_ADD, user=user, actor_label=actor_label,
        payload={"workorder_id": workorder_id, "note": note}, marker=note,
    )  # fmt: skip


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
    workorder_id = _positive_id(workorder_id, "Work order")
    taskitem_id = _positive_id(taskitem_id, "Task item")
    description = _text(description)
    if not description:
        raise ValidationError("The task needs a description.")
    try:
        rate_value = Decimal(str(rate).replace(",", "").strip())
        quantity_value = Decimal(str(quantity).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError("Rate and quantity must be numbers.") from None
    if not rate_value.is_finite() or rate_value < 0:
        raise ValidationError("The rate must be zero or more.")
    if not quantity_value.is_finite() or quantity_value <= 0:
        raise ValidationError("The quantity must be more than zero.")
    return _record(
        kind=WriteKind.WORKORDER_TASK_ADD, user=user, actor_label=actor_label,
        payload={
            "workorder_id": workorder_id, "taskitem_id": taskitem_id, "description": description,
            "rate": str(rate_value), "quantity": str(quantity_value),
        },
        marker=description,
    )  # fmt: skip


def workorder_document_upload(
    *,
    user: User | None,
    workorder_id: int,
    upload: UploadedFile,
    description: str = "",
    actor_label: str = "",
) -> UpstreamWrite:
    return _record_upload(
        kind=WriteKind.WORKORDER_DOCUMENT_UPLOAD, user=user, actor_label=actor_label, upload=upload,
        owner={"workorder_id": _positive_id(workorder_id, "Work order")}, description=description,
    )  # fmt: skip


def workorder_document_delete(
    *, user: User | None, workorder_id: int, document_id: int, actor_label: str = ""
) -> UpstreamWrite:
    workorder_id = _positive_id(workorder_id, "Work order")
    document_id = _positive_id(document_id, "Document")
    return _record(
        kind=WriteKind.WORKORDER_DOCUMENT_DELETE, user=user, actor_label=actor_label,
        payload={"workorder_id": workorder_id, "document_id": document_id},
    )  # fmt: skip


def workorder_required_document_upload(
    *,
    user: User | None,
    workorder_id: int,
    upload: UploadedFile,
    description: str = "",
    actor_label: str = "",
) -> UpstreamWrite:
    return _record_upload(
        kind=WriteKind.WORKORDER_REQUIRED_DOCUMENT_UPLOAD, user=user, actor_label=actor_label, upload=upload,
        owner={"workorder_id": _positive_id(workorder_id, "Work order")}, description=description,
    )  # fmt: skip


def upstream_write_retry(*, write: UpstreamWrite, user: User | None = None) -> UpstreamWrite:
    """Send a failed write again (it keeps its payload, file and idempotency marker)."""
    updated = UpstreamWrite.objects.filter(
        pk=write.pk, status=WriteStatus.FAILED, version=write.version
    ).update(
        status=WriteStatus.QUEUED,
        attempts=0,
        version=write.version + 1,
        next_attempt_at=None,
        enqueued_at=timezone.now(),
        finished_at=None,
        updated_at=timezone.now(),
    )
    if not updated:
        write.refresh_from_db()
        raise ValidationError(
            f"Only a failed write can be retried; this one is {write.get_status_display().lower()}."
        )
    if user is not None:
        logger.info("Upstream write #%s retried by %s", write.pk, user.username)
    write.refresh_from_db()
    transaction.on_commit(lambda: _enqueue_if_next(write))
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
    logger.info("Upstream write #%s dismissed by %s", write.pk, user.username if user else "the system")
    write.refresh_from_db()
    if write.file:
        _delete_file(write)
    return write


def _delete_file(write: UpstreamWrite) -> None:
    name, storage = write.file.name, write.file.storage
    UpstreamWrite.objects.filter(pk=write.pk).update(file="")
    transaction.on_commit(lambda: storage.delete(name))


# -- running a write (called by the Celery task) ----------------------------------------------------


def _transition(write: UpstreamWrite, **fields: Any) -> bool:
    """Change the row only if nobody else changed it since we read it; update ``write`` on success."""
    now = timezone.now()
    fields.setdefault("updated_at", now)
    updated = UpstreamWrite.objects.filter(pk=write.pk, version=write.version, status=write.status).update(
        version=write.version + 1, **fields
    )
    if not updated:
        return False
    write.version += 1
    for key, value in fields.items():
        setattr(write, key, value)
    return True


def _claim(write: UpstreamWrite) -> bool:
    """Take a queued write for this worker, unless another worker has it or another write to the same target
    must go first (one running, or an older one waiting). A write that must wait is queued again when the one
    before it finishes (``upstream_write_run`` goes on with the line)."""
    fields = {
        "status": WriteStatus.RUNNING,
        "attempts": write.attempts + 1,
        "lease_until": timezone.now() + timedelta(seconds=lease_seconds()),
        "next_attempt_at": None,
        "updated_at": timezone.now(),
    }
    with transaction.atomic():
        claim = UpstreamWrite.objects.filter(pk=write.pk, version=write.version, status=WriteStatus.QUEUED)
        if write.target:
            if connection.features.has_select_for_update:
                # Claims of one target wait for each other, so two can never both see the way clear.
                waiting_or_sent = UpstreamWrite.objects.filter(
                    target=write.target, status__in=(WriteStatus.QUEUED, WriteStatus.RUNNING)
                )
                list(waiting_or_sent.select_for_update().order_by("pk").values_list("pk", flat=True))
            claim = claim.exclude(Exists(_ahead(write)))
        if not claim.update(version=write.version + 1, **fields):
            return False
    write.version += 1
    for key, value in fields.items():
        setattr(write, key, value)
    return True


def _waiting_behind(write: UpstreamWrite) -> UpstreamWrite | None:
    """The oldest write waiting on the same target, when it can go now (not waiting for a retry time)."""
    if not write.target:
        return None
    waiting = (
        UpstreamWrite.objects.filter(target=write.target, status=WriteStatus.QUEUED).order_by("pk").first()
    )
    if waiting is not None and (waiting.next_attempt_at is None or waiting.next_attempt_at <= timezone.now()):
        return waiting
    return None


def _enqueue_next(write: UpstreamWrite) -> None:
    """Queue the write waiting behind ``write`` on the same target, now that ``write`` is out of its way."""
    waiting = _waiting_behind(write)
    if waiting is not None:
        # Its message is sent now: the periodic re-queue counts its wait from here.
        UpstreamWrite.objects.filter(pk=waiting.pk, status=WriteStatus.QUEUED).update(
            enqueued_at=timezone.now()
        )
        transaction.on_commit(lambda: _enqueue(waiting.pk))


def _claimed_elsewhere(write: UpstreamWrite, key: str) -> set[int]:
    """Objects other writes of the same kind and target already took as theirs: never this write's."""
    results = (
        UpstreamWrite.objects.filter(target=write.target, kind=write.kind, status=WriteStatus.DONE)
        .exclude(pk=write.pk)
        .values_list("result", flat=True)
    )
    return {int(result[key]) for result in results if isinstance(result, dict) and result.get(key)}


def line_budget() -> int:
    """How many writes of one target a task sends in a row before handing the rest back to the queue."""
    return int(_setting("JOBS_LINE_BUDGET", 20))


def upstream_write_run(*, write_id: int) -> UpstreamWrite | None:
    """Run one queued write: claim it, send it (once), record the outcome; then the writes waiting behind it
    on the same target, one after the other (up to ``JOBS_LINE_BUDGET``, then they are queued). Returns the
    first write, or None when it is not ours to run (another worker has it, or it waits for an older write
    to the same target)."""
    first = write = _run_one(write_id)
    for _ in range(line_budget()):
        if write is None or not write.is_final:
            return first  # the rest of the line waits for this one's next attempt
        waiting = _waiting_behind(write)
        if waiting is None:
            return first
        write = _run_one(waiting.pk)
    if write is not None and write.is_final:
        _enqueue_next(write)
    return first


def _run_one(write_id: int) -> UpstreamWrite | None:
    write = UpstreamWrite.objects.filter(pk=write_id).first()
    if write is None or write.status != WriteStatus.QUEUED or not _claim(write):
        return None

    operation = operations.for_kind(write.kind)
    was_in_doubt = write.in_doubt
    sent = False
    try:
        client = techlink_client()
        if was_in_doubt and operation.find is not None:
            existing = operation.existing(client, write, _claimed_elsewhere(write, operation.found_key))
            if existing is not None:
                _finish_done(write, operation.found_result(write, existing))
                return write
        # Objects that already match the marker before our first send are not ours.
        if (
            operation.find is not None
            and write.baseline is None
            and not _transition(write, baseline=operation.find(client, write))
        ):
            return None
        if not _transition(write, in_doubt=True):
            return None  # the lease was taken over; the new owner decides
        sent = True
        result = _send(operation, client, write)
    except errors.TechLinkError as exc:
        if operation.missing_is_done and isinstance(exc, errors.TechLinkNotFound):
            # What staff asked to remove is not there (any more, or a repeat of a removal that went through).
            _finish_done(write, operation.gone_result(write))
            return write
        in_doubt = exc.maybe_applied if sent else write.in_doubt
        if exc.transient:
            _retry_or_fail(write, exc.message or str(exc), in_doubt=in_doubt)
        else:
            _finish_failed(write, exc.message or str(exc), in_doubt=in_doubt)
        return write
    except Exception as exc:  # a bug or a broken file: keep everything, show it, let staff retry
        logger.exception("Upstream write #%s failed unexpectedly", write.pk)
        _finish_failed(write, f"Unexpected error: {exc}", in_doubt=True if sent else write.in_doubt)
        return write
    _finish_done(write, result)
    return write


def _send(operation: operations.Operation, client: Any, write: UpstreamWrite) -> dict:
    if write.file:
        with write.file.open("rb") as handle:
            return operation.send(client, write, handle)
    return operation.send(client, write, None)


def _finish_done(write: UpstreamWrite, result: dict) -> None:
    now = timezone.now()
    url = operations.result_url(write, result)
    if not _transition(
        write,
        status=WriteStatus.DONE,
        result=result,
        result_url=url,
        error="",
        in_doubt=False,
        lease_until=None,
        finished_at=now,
    ):
        logger.warning("Upstream write #%s finished after its lease was taken over", write.pk)
        return
    if write.file:
        _delete_file(write)
    transaction.on_commit(lambda: _refresh_read_model(result))


def _refresh_read_model(result: dict) -> None:
    """Queue a refresh of the read model's copy of what the write changed, so lists show it at once."""
    try:
        if result.get("workorder_id"):
            mirror_tasks.mirror_workorder_refresh_task.delay(int(result["workorder_id"]))
        elif result.get("site_id"):
            mirror_tasks.mirror_site_refresh_task.delay(int(result["site_id"]))
    except Exception:  # the write is done; a missed refresh is caught up by the periodic sync
        logger.warning("Could not queue a read model refresh after a write", exc_info=True)


def _finish_failed(write: UpstreamWrite, message: str, *, in_doubt: bool) -> None:
    if not _transition(
        write,
        status=WriteStatus.FAILED,
        error=message,
        in_doubt=in_doubt,
        lease_until=None,
        finished_at=timezone.now(),
    ):
        logger.warning("Upstream write #%s failed after its lease was taken over", write.pk)


def _retry_or_fail(write: UpstreamWrite, message: str, *, in_doubt: bool) -> None:
    if write.attempts >= max_attempts():
        _finish_failed(
            write,
            f"TechLink did not accept this after {write.attempts} attempts: {message}",
            in_doubt=in_doubt,
        )
        return
    delay = _backoff_seconds(write.attempts)
    if in_doubt:
        delay = max(delay, doubt_wait_seconds())
    now = timezone.now()
    if _transition(
        write,
        status=WriteStatus.QUEUED,
        error=f"{message} (will try again)",
        in_doubt=in_doubt,
        lease_until=None,
        next_attempt_at=now + timedelta(seconds=delay),
        enqueued_at=now,
    ):
        _enqueue(write.pk, countdown=delay)


def upstream_write_requeue_stuck(*, now: datetime | None = None) -> int:
    """Queue again the rows whose worker died (lease over) or whose broker message was lost. Returns the count."""
    now = now or timezone.now()
    count = 0
    for write in UpstreamWrite.objects.filter(status=WriteStatus.RUNNING, lease_until__lt=now):
        if write.attempts >= max_attempts():
            _finish_failed(
                write,
                "The worker stopped while sending this to TechLink. Retry checks TechLink first and sends it only "
                "if it did not arrive.",
                in_doubt=write.in_doubt,
            )
            _enqueue_next(write)
            continue
        if _transition(
            write, status=WriteStatus.QUEUED, lease_until=None, enqueued_at=now, next_attempt_at=None
        ):
            _enqueue(write.pk)
            count += 1
    grace = timedelta(seconds=queued_grace_seconds())
    stale = UpstreamWrite.objects.filter(status=WriteStatus.QUEUED, enqueued_at__lt=now - grace).exclude(
        next_attempt_at__gte=now - grace
    )
    for write in stale:
        # A write waiting behind another one on its target is queued by that one when it is done. The update
        # is conditional on the wait: a write queued again meanwhile (by the one ahead of it) is left alone.
        if not _next_in_line(write):
            continue
        if UpstreamWrite.objects.filter(
            pk=write.pk, status=WriteStatus.QUEUED, enqueued_at__lt=now - grace
        ).update(enqueued_at=now, next_attempt_at=None):
            _enqueue(write.pk)
            count += 1
    return count


def upstream_write_purge_finished(*, now: datetime | None = None) -> int:
    """Forget writes that finished well, ``JOBS_KEEP_DONE_DAYS`` after they were done; failed ones stay until
    staff retry them. Returns how many were removed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(_setting("JOBS_KEEP_DONE_DAYS", 90)))
    deleted, _ = UpstreamWrite.objects.filter(status=WriteStatus.DONE, finished_at__lt=cutoff).delete()
    return deleted
