"""Reads of what a link shares: the work order as one link shows it, read from the customer pages' copy
(``WorkOrderSnapshot``), and the items the share form offers. Nothing here asks TechLink or writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.timesince import timesince

from portal_ui.jobs.models import UpstreamWrite, WriteStatus
from portal_ui.portal_links.models import (
    CustomerSubmission,
    NoteShare,
    PortalLink,
    SubmissionKind,
    WorkOrderSnapshot,
)
from portal_ui.portal_links.schemas import PERMISSION_DEFAULTS, shared_items_of

# The permissions a file of each kind needs, and the section of the copy that lists it.
FILE_PERMISSIONS = {
    "photo": ("view_photos",),
    "document": ("view_client_documents", "download_documents"),
    "closeout": ("view_closeout_documents", "download_documents"),
}
FILE_SECTIONS = {"photo": "photos", "document": "client_documents", "closeout": "closeout_documents"}
COMMENTS_SHOWN = 20
PREVIEW_CHARS = 280


def link_permissions(link: PortalLink) -> dict[str, bool]:
    """Every permission of the link: the stored ones over the API's defaults."""
    return {**PERMISSION_DEFAULTS, **(link.permissions or {})}


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _dated(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "created": _when(item.get("created"))} for item in items]


@dataclass
class CustomerWorkOrder:
    """The parts of a work order one link shows: its section permissions and shared items applied to the
    copy. Empty for everything else; ``fetched_at`` says how old the copy is."""

    available: bool = True
    found: bool = True
    workorder_id: str = ""
    fetched_at: datetime | None = None
    status: str = ""
    summary: str = ""
    site_name: str = ""
    site_city: str = ""
    schedule: dict[str, Any] | None = None
    notes: list[dict[str, Any]] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)
    client_documents: list[dict[str, Any]] = field(default_factory=list)
    closeout_documents: list[dict[str, Any]] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def unavailable(cls, link: PortalLink) -> CustomerWorkOrder:
        """What the page shows when there is no copy and TechLink cannot be asked."""
        return cls(available=False, workorder_id=link.workorder)

    @property
    def age_seconds(self) -> int | None:
        if self.fetched_at is None:
            return None
        return max(0, int((timezone.now() - self.fetched_at).total_seconds()))

    @property
    def updated(self) -> str:
        """How old the copy is, as the page says it: "just now", "5 minutes ago" ("" without a copy)."""
        if self.fetched_at is None:
            return ""
        return "just now" if self.age_seconds < 60 else f"{timesince(self.fetched_at)} ago"

    def file_ids(self, kind: str) -> set[int]:
        return {item["id"] for item in getattr(self, FILE_SECTIONS[kind], [])}


def _visible_from_writes(pending: list[dict[str, Any]]) -> dict[int, int]:
    """write id -> note id, for the pending shares whose outbox write is done."""
    write_ids = [share["write_id"] for share in pending if share["write_id"]]
    if not write_ids:
        return {}
    rows = UpstreamWrite.objects.filter(pk__in=write_ids, status=WriteStatus.DONE).values_list("pk", "result")
    return {pk: int(result["note_id"]) for pk, result in rows if (result or {}).get("note_id")}


def visible_note_ids(*, workorder_id: int, notes: list[dict[str, Any]]) -> set[int]:
    """The ids among `notes` that staff marked visible to the customer. A note written in the dashboard and
    not yet matched to its TechLink id is recognised by its outbox write, or else by its text."""
    shares = list(
        NoteShare.objects.filter(workorder_id=workorder_id).values(
            "note_id", "write_id", "note_text", "visible"
        )
    )
    decided = {share["note_id"] for share in shares if share["note_id"]}
    visible = {share["note_id"] for share in shares if share["note_id"] and share["visible"]}
    pending = [share for share in shares if not share["note_id"]]
    by_write = _visible_from_writes(pending)
    for share in pending:
        note_id = by_write.get(share["write_id"])
        if note_id is None:
            text = share["note_text"].strip()
            matches = [n["id"] for n in notes if n["content"].strip() == text and n["id"] not in decided]
            note_id = max(matches) if matches else None
        if note_id is not None and note_id not in decided:
            decided.add(note_id)
            if share["visible"]:
                visible.add(note_id)
    return visible


def customer_workorder(
    *, link: PortalLink, snapshot: WorkOrderSnapshot | None, sections: tuple[str, ...] | None = None
) -> CustomerWorkOrder:
    """The work order as `link` shows it, read from `snapshot` (unavailable when None). A note, document or
    photo is shown only when its section is permitted and the link shares it, by its id or by a rule.
    `sections` limits the work to some sections (a file check needs one)."""
    if snapshot is None:
        return CustomerWorkOrder.unavailable(link)
    shown = CustomerWorkOrder(workorder_id=link.workorder, fetched_at=snapshot.fetched_at)
    if not snapshot.found:
        shown.found = False
        return shown
    data, perms, items = snapshot.data, link_permissions(link), shared_items_of(link.shared_items)

    def wanted(section: str) -> bool:
        return sections is None or section in sections

    shown.status, shown.summary = data.get("status", ""), data.get("summary", "")
    shown.site_name, shown.site_city = data.get("site_name", ""), data.get("site_city", "")
    if perms["view_schedule"]:
        shown.schedule = {
            "requested": data.get("requested", ""),
            "scheduled": _when(data.get("scheduled")),
            "installer": data.get("installer", ""),
        }
    if perms["view_notes"] and wanted("notes"):
        notes = data.get("notes", [])
        chosen = set(items["notes"])
        if items["customer_visible_notes"]:
            chosen |= visible_note_ids(workorder_id=snapshot.workorder_id, notes=notes)
        shown.notes = _dated([n for n in notes if n["id"] in chosen])
    if perms["view_photos"] and wanted("photos"):
        photos = data.get("photos", [])
        shown.photos = _dated(
            photos if items["all_photos"] else [p for p in photos if p["id"] in items["photos"]]
        )
    for section, permission in (
        ("client_documents", "view_client_documents"),
        ("closeout_documents", "view_closeout_documents"),
    ):
        if perms[permission] and wanted(section):
            ids = set(items[section])
            setattr(shown, section, [d for d in data.get(section, []) if d["id"] in ids])
    if perms["view_closeout_answers"]:
        shown.questions = list(data.get("questions", []))
    return shown


def customer_file_shared(
    *, link: PortalLink, snapshot: WorkOrderSnapshot | None, kind: str, file_id: int
) -> bool:
    """Whether the link lets its customer open this file: its kind is permitted and the link shares it."""
    if kind not in FILE_PERMISSIONS or snapshot is None:
        return False
    permissions = link_permissions(link)
    if not all(permissions[name] for name in FILE_PERMISSIONS[kind]):
        return False
    shown = customer_workorder(link=link, snapshot=snapshot, sections=(FILE_SECTIONS[kind],))
    return file_id in shown.file_ids(kind)


def snapshot_get(*, workorder_id: int) -> WorkOrderSnapshot | None:
    return WorkOrderSnapshot.objects.filter(pk=workorder_id).first()


def customer_comments(*, link: PortalLink) -> list[CustomerSubmission]:
    """The latest comments sent through this link, newest first."""
    return list(
        CustomerSubmission.objects.filter(link_ref=link.pk, kind=SubmissionKind.COMMENT)[:COMMENTS_SHOWN]
    )


# --- the share form -------------------------------------------------------------------------------------


@dataclass
class ShareChoices:
    """What the share form offers of a work order, from its copy: notes (with a preview of their text and
    whether staff marked them visible to the customer), documents, close-out documents and photos."""

    available: bool = False
    fetched_at: datetime | None = None
    notes: list[dict[str, Any]] = field(default_factory=list)
    client_documents: list[dict[str, Any]] = field(default_factory=list)
    closeout_documents: list[dict[str, Any]] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)


def share_choices(*, snapshot: WorkOrderSnapshot | None) -> ShareChoices:
    if snapshot is None or not snapshot.found:
        return ShareChoices()
    data = snapshot.data
    notes = data.get("notes", [])
    visible = visible_note_ids(workorder_id=snapshot.workorder_id, notes=notes)
    previews = []
    for note in _dated(notes):
        content = note["content"]
        preview = content if len(content) <= PREVIEW_CHARS else content[:PREVIEW_CHARS].rstrip() + "…"
        previews.append({**note, "preview": preview, "customer_visible": note["id"] in visible})
    return ShareChoices(
        available=True,
        fetched_at=snapshot.fetched_at,
        notes=previews,
        client_documents=list(data.get("client_documents", [])),
        closeout_documents=list(data.get("closeout_documents", [])),
        photos=_dated(data.get("photos", [])),
    )


def note_visibility_for(*, workorder_id: int) -> dict[str, dict[int, bool]]:
    """For the dashboard's notes list: ``{"notes": {note id: visible}, "writes": {write id: visible}}``; a
    note written in the dashboard is in "writes" by its outbox write, and in "notes" once matched to its id."""
    shares = NoteShare.objects.filter(workorder_id=workorder_id).values_list("note_id", "write_id", "visible")
    result: dict[str, dict[int, bool]] = {"notes": {}, "writes": {}}
    for note_id, write_id, visible in shares:
        if note_id:
            result["notes"][note_id] = visible
        if write_id:
            result["writes"][write_id] = visible
    return result
