"""Bad input, refusals, transient failures, retries and repeats after an unknown outcome."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal_ui.integrations.techlink import errors
from portal_ui.jobs import outbox, services
from portal_ui.jobs.models import UpstreamWrite

pytestmark = pytest.mark.django_db


@pytest.fixture
def faults(upstream):
    """Fault knobs on the shared sandbox, switched off again afterwards."""
    before = upstream.app.state.knobs
    yield upstream.configure
    upstream.app.state.knobs = before


def fail_first_calls(
    monkeypatch, client, method: str, exc: errors.TechLinkError, *, times: int = 1, apply=False
):
    """Make the client's ``method`` raise ``exc`` the first ``times`` calls (after applying it when ``apply``)."""
    real = getattr(client, method)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) <= times:
            if apply:
                real(*args, **kwargs)
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(client, method, flaky)
    return calls


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda u: services.workorder_note_add(user=u, workorder_id=5, note="   "), "The note is empty."),
        (lambda u: services.workorder_create(user=u, fields={"site_id": 3}), "A new work order needs a summary."),
        (lambda u: services.workorder_create(user=u, fields={"site_id": 3, "summary": "x", "colour": "red"}),
         "Unknown work order field(s): colour."),
        (lambda u: services.site_create(user=u, fields={"name": "Acme"}), "A new site needs: address1, city"),
        (lambda u: services.site_update(user=u, site_id=3, changes={}), "Nothing to change."),
        (lambda u: services.site_update(user=u, site_id=3, changes={"name": ""}), "The site needs: name."),
        (lambda u: services.workorder_update(user=u, workorder_id=5, changes={"po": " "}), "The work order needs: po."),
        (lambda u: services.workorder_task_add(user=u, workorder_id=5, taskitem_id=1, description="x", rate="abc"),
         "Rate and quantity must be numbers."),
        (lambda u: services.workorder_note_add(user=u, workorder_id="abc", note="hi"), "Work order must be a number."),
        (lambda u: services.workorder_note_add(user=None, workorder_id=5, note="hi"), "Say who asked"),
    ],
)  # fmt: skip
def test_it_refuses_bad_input_and_queues_nothing(dispatcher, call, message):
    with pytest.raises(ValidationError) as excinfo:
        call(dispatcher)
    assert excinfo.value.messages[0].startswith(message)
    assert not UpstreamWrite.objects.exists()


def test_it_refuses_an_upload_over_the_size_limit(dispatcher, settings, make_upload, media_root):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = make_upload("scan.pdf", b"x" * (1024 * 1024 + 1), "application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        services.workorder_document_upload(user=dispatcher, workorder_id=5, upload=big)
    assert (
        "“scan.pdf” is 1,048,577 bytes (1.0\xa0MB); files can be at most 1,048,576 bytes (1.0\xa0MB)."
        in excinfo.value.messages
    )
    assert not UpstreamWrite.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.pdf"))


def test_it_fails_at_once_with_the_upstream_message(dispatcher, run_on_commit, client_):
    missing = max(client_.workorder_ids()) + 1000
    with run_on_commit():
        write = services.workorder_note_add(user=dispatcher, workorder_id=missing, note="Anyone there?")
    write.refresh_from_db()
    assert write.status == "failed"
    assert write.attempts == 1
    assert write.error == f"Work order #{missing} not found"
    assert write.payload["note"] == "Anyone there?"


def test_it_shows_the_upstream_validation_message(dispatcher, run_on_commit, upstream):
    fields = {"name": "Zip Test", "address1": "1 Main St", "city": "Austin", "state": "TX", "zip": "ABCDE",
              "primary_contact_name": "A", "primary_contact_phone": "1", "primary_contact_email": "a@example.com"}  # fmt: skip
    with run_on_commit():
        write = services.site_create(user=dispatcher, fields=fields)
    write.refresh_from_db()
    assert (write.status, write.attempts) == ("failed", 1)
    assert "ZIP" in write.error


def test_it_retries_a_transient_error_later_without_a_message_in_the_broker(
    dispatcher, run_on_commit, monkeypatch, settings, settle, workorder_id, client_
):
    settings.JOBS_RETRY_BACKOFF_SECONDS = 2.0
    calls = fail_first_calls(
        monkeypatch,
        client_,
        "workorder_note_add",
        errors.TechLinkServerError("TechLink is busy", code=500),
        times=2,
    )
    woken = []
    real_enqueue = outbox.enqueue
    monkeypatch.setattr(outbox, "enqueue", lambda write_id: woken.append(write_id) or real_enqueue(write_id))
    note = f"Retry me {uuid.uuid4().hex}"
    made = timezone.now()
    with run_on_commit():
        write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
    write.refresh_from_db()
    assert (write.status, write.attempts) == ("queued", 1)
    # The schedule is the row: the next try is due after the failed one (a loaded machine may pass it already).
    assert write.next_attempt_at > made
    assert write.error == "TechLink is busy (will try again)"
    assert woken == [write.pk]  # one wake-up when it was made; none holds the retry

    settle()
    write.refresh_from_db()
    assert write.status == "done", write.error
    assert (write.attempts, len(calls)) == (3, 3)
    assert woken == [write.pk]
    assert len([n for n in client_.workorder_notes(workorder_id) if n.content == note]) == 1


def test_it_keeps_trying_until_its_time_is_up_and_keeps_the_file(
    dispatcher, run_on_commit, settings, settle, faults, workorder_id, client_, make_upload
):
    settings.JOBS_RETRY_FOR_SECONDS = 600
    settings.JOBS_RETRY_BACKOFF_SECONDS, settings.JOBS_RETRY_BACKOFF_MAX_SECONDS = 2.0, 60.0
    content = uuid.uuid4().bytes
    faults(error_rate=1.0)  # every request answered with a 500 envelope: not applied, not refused
    with run_on_commit():
        write = services.workorder_document_upload(
            user=dispatcher,
            workorder_id=workorder_id,
            upload=make_upload("photo.bin", content),
            description="x1",
        )
    started = timezone.now()
    settle()
    write.refresh_from_db()
    assert write.status == "failed"
    assert write.finished_at - started >= timedelta(seconds=590)
    assert write.attempts > 6  # tried again and again, not given up after a few tries
    assert write.error == "TechLink did not take this within 10 minutes: Internal server error"
    with write.file.open("rb") as stored:
        assert stored.read() == content

    faults(error_rate=0.0)
    with run_on_commit():
        services.upstream_write_retry(write=write, user=dispatcher)
    write.refresh_from_db()
    assert write.status == "done", write.error
    with client_.workorder_document_raw(workorder_id, write.result["document_id"]) as raw:
        assert b"".join(raw.iter_bytes()) == content


def test_it_retries_only_failed_writes(dispatcher, upstream, workorder_id):
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note="still queued")
    with pytest.raises(ValidationError, match="Only a failed write can be retried"):
        services.upstream_write_retry(write=write, user=dispatcher)


def test_it_does_not_repeat_a_note_whose_answer_was_lost(
    dispatcher, run_on_commit, settle, monkeypatch, workorder_id, client_
):
    note = f"Lost answer {uuid.uuid4().hex}"
    lost = errors.TechLinkTimeout("TechLink did not answer in time", maybe_applied=True)
    calls = fail_first_calls(monkeypatch, client_, "workorder_note_add", lost, apply=True)
    with run_on_commit():
        write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
    settle()
    write.refresh_from_db()
    assert write.status == "done", write.error
    assert write.attempts == 2
    assert len(calls) == 1
    notes = [n for n in client_.workorder_notes(workorder_id) if n.content == note]
    assert [n.note_id for n in notes] == [write.result["note_id"]]


def test_it_adds_the_same_note_text_again_when_staff_ask_twice(
    dispatcher, run_on_commit, settle, monkeypatch, workorder_id, client_
):
    note = f"Called customer {uuid.uuid4().hex}"
    with run_on_commit():
        services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
    # The second write's first answer is lost and it was not applied: the earlier identical note is not ours.
    lost = errors.TechLinkTimeout("TechLink did not answer in time", maybe_applied=True)
    fail_first_calls(monkeypatch, client_, "workorder_note_add", lost)
    with run_on_commit():
        second = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
    settle()
    second.refresh_from_db()
    assert (second.status, second.attempts) == ("done", 2), second.error
    assert len([n for n in client_.workorder_notes(workorder_id) if n.content == note]) == 2


def test_it_does_not_repeat_a_work_order_whose_answer_was_lost(
    dispatcher, run_on_commit, settle, monkeypatch, site_id, client_
):
    summary = f"Install antenna {uuid.uuid4().hex}"
    lost = errors.TechLinkServerError("Bad gateway", code=502, maybe_applied=True)
    fail_first_calls(monkeypatch, client_, "workorder_create", lost, apply=True)
    with run_on_commit():
        write = services.workorder_create(user=dispatcher, fields={"site_id": site_id, "summary": summary})
    settle()
    write.refresh_from_db()
    assert write.status == "done", write.error
    matching = client_.workorder_ids(site_id=site_id, summary=summary)
    assert matching == [write.result["workorder_id"]]


def test_it_counts_a_missing_document_as_removed_on_a_repeat(
    dispatcher, run_on_commit, settle, monkeypatch, workorder_id, client_, make_upload
):
    with run_on_commit():
        upload = services.workorder_document_upload(
            user=dispatcher, workorder_id=workorder_id, upload=make_upload(f"{uuid.uuid4().hex}.txt")
        )
    upload.refresh_from_db()
    lost = errors.TechLinkTimeout("TechLink did not answer in time", maybe_applied=True)
    fail_first_calls(monkeypatch, client_, "workorder_document_remove", lost, apply=True)
    with run_on_commit():
        removal = services.workorder_document_delete(
            user=dispatcher, workorder_id=workorder_id, document_id=upload.result["document_id"]
        )
    settle()
    removal.refresh_from_db()
    assert removal.status == "done", removal.error
    assert removal.attempts == 2


def test_it_does_not_run_a_write_another_worker_claimed(
    dispatcher, monkeypatch, upstream, workorder_id, client_
):
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note="claimed elsewhere")
    UpstreamWrite.objects.filter(pk=write.pk).update(status="running", version=write.version + 1)
    sent = fail_first_calls(monkeypatch, client_, "workorder_note_add", errors.TechLinkError("unused"))

    assert outbox.run_write(write_id=write.pk) is None
    assert sent == []
