"""The outbox of upstream writes: every change sent to TechLink is recorded here first, then run by a worker."""

from django.conf import settings
from django.db import models


class WriteKind(models.TextChoices):
    SITE_CREATE = "site_create", "Create site"
    SITE_UPDATE = "site_update", "Update site"
    SITE_ATTRIBUTE_SET = "site_attribute_set", "Set site attribute"
    SITE_ATTRIBUTE_REMOVE = "site_attribute_remove", "Remove site attribute"
    SITE_DOCUMENT_UPLOAD = "site_document_upload", "Upload site document"
    SITE_DOCUMENT_DELETE = "site_document_delete", "Delete site document"
    WORKORDER_CREATE = "workorder_create", "Create work order"
    WORKORDER_UPDATE = "workorder_update", "Update work order"
    WORKORDER_NOTE_ADD = "workorder_note_add", "Add work order note"
    WORKORDER_TASK_ADD = "workorder_task_add", "Add work order task"
    WORKORDER_DOCUMENT_UPLOAD = "workorder_document_upload", "Upload work order document"
    WORKORDER_DOCUMENT_DELETE = "workorder_document_delete", "Delete work order document"
    WORKORDER_REQUIRED_DOCUMENT_UPLOAD = "workorder_required_document_upload", "Upload close-out document"


class WriteStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    DISMISSED = "dismissed", "Dismissed"


FINAL_STATUSES = (WriteStatus.DONE, WriteStatus.FAILED, WriteStatus.DISMISSED)
# Not (yet) in TechLink and still staff's concern: shown on the page of the object they change.
OPEN_STATUSES = (WriteStatus.QUEUED, WriteStatus.RUNNING, WriteStatus.FAILED)


def write_target(kind: str, payload: dict) -> str:
    """What a write changes in TechLink, as far as other writes can get in its way. Writes with one target are
    sent one at a time, oldest first: a retried change never overtakes a later one (two updates of a work
    order, an attribute set then removed), a document is uploaded before it can be deleted, and a create being
    checked upstream cannot mistake the object of a later look-alike write (an identical note) for its own.
    Writes with different targets run side by side."""
    p = payload
    match kind:
        case WriteKind.SITE_CREATE:
            fields = p.get("fields", {})
            name, zip_code = fields.get("name", "").strip().casefold(), fields.get("zip", "").strip()
            return f"site-create:{zip_code}:{name}"[:200]
        case WriteKind.SITE_UPDATE:
            return f"site:{p.get('site_id')}"
        case WriteKind.SITE_ATTRIBUTE_SET | WriteKind.SITE_ATTRIBUTE_REMOVE:
            return f"site:{p.get('site_id')}:attribute:{p.get('name', '').strip().casefold()}"[:200]
        case WriteKind.SITE_DOCUMENT_UPLOAD | WriteKind.SITE_DOCUMENT_DELETE:
            return f"site:{p.get('site_id')}:documents"
        case WriteKind.WORKORDER_CREATE:
            return f"site:{p.get('fields', {}).get('site_id')}:workorders"
        case WriteKind.WORKORDER_UPDATE:
            return f"workorder:{p.get('workorder_id')}"
        case WriteKind.WORKORDER_NOTE_ADD:
            return f"workorder:{p.get('workorder_id')}:notes"
        case WriteKind.WORKORDER_TASK_ADD:
            return f"workorder:{p.get('workorder_id')}:tasks"
        case WriteKind.WORKORDER_DOCUMENT_UPLOAD | WriteKind.WORKORDER_DOCUMENT_DELETE:
            return f"workorder:{p.get('workorder_id')}:documents"
        case WriteKind.WORKORDER_REQUIRED_DOCUMENT_UPLOAD:
            return f"workorder:{p.get('workorder_id')}:required"
    return ""


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

    # Bookkeeping for workers: every state change bumps ``version`` (claims are conditional on it).
    version = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

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
    def summary(self) -> str:
        """One line saying what this write does, for staff."""
        p = self.payload or {}
        kind = self.kind
        if kind == WriteKind.SITE_CREATE:
            return f"Create site “{p.get('fields', {}).get('name', '')}”"
        if kind == WriteKind.SITE_UPDATE:
            return f"Update site #{p.get('site_id')} ({', '.join(sorted(p.get('changes', {})))})"
        if kind == WriteKind.SITE_ATTRIBUTE_SET:
            return f"Set attribute “{p.get('name')}” on site #{p.get('site_id')}"
        if kind == WriteKind.SITE_ATTRIBUTE_REMOVE:
            return f"Remove attribute “{p.get('name')}” from site #{p.get('site_id')}"
        if kind == WriteKind.SITE_DOCUMENT_UPLOAD:
            return f"Upload “{self.filename}” to site #{p.get('site_id')}"
        if kind == WriteKind.SITE_DOCUMENT_DELETE:
            return f"Delete document #{p.get('document_id')} from site #{p.get('site_id')}"
        if kind == WriteKind.WORKORDER_CREATE:
            return f"Create work order “{p.get('fields', {}).get('summary', '')}” at site #{p.get('fields', {}).get('site_id')}"
        if kind == WriteKind.WORKORDER_UPDATE:
            return f"Update work order #{p.get('workorder_id')} ({', '.join(sorted(p.get('changes', {})))})"
        if kind == WriteKind.WORKORDER_NOTE_ADD:
            return f"Add note to work order #{p.get('workorder_id')}"
        if kind == WriteKind.WORKORDER_TASK_ADD:
            return f"Add task “{p.get('description')}” to work order #{p.get('workorder_id')}"
        if kind == WriteKind.WORKORDER_DOCUMENT_UPLOAD:
            return f"Upload “{self.filename}” to work order #{p.get('workorder_id')}"
        if kind == WriteKind.WORKORDER_DOCUMENT_DELETE:
            return f"Delete document #{p.get('document_id')} from work order #{p.get('workorder_id')}"
        if kind == WriteKind.WORKORDER_REQUIRED_DOCUMENT_UPLOAD:
            return f"Upload close-out document “{self.filename}” to work order #{p.get('workorder_id')}"
        return self.get_kind_display()

    @property
    def change_url(self) -> str:
        """For a refused create: the form that sends it again, filled in, to change first ("" otherwise)."""
        from .operations import change_url

        return change_url(self) if self.status == WriteStatus.FAILED else ""

    @property
    def badge(self) -> str:
        return {"done": "ok", "failed": "bad", "running": "warn", "queued": "", "dismissed": ""}.get(
            self.status, ""
        )
