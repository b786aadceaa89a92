"""Outages are waited out: while TechLink cannot be reached the outbox pauses as a whole behind one probe,
counts nothing as failed, and resumes by itself, oldest first, once TechLink answers again."""

import socket
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from portal_ui.accounts.models import Role, User
from portal_ui.core.upstream import reset_techlink_client
from portal_ui.integrations.techlink import TechLinkClient
from portal_ui.jobs import outage, pump, services
from portal_ui.jobs.models import OutboxState, UpstreamWrite
from techlink_sandbox.testing import running_sandbox

from .conftest import next_moment
from .mixed import MIX_50, assert_applied_exactly_once, assert_in_order, assert_no_strays, queue_mixed_writes

pytestmark = pytest.mark.django_db

SIX_TRIES = timedelta(seconds=75)  # the longest six tries take with backoff doubling from 2 s, with jitter


@contextmanager
def refusing(settings):
    """TechLink refuses every connection (the client is pointed at a port nobody listens on)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    reachable = settings.TECHLINK_BASE_URL
    settings.TECHLINK_BASE_URL = f"http://127.0.0.1:{closed}/api/light/"
    reset_techlink_client()
    try:
        yield
    finally:
        settings.TECHLINK_BASE_URL = reachable
        reset_techlink_client()


@pytest.fixture(autouse=True)
def production_backoff(settings):
    settings.JOBS_RETRY_BACKOFF_SECONDS, settings.JOBS_RETRY_BACKOFF_MAX_SECONDS = 2.0, 60.0


def attempts() -> int:
    return UpstreamWrite.objects.aggregate(n=Sum("attempts"))["n"] or 0


def statuses(writes) -> list[str]:
    return [UpstreamWrite.objects.get(pk=w.pk).status for w in writes]


@pytest.fixture
def workorders(upstream) -> list[int]:
    return TechLinkClient(
        base_url=upstream.base_url, username=upstream.username, password=upstream.password
    ).workorder_ids()[:3]


def test_it_pauses_probes_and_resumes_by_itself_oldest_first(
    dispatcher, viewer, client, settings, run_on_commit, workorders
):
    with time_machine.travel(timezone.now(), tick=True) as clock:
        with refusing(settings):
            with run_on_commit():
                writes = [
                    services.workorder_note_add(
                        user=dispatcher, workorder_id=wo, note=f"Outage {uuid.uuid4()}"
                    )
                    for wo in workorders
                ]
            # The first found TechLink unreachable; the others were not even tried.
            assert [UpstreamWrite.objects.get(pk=w.pk).attempts for w in writes] == [1, 0, 0]
            paused_until = outage.paused_until()
            assert paused_until > timezone.now()
            held = UpstreamWrite.objects.filter(pk__in=[w.pk for w in writes])
            assert set(held.values_list("status", "next_attempt_at")) == {("queued", paused_until)}
            assert held.get(pk=writes[0].pk).error.startswith("Could not connect to TechLink")

            client.force_login(viewer)
            page = client.get(f"/jobs/{writes[1].pk}/").content.decode()
            assert "Waiting for TechLink — next try in" in page
            assert "3 changes are waiting for TechLink" in page and 'href="/jobs/?status=queued"' in page
            assert "3 changes are waiting for TechLink" in client.get("/").content.decode()  # every page

            clock.move_to(paused_until + timedelta(milliseconds=1))
            with run_on_commit():
                assert pump.pump().woken == 1  # one probe
            assert [UpstreamWrite.objects.get(pk=w.pk).attempts for w in writes] == [2, 0, 0]
            assert outage.paused_until() > timezone.now()
            assert OutboxState.objects.get().probe_failures == 1

        clock.move_to(outage.paused_until() + timedelta(milliseconds=1))
        with run_on_commit():
            pump.pump()
    assert statuses(writes) == ["done", "done", "done"]
    finished = [UpstreamWrite.objects.get(pk=w.pk).finished_at for w in writes]
    assert finished == sorted(finished)
    assert outage.paused_until() is None
    assert "waiting for TechLink" not in client.get("/jobs/").content.decode()


def test_it_pauses_after_failures_in_a_row_with_no_answer(dispatcher, run_on_commit, upstream):
    ids = TechLinkClient(
        base_url=upstream.base_url, username=upstream.username, password=upstream.password
    ).workorder_ids()
    count = outage.PAUSE_AFTER_FAILURES + 1
    with upstream.configured(error_rate=1.0), run_on_commit():  # 500s: TechLink is there but not working
        writes = [
            services.workorder_note_add(user=dispatcher, workorder_id=wo, note="x") for wo in ids[:count]
        ]
    tried = [UpstreamWrite.objects.get(pk=w.pk).attempts for w in writes]
    assert tried == [1] * outage.PAUSE_AFTER_FAILURES + [0]
    assert outage.paused_until() is not None
    assert statuses(writes) == ["queued"] * count


def test_it_ends_the_pause_when_techlink_refuses_the_probe(
    dispatcher, settings, run_on_commit, workorders, monkeypatch
):
    with time_machine.travel(timezone.now(), tick=True) as clock:
        with refusing(settings), run_on_commit():
            refused = services.workorder_note_add(user=dispatcher, workorder_id=999999999, note="nowhere")
            waiting = services.workorder_note_add(user=dispatcher, workorder_id=workorders[0], note="here")
        clock.move_to(outage.paused_until() + timedelta(milliseconds=1))
        with run_on_commit():
            pump.pump()
    assert statuses([refused, waiting]) == ["failed", "done"]
    assert outage.paused_until() is None


@pytest.mark.django_db(transaction=True)
def test_it_waits_out_a_half_hour_outage_and_then_applies_every_write_once(settings, tmp_path, run_on_commit):
    """50 mixed writes are queued while TechLink refuses connections for half an hour (the clock is moved on,
    not waited for): none fails, one probe at a time goes; once TechLink is back, all 50 are applied exactly
    once, in per-object order, with nobody clicking anything."""
    outage_for = timedelta(minutes=30)
    with running_sandbox(tmp_path / "sandbox", sites=6, workorders=24) as sandbox:
        settings.TECHLINK_BASE_URL = sandbox.base_url
        settings.TECHLINK_USERNAME, settings.TECHLINK_PASSWORD = sandbox.username, sandbox.password
        reset_techlink_client()
        techlink = TechLinkClient(
            base_url=sandbox.base_url, username=sandbox.username, password=sandbox.password
        )
        sites, workorders = techlink.site_ids(), techlink.workorder_ids()
        user = User.objects.create_user("outage-dispatcher", password="x", role=Role.DISPATCHER)
        run = uuid.uuid4().hex[:6]

        with time_machine.travel(timezone.now(), tick=True) as clock:
            with refusing(settings):
                with run_on_commit():
                    expect = queue_mixed_writes(user, techlink, sites=sites, workorders=workorders,
                                                taskitem=techlink.task_items()[0].taskitem_id, run=run, mix=MIX_50)  # fmt: skip
                before = sandbox.stats()["objects"]
                assert UpstreamWrite.objects.count() == 50
                began, probes = timezone.now(), 0
                while next_moment() < began + outage_for:
                    clock.move_to(next_moment() + timedelta(milliseconds=1))
                    tried = attempts()
                    with run_on_commit():
                        pump.pump()
                    assert attempts() - tried <= 1, "more than one write was tried while TechLink was down"
                    probes += attempts() - tried
                    assert not UpstreamWrite.objects.filter(status="failed").exists()
                clock.move_to(began + outage_for)
                assert outage_for > SIX_TRIES
                assert set(UpstreamWrite.objects.values_list("status", flat=True)) == {"queued"}

            returned, rounds = timezone.now(), 0  # TechLink is back
            while UpstreamWrite.objects.exclude(status__in=("done", "failed")).exists():
                rounds += 1
                assert rounds < 200, "the outbox did not resume"
                with run_on_commit():
                    pump.pump()
                clock.move_to(next_moment() + timedelta(milliseconds=1))
            recovered = timezone.now() - returned

        print(
            f"\noutage of {outage_for} with 50 writes queued: {probes} probes, 0 failed; after TechLink returned, "
            f"all 50 applied {recovered.total_seconds():.1f} s later (moved clock; pump rounds when due: {rounds})"
        )
        assert not UpstreamWrite.objects.filter(status="failed").exists()
        assert_applied_exactly_once(techlink, expect)
        assert_no_strays(before, sandbox.stats()["objects"], expect)
        assert_in_order()
        reset_techlink_client()
