"""Exactly once under faults, with two real Celery worker processes, one killed (SIGKILL) mid-run and replaced.

The sandbox loses answers, times out and fails 20% of the calls; 300 queued writes of mixed kinds must all end
done and be applied exactly once upstream, in per-object order, with nothing else created there. The workers,
a beat process running the pump, and this test share a database (a SQLite file here, the pytest-django test
database on PostgreSQL when DATABASE_URL is set) and a broker (CELERY_BROKER_URL: Redis in CI, else the
embedded SQLAlchemy broker in a SQLite file under tmp_path).
"""

import time
import uuid
from collections import Counter

import pytest

from portal_ui.accounts.models import Role, User
from portal_ui.core.upstream import reset_techlink_client, techlink_client
from portal_ui.jobs.models import UpstreamWrite
from techlink_sandbox.testing import running_sandbox

from .harness import CeleryProcess, stop_all, worker_env
from .mixed import MIX_300, assert_applied_exactly_once, assert_in_order, assert_no_strays, queue_mixed_writes

READ_TIMEOUT = 0.5
LEASE_SECONDS = 10
DEADLINE_SECONDS = 270  # a bound for a stuck run on a loaded machine, not a speed requirement


def unfinished() -> list[tuple]:
    fields = ("pk", "kind", "target", "status", "attempts", "in_doubt", "error", "next_attempt_at")
    return list(UpstreamWrite.objects.exclude(status="done").order_by("pk").values_list(*fields))


def status_counts() -> Counter:
    return Counter(UpstreamWrite.objects.values_list("status", flat=True))


@pytest.mark.django_db(transaction=True)
def test_it_applies_every_write_exactly_once_through_faults_and_a_killed_worker(
    shared_database, broker, settings, tmp_path, media_root
):
    run = uuid.uuid4().hex[:6]
    with running_sandbox(tmp_path / "sandbox", sites=6, workorders=24) as sandbox:
        settings.TECHLINK_BASE_URL = sandbox.base_url
        settings.TECHLINK_USERNAME = sandbox.username
        settings.TECHLINK_PASSWORD = sandbox.password
        reset_techlink_client()
        client = techlink_client()
        sites, workorders = client.site_ids(), client.workorder_ids()
        taskitem = client.task_items()[0].taskitem_id

        env = worker_env(
            broker_url=broker["CELERY_BROKER_URL"], database_url=shared_database, media_root=media_root,
            sandbox=sandbox, TECHLINK_READ_TIMEOUT=str(READ_TIMEOUT), JOBS_RETRY_BACKOFF_SECONDS="0.2",
            JOBS_RETRY_BACKOFF_MAX_SECONDS="2", JOBS_LEASE_SECONDS=str(LEASE_SECONDS),
            JOBS_PUMP_INTERVAL_SECONDS="1",
        )  # fmt: skip
        beat = CeleryProcess(env, tmp_path / "beat.log", beat=True)
        workers = [CeleryProcess(env, tmp_path / f"worker-{n}.log", concurrency=2) for n in range(3)]
        user = User.objects.create_user("e2e-dispatcher", password="x", role=Role.DISPATCHER)
        expect = queue_mixed_writes(
            user, client, sites=sites, workorders=workorders, taskitem=taskitem, run=run
        )
        assert UpstreamWrite.objects.count() == MIX_300.total
        before = sandbox.stats()["objects"]
        # A little latency keeps each send in flight long enough for the kill to land in the middle of some.
        sandbox.configure(
            latency=0.1, error_rate=0.1, timeout_rate=0.05, lost_answer_rate=0.05, hang_seconds=1.0
        )
        try:
            started = time.monotonic()
            beat.start("beat")
            workers[0].start("first")
            workers[1].start("second")
            killed_at, stranded, taken_over_after = None, {}, None
            deadline = started + DEADLINE_SECONDS
            while True:
                counts = status_counts()
                # A worker sends one write per pool process: with more running than the other worker's two,
                # the one killed is in the middle of a send.
                if killed_at is None and counts["done"] >= 75 and counts["running"] >= 3:
                    workers[0].kill()
                    killed_at = time.monotonic()
                    # What the dead worker left mid-send, which nobody else can finish but a new attempt (with
                    # the other worker's writes, which move on by themselves).
                    stranded = dict(
                        UpstreamWrite.objects.filter(status="running").values_list("pk", "attempts")
                    )
                    workers[2].start("third")
                if stranded and taken_over_after is None:
                    now = UpstreamWrite.objects.filter(pk__in=stranded).values_list(
                        "pk", "status", "attempts"
                    )
                    if all(status != "running" or attempts > stranded[pk] for pk, status, attempts in now):
                        taken_over_after = time.monotonic() - killed_at
                if counts["done"] + counts["failed"] == MIX_300.total:
                    break
                assert time.monotonic() < deadline, f"not finished in time: {dict(counts)}: {unfinished()}"
                time.sleep(0.25)  # polling interval while waiting on the condition above
            elapsed = time.monotonic() - started
        finally:
            stop_all(*workers, beat)
            sandbox.configure(latency=0.0, error_rate=0.0, timeout_rate=0.0, lost_answer_rate=0.0)

        assert killed_at and stranded, "the worker was not killed in the middle of a send"
        print(
            f"\n{MIX_300.total} writes through faults with two workers, one killed: all done in {elapsed:.1f} s; "
            f"its writes taken over {taken_over_after:.1f} s after the kill (lease {LEASE_SECONDS} s)"
        )
        again = UpstreamWrite.objects.filter(pk__in=stranded).values_list("attempts", flat=True)
        assert any(attempts >= 2 for attempts in again), "the killed worker's writes were not taken up again"
        failed = list(UpstreamWrite.objects.filter(status="failed").values_list("pk", "kind", "error"))
        assert failed == []
        assert UpstreamWrite.objects.filter(attempts__gt=1).exists()  # the faults did happen
        assert_applied_exactly_once(client, expect)
        assert_no_strays(before, sandbox.stats()["objects"], expect)
        assert_in_order()
        reset_techlink_client()
