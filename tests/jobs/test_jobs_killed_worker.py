"""A worker killed in the middle of sending: its writes are taken over within a minute (a short lease, renewed
while a live worker sends, and the pump taking over leases nobody renews), then applied exactly once.

Production's lease, pump interval and read timeout; a real worker and beat process (see harness.py)."""

import time

import pytest
from django.conf import settings as django_settings

from portal_ui.accounts.models import Role, User
from portal_ui.core.upstream import reset_techlink_client, techlink_client
from portal_ui.jobs import services
from portal_ui.jobs.models import UpstreamWrite
from techlink_sandbox.testing import running_sandbox

from .harness import CeleryProcess, stop_all, wait_for, worker_env

TAKEOVER_TARGET_SECONDS = 60


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_writes_are_taken_over_within_a_minute(
    shared_database, broker, settings, tmp_path, media_root
):
    assert django_settings.JOBS_LEASE_SECONDS < TAKEOVER_TARGET_SECONDS
    with running_sandbox(tmp_path / "sandbox", sites=6, workorders=24) as sandbox:
        settings.TECHLINK_BASE_URL = sandbox.base_url
        settings.TECHLINK_USERNAME, settings.TECHLINK_PASSWORD = sandbox.username, sandbox.password
        reset_techlink_client()
        client = techlink_client()
        workorders = client.workorder_ids()[:8]
        env = worker_env(
            broker_url=broker["CELERY_BROKER_URL"], database_url=shared_database, media_root=media_root,
            sandbox=sandbox,
        )  # fmt: skip
        beat = CeleryProcess(env, tmp_path / "beat.log", beat=True)
        first, second = (CeleryProcess(env, tmp_path / f"worker-{n}.log") for n in (1, 2))
        user = User.objects.create_user("killed-worker", password="x", role=Role.DISPATCHER)
        sandbox.configure(latency=1.0)  # every call takes a second: the kill lands mid-send
        notes = {wo: f"Gate code for {wo} at {time.time_ns()}" for wo in workorders}
        try:
            beat.start("beat")
            first.start("first")
            for wo, note in notes.items():
                services.workorder_note_add(user=user, workorder_id=wo, note=note)
            wait_for(
                lambda: UpstreamWrite.objects.filter(status="running", in_doubt=True).exists(),
                seconds=60,
                what="a write being sent",
            )
            first.kill()
            killed_at = time.monotonic()
            stranded = dict(UpstreamWrite.objects.filter(status="running").values_list("pk", "attempts"))
            second.start("second")

            def taken_over() -> bool:
                now = UpstreamWrite.objects.filter(pk__in=stranded).values_list("pk", "status", "attempts")
                return all(status != "running" or attempts > stranded[pk] for pk, status, attempts in now)

            wait_for(taken_over, seconds=120, what="the killed worker's writes taken over")
            takeover = time.monotonic() - killed_at
            wait_for(
                lambda: not UpstreamWrite.objects.exclude(status__in=("done", "failed")).exists(),
                seconds=120,
                what="every write finished",
            )
            assert beat.alive and second.alive
        finally:
            stop_all(first, second, beat)
            sandbox.configure(latency=0.0)

        print(
            f"\nworker killed with {len(stranded)} writes running: taken over {takeover:.1f} s later "
            f"(lease {django_settings.JOBS_LEASE_SECONDS} s, pump every {django_settings.JOBS_PUMP_INTERVAL_SECONDS:g} s)"
        )
        assert takeover < TAKEOVER_TARGET_SECONDS
        assert set(UpstreamWrite.objects.values_list("status", flat=True)) == {"done"}
        assert all(
            attempts >= 2
            for attempts in UpstreamWrite.objects.filter(pk__in=stranded).values_list("attempts", flat=True)
        )
        for wo, note in notes.items():
            assert [n.content for n in client.workorder_notes(wo)].count(note) == 1
        reset_techlink_client()
