import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal_ui.core.upstream import reset_techlink_client, techlink_client
from portal_ui.mirror import services
from portal_ui.mirror.models import (
    ClientUserRecord,
    ProjectRecord,
    SiteRecord,
    SyncLease,
    TaskItemRecord,
    WorkOrderRecord,
)
from portal_ui.mirror.selectors import freshness
from portal_ui.mirror.services import sync

from .conftest import make_wo

pytestmark = pytest.mark.django_db


def upstream_workorder_ids() -> set[int]:
    return set(techlink_client().workorder_ids())


def test_it_copies_every_record_on_a_full_sync(private_upstream):
    report = services.mirror_sync_full()

    client = techlink_client()
    assert not report.failures
    assert set(WorkOrderRecord.objects.values_list("id", flat=True)) == upstream_workorder_ids()
    assert set(SiteRecord.objects.values_list("id", flat=True)) == set(client.site_ids())
    wo_id = max(upstream_workorder_ids())
    upstream = client.workorder_get(wo_id, include_site=True)
    stored = WorkOrderRecord.objects.get(pk=wo_id)
    assert (stored.summary, stored.status_code, stored.po) == (
        upstream.summary,
        upstream.status_code,
        upstream.po,
    )
    assert stored.site_name == upstream.site.name
    assert stored.installer_name == upstream.installer.name
    fresh = freshness()
    assert fresh.full_sync_at is not None and not fresh.is_stale
    assert fresh.workorder_count == len(upstream_workorder_ids())


def test_it_needs_no_extra_call_for_sites_that_come_with_work_orders(private_upstream):
    report = services.mirror_sync_full()

    sites = SiteRecord.objects.count()
    workorders = WorkOrderRecord.objects.count()
    sites_with_workorders = WorkOrderRecord.objects.values("site_id").distinct().count()
    # Two id lists, one call per work order, one per site that no work order points at.
    assert report.upstream_calls == 2 + workorders + (sites - sites_with_workorders)


def test_it_computes_the_install_moment_in_the_site_time_zone(private_upstream):
    services.mirror_sync_full()

    scheduled = WorkOrderRecord.objects.filter(scheduled_date__isnull=False).select_related("site").first()
    assert scheduled is not None, "the sandbox seed has scheduled work orders"
    expected = scheduled.scheduled_local.replace(tzinfo=ZoneInfo(scheduled.site.timezone))
    assert scheduled.scheduled_at == expected
    assert scheduled.install_date == scheduled.scheduled_local.date()


def test_it_fetches_only_new_work_orders_in_the_new_id_scan(private_upstream):
    services.mirror_sync_full()
    client = techlink_client()
    site_id = SiteRecord.objects.values_list("id", flat=True).first()
    created = client.workorder_create(site_id=site_id, summary="Brand new job from the client")

    report = services.mirror_sync_new()

    assert report.workorders_upserted == 1
    assert WorkOrderRecord.objects.get(pk=created.id).summary == "Brand new job from the client"


def test_it_refreshes_one_work_order_on_request(private_upstream):
    services.mirror_sync_full()
    wo_id = max(upstream_workorder_ids())
    techlink_client().workorder_update(wo_id, summary="Changed upstream")

    record = services.mirror_workorder_refresh(workorder_id=wo_id)

    assert record.summary == "Changed upstream"
    assert WorkOrderRecord.objects.get(pk=wo_id).summary == "Changed upstream"


def test_it_refreshes_open_work_orders_in_the_recent_cycle(private_upstream):
    services.mirror_sync_full()
    open_wo = WorkOrderRecord.objects.filter(status_code__in=[10, 20, 30, 40, 50, 60]).first()
    assert open_wo is not None, "the sandbox seed has open work orders"
    techlink_client().workorder_update(open_wo.id, po="PO-REFRESHED")
    WorkOrderRecord.objects.update(synced_at=timezone.now() - timedelta(minutes=5))

    services.mirror_sync_open()

    assert WorkOrderRecord.objects.get(pk=open_wo.id).po == "PO-REFRESHED"


def test_it_refreshes_a_site_and_its_work_orders(private_upstream):
    services.mirror_sync_full()
    wo = WorkOrderRecord.objects.exclude(site_id=None).first()
    techlink_client().site_update(wo.site_id, name="Renamed Site")

    services.mirror_site_refresh(site_id=wo.site_id)

    assert SiteRecord.objects.get(pk=wo.site_id).name == "Renamed Site"
    assert WorkOrderRecord.objects.get(pk=wo.id).site_name == "Renamed Site"


def test_it_removes_work_orders_that_are_gone_upstream(private_upstream):
    services.mirror_sync_full()
    ghost = make_wo(id=987654, synced_at=timezone.now() - timedelta(hours=2))

    report = services.mirror_sync_full()

    assert not WorkOrderRecord.objects.filter(pk=ghost.id).exists()
    assert report.workorders_deleted == 1


def test_it_removes_a_record_when_opening_it_finds_it_gone(private_upstream):
    ghost = make_wo(id=987655)

    assert services.mirror_workorder_refresh(workorder_id=ghost.id) is None
    assert not WorkOrderRecord.objects.filter(pk=ghost.id).exists()


def test_it_keeps_the_local_copy_and_reports_when_upstream_fails(private_upstream):
    services.mirror_sync_full()
    before = WorkOrderRecord.objects.count()
    private_upstream.configure(error_rate=1.0)
    try:
        report = services.mirror_sync_full()
    finally:
        private_upstream.configure(error_rate=0.0)

    assert report.failures
    assert WorkOrderRecord.objects.count() == before
    assert freshness().last_error


def test_it_clears_the_sync_problem_once_any_cycle_succeeds(private_upstream):
    services.mirror_sync_full()
    with private_upstream.configured(error_rate=1.0):
        services.mirror_sync_new()
    assert freshness().last_error

    report = services.mirror_sync_new()

    assert not report.failures
    assert freshness().last_error == ""


def test_it_never_has_more_requests_in_flight_than_allowed(private_upstream, settings, monkeypatch):
    settings.TECHLINK_MAX_WORKERS = 3
    reset_techlink_client()
    client = techlink_client()
    lock, in_flight, peak = threading.Lock(), [0], [0]
    original = client.workorder_get

    def counting_get(*args, **kwargs):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        try:
            return original(*args, **kwargs)
        finally:
            with lock:
                in_flight[0] -= 1

    monkeypatch.setattr(client, "workorder_get", counting_get)

    services.mirror_sync_full()

    assert WorkOrderRecord.objects.count() == len(upstream_workorder_ids())
    assert 1 <= peak[0] <= 3


def hold_lease(name: str, *, minutes: float) -> None:
    """Another run of the ``name`` cycle holds its lease (a negative time: it ran out that long ago)."""
    SyncLease.objects.create(
        name=name, owner="another-run", until=timezone.now() + timedelta(minutes=minutes)
    )


def test_it_skips_a_cycle_while_another_run_of_it_holds_its_lease(private_upstream):
    hold_lease("open", minutes=2)

    assert services.mirror_sync_open().skipped
    with pytest.raises(CommandError, match="Another sync is running"):
        call_command("mirror_sync")
    assert WorkOrderRecord.objects.count() == 0
    assert freshness().running == "open"


def test_it_fetches_new_ids_while_a_full_sync_is_running(private_upstream):
    hold_lease("full", minutes=5)

    new = services.mirror_sync_new()
    recent = services.mirror_sync_open()

    assert not new.skipped and not recent.skipped
    assert set(WorkOrderRecord.objects.values_list("id", flat=True)) == upstream_workorder_ids()
    assert services.mirror_sync_full().skipped  # the full sync itself is still held
    assert freshness().running == "full"


def test_it_takes_over_an_expired_lease(private_upstream):
    hold_lease("full", minutes=-1)

    assert not services.mirror_sync_full().skipped
    assert freshness().running == ""


def test_it_holds_a_short_lease_while_it_runs_and_gives_it_back(private_upstream, monkeypatch):
    # A worker killed mid-run leaves its lease behind: it must run out in minutes, not in an hour.
    client = techlink_client()
    seen = {}
    original = client.site_ids

    def site_ids(**kwargs):
        lease = SyncLease.objects.get(name="new")
        seen["left"] = lease.until - timezone.now()
        seen["others"] = list(SyncLease.objects.exclude(name="new").exclude(until=None))
        return original(**kwargs)

    monkeypatch.setattr(client, "site_ids", site_ids)

    services.mirror_sync_new()

    assert timedelta(0) < seen["left"] <= timedelta(minutes=5)
    assert seen["others"] == []  # no other cycle was held up
    assert SyncLease.objects.get(name="new").until is None


def test_it_stops_a_run_whose_lease_another_run_took_over(private_upstream, monkeypatch):
    monkeypatch.setitem(sync.LEASE_SECONDS, "full", 0)  # renew on every answer
    client = techlink_client()
    original = client.workorder_ids

    def workorder_ids(**kwargs):
        # Meanwhile the lease ran out (a stalled run) and another run of the full sync took it.
        SyncLease.objects.filter(name="full").update(owner="another-run")
        return original(**kwargs)

    monkeypatch.setattr(client, "workorder_ids", workorder_ids)

    report = services.mirror_sync_full()

    assert any("taken over" in failure for failure in report.failures)
    assert WorkOrderRecord.objects.count() < len(original())
    assert SyncLease.objects.get(name="full").owner == "another-run"  # left to the run that has it


def test_it_keeps_the_reference_lists_with_names_upstream_stopped_listing(private_upstream):
    client = techlink_client()
    report = services.mirror_sync_reference()

    assert not report.failures
    assert set(ProjectRecord.objects.values_list("name", flat=True)) == {p.name for p in client.projects()}
    assert TaskItemRecord.objects.count() == len(client.task_items())
    assert ClientUserRecord.objects.count() == len(client.users())
    assert freshness().reference_sync_at is not None

    ProjectRecord.objects.create(id=987001, name="Retired rollout", synced_at=timezone.now())
    services.mirror_sync_reference()

    retired = ProjectRecord.objects.get(pk=987001)
    assert (retired.name, retired.listed) == ("Retired rollout", False)


def test_it_syncs_from_the_command_line(private_upstream, capsys):
    call_command("mirror_sync", "--full")

    assert "work orders" in capsys.readouterr().out
    assert WorkOrderRecord.objects.count() == len(upstream_workorder_ids())


def test_it_runs_a_requested_sync_after_commit(private_upstream, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.mirror_sync_request()

    assert WorkOrderRecord.objects.count() == len(upstream_workorder_ids())


def test_it_schedules_the_sync_cycles():
    from portal_ui.mirror import tasks

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    registered = {
        tasks.mirror_sync_new_task.name,
        tasks.mirror_sync_open_task.name,
        tasks.mirror_sync_full_task.name,
        tasks.mirror_sync_reference_task.name,
    }

    assert registered <= scheduled


def test_it_renames_the_site_on_every_work_order_when_one_of_them_is_refreshed(private_upstream):
    from django.db.models import Count

    services.mirror_sync_full()
    busy = (
        WorkOrderRecord.objects.values("site_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n")
        .first()
    )
    assert busy is not None, "the sandbox seed has sites with several work orders"
    techlink_client().site_update(busy["site_id"], name="Renamed Through A Work Order")
    one = WorkOrderRecord.objects.filter(site_id=busy["site_id"]).first()

    services.mirror_workorder_refresh(workorder_id=one.id)

    names = set(WorkOrderRecord.objects.filter(site_id=busy["site_id"]).values_list("site_name", flat=True))
    assert names == {"Renamed Through A Work Order"}


def test_it_keeps_the_whole_upstream_record_readable(private_upstream):
    import dataclasses

    from portal_ui.integrations.techlink import types

    services.mirror_sync_full()
    wo_id = max(upstream_workorder_ids())
    upstream = techlink_client().workorder_get(wo_id, include_site=True)

    stored = WorkOrderRecord.objects.get(pk=wo_id)
    again = types.WorkOrder.from_api(stored.raw)
    site_again = types.Site.from_api(SiteRecord.objects.get(pk=upstream.site_id).raw)

    assert again == dataclasses.replace(upstream, site=None)
    assert site_again == upstream.site


def test_it_notices_status_changes_without_fetching_every_work_order(private_upstream):
    services.mirror_sync_full()
    open_wo = WorkOrderRecord.objects.filter(status_code__in=[10, 20, 30, 40, 50, 60]).first()
    private_upstream.store.set_status(open_wo.id, {"status_code": "90"})  # closed by the installer's office

    report = services.mirror_sync_open(budget=0)

    stored = WorkOrderRecord.objects.get(pk=open_wo.id)
    assert (stored.status_code, stored.status) == (90, "Closed")
    assert report.workorders_upserted == 1


def test_it_notices_deleted_work_orders_in_the_recent_cycle(private_upstream):
    services.mirror_sync_full()
    ghost = make_wo(id=987656)

    report = services.mirror_sync_open(budget=0)

    assert not WorkOrderRecord.objects.filter(pk=ghost.id).exists()
    assert report.workorders_deleted == 1


def test_it_says_when_a_sync_cannot_be_queued(monkeypatch):
    from kombu.exceptions import OperationalError

    from portal_ui.mirror import tasks

    def refused(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.mirror_sync_open_task, "delay", refused)
    assert services.mirror_sync_request() is False
