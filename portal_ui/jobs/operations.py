"""How each kind of upstream write is sent, and how an earlier attempt is recognised upstream.

How "our" object is recognised when an attempt's outcome is unknown:

* work order create: at its site, the same summary, and the same client reference when staff gave one (else
  the same PO and description);
* site create: the same client site ID when staff gave one, else the same name and ZIP code;
* note: the same text; task: the same description, quantity and rate; document upload: the same file name and
  description.

None of these is unique by nature, so before the first send the matching objects already present are recorded
(``baseline``); only a match that is not in the baseline, and that no other write took as its own, counts as
ours. Writes to one target run one at a time (see ``portal_ui.jobs.services``), so no later write of ours can
create a look-alike while a write is in doubt. Nothing is written into TechLink that staff did not type.

Attribute set and updates are idempotent and simply sent again; removals and deletes count "not found" as
done (what staff wanted gone is not there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from django.urls import NoReverseMatch, reverse

from portal_ui.integrations.techlink import wildcards

from .models import UpstreamWrite, WriteKind

Client = Any
Sender = Callable[[Client, UpstreamWrite, BinaryIO | None], dict]
Finder = Callable[[Client, UpstreamWrite], list[int]]


@dataclass(frozen=True)
class Operation:
    send: Sender
    find: Finder | None = None
    found_key: str = ""  # result key naming the found object
    missing_is_done: bool = False

    def existing(self, client: Client, write: UpstreamWrite, taken: set[int] = frozenset()) -> int | None:
        """The upstream object an earlier attempt of this write created, if any (``taken``: objects other
        writes already recognised as theirs)."""
        assert self.find is not None
        before = set(write.baseline or []) | set(taken)
        ours = [object_id for object_id in self.find(client, write) if object_id not in before]
        return max(ours) if ours else None

    def found_result(self, write: UpstreamWrite, object_id: int) -> dict:
        result = _parent(write)
        result[self.found_key] = object_id
        result["recovered"] = True
        return result

    def gone_result(self, write: UpstreamWrite) -> dict:
        result = _parent(write)
        result["already_removed"] = True
        return result


def _parent(write: UpstreamWrite) -> dict:
    p = write.payload
    if "workorder_id" in p:
        return {"workorder_id": p["workorder_id"]}
    if "site_id" in p:
        return {"site_id": p["site_id"]}
    return {}


def _non_empty(values: dict) -> dict:
    return {key: value for key, value in values.items() if value not in ("", None)}


# -- sites ------------------------------------------------------------------------------------------


def _site_create(client: Client, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    site = client.site_create(**_non_empty(write.payload["fields"]))
    return {"site_id": site.id, "name": site.name}


def _site_find(client: Client, write: UpstreamWrite) -> list[int]:
    fields = write.payload["fields"]
    if fields.get("site_id"):
        return list(client.site_ids(site_id=wildcards.escape(fields["site_id"])))
    return list(client.site_ids(name=wildcards.escape(fields["name"]), zip=wildcards.escape(fields["zip"])))


def _site_update(client: Client, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    site = client.site_update(write.payload["site_id"], **write.payload["changes"])
    return {"site_id": site.id}


def _site_attribute_set(client: Client, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    p = write.payload
    attribute = client.site_attribute_set(p["site_id"], name=p["name"], value=p["value"])
    return {"site_id": p["site_id"], "attribute_id": attribute.attribute_id, "name": p["name"]}


def _site_attribute_remove(client: Client, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    p = write.payload
    client.site_attribute_remove(p["site_id"], name=p["name"])
    return {"site_id": p["site_id"], "name": p["name"]}


def _document_matches(write: UpstreamWrite, documents: list) -> list[int]:
    description = write.payload.get("description", "")
    return [
        d.document_id
        for d in documents
        if (d.filename or "").strip() == write.filename and (d.description or "").strip() == description
    ]


def _document_upload(
    upload_method: str, owner_key: str
) -> Callable[[Client, UpstreamWrite, BinaryIO | None], dict]:
    """The send step of a document upload to a site or work order (``owner_key`` names its id in the payload)."""

    def send(client: Client, write: UpstreamWrite, file: BinaryIO | None) -> dict:
        owner_id = write.payload[owner_key]
        document = getattr(client, upload_method)(
            owner_id, file=file, filename=write.filename, description=write.payload["description"],
            content_type=write.content_type or None,
        )  # fmt: skip
        return {owner_key: owner_id, "document_id": document.document_id, "filename": write.filename}

    return send


def _site_document_find(client: Client, write: UpstreamWrite) -> list[int]:
    return _document_matches(write, client.site_documents(write.payload["site_id"]))


def _site_document_delete(client: Client, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    p = write.payload
    client.site_document_remove(p["site_id"], p["document_id"])
    return {"site_id": p["site_id"], "document_id": p["document_id"]}


# -- work orders ------------------------------------------------------------------------------------


def _workorder_create(client: Client, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    fields = _non_empty(write.payload["fields"])
    fields["site_id"] = int(fields["site_id"])
    workorder = client.workorder_create(**fields)
    return {
        "workorder_id": workorder.id,
        "client_reference": workorder.client_reference,
        "url": workorder.url,
    }


def _workorder_find(client: Client, write: UpstreamWrite) -> list[int]:
    fields = write.payload["fields"]
    ids = client.workorder_ids(site_id=str(fields["site_id"]), summary=wildcards.escape(fields["summary"]))
    if not ids:
        return []

    def same(value: str | None, key: str) -> bool:
        return (value or "").strip() == fields.get(key, "")

    if fields.get("client_reference"):
        return [wo.id for wo in client.workorders_get(ids) if same(wo.client_reference, "client_reference")]
    return [
        wo.id
        for wo in client.workorders_get(ids)
        if same(wo.po, "po") and same(wo.description, "description")
    ]


def _workorder_update(client: Client, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    workorder = client.workorder_update(write.payload["workorder_id"], **write.payload["changes"])
    return {"workorder_id": workorder.id}


def _note_add(client: Client, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    p = write.payload
    note = client.workorder_note_add(p["workorder_id"], note=p["note"])
    return {"workorder_id": p["workorder_id"], "note_id": note.note_id}


def _note_find(client: Client, write: UpstreamWrite) -> list[int]:
    p = write.payload
    notes = client.workorder_notes(p["workorder_id"], search=wildcards.escape(p["note"]))
    return [n.note_id for n in notes if (n.content or "").strip() == p["note"]]


def _task_add(client: Client, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    p = write.payload
    task = client.workorder_task_add(
        p["workorder_id"], taskitem_id=p["taskitem_id"], description=p["description"], rate=p["rate"],
        quantity=p["quantity"],
    )  # fmt: skip
    return {"workorder_id": p["workorder_id"], "task_id": task.task_id}


def _task_find(client: Client, write: UpstreamWrite) -> list[int]:
    p = write.payload
    tasks = client.workorder_tasks(p["workorder_id"], description=wildcards.escape(p["description"]))
    quantity, rate = Decimal(p["quantity"]), Decimal(p["rate"])
    return [
        t.task_id
        for t in tasks
        if (t.description or "").strip() == p["description"] and t.quantity == quantity and t.rate == rate
    ]


def _workorder_document_find(client: Client, write: UpstreamWrite) -> list[int]:
    return _document_matches(write, client.workorder_documents(write.payload["workorder_id"]))


def _workorder_document_delete(client: Client, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    p = write.payload
    client.workorder_document_remove(p["workorder_id"], p["document_id"])
    return {"workorder_id": p["workorder_id"], "document_id": p["document_id"]}


def _required_document_find(client: Client, write: UpstreamWrite) -> list[int]:
    return _document_matches(write, client.workorder_required_documents(write.payload["workorder_id"]))


OPERATIONS: dict[str, Operation] = {
    WriteKind.SITE_CREATE: Operation(_site_create, _site_find, "site_id"),
    WriteKind.SITE_UPDATE: Operation(_site_update),
    WriteKind.SITE_ATTRIBUTE_SET: Operation(_site_attribute_set),
    WriteKind.SITE_ATTRIBUTE_REMOVE: Operation(_site_attribute_remove, missing_is_done=True),
    WriteKind.SITE_DOCUMENT_UPLOAD: Operation(
        _document_upload("site_document_upload", "site_id"), _site_document_find, "document_id"
    ),
    WriteKind.SITE_DOCUMENT_DELETE: Operation(_site_document_delete, missing_is_done=True),
    WriteKind.WORKORDER_CREATE: Operation(_workorder_create, _workorder_find, "workorder_id"),
    WriteKind.WORKORDER_UPDATE: Operation(_workorder_update),
    WriteKind.WORKORDER_NOTE_ADD: Operation(_note_add, _note_find, "note_id"),
    WriteKind.WORKORDER_TASK_ADD: Operation(_task_add, _task_find, "task_id"),
    WriteKind.WORKORDER_DOCUMENT_UPLOAD: Operation(
        _document_upload("workorder_document_upload", "workorder_id"), _workorder_document_find, "document_id"
    ),
    WriteKind.WORKORDER_DOCUMENT_DELETE: Operation(_workorder_document_delete, missing_is_done=True),
    WriteKind.WORKORDER_REQUIRED_DOCUMENT_UPLOAD: Operation(
        _document_upload("workorder_required_document_upload", "workorder_id"),
        _required_document_find,
        "document_id",
    ),
}


def for_kind(kind: str) -> Operation:
    return OPERATIONS[kind]


def _path(name: str, object_id: int, fallback: str) -> str:
    try:
        return reverse(name, args=[object_id])
    except NoReverseMatch:
        return fallback


def result_url(write: UpstreamWrite, result: dict) -> str:
    """The dashboard page of the object this write created or changed."""
    if result.get("workorder_id"):
        workorder_id = int(result["workorder_id"])
        return _path("workorder_detail", workorder_id, f"/workorders/{workorder_id}/")
    if result.get("site_id"):
        site_id = int(result["site_id"])
        return _path("site_detail", site_id, f"/sites/{site_id}/")
    return ""


CHANGE_FORMS = {WriteKind.SITE_CREATE: "site_new", WriteKind.WORKORDER_CREATE: "workorder_new"}


def change_url(write: UpstreamWrite) -> str:
    """The dashboard form that sends a refused create again after staff changed it."""
    name = CHANGE_FORMS.get(write.kind)
    if name is None:
        return ""
    try:
        return f"{reverse(name)}?from_write={write.pk}"
    except NoReverseMatch:
        return ""
