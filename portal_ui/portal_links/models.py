"""Portal links: customer URLs for one work order, API keys for the Portal Link API, and the access log.

Secrets are never stored in a form that opens anything: link tokens and API keys are kept as SHA-256
hashes, passcodes with Django's password hashers, e-mailed one-time codes as keyed hashes.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_object_id() -> str:
    """A 24-hex id (96 random bits): not a guessable sequence."""
    return secrets.token_hex(12)


class LinkType(models.TextChoices):
    PUBLIC = "public", "Public (the link alone)"
    PRIVATE = "private", "Private (e-mailed one-time code)"
    SECURE = "secure", "Secure (passcode)"


class LinkStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    EXPIRED = "expired", "Expired"
    EXHAUSTED = "exhausted", "View limit reached"


class PortalLink(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_object_id, editable=False)
    workorder = models.CharField(max_length=20, db_index=True, help_text="TechLink work order id")
    link_type = models.CharField(max_length=16, choices=LinkType.choices, default=LinkType.PRIVATE)
    permissions = models.JSONField(default=dict)
    # Everything of access_restrictions except the passcode, which lives hashed in passcode_hash.
    access_restrictions = models.JSONField(default=dict)
    passcode_hash = models.CharField(max_length=256, blank=True, default="")
    expiry_date = models.DateTimeField(null=True, blank=True)
    notification_settings = models.JSONField(default=dict)
    custom_branding = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict)
    is_active = models.BooleanField(default=True)
    company_namespace = models.JSONField(default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    # Raised by every regenerate; customer sessions remember the generation they were opened with.
    token_version = models.PositiveIntegerField(default=1)
    # Raised whenever the gate changes (type, passcode, allowed addresses or domains); a customer session
    # counts only while it carries the link's current token_version and gate_version.
    gate_version = models.PositiveIntegerField(default=1)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = (
            models.Index(fields=("created_at",), name="portal_link_created"),
            models.Index(fields=("is_active", "link_type"), name="portal_link_active_type"),
        )

    def __str__(self) -> str:
        return f"{self.get_link_type_display()} link {self.id} for work order {self.workorder}"

    @property
    def max_views(self) -> int | None:
        return (self.access_restrictions or {}).get("max_views")

    @property
    def is_expired(self) -> bool:
        return self.expiry_date is not None and self.expiry_date <= timezone.now()

    @property
    def is_exhausted(self) -> bool:
        return self.max_views is not None and self.view_count >= self.max_views

    @property
    def status(self) -> str:
        if not self.is_active:
            return LinkStatus.INACTIVE
        if self.is_expired:
            return LinkStatus.EXPIRED
        if self.is_exhausted:
            return LinkStatus.EXHAUSTED
        return LinkStatus.ACTIVE

    @property
    def has_passcode(self) -> bool:
        return bool(self.passcode_hash)


class LinkNamespace(models.Model):
    """One row per company namespace of a link, so that keys' namespace scopes filter in SQL."""

    link = models.ForeignKey(PortalLink, on_delete=models.CASCADE, related_name="namespaces")
    name = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=("link", "name"), name="portal_link_namespace_unique"),)


class ApiKey(models.Model):
    """A Portal Link API key. The full key is `tlk_<prefix>_<secret>`; only its SHA-256 is kept."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    namespaces = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} (tlk_{self.prefix}_…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AccessOutcome(models.TextChoices):
    OK = "ok", "OK"
    DENIED = "denied", "Denied"
    NOT_FOUND = "not_found", "Unknown link"
    INACTIVE = "inactive", "Deactivated"
    EXPIRED = "expired", "Expired"
    EXHAUSTED = "exhausted", "View limit reached"
    BAD_PASSCODE = "bad_passcode", "Wrong passcode"
    LOCKED = "locked", "Locked out"
    CODE_SENT = "code_sent", "One-time code sent"
    BAD_CODE = "bad_code", "Wrong one-time code"
    RATE_LIMITED = "rate_limited", "Rate limited"
    UNAVAILABLE = "unavailable", "Upstream unavailable"


class AccessLog(models.Model):
    """Every customer view, gate attempt, download, comment and upload. Survives link deletion."""

    link_ref = models.CharField(max_length=32, db_index=True, blank=True, default="")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AccessOutcome.choices)
    what = models.CharField(max_length=100, help_text="page, photo 12, document 5, comment, upload, …")
    detail = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ("-at", "-id")
        indexes = (models.Index(fields=("link_ref", "ip", "outcome", "at"), name="portal_access_recent"),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.ip} {self.outcome} {self.what}"


class EmailCode(models.Model):
    """A one-time code e-mailed to a visitor of a private link (keyed hash only)."""

    link = models.ForeignKey(PortalLink, on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
