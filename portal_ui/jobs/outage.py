"""Waiting out a TechLink outage: the outbox's pause (``OutboxState``, one row).

An attempt that finds TechLink unreachable (no connection: refused, DNS, TLS, a broken connection), or the
``PAUSE_AFTER_FAILURES``-th failed attempt in a row with no answer from TechLink in between, pauses the whole
outbox: no write is sent until ``paused_until``, then one, the probe (the oldest write that is due). A probe
that fails pauses again, for longer each time (capped exponential backoff with jitter); any answer from
TechLink (a write done, or refused) ends the pause, and the writes go again, oldest first.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from portal_ui.integrations.techlink import errors

from .models import OutboxState

logger = logging.getLogger(__name__)

__all__ = [
    "PAUSE_AFTER_FAILURES",
    "answered",
    "backoff_seconds",
    "failed",
    "paused_until",
    "probe_free",
    "release_probe",
    "renew_probe",
    "take_probe",
    "unreachable",
]

PAUSE_AFTER_FAILURES = 5
STATE = 1  # the primary key of the one row


def backoff_seconds(step: int) -> float:
    """The wait before try ``step + 1``: ``JOBS_RETRY_BACKOFF_SECONDS`` doubled ``step`` times, capped at
    ``JOBS_RETRY_BACKOFF_MAX_SECONDS``, then 50-100% of that (jitter, so waiting writes do not go together)."""
    base, cap = settings.JOBS_RETRY_BACKOFF_SECONDS, settings.JOBS_RETRY_BACKOFF_MAX_SECONDS
    delay = min(cap, base * (2 ** min(max(0, step), 32)))
    return delay * random.uniform(0.5, 1.0)


def unreachable(exc: errors.TechLinkError) -> bool:
    """TechLink could not be reached at all (not: it answered an error, or was slow to answer, or this
    process had too many calls in flight)."""
    return isinstance(exc, errors.TechLinkConnectionError) and not isinstance(
        exc, (errors.TechLinkTimeout, errors.TechLinkBusy)
    )


def _row() -> OutboxState:
    state, _ = OutboxState.objects.get_or_create(pk=STATE)
    return state


def paused_until() -> datetime | None:
    """When the probe may go, while the outbox is paused (None: not paused)."""
    return OutboxState.objects.filter(pk=STATE).values_list("paused_until", flat=True).first()


def probe_free(now: datetime) -> bool:
    """The outbox is paused, the probe's time has come and no probe is being sent."""
    return (
        OutboxState.objects.filter(pk=STATE, paused_until__lte=now)
        .filter(Q(probe_until__isnull=True) | Q(probe_until__lt=now))
        .exists()
    )


def take_probe(now: datetime) -> bool:
    """Become the one worker that sends the probe (the pause is over and nobody else sends one)."""
    return bool(
        OutboxState.objects.filter(pk=STATE, paused_until__lte=now)
        .filter(Q(probe_until__isnull=True) | Q(probe_until__lt=now))
        .update(probe_until=now + timedelta(seconds=settings.JOBS_LEASE_SECONDS))
    )


def renew_probe(until: datetime) -> None:
    OutboxState.objects.filter(pk=STATE, probe_until__isnull=False).update(probe_until=until)


def release_probe(*, resume: bool = False) -> None:
    """Give the probe back unsent (nothing was due); with ``resume``, end the pause (nothing waits)."""
    if resume:
        _resume()
    else:
        OutboxState.objects.filter(pk=STATE).update(probe_until=None)


def answered() -> bool:
    """TechLink answered an attempt (done, or refused): the failures in a row end, and a pause with them.
    Returns whether a pause ended."""
    if _resume():
        return True
    OutboxState.objects.filter(pk=STATE, failures_in_row__gt=0).update(failures_in_row=0)
    return False


def _resume() -> bool:
    since = OutboxState.objects.filter(pk=STATE).values_list("since", flat=True).first()
    ended = OutboxState.objects.filter(pk=STATE, paused_until__isnull=False).update(
        paused_until=None, probe_until=None, probe_failures=0, failures_in_row=0, since=None, last_error=""
    )
    if ended:
        logger.warning("TechLink answers again (unreachable since %s); the outbox goes on", since)
    return bool(ended)


def failed(exc: errors.TechLinkError, *, probe: bool, now: datetime) -> datetime | None:
    """Count an attempt TechLink did not take although it may later (``exc.transient``). Returns the end of
    the pause when the outbox is (now) paused: the write waits until then with all the others."""
    with transaction.atomic():
        _row()
        state = OutboxState.objects.select_for_update().get(pk=STATE)
        if state.paused_until is not None and not probe:
            return state.paused_until  # it was sent before the pause began
        state.failures_in_row += 1
        state.last_error = (exc.message or str(exc))[:1000]
        if probe:
            state.probe_failures += 1
        elif unreachable(exc) or state.failures_in_row >= PAUSE_AFTER_FAILURES:
            state.since, state.probe_failures = now, 0
            logger.warning("TechLink cannot be reached (%s); the outbox waits", state.last_error)
        else:
            state.save(update_fields=["failures_in_row", "last_error", "updated_at"])
            return None
        state.paused_until = now + timedelta(seconds=backoff_seconds(state.probe_failures))
        state.probe_until = None
        state.save()
        return state.paused_until
