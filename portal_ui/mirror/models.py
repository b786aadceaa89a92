"""Local read model of TechLink sites and work orders.

TechLink is slow and its list endpoints return only ids, so staff pages read from these tables,
which Celery keeps in step with upstream (see ``services.py``). Upstream stays the source of
truth: every write goes to TechLink first and the affected record is refreshed afterwards.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, models, transaction


class SiteRecord(models.Model):
    id = models.IntegerField(primary_key=True)  # TechLink site id
    name = models.CharField(max_length=255, blank=True, db_index=True)
    siteid = models.CharField(max_length=100, blank=True, db_index=True)  # the client's own site code
    phone = models.CharField(max_length=50, blank=True)
    fax = models.CharField(max_length=50, blank=True)
    street = models.CharField(max_length=255, blank=True)
    street2 = models.CharField(max_length=255, blank=True)
    street3 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True, db_index=True)
    state = models.CharField(max_length=100, blank=True)
    stateabbr = models.CharField(max_length=10, blank=True, db_index=True)
    zip = models.CharField(max_length=20, blank=True, db_index=True)
    country = models.CharField(max_length=50, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    latitude = models.DecimalField(max_digits=10, decimal_places=7, null=True, blank=True)
    longitude = models.DecimalField(max_digits=10, decimal_places=7, null=True, blank=True)
    contact1_name = models.CharField(max_length=255, blank=True)
    contact1_phone = models.CharField(max_length=50, blank=True)
    contact1_email = models.CharField(max_length=255, blank=True)
    contact2_name = models.CharField(max_length=255, blank=True)
    contact2_phone = models.CharField(max_length=50, blank=True)
    contact2_email = models.CharField(max_length=255, blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"Site #{self.id} {self.name}"


class WorkOrderRecord(models.Model):
    id = models.IntegerField(primary_key=True)  # TechLink work order id
    status = models.CharField(max_length=50, blank=True)
    status_code = models.IntegerField(null=True, blank=True)
    type = models.CharField(max_length=50, blank=True)
    # No database constraint: a work order may arrive before its site, and upstream owns integrity.
    site = models.ForeignKey(
        SiteRecord,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="workorders",
    )
    site_name = models.CharField(max_length=255, blank=True)
    site_city = models.CharField(max_length=100, blank=True)
    site_state = models.CharField(max_length=100, blank=True)
    site_stateabbr = models.CharField(max_length=10, blank=True)
    site_timezone = models.CharField(max_length=64, blank=True)
    project_id = models.IntegerField(null=True, blank=True)
    submitter_id = models.IntegerField(null=True, blank=True)
    po = models.CharField(max_length=100, blank=True)
    client_reference = models.CharField(max_length=255, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    requested_time = models.CharField(max_length=100, blank=True)
    # Upstream's scheduled date as sent: naive site-local text "YYYY-MM-DD HH:MM:SS", null when unscheduled
    # (including upstream's all-zero dates). ``install_date`` is its date part, what the upstream
    # ``install_date`` filter matches; ``scheduled_at`` is the same moment made aware with the site's zone.
    scheduled_date = models.CharField(max_length=19, null=True, blank=True)
    install_date = models.DateField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    installer_name = models.CharField(max_length=255, blank=True)
    installer_phone = models.CharField(max_length=50, blank=True)
    installer_email = models.CharField(max_length=255, blank=True)
    planned_tech_name = models.CharField(max_length=255, blank=True)
    planned_tech_phone = models.CharField(max_length=50, blank=True)
    is_assigned = models.BooleanField(default=False)
    url = models.CharField(max_length=500, blank=True)
    created_date = models.DateTimeField(null=True, blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ("-id",)
        indexes = (
            models.Index(fields=["status_code", "-id"], name="mirror_wo_status_idx"),
            models.Index(fields=["project_id", "-id"], name="mirror_wo_project_idx"),
            models.Index(fields=["install_date"], name="mirror_wo_install_date_idx"),
            models.Index(fields=["status_code", "scheduled_at"], name="mirror_wo_status_sched_idx"),
            models.Index(fields=["is_assigned", "status_code"], name="mirror_wo_assigned_idx"),
            models.Index(fields=["po"], name="mirror_wo_po_idx"),
            # One per list sort (ascending with newest first among equals; read backwards for descending).
            models.Index(fields=["scheduled_at", "-id"], name="mirror_wo_sort_sched_idx"),
            models.Index(fields=["last_modified", "-id"], name="mirror_wo_sort_modified_idx"),
            models.Index(fields=["site_name", "-id"], name="mirror_wo_sort_site_idx"),
            models.Index(fields=["summary", "-id"], name="mirror_wo_sort_summary_idx"),
        )

    def __str__(self) -> str:
        return f"Work order #{self.id} {self.summary}"

    @property
    def scheduled_local(self) -> datetime | None:
        """The scheduled date as upstream shows it (naive, site-local)."""
        if not self.scheduled_date:
            return None
        return datetime.fromisoformat(self.scheduled_date)


class SyncState(models.Model):
    """One row (pk=1) describing how fresh the read model is, and the leases that keep syncs from overlapping."""

    full_sync_started_at = models.DateTimeField(null=True, blank=True)
    full_sync_finished_at = models.DateTimeField(null=True, blank=True)
    new_scan_at = models.DateTimeField(null=True, blank=True)
    open_refresh_at = models.DateTimeField(null=True, blank=True)
    site_count = models.IntegerField(default=0)
    workorder_count = models.IntegerField(default=0)
    last_full_sync_seconds = models.FloatField(null=True, blank=True)
    last_full_sync_calls = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_holder = models.CharField(max_length=50, blank=True)

    def __str__(self) -> str:
        return "Read model sync state"

    @classmethod
    def get(cls) -> SyncState:
        try:
            with transaction.atomic():
                state, _ = cls.objects.get_or_create(pk=1)
        except IntegrityError:  # another process created it at the same moment
            state = cls.objects.get(pk=1)
        return state
