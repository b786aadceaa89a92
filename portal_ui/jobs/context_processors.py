"""What every staff page says about the outbox: a banner while writes wait for TechLink or have failed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from portal_ui.accounts.generations import kept_now

from .models import UpstreamWrite, WriteStatus


@dataclass(frozen=True)
class OutboxBanner:
    """``waiting``: writes waiting for a later try (TechLink did not take them yet); ``failed``: writes staff
    must retry or dismiss."""

    waiting: int
    failed: int

    def __bool__(self) -> bool:
        return bool(self.waiting or self.failed)


def _counts() -> tuple[int, int]:
    counts = UpstreamWrite.objects.filter(status__in=(WriteStatus.QUEUED, WriteStatus.FAILED)).aggregate(
        waiting=Count("pk", filter=Q(status=WriteStatus.QUEUED, next_attempt_at__isnull=False)),
        failed=Count("pk", filter=Q(status=WriteStatus.FAILED)),
    )
    return counts["waiting"], counts["failed"]


def outbox_banner(request: HttpRequest) -> dict:
    """``outbox_banner`` for logged-in staff, counted (one query) only when a page shows it, and kept until
    the generation "outbox" moves (every save or deletion of a write, and every write's ``update``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def banner() -> OutboxBanner:
        waiting, failed = kept_now("outbox", "banner", _counts, request=request)
        return OutboxBanner(waiting=waiting, failed=failed)

    return {"outbox_banner": SimpleLazyObject(banner)}
