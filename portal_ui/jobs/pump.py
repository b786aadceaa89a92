"""The pump: a round every ``JOBS_PUMP_INTERVAL_SECONDS`` (Celery beat, on the ``pump`` queue) that keeps the
outbox moving whatever happened to the broker's messages or the workers.

Each round takes over the writes of workers that stopped renewing their lease (killed, or cut off), fails the
writes whose time is up (``give_up_at``), and wakes workers for the writes that are due (``outbox.run_due``
claims them). While the outbox is paused it only holds the waiting writes until the pause's end (so each says
when it is tried next) and, once that has come, wakes one worker for the probe.

``purge_finished`` (daily) forgets writes done long ago.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import claims, outage, outbox
from .models import UpstreamWrite, WriteStatus

logger = logging.getLogger(__name__)

__all__ = ["PumpRound", "fail_expired", "pump", "purge_finished", "take_over"]

WORKER_STOPPED = (
    "The worker stopped while sending this to TechLink. Retry checks TechLink first and sends it only if it "
    "did not arrive."
)


class PumpRound(NamedTuple):
    taken_over: int
    expired: int
    held: int
    woken: int


def pump(*, now: datetime | None = None) -> PumpRound:
    """One round of the pump (see the module's docstring)."""
    now = now or timezone.now()
    taken_over, expired = take_over(now), fail_expired(now)
    paused_until = outage.paused_until()
    if paused_until is not None:
        held = claims.hold(UpstreamWrite.objects.all(), paused_until)
        woken = outbox.wake(1) if outage.probe_free(now) else 0
        return PumpRound(taken_over, expired, held, woken)
    ready = len(claims.due(now).values_list("pk", flat=True)[: settings.JOBS_PUMP_WAKEUPS])
    return PumpRound(taken_over, expired, 0, outbox.wake(ready))


def take_over(now: datetime) -> int:
    """Queue again, due at once, the running writes whose lease is over (their worker stopped renewing it);
    one whose time is up fails. Returns how many were taken over."""
    count = 0
    lease_over = Q(lease_until__lt=now)
    for write in UpstreamWrite.objects.filter(lease_over, status=WriteStatus.RUNNING).order_by("pk"):
        if write.give_up_at is not None and write.give_up_at <= now:
            if outbox.finish_failed(write, WORKER_STOPPED, in_doubt=write.in_doubt, only_if=lease_over):
                outbox.wake_next_in_line(write)
            continue
        if claims.transition(
            write,
            only_if=lease_over,
            status=WriteStatus.QUEUED,
            lease_until=None,
            next_attempt_at=None,
            enqueued_at=now,
        ):
            logger.warning("Write #%s was taken over: its worker stopped renewing its lease", write.pk)
            count += 1
    return count


def fail_expired(now: datetime) -> int:
    """Fail the queued writes TechLink did not take before their ``give_up_at``. Returns how many."""
    count = 0
    for write in UpstreamWrite.objects.filter(status=WriteStatus.QUEUED, give_up_at__lte=now).order_by("pk"):
        last = write.error.removesuffix(" (will try again)") or "TechLink could not be reached"
        if outbox.finish_failed(
            write, outbox.gave_up(last, in_doubt=write.in_doubt), in_doubt=write.in_doubt
        ):
            count += 1
    return count


def purge_finished(*, now: datetime | None = None) -> int:
    """Forget writes that finished well, ``JOBS_KEEP_DONE_DAYS`` after they were done; failed and dismissed
    ones stay. Returns how many were removed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.JOBS_KEEP_DONE_DAYS)
    deleted, _ = UpstreamWrite.objects.filter(status=WriteStatus.DONE, finished_at__lt=cutoff).delete()
    return deleted
