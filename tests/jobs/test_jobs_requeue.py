"""Writes stuck in queued/running (worker killed, broker message lost) are queued again and applied once."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from portal_ui.jobs import outbox, services
from portal_ui.jobs.models import UpstreamWrite

pytestmark = pytest.mark.django_db


def test_it_is_scheduled_with_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["jobs-requeue-stuck"]
    assert entry["task"] == "jobs.requeue_stuck_upstream_writes"
    from portal_ui.celery_app import app

    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert app.tasks["jobs.run_upstream_write"].acks_late


def test_it_finishes_a_write_whose_worker_died_after_sending(
    dispatcher, run_on_commit, workorder_id, client_
):
    note = f"Worker died {uuid.uuid4().hex}"
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
    # A worker claimed it, marked it as being sent, sent it, and was killed before recording the answer.
    UpstreamWrite.objects.filter(pk=write.pk).update(
        status="running", attempts=1, in_doubt=True, baseline=[], version=5,
        lease_until=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip
    client_.workorder_note_add(workorder_id, note=note)

    with run_on_commit():
        assert outbox.requeue_stuck() == 1
    write.refresh_from_db()
    assert write.status == "done", write.error
    assert write.attempts == 2
    assert len([n for n in client_.workorder_notes(workorder_id) if n.content == note]) == 1


def test_it_sends_a_write_whose_worker_died_before_sending(dispatcher, run_on_commit, workorder_id, client_):
    note = f"Worker died early {uuid.uuid4().hex}"
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
    UpstreamWrite.objects.filter(pk=write.pk).update(
        status="running", attempts=1, version=5, lease_until=timezone.now() - timedelta(seconds=1)
    )
    with run_on_commit():
        outbox.requeue_stuck()
    write.refresh_from_db()
    assert write.status == "done", write.error
    assert len([n for n in client_.workorder_notes(workorder_id) if n.content == note]) == 1


def test_it_leaves_running_writes_alone_during_their_lease(dispatcher, upstream, workorder_id):
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note="busy")
    UpstreamWrite.objects.filter(pk=write.pk).update(
        status="running", attempts=1, lease_until=timezone.now() + timedelta(minutes=5)
    )
    assert outbox.requeue_stuck() == 0
    write.refresh_from_db()
    assert write.status == "running"


def test_it_sends_again_a_queued_write_whose_message_was_lost(
    dispatcher, run_on_commit, settings, workorder_id, client_
):
    note = f"Lost message {uuid.uuid4().hex}"
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
    other_workorder = next(wo for wo in client_.workorder_ids() if wo != workorder_id)
    fresh = services.workorder_note_add(user=dispatcher, workorder_id=other_workorder, note=f"{note} (fresh)")
    UpstreamWrite.objects.filter(pk=write.pk).update(
        enqueued_at=timezone.now() - timedelta(seconds=settings.JOBS_QUEUED_GRACE_SECONDS + 1)
    )
    with run_on_commit():
        assert outbox.requeue_stuck() == 1
    write.refresh_from_db()
    fresh.refresh_from_db()
    assert write.status == "done", write.error
    assert fresh.status == "queued"  # its message is presumably still on its way


def test_it_fails_a_stuck_write_that_used_its_last_attempt_and_retry_checks_first(
    dispatcher, run_on_commit, workorder_id, client_, settings
):
    note = f"Out of attempts {uuid.uuid4().hex}"
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
    UpstreamWrite.objects.filter(pk=write.pk).update(
        status="running",
        attempts=settings.JOBS_MAX_ATTEMPTS,
        in_doubt=True,
        baseline=[],
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    client_.workorder_note_add(workorder_id, note=note)  # the last attempt did arrive

    outbox.requeue_stuck()
    write.refresh_from_db()
    assert write.status == "failed"
    assert "Retry checks TechLink first" in write.error
    assert write.payload["note"] == note

    with run_on_commit():
        services.upstream_write_retry(write=write, user=dispatcher)
    write.refresh_from_db()
    assert write.status == "done", write.error
    assert len([n for n in client_.workorder_notes(workorder_id) if n.content == note]) == 1
