"""Local read model of TechLink sites and work orders.

TechLink is slow and its list endpoints return only ids, so staff pages read from these tables,
which Celery keeps in step with upstream (see ``services.py``). Upstream stays the source of
truth: every write goes to TechLink first and the affected record is refreshed afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.db import IntegrityError, models, transaction

# Searchable text fields and the columns holding their case-folded copy. TechLink compares a search without
# "*" with the whole value case-folded ("STRASSE" finds "Straße"), which SQL cannot do portably, so the
# folded value is stored next to the original (an exact search is then an indexed equality).
SITE_FOLDED = {
    "name": "name_folded",
    "siteid": "siteid_folded",
    "street": "street_folded",
    "street2": "street2_folded",
    "street3": "street3_folded",
    "city": "city_folded",
    "state": "state_folded",
    "stateabbr": "stateabbr_folded",
    "zip": "zip_folded",
}
WORKORDER_FOLDED = {"summary": "summary_folded", "description": "description_folded", "po": "po_folded"}


def fold(value: object) -> str:
    """The case-folded text TechLink compares a search without wildcards against."""
    return ("" if value is None else str(value)).casefold()


class _Folded(models.Model):
    """Keeps the case-folded copies of the searchable fields (``FOLDED``: field -> folded column) in step."""

    FOLDED: ClassVar[dict[str, str]] = {}

    class Meta:
        abstract = True

    def fill_folded(self) -> None:
        for name, folded in self.FOLDED.items():
            setattr(self, folded, fold(getattr(self, name)))

    def save(self, *args, **kwargs) -> None:
        self.fill_folded()
        super().save(*args, **kwargs)


class SiteRecord(_Folded):
    FOLDED: ClassVar[dict[str, str]] = SITE_FOLDED

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
    name_folded = models.TextField(blank=True, default="", db_index=True)
    siteid_folded = models.TextField(blank=True, default="", db_index=True)
    street_folded = models.TextField(blank=True, default="")
    street2_folded = models.TextField(blank=True, default="")
    street3_folded = models.TextField(blank=True, default="")
    city_folded = models.TextField(blank=True, default="", db_index=True)
    state_folded = models.TextField(blank=True, default="")
    stateabbr_folded = models.TextField(blank=True, default="")
    zip_folded = models.TextField(blank=True, default="", db_index=True)

    class Meta:
        ordering = ("-id",)
        # The sites' version (the latest sync stamp), what the map's cache of the sites is kept by.
        indexes = (models.Index(fields=["synced_at"], name="mirror_site_synced_idx"),)

    def __str__(self) -> str:
        return f"Site #{self.id} {self.name}"


class WorkOrderRecord(_Folded):
    FOLDED: ClassVar[dict[str, str]] = WORKORDER_FOLDED

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
    summary_folded = models.TextField(blank=True, default="", db_index=True)
    description_folded = models.TextField(blank=True, default="")
    po_folded = models.TextField(blank=True, default="", db_index=True)

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
            # Counts the installs of a day (cancelled ones left out) from the index alone.
            models.Index(fields=["scheduled_at", "status_code"], name="mirror_wo_sched_status_idx"),
            models.Index(fields=["last_modified", "-id"], name="mirror_wo_sort_modified_idx"),
            models.Index(fields=["site_name", "-id"], name="mirror_wo_sort_site_idx"),
            models.Index(fields=["summary", "-id"], name="mirror_wo_sort_summary_idx"),
            # The read model's version (the latest sync stamp), read by every board and map request.
            models.Index(fields=["synced_at"], name="mirror_wo_synced_idx"),
            # Counts the board's waiting lanes (open, no schedule, asked or not) from the index alone.
            models.Index(
                fields=["scheduled_at", "status_code", "requested_time"], name="mirror_wo_waiting_idx"
            ),
            # The map's work orders per site (by status) from the index alone.
            models.Index(fields=["site", "status_code"], name="mirror_wo_site_status_idx"),
        )

    def __str__(self) -> str:
        return f"Work order #{self.id} {self.summary}"

    @property
    def scheduled_local(self) -> datetime | None:
        """The scheduled date as upstream shows it (naive, site-local)."""
        if not self.scheduled_date:
            return None
        return datetime.fromisoformat(self.scheduled_date)


class StatusName(models.Model):
    """The name TechLink last sent for a work order status code ("Completed" for 90, say): pages name
    statuses as TechLink does; the client's built-in table is only the fallback for codes not seen yet."""

    code = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=50)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Status {self.code} {self.name}"


class SyncState(models.Model):
    """One row (pk=1) describing how fresh the read model is."""

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
    reference_sync_at = models.DateTimeField(null=True, blank=True)

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


class SyncLease(models.Model):
    """A sync cycle's lease: while ``until`` lies ahead, another run of the same cycle is skipped.

    Each cycle ("new", "open", "full", "reference") has its own row, so a long full sync never holds up the
    quick cycles. The running sync renews its lease as it makes progress; a lease is short (minutes), so a
    worker killed mid-run blocks that cycle only until its lease runs out.
    """

    name = models.CharField(max_length=20, primary_key=True)
    owner = models.CharField(max_length=40, blank=True)  # a token of the run holding it
    until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Sync lease {self.name}"


class _ReferenceRecord(models.Model):
    """A TechLink reference list entry. ``listed`` is False once upstream stops listing it: its name is kept
    (old work orders still point at it) but pickers no longer offer it."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255, blank=True)
    listed = models.BooleanField(default=True)
    synced_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ("name", "id")


class ProjectRecord(_ReferenceRecord):
    def __str__(self) -> str:
        return f"Project #{self.id} {self.name}"


class TaskItemRecord(_ReferenceRecord):
    def __str__(self) -> str:
        return f"Task item #{self.id} {self.name}"


class ClientUserRecord(_ReferenceRecord):
    username = models.CharField(max_length=150, blank=True)
    email = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    restricted = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    last_login = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Client user #{self.id} {self.username}"
