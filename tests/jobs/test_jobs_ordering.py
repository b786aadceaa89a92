"""Writes to one TechLink object go one at a time, oldest first; a write whose outcome is unknown recognises
only its own object upstream."""

import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal_ui.integrations.techlink import errors
from portal_ui.jobs import outbox, services
from portal_ui.jobs.models import UpstreamWrite

from .test_jobs_failures import fail_first_calls

pytestmark = pytest.mark.django_db


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


def first_attempt_lost(write: UpstreamWrite, **extra) -> None:
    """As after a first attempt that timed out without being applied: in doubt, waiting for its next try."""
    UpstreamWrite.objects.filter(pk=write.pk).update(
        attempts=1,
        in_doubt=True,
        baseline=[],
        next_attempt_at=timezone.now() + timedelta(seconds=60),
        error="TechLink did not answer in time (will try again)",
        **extra,
    )


def after_its_wait():
    """The clock when the first attempt's wait (``first_attempt_lost``) is over."""
    return time_machine.travel(timezone.now() + timedelta(seconds=61), tick=True)


def notes_with(client, workorder_id: int, text: str) -> list[int]:
    return [n.note_id for n in client.workorder_notes(workorder_id) if n.content == text]


def test_it_keeps_a_later_write_waiting_until_the_earlier_one_is_through(
    dispatcher, run_on_commit, workorder_id, client_
):
    first = services.workorder_update(
        user=dispatcher, workorder_id=workorder_id, changes={"po": unique("PO-A")}
    )
    second_po = unique("PO-B")
    second = services.workorder_update(user=dispatcher, workorder_id=workorder_id, changes={"po": second_po})
    # The first failed for a moment and waits to be tried again; the second must not overtake it.
    UpstreamWrite.objects.filter(pk=first.pk).update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(seconds=60), error="Busy (will try again)"
    )
    po_before = client_.workorder_get(workorder_id).po

    assert outbox.run_write(write_id=second.pk) is None
    second.refresh_from_db()
    assert second.status == "queued"
    assert client_.workorder_get(workorder_id).po == po_before
    assert outbox.run_write(write_id=first.pk) is None  # its own time has not come either

    with after_its_wait(), run_on_commit():
        outbox.run_write(write_id=first.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("done", "done"), (first.error, second.error)
    assert client_.workorder_get(workorder_id).po == second_po  # the later change is what stays


def test_it_does_not_take_a_later_identical_note_for_its_own(
    dispatcher, run_on_commit, workorder_id, client_
):
    text = unique("Called customer")
    first = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=text)
    second = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=text)
    first_attempt_lost(first)

    assert outbox.run_write(write_id=second.pk) is None  # waits behind the one in doubt
    assert notes_with(client_, workorder_id, text) == []

    with after_its_wait(), run_on_commit():
        outbox.run_write(write_id=first.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("done", "done"), (first.error, second.error)
    assert sorted(notes_with(client_, workorder_id, text)) == sorted(
        [first.result["note_id"], second.result["note_id"]]
    )
    assert first.result["note_id"] != second.result["note_id"]


def test_it_does_not_take_the_note_of_a_write_made_while_it_had_failed(
    dispatcher, run_on_commit, workorder_id, client_
):
    text = unique("Gate code 4411")
    first = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=text)
    first_attempt_lost(first, status="failed")
    with run_on_commit():
        second = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=text)
    second.refresh_from_db()
    assert second.status == "done", second.error

    with run_on_commit():
        services.upstream_write_retry(write=UpstreamWrite.objects.get(pk=first.pk), user=dispatcher)
    first.refresh_from_db()
    assert first.status == "done", first.error
    assert first.result["note_id"] != second.result["note_id"]
    assert len(notes_with(client_, workorder_id, text)) == 2


def test_it_recognises_its_task_by_quantity_and_rate_too(
    dispatcher, run_on_commit, workorder_id, taskitem_id, client_
):
    description = unique("Mount antenna")
    write = services.workorder_task_add(
        user=dispatcher,
        workorder_id=workorder_id,
        taskitem_id=taskitem_id,
        description=description,
        rate="10",
    )
    first_attempt_lost(write)
    # Meanwhile the same description was billed differently in TechLink itself.
    other = client_.workorder_task_add(
        workorder_id, taskitem_id=taskitem_id, description=description, rate="50", quantity=3
    )

    with after_its_wait(), run_on_commit():
        outbox.run_write(write_id=write.pk)
    write.refresh_from_db()
    assert write.status == "done", write.error
    tasks = {t.task_id: t for t in client_.workorder_tasks(workorder_id) if t.description == description}
    assert set(tasks) == {other.task_id, write.result["task_id"]}
    assert (tasks[write.result["task_id"]].rate, tasks[write.result["task_id"]].quantity) == (Decimal(10), 1)


def test_it_recognises_its_document_by_file_name_and_description(
    dispatcher, run_on_commit, workorder_id, client_, make_upload
):
    description = unique("Site photo")
    write = services.workorder_document_upload(
        user=dispatcher,
        workorder_id=workorder_id,
        upload=make_upload("rack-front.txt"),
        description=description,
    )
    first_attempt_lost(write)
    other = client_.workorder_document_upload(
        workorder_id, file=io.BytesIO(b"another file"), filename="rack-back.txt", description=description
    )

    with after_its_wait(), run_on_commit():
        outbox.run_write(write_id=write.pk)
    write.refresh_from_db()
    assert write.status == "done", write.error
    documents = {
        d.document_id: d.filename for d in client_.workorder_documents(workorder_id, description=description)
    }
    assert documents == {other.document_id: "rack-back.txt", write.result["document_id"]: "rack-front.txt"}


def test_it_counts_deleting_a_document_that_is_already_gone_as_done(
    dispatcher, run_on_commit, workorder_id, client_, make_upload
):
    document = client_.workorder_document_upload(
        workorder_id, file=io.BytesIO(b"old plan"), filename="old-plan.txt"
    )
    client_.workorder_document_remove(workorder_id, document.document_id)  # someone else removed it first
    with run_on_commit():
        write = services.workorder_document_delete(
            user=dispatcher, workorder_id=workorder_id, document_id=document.document_id
        )
    write.refresh_from_db()
    assert (write.status, write.attempts) == ("done", 1), write.error
    assert write.result["already_removed"] is True


def test_it_waits_as_long_as_techlink_may_still_be_working_before_checking(
    dispatcher, monkeypatch, workorder_id, client_, settings
):
    settings.TECHLINK_READ_TIMEOUT = 20.0
    woken = []
    monkeypatch.setattr(outbox, "enqueue", woken.append)
    monkeypatch.setattr(outbox, "wake", woken.append)
    lost = errors.TechLinkTimeout("TechLink did not answer in time", maybe_applied=True)
    fail_first_calls(monkeypatch, client_, "workorder_note_add", lost)
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=unique("Ladder"))

    outbox.run_write(write_id=write.pk)
    write.refresh_from_db()
    assert (write.status, write.in_doubt) == ("queued", True)
    assert write.next_attempt_at >= timezone.now() + timedelta(seconds=19)
    assert woken == []  # the wait is in the row, not in a message
    with time_machine.travel(timezone.now() + timedelta(seconds=15)):
        assert outbox.run_write(write_id=write.pk) is None
        assert outbox.run_due() == 0


def test_it_lets_staff_dismiss_a_failed_write_and_removes_its_file(
    dispatcher, run_on_commit, workorder_id, client_, make_upload, media_root, monkeypatch
):
    refused = errors.TechLinkValidationError("Invalid file type", code=400)
    fail_first_calls(monkeypatch, client_, "workorder_document_upload", refused)
    with run_on_commit():
        write = services.workorder_document_upload(
            user=dispatcher, workorder_id=workorder_id, upload=make_upload("plan.exe")
        )
    write.refresh_from_db()
    assert write.status == "failed"
    stored = media_root / write.file.name
    assert stored.exists()

    with run_on_commit():
        services.upstream_write_dismiss(write=write, user=dispatcher)
    write.refresh_from_db()
    assert write.status == "dismissed"
    assert not write.file
    assert not stored.exists()
    with pytest.raises(ValidationError, match="Only a failed write can be dismissed"):
        services.upstream_write_dismiss(write=write, user=dispatcher)


def test_it_sends_a_line_of_writes_in_one_go_up_to_its_budget(
    dispatcher, monkeypatch, run_on_commit, workorder_id, settings
):
    settings.JOBS_LINE_BUDGET = 1
    writes = [
        services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=unique(f"Line {i}"))
        for i in range(3)
    ]
    queued = []
    monkeypatch.setattr(outbox, "enqueue", queued.append)

    with run_on_commit():
        outbox.run_write(write_id=writes[0].pk)
    statuses = [UpstreamWrite.objects.get(pk=w.pk).status for w in writes]
    assert statuses == ["done", "done", "queued"]  # the second went straight after the first
    assert queued == [writes[2].pk]  # past the budget, the rest of the line goes back to the queue
