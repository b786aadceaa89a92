"""Writes queued through a real broker (Redis in CI, the embedded SQLAlchemy broker elsewhere; RabbitMQ too) and
run by a real Celery worker (``celery.contrib.testing.worker.start_worker``), not eagerly."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from portal_ui.celery_app import app as celery_app
from portal_ui.integrations.techlink import wildcards
from portal_ui.jobs import outbox, services
from portal_ui.jobs.models import UpstreamWrite, WriteStatus

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until_final(write: UpstreamWrite, seconds: float = 60) -> UpstreamWrite:
    deadline = time.monotonic() + seconds
    while True:
        write.refresh_from_db()
        if write.status in (WriteStatus.DONE, WriteStatus.FAILED):
            return write
        assert time.monotonic() < deadline, f"write #{write.pk} still {write.status}"
        time.sleep(0.05)  # polling the database for the worker's result, bounded by the deadline


def test_it_runs_queued_writes_on_a_real_worker(broker, dispatcher, client_, workorder_id):
    note = f"Gate code 4471 for the installer {time.monotonic_ns()}"
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
        assert write.status == WriteStatus.QUEUED
        write = wait_until_final(write)
    assert write.status == WriteStatus.DONE, write.error
    assert [n.content for n in client_.workorder_notes(workorder_id, search=wildcards.escape(note))] == [note]


def test_it_shows_an_upstream_refusal_from_a_real_worker(broker, dispatcher, client_):
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        write = services.workorder_note_add(
            user=dispatcher, workorder_id=999999999, note="No such work order"
        )
        write = wait_until_final(write)
    assert write.status == WriteStatus.FAILED
    assert "999999999" in write.error and "not found" in write.error.lower()
    assert write.attempts == 1


def test_it_runs_queued_writes_on_a_real_worker_over_rabbitmq(rabbitmq, dispatcher, client_, workorder_id):
    note = f"Gate code 5582 for the installer {time.monotonic_ns()}"
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        write = services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note=note)
        assert outbox.wake(2) == 2  # the pump's wake-ups, with their expiry, go through RabbitMQ too
        write = wait_until_final(write)
    assert write.status == WriteStatus.DONE, write.error
    assert [n.content for n in client_.workorder_notes(workorder_id, search=wildcards.escape(note))] == [note]
