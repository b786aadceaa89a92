"""Portal links: customer URLs for one work order, API keys for the Portal Link API, and the access log.

Secrets are never stored in a form that opens anything: link tokens and API keys are kept as SHA-256
hashes, passcodes with Django's password hashers, e-mailed one-time codes as keyed hashes.

What a customer page shows comes from ``WorkOrderSnapshot`` (the dashboard's copy of the work order), narrowed
to the link's section permissions and its ``shared_items``; ``NoteShare`` remembers which notes staff marked
visible to the customer.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_object_id() -> str:
    """A 24-hex id (96 random bits): not a guessable sequence."""
    return secrets.token_hex(12)


# The generation (``core.generations``) of what a customer page reads of its link: the link, its work
# order's copy and the work order's note choices. Saving or deleting any of them moves it (``apps``); writes
# that bypass the signals move it themselves.
PAGE_STATE = "portal_links.page_state"


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
    # Who the link is for ("Front desk, Harbour Office"); signs the comments of public and secure links.
    label = models.CharField(max_length=100, blank=True, default="")
    permissions = models.JSONField(default=dict)
    # The items the page shows within the sections its permissions open (see schemas.SharedItems).
    shared_items = models.JSONField(default=dict)
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

    @property
    def display_label(self) -> str:
        """The label, or "portal link <id>" for a link without one."""
        return self.label or f"portal link {self.pk}"


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
    """What customers did through a link: page views (with the files fetched from each nested under it),
    gates passed, codes sent, comments and uploads. Refused and rate-limited requests are not written here
    but counted per link (``AccessRefusal``). Survives link deletion."""

    link_ref = models.CharField(max_length=32, db_index=True, blank=True, default="")
    # A file fetched from a page view points at that view; everything else is a row of its own.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="downloads"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AccessOutcome.choices)
    what = models.CharField(max_length=100, help_text="page, photo 12, document 5, comment, upload, …")
    detail = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ("-at", "-id")
        indexes = (models.Index(fields=("link_ref", "ip", "outcome", "at"), name="portal_access_recent"),)
        constraints = (
            models.UniqueConstraint(
                fields=("parent", "what"),
                condition=models.Q(parent__isnull=False),
                name="portal_access_download_once",
            ),
        )

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.ip} {self.outcome} {self.what}"


class AccessRefusal(models.Model):
    """Refused requests to a link, counted per day and outcome instead of logged one by one."""

    link_ref = models.CharField(max_length=32)
    day = models.DateField()
    outcome = models.CharField(max_length=16, choices=AccessOutcome.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-day", "outcome")
        constraints = (
            models.UniqueConstraint(fields=("link_ref", "day", "outcome"), name="portal_refusal_unique"),
        )


class GateCounter(models.Model):
    """Attempts at a gate in the current window, per link (`key` "link") and per address ("ip:<address>").
    Attempts are reserved with one conditional UPDATE before anything is compared, so parallel attempts
    can never check more than the limit."""

    link = models.ForeignKey(PortalLink, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=16, help_text="passcode or code_send")
    key = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("link", "scope", "key"), name="portal_gate_counter_unique"),
        )


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


class WorkOrderSnapshot(models.Model):
    """The dashboard's copy of what customer pages may show of one work order (``data``: status, summary, site
    name and city, schedule, notes, photos, documents, close-out answers), refreshed in the background when
    older than ``PORTAL_LINK_SNAPSHOT_MAX_AGE``. ``found`` is False when TechLink does not know the work order.
    """

    workorder_id = models.BigIntegerField(primary_key=True)
    found = models.BooleanField(default=True)
    data = models.JSONField(default=dict)
    fetched_at = models.DateTimeField()
    refresh_requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Copy of work order {self.workorder_id} from {self.fetched_at:%Y-%m-%d %H:%M:%S}"


class NoteShare(models.Model):
    """Whether staff marked a work order note visible to the customer. A note written in the dashboard is
    known first by its outbox write (``write_id``) and its text, then by TechLink's ``note_id`` once sent."""

    workorder_id = models.BigIntegerField(db_index=True)
    note_id = models.BigIntegerField(null=True, blank=True)
    write_id = models.BigIntegerField(null=True, blank=True)
    note_text = models.TextField(blank=True, default="")
    author_name = models.CharField(max_length=150, blank=True, default="")
    visible = models.BooleanField(default=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("workorder_id", "note_id"),
                condition=models.Q(note_id__isnull=False),
                name="portal_note_share_note",
            ),
            models.UniqueConstraint(
                fields=("write_id",),
                condition=models.Q(write_id__isnull=False),
                name="portal_note_share_write",
            ),
        )

    def __str__(self) -> str:
        shown = "visible to the customer" if self.visible else "internal"
        return f"Note {self.note_id or f'(write {self.write_id})'} of work order {self.workorder_id}: {shown}"


class SubmissionKind(models.TextChoices):
    COMMENT = "comment", "Comment"
    UPLOAD = "upload", "Upload"


class CustomerSubmission(models.Model):
    """A comment or file a customer sent through a link, with who sent it: the proven e-mail address of a
    private link's visitor, else the link's label. ``sent_text`` is the note as it goes to TechLink."""

    link = models.ForeignKey(PortalLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    link_ref = models.CharField(max_length=32, db_index=True)
    link_type = models.CharField(max_length=16, choices=LinkType.choices)
    workorder_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=16, choices=SubmissionKind.choices)
    text = models.TextField(help_text="The comment as typed, or the file's name.")
    sent_text = models.TextField(blank=True, default="")
    sender_email = models.CharField(max_length=254, blank=True, default="")
    sender_label = models.CharField(max_length=200)
    write_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.sender_label} on work order {self.workorder_id}"
