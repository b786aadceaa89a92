"""The broker restarts without persistence while writes wait in it (wake-ups queued, writes waiting for their
next try): no worker exits, nothing is lost, every write is applied exactly once.

Broker messages are only wake-ups and the schedule is the outbox table, so losing every message costs at most
one pump interval. A redis-server of the test's own is killed (SIGKILL) and started again empty on the same
port; the shared Redis is never touched."""

import time
import uuid
from pathlib import Path

import pytest
import redis as redis_client
from django.utils import timezone

from portal_ui.accounts.models import Role, User
from portal_ui.core.upstream import reset_techlink_client, techlink_client
from portal_ui.jobs.models import UpstreamWrite
from techlink_sandbox.testing import running_sandbox

from .conftest import using_broker
from .harness import REDIS_SERVER, CeleryProcess, RedisServer, stop_all, wait_for, worker_env
from .mixed import MIX_50, assert_applied_exactly_once, assert_in_order, assert_no_strays, queue_mixed_writes

RECOVERY_TARGET_SECONDS = 30


@pytest.mark.django_db(transaction=True)
def test_it_rides_out_a_broker_restart_that_loses_every_message(
    shared_database, require_service, settings, tmp_path, media_root
):
    require_service(
        "redis-server", Path(REDIS_SERVER).exists(), f"the broker restart test starts {REDIS_SERVER}"
    )
    broker = RedisServer(tmp_path / "redis").start()
    try:
        with (
            using_broker(broker.url),
            running_sandbox(tmp_path / "sandbox", sites=6, workorders=24) as sandbox,
        ):
            settings.TECHLINK_BASE_URL = sandbox.base_url
            settings.TECHLINK_USERNAME, settings.TECHLINK_PASSWORD = sandbox.username, sandbox.password
            reset_techlink_client()
            client = techlink_client()
            env = worker_env(
                broker_url=broker.url, database_url=shared_database, media_root=media_root, sandbox=sandbox,
                JOBS_RETRY_BACKOFF_SECONDS="1", JOBS_RETRY_BACKOFF_MAX_SECONDS="4",
            )  # fmt: skip
            beat = CeleryProcess(env, tmp_path / "beat.log", beat=True)
            worker = CeleryProcess(env, tmp_path / "worker.log")
            user = User.objects.create_user("broker-restart", password="x", role=Role.DISPATCHER)
            sandbox.configure(
                latency=0.2, error_rate=0.1
            )  # slow enough to keep a backlog; retries on the way
            try:
                beat.start("beat")
                worker.start("worker")
                expect = queue_mixed_writes(
                    user, client, sites=client.site_ids(), workorders=client.workorder_ids(),
                    taskitem=client.task_items()[0].taskitem_id, run=uuid.uuid4().hex[:6], mix=MIX_50,
                )  # fmt: skip
                before = sandbox.stats()["objects"]

                def retries_waiting() -> int:
                    return UpstreamWrite.objects.filter(
                        status="queued", attempts__gte=1, next_attempt_at__gt=timezone.now()
                    ).count()

                wait_for(
                    lambda: UpstreamWrite.objects.filter(status="done").count() >= 15 and retries_waiting(),
                    seconds=120,
                    what="writes done and retries waiting",
                )
                in_broker = redis_client.Redis(port=broker.port).llen("writes")
                waiting = retries_waiting()
                broker.kill()  # every message in it is gone
                queued_at_restart = set(
                    UpstreamWrite.objects.filter(status="queued").values_list("pk", flat=True)
                )
                broker.start()
                back = time.monotonic()
                wait_for(
                    lambda: UpstreamWrite.objects.filter(pk__in=queued_at_restart, status="done").exists(),
                    seconds=120,
                    what="a write waiting at the restart done",
                )
                flowing = time.monotonic() - back
                wait_for(
                    lambda: not UpstreamWrite.objects.exclude(status__in=("done", "failed")).exists(),
                    seconds=180,
                    what="every write finished",
                )
                drained = time.monotonic() - back
                assert worker.alive, f"the worker exited:\n{worker.log_tail()}"
                assert beat.alive, f"beat exited:\n{beat.log_tail()}"
            finally:
                stop_all(worker, beat)
                sandbox.configure(latency=0.0, error_rate=0.0)

            print(
                f"\nRedis killed with {in_broker} wake-ups in it and {waiting} writes waiting for a retry, then "
                f"restarted empty; no process exited. Recovered: all {len(queued_at_restart)} writes waiting at "
                f"the restart applied {drained:.1f} s after Redis was back (the first after {flowing:.1f} s)"
            )
            assert drained < RECOVERY_TARGET_SECONDS
            assert not UpstreamWrite.objects.filter(status="failed").exists()
            assert_applied_exactly_once(client, expect)
            assert_no_strays(before, sandbox.stats()["objects"], expect)
            assert_in_order()
            reset_techlink_client()
    finally:
        broker.stop()
