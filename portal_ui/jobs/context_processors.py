"""What every staff page says about the outbox: a banner while writes wait for TechLink or have failed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import UpstreamWrite, WriteStatus


@dataclass(frozen=True)
class OutboxBanner:
    """``waiting``: writes waiting for a later try (TechLink did not take them yet); ``failed``: writes staff
    must retry or dismiss."""

    waiting: int
    failed: int

    def __bool__(self) -> bool:
        return bool(self.waiting or self.failed)


def _counts() -> OutboxBanner:
    counts = UpstreamWrite.objects.filter(status__in=(WriteStatus.QUEUED, WriteStatus.FAILED)).aggregate(
        waiting=Count("pk", filter=Q(status=WriteStatus.QUEUED, next_attempt_at__isnull=False)),
        failed=Count("pk", filter=Q(status=WriteStatus.FAILED)),
    )
    return OutboxBanner(waiting=counts["waiting"], failed=counts["failed"])


def outbox_banner(request: HttpRequest) -> dict:
    """``outbox_banner`` for logged-in staff, counted (one query) only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"outbox_banner": SimpleLazyObject(_counts)}
