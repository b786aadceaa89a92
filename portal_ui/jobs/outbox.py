"""The outbox engine: runs the writes recorded by ``portal_ui.jobs.services``.

A worker claims a queued write with a conditional update (two workers never send one write together), sends
it once, and records the outcome: transient failures are tried again with exponential backoff, refusals fail at
once with TechLink's message. Writes to the same TechLink object (``UpstreamWrite.target``) are sent one at a
time, oldest first: a retried change never overtakes a later one, and a create being checked upstream cannot
mistake a later write's object for its own. A task that finishes a write goes on with the writes waiting behind
it on that target, up to ``JOBS_LINE_BUDGET``.

Exactly once: before sending a create again whose earlier attempt may have reached TechLink, the outbox waits as
long as TechLink may still be working on it, then looks for it upstream (the kind's ``find``) and sends it only
when it is not there. Writes stuck in queued or running (a lost broker message, a killed worker) are queued again
by ``requeue_stuck``; writes done long ago are forgotten by ``purge_finished``.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from portal_ui.core.upstream import techlink_client
from portal_ui.integrations.techlink import TechLinkClient, errors
from portal_ui.mirror import tasks as mirror_tasks

from .kinds import Kind
from .models import UpstreamWrite, WriteStatus

logger = logging.getLogger(__name__)

__all__ = ["enqueue", "enqueue_if_next", "forget_file", "purge_finished", "requeue_stuck", "run_write"]


# -- handing writes to workers ----------------------------------------------------------------------


def enqueue(write_id: int, *, countdown: float | None = None) -> None:
    """Send the Celery message that runs this write; when the broker cannot take it, the write stays queued
    and ``requeue_stuck`` sends it later."""
    from .tasks import run_upstream_write

    try:
        run_upstream_write.apply_async((write_id,), countdown=countdown)
    except (BrokerError, OSError):
        logger.exception("Could not queue write #%s; it will be re-queued", write_id)


def _ahead(write: UpstreamWrite) -> QuerySet[UpstreamWrite]:
    """The writes to the same target that go before this one: one being sent, or an older one waiting."""
    return (
        UpstreamWrite.objects.filter(target=write.target)
        .exclude(pk=write.pk)
        .filter(Q(status=WriteStatus.RUNNING) | Q(status=WriteStatus.QUEUED, pk__lt=write.pk))
    )


def _next_in_line(write: UpstreamWrite) -> bool:
    return not write.target or not _ahead(write).exists()


def enqueue_if_next(write: UpstreamWrite) -> None:
    """Queue a committed write now if it is next in line; otherwise the write ahead of it queues it when done
    (``run_write``): the broker then holds only writes that can run, not a backlog of ones that wait."""
    if _next_in_line(write):
        enqueue(write.pk)


def forget_file(write: UpstreamWrite) -> None:
    """Remove the write's uploaded file, once the transaction commits."""
    name, storage = write.file.name, write.file.storage
    UpstreamWrite.objects.filter(pk=write.pk).update(file="")
    transaction.on_commit(lambda: storage.delete(name))


# -- claiming ---------------------------------------------------------------------------------------


def _transition(write: UpstreamWrite, **fields: Any) -> bool:
    """Change the write only if nobody else changed it since we read it; update ``write`` on success."""
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
    before it finishes (``run_write`` goes on with the line)."""
    fields = {
        "status": WriteStatus.RUNNING,
        "attempts": write.attempts + 1,
        "lease_until": timezone.now() + timedelta(seconds=settings.JOBS_LEASE_SECONDS),
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
        transaction.on_commit(lambda: enqueue(waiting.pk))


def _claimed_elsewhere(write: UpstreamWrite, key: str) -> set[int]:
    """Objects other writes of the same kind and target already took as theirs: never this write's."""
    results = (
        UpstreamWrite.objects.filter(target=write.target, kind=write.kind, status=WriteStatus.DONE)
        .exclude(pk=write.pk)
        .values_list("result", flat=True)
    )
    return {int(result[key]) for result in results if isinstance(result, dict) and result.get(key)}


# -- running ----------------------------------------------------------------------------------------


def run_write(*, write_id: int) -> UpstreamWrite | None:
    """Run one queued write: claim it, send it (once), record the outcome; then the writes waiting behind it
    on the same target, one after the other (up to ``JOBS_LINE_BUDGET``, then they are queued). Returns the
    first write, or None when it is not ours to run (another worker has it, or it waits for an older write
    to the same target)."""
    first = write = _run_one(write_id)
    for _ in range(settings.JOBS_LINE_BUDGET):
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

    kind = write.declared
    was_in_doubt = write.in_doubt
    sent = False
    try:
        client = techlink_client()
        if was_in_doubt and kind.find is not None:
            existing = kind.existing(client, write, _claimed_elsewhere(write, kind.found_key))
            if existing is not None:
                _finish_done(write, kind.found_result(write, existing))
                return write
        # Objects that already match the marker before our first send are not ours.
        if (
            kind.find is not None
            and write.baseline is None
            and not _transition(write, baseline=kind.find(client, write))
        ):
            return None
        if not _transition(write, in_doubt=True):
            return None  # the lease was taken over; the new owner decides
        sent = True
        result = _send(kind, client, write)
    except errors.TechLinkError as exc:
        if kind.missing_is_done and isinstance(exc, errors.TechLinkNotFound):
            # What staff asked to remove is not there (any more, or a repeat of a removal that went through).
            _finish_done(write, kind.gone_result(write))
            return write
        in_doubt = exc.maybe_applied if sent else write.in_doubt
        if exc.transient:
            _retry_or_fail(write, exc.message or str(exc), in_doubt=in_doubt)
        else:
            _finish_failed(write, exc.message or str(exc), in_doubt=in_doubt)
        return write
    except Exception as exc:  # a bug or a broken file: keep everything, show it, let staff retry
        logger.exception("Write #%s failed unexpectedly", write.pk)
        _finish_failed(write, f"Unexpected error: {exc}", in_doubt=True if sent else write.in_doubt)
        return write
    _finish_done(write, result)
    return write


def _send(kind: Kind, client: TechLinkClient, write: UpstreamWrite) -> dict:
    if write.file:
        with write.file.open("rb") as handle:
            return kind.send(client, write, handle)
    return kind.send(client, write, None)


# -- finishing --------------------------------------------------------------------------------------


def _finish_done(write: UpstreamWrite, result: dict) -> None:
    if not _transition(
        write,
        status=WriteStatus.DONE,
        result=result,
        result_url=write.declared.result_url(result),
        error="",
        in_doubt=False,
        lease_until=None,
        finished_at=timezone.now(),
    ):
        logger.warning("Write #%s finished after its lease was taken over", write.pk)
        return
    if write.file:
        forget_file(write)
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
        logger.warning("Write #%s failed after its lease was taken over", write.pk)


def _backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), capped, then 50-100% of that."""
    base, cap = settings.JOBS_RETRY_BACKOFF_SECONDS, settings.JOBS_RETRY_BACKOFF_MAX_SECONDS
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay * random.uniform(0.5, 1.0)


def _retry_or_fail(write: UpstreamWrite, message: str, *, in_doubt: bool) -> None:
    if write.attempts >= settings.JOBS_MAX_ATTEMPTS:
        _finish_failed(
            write,
            f"TechLink did not accept this after {write.attempts} attempts: {message}",
            in_doubt=in_doubt,
        )
        return
    delay = _backoff_seconds(write.attempts)
    if in_doubt:
        # Before looking for it upstream, wait as long as TechLink may still be working on the request the
        # client gave up on.
        delay = max(delay, settings.TECHLINK_READ_TIMEOUT)
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
        enqueue(write.pk, countdown=delay)


# -- housekeeping (periodic tasks) ------------------------------------------------------------------


def requeue_stuck(*, now: datetime | None = None) -> int:
    """Queue again the writes whose worker died (lease over) or whose broker message was lost (queued for
    longer than ``JOBS_QUEUED_GRACE_SECONDS``). Returns the count."""
    now = now or timezone.now()
    count = 0
    for write in UpstreamWrite.objects.filter(status=WriteStatus.RUNNING, lease_until__lt=now):
        if write.attempts >= settings.JOBS_MAX_ATTEMPTS:
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
            enqueue(write.pk)
            count += 1
    grace = timedelta(seconds=settings.JOBS_QUEUED_GRACE_SECONDS)
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
            enqueue(write.pk)
            count += 1
    return count


def purge_finished(*, now: datetime | None = None) -> int:
    """Forget writes that finished well, ``JOBS_KEEP_DONE_DAYS`` after they were done; failed and dismissed
    ones stay. Returns how many were removed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.JOBS_KEEP_DONE_DAYS)
    deleted, _ = UpstreamWrite.objects.filter(status=WriteStatus.DONE, finished_at__lt=cutoff).delete()
    return deleted
