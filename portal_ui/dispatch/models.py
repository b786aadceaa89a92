"""What the dashboard keeps of close-out reviews (TechLink has no place for them): decisions, reminders sent to
the technician, what each work order's close-out looked like when last checked (the review queue), and the
close-out reports generated."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Outcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


class CloseoutDecision(models.Model):
    """A dispatcher's decision on a work order's close-out, with the completeness it was taken on."""

    workorder_id = models.IntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150)
    decided_at = models.DateTimeField(default=timezone.now)
    # ``CloseoutReview.summary()`` at that moment: score, points, parts, what was missing, flagged answers.
    completeness = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64)
    # A return's reason, posted to TechLink as a note through the outbox.
    note = models.TextField(blank=True)
    note_write = models.ForeignKey(
        "jobs.UpstreamWrite", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-decided_at", "-id")
        indexes = (models.Index(fields=("workorder_id", "-decided_at"), name="dispatch_decision_wo"),)

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} work order #{self.workorder_id}"

    @property
    def is_approved(self) -> bool:
        return self.outcome == Outcome.APPROVED


class CloseoutReminder(models.Model):
    """A note sent to the technician asking for what the close-out lacks."""

    workorder_id = models.IntegerField()
    note = models.TextField()
    missing_count = models.PositiveIntegerField(default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by_name = models.CharField(max_length=150)
    sent_at = models.DateTimeField(default=timezone.now)
    write = models.ForeignKey(
        "jobs.UpstreamWrite", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-sent_at", "-id")
        indexes = (models.Index(fields=("workorder_id", "-sent_at"), name="dispatch_reminder_wo"),)

    def __str__(self) -> str:
        return f"Reminder for work order #{self.workorder_id} at {self.sent_at:%Y-%m-%d %H:%M}"


class CloseoutState(models.Model):
    """One work order's close-out as the dashboard last saw it, and its latest decision and reminder.

    ``delivered`` holds the technician's documents, photos and answers; ``activity_at`` is when something new
    among them was first seen. ``needs_review``: something was delivered, the close-out is not approved, and
    nothing was decided since the latest delivery (the review queue). ``decision_version`` and
    ``reminder_version`` change with every decision and reminder, so two at once cannot both be recorded.
    """

    workorder_id = models.IntegerField(primary_key=True)
    delivered = models.JSONField(default=dict)
    delivered_count = models.PositiveIntegerField(default=0)
    activity_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    last_decision = models.ForeignKey(
        CloseoutDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    last_decision_at = models.DateTimeField(null=True, blank=True)
    decision_version = models.PositiveIntegerField(default=0)
    last_reminder = models.ForeignKey(
        CloseoutReminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminder_version = models.PositiveIntegerField(default=0)
    needs_review = models.BooleanField(default=False)

    class Meta:
        indexes = (
            models.Index(fields=("needs_review", "-activity_at"), name="dispatch_state_queue"),
            models.Index(fields=("checked_at",), name="dispatch_state_checked"),
        )

    def __str__(self) -> str:
        return f"Close-out of work order #{self.workorder_id}"

    def compute_needs_review(self) -> bool:
        if not self.delivered_count or self.last_outcome == Outcome.APPROVED:
            return False
        if self.last_decision_at is None:
            return True
        return self.activity_at is not None and self.activity_at > self.last_decision_at


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being made"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class CloseoutReport(models.Model):
    """A close-out report (PDF) of one work order as one audience sees it (``variant``: staff, or the items a
    portal link shares and its branding). ``key`` also covers the close-out's content and latest decision, so
    a report stays valid, and is served again, until the close-out changes."""

    workorder_id = models.IntegerField()
    key = models.CharField(max_length=64, unique=True)
    variant = models.CharField(max_length=64)
    options = models.JSONField(default=dict)  # the items and branding it was asked with
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    file = models.CharField(max_length=300, blank=True)  # relative to MEDIA_ROOT
    size = models.PositiveBigIntegerField(default=0)
    photo_count = models.PositiveIntegerField(default=0)
    photos_not_shown = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("workorder_id", "variant"), name="dispatch_report_variant"),)

    def __str__(self) -> str:
        return f"Close-out report of work order #{self.workorder_id} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.DONE

    @property
    def is_final(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)

    @property
    def filename(self) -> str:
        return f"closeout-report-workorder-{self.workorder_id}.pdf"


# Saved views and calendar feeds live in their own module (``saved_models.py``).
from portal_ui.dispatch.saved_models import CalendarFeed, SavedView, ViewPage  # noqa: E402, F401
