"""Each kind of write goes queued -> done and is applied in TechLink (the sandbox, over HTTP)."""

import uuid
from decimal import Decimal

import pytest

from portal_ui.jobs import services
from portal_ui.jobs.models import UpstreamWrite

pytestmark = pytest.mark.django_db


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


def site_fields(**overrides) -> dict:
    fields = {
        "name": unique("Harbor Freight"),
        "address1": "12 Dock Street",
        "city": "Charleston",
        "state": "SC",
        "zip": "29401",
        "primary_contact_name": "Dana Reyes",
        "primary_contact_phone": "843-555-0100",
        "primary_contact_email": "dana@example.com",
    }
    fields.update(overrides)
    return fields


def test_it_records_the_write_before_sending_it(dispatcher, upstream, workorder_id, client_):
    note = unique("Call the store manager on arrival")
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)

    write.refresh_from_db()
    assert write.status == "queued"
    assert write.payload == {"workorder_id": workorder_id, "note": note}
    assert write.created_by == dispatcher
    assert write.attempts == 0
    assert [n for n in client_.workorder_notes(workorder_id) if n.content == note] == []


def test_it_adds_a_note(dispatcher, run_on_commit, workorder_id, client_):
    note = unique("Please call dispatch when onsite")
    with run_on_commit():
        write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)

    write.refresh_from_db()
    assert write.status == "done", write.error
    assert write.attempts == 1
    assert write.result_url == f"/workorders/{workorder_id}/"
    assert write.finished_at is not None
    notes = [n for n in client_.workorder_notes(workorder_id) if n.content == note]
    assert [n.note_id for n in notes] == [write.result["note_id"]]


def test_it_keeps_who_asked_for_a_customer_write(run_on_commit, workorder_id, client_):
    note = unique("Loading dock closes at 4pm")
    with run_on_commit():
        write = services.workorder_note_add(
            user=None, workorder_id=workorder_id, note=note, actor_label="Customer via portal link"
        )
    write.refresh_from_db()
    assert write.status == "done", write.error
    assert write.created_by is None
    assert write.actor == "Customer via portal link"


def test_it_creates_a_work_order_leaving_what_staff_left_empty_empty(
    dispatcher, run_on_commit, site_id, client_
):
    summary = unique("Replace the network switch")
    with run_on_commit():
        write = services.workorder_create(user=dispatcher, fields={"site_id": site_id, "summary": summary})

    write.refresh_from_db()
    assert write.status == "done", write.error
    workorder = client_.workorder_get(write.result["workorder_id"])
    assert (workorder.summary, workorder.site_id) == (summary, site_id)
    assert workorder.client_reference in ("", None)
    assert write.result_url == f"/workorders/{workorder.id}/"


def test_it_creates_a_work_order_with_the_given_client_reference(dispatcher, run_on_commit, site_id, client_):
    reference = unique("#8675309")
    fields = {"site_id": site_id, "summary": unique("Site survey"), "type": "site survey", "po": "PO-77",
              "client_reference": reference, "description": "Survey the roof"}  # fmt: skip
    with run_on_commit():
        write = services.workorder_create(user=dispatcher, fields=fields)

    write.refresh_from_db()
    assert write.status == "done", write.error
    workorder = client_.workorder_get(write.result["workorder_id"])
    assert (workorder.client_reference, workorder.po, workorder.type) == (reference, "PO-77", "Site Survey")


def test_it_updates_a_work_order(dispatcher, run_on_commit, workorder_id, client_):
    description = unique("Bring a ladder")
    with run_on_commit():
        write = services.workorder_update(
            user=dispatcher, workorder_id=workorder_id, changes={"description": description, "po": "PO-9"}
        )
    write.refresh_from_db()
    assert write.status == "done", write.error
    workorder = client_.workorder_get(workorder_id)
    assert (workorder.description, workorder.po) == (description, "PO-9")


def test_it_creates_a_site_without_inventing_a_site_id(dispatcher, run_on_commit, client_):
    fields = site_fields()
    with run_on_commit():
        write = services.site_create(user=dispatcher, fields=fields)

    write.refresh_from_db()
    assert write.status == "done", write.error
    site = client_.site_get(write.result["site_id"])
    assert site.name == fields["name"]
    assert site.siteid in ("", None)
    assert write.result_url == f"/sites/{site.id}/"


def test_it_creates_a_site_with_the_given_site_id(dispatcher, run_on_commit, client_):
    fields = site_fields(site_id=unique("ST"))
    with run_on_commit():
        write = services.site_create(user=dispatcher, fields=fields)

    write.refresh_from_db()
    assert write.status == "done", write.error
    assert client_.site_get(write.result["site_id"]).siteid == fields["site_id"]


def test_it_updates_a_site(dispatcher, run_on_commit, site_id, client_):
    notes = unique("Gate code 4411")
    with run_on_commit():
        write = services.site_update(user=dispatcher, site_id=site_id, changes={"notes": notes})
    write.refresh_from_db()
    assert write.status == "done", write.error
    assert client_.site_get(site_id).notes == notes
    assert write.result_url == f"/sites/{site_id}/"


def test_it_sets_and_removes_a_site_attribute(dispatcher, run_on_commit, site_id, client_):
    name = unique("Rack location")
    with run_on_commit():
        first = services.site_attribute_set(user=dispatcher, site_id=site_id, name=name, value="Room 2")
        second = services.site_attribute_set(user=dispatcher, site_id=site_id, name=name, value="Room 3")
    values = [a.value for a in client_.site_attributes(site_id) if a.name == name]
    assert values == ["Room 3"]

    with run_on_commit():
        removal = services.site_attribute_remove(user=dispatcher, site_id=site_id, name=name)
    for write in (first, second, removal):
        write.refresh_from_db()
        assert write.status == "done", write.error
    assert [a for a in client_.site_attributes(site_id) if a.name == name] == []


def test_it_uploads_a_site_document_and_then_forgets_the_file(
    dispatcher, run_on_commit, site_id, client_, make_upload, media_root
):
    content = b"%PDF-1.4 floor plan " + uuid.uuid4().bytes
    description = unique("Floor plan")
    with run_on_commit():
        write = services.site_document_upload(
            user=dispatcher, site_id=site_id, upload=make_upload("plan.pdf", content, "application/pdf"),
            description=description,
        )  # fmt: skip

    write.refresh_from_db()
    assert write.status == "done", write.error
    assert not write.file
    assert not any(p.is_file() for p in media_root.rglob("*"))
    with client_.site_document_raw(site_id, write.result["document_id"]) as raw:
        assert b"".join(raw.iter_bytes()) == content
    documents = [d for d in client_.site_documents(site_id) if d.description == description]
    assert [(d.document_id, d.filename) for d in documents] == [(write.result["document_id"], "plan.pdf")]

    with run_on_commit():
        removal = services.site_document_delete(
            user=dispatcher, site_id=site_id, document_id=write.result["document_id"]
        )
    removal.refresh_from_db()
    assert removal.status == "done", removal.error
    assert [d for d in client_.site_documents(site_id) if d.description == description] == []


def test_it_uploads_and_deletes_a_work_order_document(
    dispatcher, run_on_commit, workorder_id, client_, make_upload
):
    with run_on_commit():
        write = services.workorder_document_upload(
            user=dispatcher, workorder_id=workorder_id, upload=make_upload(f"{uuid.uuid4().hex}.txt")
        )
    write.refresh_from_db()
    assert write.status == "done", write.error
    ids = [d.document_id for d in client_.workorder_documents(workorder_id) if d.filename == write.filename]
    assert ids == [write.result["document_id"]]

    with run_on_commit():
        removal = services.workorder_document_delete(
            user=dispatcher, workorder_id=workorder_id, document_id=write.result["document_id"]
        )
    removal.refresh_from_db()
    assert removal.status == "done", removal.error
    assert [d for d in client_.workorder_documents(workorder_id) if d.filename == write.filename] == []


def test_it_uploads_a_required_closeout_document(
    dispatcher, run_on_commit, workorder_id, client_, make_upload
):
    description = unique("W-9 to sign")
    with run_on_commit():
        write = services.workorder_required_document_upload(
            user=dispatcher, workorder_id=workorder_id, upload=make_upload("w9.pdf", b"%PDF-1.4 w9"),
            description=description,
        )  # fmt: skip
    write.refresh_from_db()
    assert write.status == "done", write.error
    documents = [
        d for d in client_.workorder_required_documents(workorder_id) if d.description == description
    ]
    assert [d.document_id for d in documents] == [write.result["document_id"]]


def test_it_adds_a_task(dispatcher, run_on_commit, workorder_id, taskitem_id, client_):
    description = unique("Technician down payment")
    with run_on_commit():
        write = services.workorder_task_add(
            user=dispatcher, workorder_id=workorder_id, taskitem_id=taskitem_id, description=description,
            rate=Decimal("5000.00"), quantity=2,
        )  # fmt: skip
    write.refresh_from_db()
    assert write.status == "done", write.error
    tasks = [t for t in client_.workorder_tasks(workorder_id) if t.description == description]
    assert [(t.task_id, t.quantity, t.rate) for t in tasks] == [
        (write.result["task_id"], 2, Decimal("5000.00"))
    ]


def test_it_runs_nothing_when_the_transaction_rolls_back(dispatcher, upstream, workorder_id):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note="never")
        raise RuntimeError
    assert not UpstreamWrite.objects.exists()
