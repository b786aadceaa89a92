"""A worker's claim on the write it sends: short (``JOBS_LEASE_SECONDS``) and renewed while the attempt runs.

A heartbeat thread renews the claim every third of the lease, so a live attempt keeps its write however slow
TechLink is, and a killed worker's write is taken over by the pump (``pump.take_over``) within a lease of the
last renewal. The claim is recognised by its attempt number: a write taken over and claimed again has a new
one, and the old attempt's heartbeat renews nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from . import outage
from .models import UpstreamWrite, WriteStatus

logger = logging.getLogger(__name__)


def lease_end() -> datetime:
    """The end of a claim taken or renewed now."""
    return timezone.now() + timedelta(seconds=settings.JOBS_LEASE_SECONDS)


@contextmanager
def renewed(write: UpstreamWrite, *, probe: bool = False) -> Iterator[None]:
    """Keep this worker's claim on ``write`` (and on the probe, with ``probe``) while the block runs."""
    stop = threading.Event()
    attempt = write.attempts

    def heartbeat() -> None:
        try:
            while not stop.wait(settings.JOBS_LEASE_SECONDS / 3):
                until = lease_end()
                try:
                    UpstreamWrite.objects.filter(
                        pk=write.pk, status=WriteStatus.RUNNING, attempts=attempt
                    ).update(lease_until=until)
                    if probe:
                        outage.renew_probe(until)
                except DatabaseError:
                    logger.warning("Could not renew the claim on write #%s", write.pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=heartbeat, name=f"outbox-lease-{write.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
