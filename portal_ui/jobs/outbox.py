"""The outbox engine: runs the writes recorded by ``portal_ui.jobs.services``.

The outbox table is the schedule: a queued write is due once its ``next_attempt_at`` has passed. Broker
messages are only wake-ups: ``run_upstream_write`` for one write (sent when it is recorded, or when the write
before it on its target is through) and ``run_due_upstream_writes`` for whatever is due (sent by the pump,
``portal_ui.jobs.pump``, every few seconds). No message waits in the broker for a later time, and losing every
message costs at most one pump interval.

A worker claims a due write (``claims``: a conditional update, so two workers never send one write together;
on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` hands each worker a different one), keeps it with a short
lease it renews while it sends (``lease``), sends it once and records the outcome. TechLink's refusal (a 4xx) fails
it at once with TechLink's message. Anything else TechLink did not take is tried again with capped exponential
backoff and jitter until ``give_up_at`` (``JOBS_RETRY_FOR_SECONDS`` after it was made); while TechLink cannot be
reached the outbox pauses as a whole behind one probe (``outage``).

Writes to the same TechLink object (``UpstreamWrite.target``) are sent one at a time, oldest first: a retried
change never overtakes a later one, and a create being checked upstream cannot mistake a later write's object
for its own. A task that finishes a write goes on with the writes waiting behind it on that target, up to
``JOBS_LINE_BUDGET``.

Exactly once: before sending a create again whose earlier attempt may have reached TechLink, the outbox waits as
long as TechLink may still be working on it, then looks for it upstream (the kind's ``find``) and sends it only
when it is not there.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from portal_ui.core.upstream import techlink_client
from portal_ui.integrations.techlink import TechLinkClient, errors
from portal_ui.mirror import tasks as mirror_tasks

from . import claims, lease, outage
from .kinds import Kind
from .models import UpstreamWrite, WriteStatus

logger = logging.getLogger(__name__)

__all__ = [
    "enqueue",
    "enqueue_if_next",
    "finish_failed",
    "forget_file",
    "gave_up",
    "run_due",
    "run_write",
    "wake",
    "wake_next_in_line",
]


# -- waking workers ---------------------------------------------------------------------------------


def enqueue(write_id: int) -> None:
    """Wake a worker for this write; when the broker cannot take the message, the pump wakes one later."""
    from .tasks import run_upstream_write

    try:
        run_upstream_write.apply_async((write_id,))
    except (BrokerError, OSError):
        logger.warning("Could not wake a worker for write #%s; the pump will", write_id, exc_info=True)


def wake(count: int) -> int:
    """Wake up to ``count`` workers for the writes that are due (each wake-up expires after one pump interval:
    by then the pump has sent fresh ones). Returns how many were sent."""
    from .tasks import run_due_upstream_writes

    for sent in range(count):
        try:
            run_due_upstream_writes.apply_async(expires=settings.JOBS_PUMP_INTERVAL_SECONDS)
        except (BrokerError, OSError):
            logger.warning("Could not wake workers for due writes; the pump will try again", exc_info=True)
            return sent
    return count


def enqueue_if_next(write: UpstreamWrite) -> None:
    """Wake a worker for a committed write now if it is next in line; otherwise the write ahead of it wakes
    one when it is through (``run_write``)."""
    if not write.target or not claims.ahead(write).exists():
        enqueue(write.pk)


def forget_file(write: UpstreamWrite) -> None:
    """Remove the write's uploaded file, once the transaction commits."""
    name, storage = write.file.name, write.file.storage
    UpstreamWrite.objects.filter(pk=write.pk).update(file="")
    transaction.on_commit(lambda: storage.delete(name))


def wake_next_in_line(write: UpstreamWrite) -> None:
    """Wake a worker for the write waiting behind ``write`` on its target, now that ``write`` is through."""
    waiting = claims.waiting_behind(write)
    if waiting is not None:
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
    """Run one queued write if it is due: claim it, send it (once), record the outcome; then the writes
    waiting behind it on the same target, one after the other (up to ``JOBS_LINE_BUDGET``, then the next one
    is woken). Returns the write, or None when it is not ours to run (another worker has it, it waits for an
    older write to the same target or for its next try, or the outbox is paused)."""
    write = UpstreamWrite.objects.filter(pk=write_id).first()
    if write is None or write.status != WriteStatus.QUEUED:
        return None
    until = outage.paused_until()
    if until is not None:
        claims.hold(UpstreamWrite.objects.filter(pk=write.pk), until)
        return None
    if not claims.claim(write):
        return None
    _attempt(write)
    _run_line(write, settings.JOBS_LINE_BUDGET)
    return write


def run_due(*, budget: int | None = None) -> int:
    """Run the writes that are due, oldest first, each with the writes waiting behind it, up to ``budget``
    writes (``JOBS_LINE_BUDGET``); past it, another worker is woken. While the outbox is paused, send only the
    probe, once its time has come. Returns how many writes were tried."""
    budget = settings.JOBS_LINE_BUDGET if budget is None else budget
    tried = 0
    while tried < budget:
        now = timezone.now()
        probe = outage.paused_until() is not None
        if probe and not outage.take_probe(now):
            return tried
        write = claims.claim_next(now)
        if write is None:
            if probe:  # nothing due: a pause with nothing waiting ends
                waiting = UpstreamWrite.objects.filter(status__in=(WriteStatus.QUEUED, WriteStatus.RUNNING))
                outage.release_probe(resume=not waiting.exists())
            return tried
        _attempt(write, probe=probe)
        tried += 1
        if probe:
            outage.release_probe()
            if outage.paused_until() is not None:
                return tried  # still unreachable
        tried += _run_line(write, budget - tried)
    if claims.due(timezone.now()).exists():
        wake(1)
    return tried


def _run_line(write: UpstreamWrite, budget: int) -> int:
    """Go on with the writes waiting behind ``write`` on its target while each one is through; past ``budget``
    writes, wake a worker for the next. Returns how many were tried."""
    tried = 0
    while write.is_final:
        waiting = claims.waiting_behind(write)
        if waiting is None:
            break
        if tried >= budget:
            wake_next_in_line(write)
            break
        if outage.paused_until() is not None or not claims.claim(waiting):
            break
        write = waiting
        _attempt(write)
        tried += 1
    return tried


def _attempt(write: UpstreamWrite, *, probe: bool = False) -> None:
    """Send a claimed write once (looking for it upstream first when an earlier attempt may have arrived),
    keeping the claim while it runs, and record the outcome."""
    with lease.renewed(write, probe=probe):
        _send_and_record(write, probe=probe)


def _send_and_record(write: UpstreamWrite, *, probe: bool) -> None:
    kind = write.declared
    sent = False
    try:
        client = techlink_client()
        if write.in_doubt and kind.find is not None:
            existing = kind.existing(client, write, _claimed_elsewhere(write, kind.found_key))
            if existing is not None:
                _finish_done(write, kind.found_result(write, existing))
                return
        # Objects that already match the marker before our first send are not ours.
        if (
            kind.find is not None
            and write.baseline is None
            and not claims.transition(write, baseline=kind.find(client, write))
        ):
            return
        if not claims.transition(write, in_doubt=True):
            return  # the lease was taken over; the new owner decides
        sent = True
        result = _send(kind, client, write)
    except errors.TechLinkError as exc:
        if kind.missing_is_done and isinstance(exc, errors.TechLinkNotFound):
            # What staff asked to remove is not there (any more, or a repeat of a removal that went through).
            _finish_done(write, kind.gone_result(write))
            return
        in_doubt = exc.maybe_applied if sent else write.in_doubt
        if exc.transient:
            _retry_later(write, exc, in_doubt=in_doubt, probe=probe)
        else:
            finish_failed(write, exc.message or str(exc), in_doubt=in_doubt)
            _answered()
        return
    except Exception as exc:  # a bug or a broken file: keep everything, show it, let staff retry
        logger.exception("Write #%s failed unexpectedly", write.pk)
        finish_failed(write, f"Unexpected error: {exc}", in_doubt=True if sent else write.in_doubt)
        return
    _finish_done(write, result)


def _send(kind: Kind, client: TechLinkClient, write: UpstreamWrite) -> dict:
    if write.file:
        with write.file.open("rb") as handle:
            return kind.send(client, write, handle)
    return kind.send(client, write, None)


# -- finishing --------------------------------------------------------------------------------------


def _answered() -> None:
    """TechLink answered: if the outbox was paused, it goes on, and workers are woken for what waited."""
    if outage.answered():
        transaction.on_commit(lambda: wake(settings.JOBS_PUMP_WAKEUPS))


def _finish_done(write: UpstreamWrite, result: dict) -> None:
    done = claims.transition(
        write,
        status=WriteStatus.DONE,
        result=result,
        result_url=write.declared.result_url(result),
        error="",
        in_doubt=False,
        lease_until=None,
        finished_at=timezone.now(),
    )
    _answered()
    if not done:
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


def finish_failed(write: UpstreamWrite, message: str, *, in_doubt: bool, **only: Any) -> bool:
    """Fail the write with ``message`` for staff (``only``: ``only_if`` for the change)."""
    if not claims.transition(
        write,
        status=WriteStatus.FAILED,
        error=message,
        in_doubt=in_doubt,
        lease_until=None,
        finished_at=timezone.now(),
        **only,
    ):
        logger.warning("Write #%s could not be failed: someone else changed it", write.pk)
        return False
    return True


def _duration(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds:g} seconds"


def gave_up(last: str, *, in_doubt: bool) -> str:
    """What staff read about a write TechLink did not take within ``JOBS_RETRY_FOR_SECONDS``."""
    message = f"TechLink did not take this within {_duration(settings.JOBS_RETRY_FOR_SECONDS)}: {last}"
    if in_doubt:
        message += ". Retry checks TechLink first and sends it only if it did not arrive."
    return message


def _retry_later(write: UpstreamWrite, exc: errors.TechLinkError, *, in_doubt: bool, probe: bool) -> None:
    """Queue the write for its next try: after its own backoff, or when the pause is over; or fail it when its
    time is up."""
    now = timezone.now()
    message = exc.message or str(exc)
    if isinstance(exc, errors.TechLinkBusy):  # nothing left this process: nothing learnt about TechLink
        paused = outage.paused_until()
    else:
        paused = outage.failed(exc, probe=probe, now=now)
    deadline = write.give_up_at or now + timedelta(seconds=settings.JOBS_RETRY_FOR_SECONDS)
    if now >= deadline:
        finish_failed(write, gave_up(message, in_doubt=in_doubt), in_doubt=in_doubt)
        return
    at = paused or now + timedelta(seconds=outage.backoff_seconds(write.attempts - 1))
    if in_doubt:
        # Before looking for it upstream, wait as long as TechLink may still be working on the request the
        # client gave up on.
        at = max(at, now + timedelta(seconds=settings.TECHLINK_READ_TIMEOUT))
    claims.transition(
        write,
        status=WriteStatus.QUEUED,
        error=f"{message} (will try again)",
        in_doubt=in_doubt,
        lease_until=None,
        next_attempt_at=at,
        give_up_at=deadline,
    )
