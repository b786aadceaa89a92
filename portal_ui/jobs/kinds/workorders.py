"""Writes to a work order: create, update, add a note, add a task.

Recognised upstream after an unknown outcome: a work order create at its site by the same summary, and the same
client reference when staff gave one (else the same PO and description); a note by its text; a task by its
description, quantity and rate.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, BinaryIO

from django.core.exceptions import ValidationError

from portal_ui.integrations.techlink import TechLinkClient, wildcards
from portal_ui.integrations.techlink.fields import (
    WORKORDER_CREATE_FIELDS,
    WORKORDER_NOT_EMPTY_ON_UPDATE,
    WORKORDER_UPDATE_FIELDS,
)

from .base import (
    SITE,
    WORKORDER,
    Accepted,
    Kind,
    clean_fields,
    field_updates,
    non_empty,
    positive_id,
    text,
)

if TYPE_CHECKING:
    from portal_ui.jobs.models import UpstreamWrite


def _accept_create(*, fields: dict) -> Accepted:
    values = clean_fields(fields, WORKORDER_CREATE_FIELDS, "work order")
    if not values.get("site_id"):
        raise ValidationError("A new work order needs a site.")
    values["site_id"] = str(SITE.checked_id(values["site_id"]))
    if not values.get("summary"):
        raise ValidationError("A new work order needs a summary.")
    return Accepted({"fields": values}, marker=values.get("client_reference", ""))


def _create(client: TechLinkClient, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    fields = non_empty(write.payload["fields"])
    fields["site_id"] = int(fields["site_id"])
    workorder = client.workorder_create(**fields)
    return {
        "workorder_id": workorder.id,
        "client_reference": workorder.client_reference,
        "url": workorder.url,
    }


def _find(client: TechLinkClient, write: UpstreamWrite) -> list[int]:
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


def _create_summary(write: UpstreamWrite) -> str:
    fields = write.payload.get("fields", {})
    return f"Create work order “{fields.get('summary', '')}” at site #{fields.get('site_id')}"


WORKORDER_CREATE = Kind(
    name="workorder_create", label="Create work order", accept=_accept_create,
    target=lambda payload: f"site:{payload.get('fields', {}).get('site_id')}:workorders",
    summary=_create_summary, send=_create, find=_find, found_key="workorder_id", owner=WORKORDER,
    change_page="workorder_new",
)  # fmt: skip


WORKORDER_UPDATE = field_updates(
    name="workorder_update", label="Update work order", owner=WORKORDER, fields=WORKORDER_UPDATE_FIELDS,
    not_empty=WORKORDER_NOT_EMPTY_ON_UPDATE,
    update=lambda client, workorder_id, changes: client.workorder_update(workorder_id, **changes),
)  # fmt: skip


def _accept_note(*, workorder_id: int, note: str) -> Accepted:
    workorder_id = WORKORDER.checked_id(workorder_id)
    note = (note or "").strip()
    if not note:
        raise ValidationError("The note is empty.")
    return Accepted({"workorder_id": workorder_id, "note": note}, marker=note)


def _note_add(client: TechLinkClient, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    p = write.payload
    note = client.workorder_note_add(p["workorder_id"], note=p["note"])
    return {"workorder_id": p["workorder_id"], "note_id": note.note_id}


def _note_find(client: TechLinkClient, write: UpstreamWrite) -> list[int]:
    p = write.payload
    notes = client.workorder_notes(p["workorder_id"], search=wildcards.escape(p["note"]))
    return [n.note_id for n in notes if (n.content or "").strip() == p["note"]]


WORKORDER_NOTE_ADD = Kind(
    name="workorder_note_add", label="Add work order note", accept=_accept_note, target=WORKORDER.target("notes"),
    send=_note_add, find=_note_find, found_key="note_id", owner=WORKORDER,
    summary=lambda write: f"Add note to {WORKORDER.named(write)}",
)  # fmt: skip


def _accept_task(
    *,
    workorder_id: int,
    taskitem_id: int,
    description: str,
    rate: Decimal | str | float,
    quantity: Decimal | str | int = 1,
) -> Accepted:
    workorder_id = WORKORDER.checked_id(workorder_id)
    taskitem_id = positive_id(taskitem_id, "Task item")
    description = text(description)
    if not description:
        raise ValidationError("The task needs a description.")
    try:
        rate_value = Decimal(str(rate).replace(",", "").strip())
        quantity_value = Decimal(str(quantity).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError("Rate and quantity must be numbers.") from None
    if not rate_value.is_finite() or rate_value < 0:
        raise ValidationError("The rate must be zero or more.")
    if not quantity_value.is_finite() or quantity_value <= 0:
        raise ValidationError("The quantity must be more than zero.")
    payload = {
        "workorder_id": workorder_id, "taskitem_id": taskitem_id, "description": description,
        "rate": str(rate_value), "quantity": str(quantity_value),
    }  # fmt: skip
    return Accepted(payload, marker=description)


def _task_add(client: TechLinkClient, write: UpstreamWrite, _file: BinaryIO | None) -> dict:
    p = write.payload
    task = client.workorder_task_add(
        p["workorder_id"], taskitem_id=p["taskitem_id"], description=p["description"], rate=p["rate"],
        quantity=p["quantity"],
    )  # fmt: skip
    return {"workorder_id": p["workorder_id"], "task_id": task.task_id}


def _task_find(client: TechLinkClient, write: UpstreamWrite) -> list[int]:
    p = write.payload
    tasks = client.workorder_tasks(p["workorder_id"], description=wildcards.escape(p["description"]))
    quantity, rate = Decimal(p["quantity"]), Decimal(p["rate"])
    return [
        t.task_id
        for t in tasks
        if (t.description or "").strip() == p["description"] and t.quantity == quantity and t.rate == rate
    ]


WORKORDER_TASK_ADD = Kind(
    name="workorder_task_add", label="Add work order task", accept=_accept_task, target=WORKORDER.target("tasks"),
    send=_task_add, find=_task_find, found_key="task_id", owner=WORKORDER,
    summary=lambda write: f"Add task “{write.payload.get('description')}” to {WORKORDER.named(write)}",
)  # fmt: skip

KINDS = (WORKORDER_CREATE, WORKORDER_UPDATE, WORKORDER_NOTE_ADD, WORKORDER_TASK_ADD)
