"""The outbox: every change sent to TechLink is recorded here first as a write, then sent by a worker."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from .kinds import KINDS, Kind

# One member per registered kind: WriteKind.SITE_CREATE == "site_create", labelled as its kind says.
WriteKind = models.TextChoices(
    "WriteKind",
    [(name.upper(), (name, kind.label)) for name, kind in KINDS.items()],
    module=__name__,
    qualname="WriteKind",
)


class WriteStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    DISMISSED = "dismissed", "Dismissed"


FINAL_STATUSES = (WriteStatus.DONE, WriteStatus.FAILED, WriteStatus.DISMISSED)
# Not (yet) in TechLink and still staff's concern: shown on the page of the object they change.
OPEN_STATUSES = (WriteStatus.QUEUED, WriteStatus.RUNNING, WriteStatus.FAILED)


class UpstreamWrite(models.Model):
    kind = models.CharField(max_length=40, choices=WriteKind.choices)
    payload = models.JSONField(default=dict)
    target = models.CharField(max_length=200, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="upstream_writes",
    )
    actor_label = models.CharField(max_length=200, blank=True)
    # Uploaded file (document uploads only), kept until TechLink has it.
    file = models.FileField(upload_to="upstream_writes/%Y/%m/", blank=True, max_length=300)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=150, blank=True)

    status = models.CharField(
        max_length=10, choices=WriteStatus.choices, default=WriteStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    result_url = models.CharField(max_length=300, blank=True)

    # Idempotency: the value that identifies the created object upstream (client reference, site ID, note text...),
    # the matching objects that already existed before the first send, and whether an earlier attempt may have
    # been applied upstream without a confirmed answer (then the next attempt looks before sending again).
    marker = models.CharField(max_length=300, blank=True)
    baseline = models.JSONField(null=True, blank=True)
    in_doubt = models.BooleanField(default=False)

    # The schedule, kept here and nowhere else: a queued write is due once ``next_attempt_at`` has passed (none:
    # at once). A running write belongs to its worker until ``lease_until``, which the worker renews while it
    # sends. Every state change bumps ``version`` (claims are conditional on it). A write still not taken by
    # TechLink at ``give_up_at`` fails.
    version = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    give_up_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        indexes = (models.Index(fields=("status", "lease_until"), name="jobs_write_status_lease"),)

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def actor(self) -> str:
        if self.created_by_id:
            return self.created_by.get_full_name() or self.created_by.username
        return self.actor_label or "System"

    @property
    def declared(self) -> Kind:
        """How this kind of write is sent, recognised and shown (its entry in ``kinds.KINDS``)."""
        return KINDS[self.kind]

    @property
    def summary(self) -> str:
        """One line saying what this write does, for staff."""
        kind = KINDS.get(self.kind)
        return kind.summary(self) if kind is not None else self.get_kind_display()

    @property
    def change_url(self) -> str:
        """For a refused create: the form that sends it again, filled in, to change first ("" otherwise)."""
        kind = KINDS.get(self.kind)
        return kind.change_url(self) if kind is not None and self.status == WriteStatus.FAILED else ""

    @property
    def next_try_at(self) -> datetime | None:
        """When a queued write waiting for TechLink is tried next (None: not waiting for a later try)."""
        if (
            self.status == WriteStatus.QUEUED
            and self.next_attempt_at
            and self.next_attempt_at > timezone.now()
        ):
            return self.next_attempt_at
        return None

    @property
    def next_try_soon(self) -> bool:
        """The next try is less than a minute away."""
        return self.next_try_at is not None and (self.next_try_at - timezone.now()).total_seconds() < 60

    @property
    def badge(self) -> str:
        return {"done": "ok", "failed": "bad", "running": "warn", "queued": "", "dismissed": ""}.get(
            self.status, ""
        )


class OutboxState(models.Model):
    """The outbox's one shared row (pk 1): whether TechLink is being waited out.

    While ``paused_until`` is set, no write is sent but one, the probe, once that time has come; the probe's
    worker holds ``probe_until`` (renewed while it sends). ``probe_failures`` probes have failed so far (the
    pause grows with them), ``failures_in_row`` attempts have failed one after the other with no answer from
    TechLink in between."""

    paused_until = models.DateTimeField(null=True, blank=True)
    probe_until = models.DateTimeField(null=True, blank=True)
    probe_failures = models.PositiveIntegerField(default=0)
    failures_in_row = models.PositiveIntegerField(default=0)
    since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Paused until {self.paused_until:%H:%M:%S}" if self.paused_until else "Sending"
