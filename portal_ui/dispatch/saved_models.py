"""What staff keep of their own: saved views (a filtered list, board or map under a name) and private calendar
feeds (``models.py`` imports these so that they belong to the dispatch app)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class ViewPage(models.TextChoices):
    WORKORDERS = "workorders", "Work orders"
    SITES = "sites", "Sites"
    SCHEDULE = "schedule", "Schedule"
    MAP = "map", "Map"


class SavedView(models.Model):
    """A named page with its filters (the query string), the owner's own or shared with the team."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    page = models.CharField(max_length=20, choices=ViewPage.choices)
    query = models.TextField(blank=True)  # url-encoded filters, without "?"
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("page", "name", "id")
        constraints = (
            models.UniqueConstraint(fields=("owner", "page", "name"), name="dispatch_savedview_unique_name"),
        )

    def __str__(self) -> str:
        return f"{self.get_page_display()}: {self.name}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A private iCalendar URL of scheduled installs (optionally those of a saved view). Only the token's
    SHA-256 is stored; a revoked feed answers 404."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    saved_view = models.ForeignKey(
        SavedView, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Calendar feed #{self.pk} of {self.owner}"

    @classmethod
    def create(cls, *, owner, saved_view: SavedView | None = None) -> tuple[CalendarFeed, str]:
        """A new feed and its token (shown once: only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        return cls.objects.create(owner=owner, saved_view=saved_view, token_hash=_token_hash(token)), token

    @classmethod
    def active(cls, token: str) -> CalendarFeed | None:
        if not token or len(token) > 100:
            return None
        return (
            cls.objects.select_related("owner", "saved_view")
            .filter(token_hash=_token_hash(token), revoked_at=None, owner__is_active=True)
            .first()
        )
