"""Claims: which writes are due, and how one worker (and only one) takes a write to send it.

A queued write is due once its ``next_attempt_at`` has passed and no other write to the same target goes before
it (one being sent, or an older one waiting). A claim is a conditional update (on the write's ``version``): two
workers never take one write, and claims of one target wait for each other on PostgreSQL, so two can never both
see the way clear. Among many due writes, ``SELECT … FOR UPDATE SKIP LOCKED`` hands each worker a different one
on PostgreSQL; elsewhere (SQLite) the conditional update decides and a worker that lost tries the next one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from portal_ui.core.generations import generation_move

from . import lease
from .models import UpstreamWrite, WriteStatus

__all__ = ["ahead", "claim", "claim_next", "due", "hold", "transition", "waiting_behind"]

CLAIM_TRIES = 5  # candidates another worker took first, before a worker stops looking


def ahead(write: UpstreamWrite) -> QuerySet[UpstreamWrite]:
    """The writes to the same target that go before this one: one being sent, or an older one waiting."""
    return (
        UpstreamWrite.objects.filter(target=write.target)
        .exclude(pk=write.pk)
        .filter(Q(status=WriteStatus.RUNNING) | Q(status=WriteStatus.QUEUED, pk__lt=write.pk))
    )


def time_has_come(now: datetime) -> Q:
    """Writes whose next try is due at ``now`` (or that were never put off)."""
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def due(now: datetime) -> QuerySet[UpstreamWrite]:
    """Queued writes whose time has come and that are first in line on their target."""
    before_it = (
        UpstreamWrite.objects.filter(target=OuterRef("target"))
        .exclude(target="")
        .exclude(pk=OuterRef("pk"))
        .filter(Q(status=WriteStatus.RUNNING) | Q(status=WriteStatus.QUEUED, pk__lt=OuterRef("pk")))
    )
    return UpstreamWrite.objects.filter(time_has_come(now), status=WriteStatus.QUEUED).filter(
        ~Exists(before_it)
    )


def hold(writes: QuerySet[UpstreamWrite], until: datetime) -> int:
    """Let queued writes wait until ``until`` (the end of a pause), so each says when it is tried next."""
    held = (
        writes.filter(status=WriteStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=until))
        .update(next_attempt_at=until)
    )
    if held:
        generation_move("outbox")  # the banner counts the writes waiting for a later try
    return held


def transition(write: UpstreamWrite, *, only_if: Q | None = None, **fields: Any) -> bool:
    """Change the write only if nobody else changed it since we read it (and ``only_if`` holds); update
    ``write`` on success."""
    fields.setdefault("updated_at", timezone.now())
    writes = UpstreamWrite.objects.filter(pk=write.pk, version=write.version, status=write.status)
    if only_if is not None:
        writes = writes.filter(only_if)
    if not writes.update(version=write.version + 1, **fields):
        return False
    generation_move("outbox")
    write.version += 1
    for key, value in fields.items():
        setattr(write, key, value)
    return True


def claim(write: UpstreamWrite) -> bool:
    """Take a due queued write for this worker, unless another worker has it or another write to the same
    target must go first (one running, or an older one waiting)."""
    now = timezone.now()
    fields = {
        "status": WriteStatus.RUNNING,
        "attempts": write.attempts + 1,
        "lease_until": lease.lease_end(),
        "next_attempt_at": None,
        "updated_at": now,
    }
    with transaction.atomic():
        taken = UpstreamWrite.objects.filter(
            time_has_come(now), pk=write.pk, version=write.version, status=WriteStatus.QUEUED
        )
        if write.target:
            if connection.features.has_select_for_update:
                # Claims of one target wait for each other, so two can never both see the way clear.
                waiting_or_sent = UpstreamWrite.objects.filter(
                    target=write.target, status__in=(WriteStatus.QUEUED, WriteStatus.RUNNING)
                )
                list(waiting_or_sent.select_for_update().order_by("pk").values_list("pk", flat=True))
            taken = taken.exclude(Exists(ahead(write)))
        if not taken.update(version=write.version + 1, **fields):
            return False
        generation_move("outbox")
    write.version += 1
    for key, value in fields.items():
        setattr(write, key, value)
    return True


def claim_next(now: datetime) -> UpstreamWrite | None:
    """Claim the oldest due write no other worker is claiming (PostgreSQL skips the rows other claims hold;
    elsewhere the conditional update decides, and a worker that lost tries the next one)."""
    for _ in range(CLAIM_TRIES):
        with transaction.atomic():
            candidates = due(now).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            write = candidates.first()
            if write is None:
                return None
            if claim(write):
                return write
    return None


def waiting_behind(write: UpstreamWrite) -> UpstreamWrite | None:
    """The oldest write waiting on the same target, when it can go now (not waiting for a retry time)."""
    if not write.target:
        return None
    waiting = (
        UpstreamWrite.objects.filter(target=write.target, status=WriteStatus.QUEUED).order_by("pk").first()
    )
    if waiting is not None and (waiting.next_attempt_at is None or waiting.next_attempt_at <= timezone.now()):
        return waiting
    return None
