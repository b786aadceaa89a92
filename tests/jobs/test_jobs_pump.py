"""The pump: the outbox table is the schedule. Each round takes over the writes of stopped workers, fails
writes whose time is up and wakes workers for what is due; a live attempt keeps its claim by renewing it."""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from portal_ui.core.upstream import techlink_client
from portal_ui.jobs import outbox, pump, services
from portal_ui.jobs.models import UpstreamWrite

pytestmark = pytest.mark.django_db


def test_it_is_scheduled_with_celery_beat_on_its_own_queue():
    entry = settings.CELERY_BEAT_SCHEDULE["jobs-pump"]
    assert entry["task"] == "jobs.pump_upstream_writes"
    assert entry["schedule"] == settings.JOBS_PUMP_INTERVAL_SECONDS <= 10
    assert entry["options"]["expires"] <= entry["schedule"]
    assert entry["options"]["queue"] == "pump" and "pump" in settings.CELERY_TASK_QUEUES
    assert settings.CELERY_TASK_ROUTES["jobs.pump_upstream_writes"] == {"queue": "pump"}
    assert not [name for name, other in settings.CELERY_BEAT_SCHEDULE.items() if "requeue" in other["task"]]
    from portal_ui.celery_app import app

    app.loader.import_default_modules()
    assert {entry["task"], "jobs.run_upstream_write", "jobs.run_due_upstream_writes"} <= set(app.tasks)
    assert app.tasks["jobs.run_upstream_write"].acks_late


def test_it_never_puts_a_later_time_into_a_broker_message():
    source = "\n".join(
        (settings.BASE_DIR / "portal_ui" / "jobs" / name).read_text()
        for name in ("outbox.py", "pump.py", "tasks.py", "services.py", "outage.py", "lease.py")
    )
    assert "countdown" not in source and "eta=" not in source


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
        assert pump.pump().taken_over == 1
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
        pump.pump()
    write.refresh_from_db()
    assert write.status == "done", write.error
    assert len([n for n in client_.workorder_notes(workorder_id) if n.content == note]) == 1


def test_it_leaves_running_writes_alone_during_their_lease(dispatcher, upstream, workorder_id):
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note="busy")
    UpstreamWrite.objects.filter(pk=write.pk).update(
        status="running", attempts=1, lease_until=timezone.now() + timedelta(seconds=30)
    )
    assert pump.pump().taken_over == 0
    write.refresh_from_db()
    assert write.status == "running"


def test_it_sends_queued_writes_whose_wake_up_was_lost(dispatcher, run_on_commit, workorder_id, client_):
    note = f"Lost message {uuid.uuid4().hex}"
    other_workorder = next(wo for wo in client_.workorder_ids() if wo != workorder_id)
    writes = [
        services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note),
        services.workorder_note_add(user=dispatcher, workorder_id=other_workorder, note=f"{note} (2)"),
    ]  # recorded, but their messages never arrived (no commit callbacks ran)
    with run_on_commit():
        assert pump.pump().woken == 2
    assert [UpstreamWrite.objects.get(pk=w.pk).status for w in writes] == ["done", "done"]


def test_it_wakes_no_worker_for_a_write_waiting_for_its_next_try_or_its_turn(
    dispatcher, monkeypatch, upstream, workorder_id
):
    first = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note="first")
    services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note="behind it")
    UpstreamWrite.objects.filter(pk=first.pk).update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(seconds=30)
    )
    woken = []
    monkeypatch.setattr(outbox, "wake", lambda count: woken.append(count) or count)
    pump.pump()
    assert woken == [0]


def test_it_fails_a_stuck_write_whose_time_is_up_and_retry_checks_first(
    dispatcher, run_on_commit, workorder_id, client_
):
    note = f"Out of time {uuid.uuid4().hex}"
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
    UpstreamWrite.objects.filter(pk=write.pk).update(
        status="running",
        attempts=40,
        in_doubt=True,
        baseline=[],
        lease_until=timezone.now() - timedelta(seconds=1),
        give_up_at=timezone.now() - timedelta(seconds=1),
    )
    client_.workorder_note_add(workorder_id, note=note)  # the last attempt did arrive

    pump.pump()
    write.refresh_from_db()
    assert write.status == "failed"
    assert "Retry checks TechLink first" in write.error
    assert write.payload["note"] == note

    with run_on_commit():
        services.upstream_write_retry(write=write, user=dispatcher)
    write.refresh_from_db()
    assert write.status == "done", write.error
    assert len([n for n in client_.workorder_notes(workorder_id) if n.content == note]) == 1


def test_it_fails_a_waiting_write_whose_time_is_up(dispatcher, upstream, workorder_id, settings):
    settings.JOBS_RETRY_FOR_SECONDS = 3600
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note="too late")
    UpstreamWrite.objects.filter(pk=write.pk).update(
        attempts=30,
        error="Could not connect to TechLink: NewConnectionError (will try again)",
        next_attempt_at=timezone.now() + timedelta(seconds=30),
        give_up_at=timezone.now() - timedelta(seconds=1),
    )
    assert pump.pump().expired == 1
    write.refresh_from_db()
    assert write.status == "failed"
    assert (
        write.error
        == "TechLink did not take this within 1 hour: Could not connect to TechLink: NewConnectionError"
    )


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_claim_of_a_live_but_slow_attempt(
    dispatcher, settings, monkeypatch, upstream, workorder_id
):
    """The heartbeat renews the lease while TechLink takes longer than the lease to answer; the pump, meanwhile,
    takes nothing over."""
    settings.JOBS_LEASE_SECONDS = 1
    client = techlink_client()
    real_add, seen = client.workorder_note_add, {"renewals": set(), "taken_over": 0}

    def slow_add(*args, **kwargs):
        deadline = time.monotonic() + 20  # a bound for a loaded machine, not a speed requirement
        while len(seen["renewals"]) < 3:
            assert time.monotonic() < deadline, "the lease was not renewed"
            seen["renewals"].add(UpstreamWrite.objects.values_list("lease_until", flat=True).get())
            seen["taken_over"] += pump.take_over(timezone.now())
            threading.Event().wait(0.05)  # polling the row for the heartbeat's renewal, bounded above
        return real_add(*args, **kwargs)

    monkeypatch.setattr(client, "workorder_note_add", slow_add)
    write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note="slow but alive")
    outbox.run_write(write_id=write.pk)
    write.refresh_from_db()
    assert (write.status, write.attempts, seen["taken_over"]) == ("done", 1, 0), write.error
