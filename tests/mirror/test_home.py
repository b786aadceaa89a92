from datetime import date, timedelta

import pytest
from django.utils import timezone

from portal_ui.mirror.models import SyncState
from portal_ui.mirror.selectors import freshness, home_summary

from .conftest import make_site, make_wo

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 14)  # the dashboard's time zone is America/New_York in settings


@pytest.fixture
def eastern_site():
    return make_site(timezone="America/New_York")


def ids(rows) -> set[int]:
    return {row.id for row in rows}


def test_it_counts_every_status_including_empty_ones():
    make_wo(status_code=60, status="Scheduled")
    make_wo(status_code=60, status="Scheduled")
    make_wo(status_code=10, status="Created")

    summary = home_summary(today=TODAY)

    counts = {c.status_code: c.count for c in summary.status_counts}
    assert counts[60] == 2 and counts[10] == 1 and counts[90] == 0
    assert summary.total == 3


def test_it_lists_installs_scheduled_today(eastern_site):
    morning = make_wo(site=eastern_site, scheduled="2026-05-14 08:00:00")
    evening = make_wo(site=eastern_site, scheduled="2026-05-14 23:00:00")
    make_wo(site=eastern_site, scheduled="2026-05-15 08:00:00")
    make_wo(site=eastern_site, scheduled="2026-05-14 09:00:00", status_code=95, status="Cancelled")

    summary = home_summary(today=TODAY)

    assert [row.id for row in summary.scheduled_today] == [morning.id, evening.id]
    assert summary.scheduled_today_count == 2


def test_it_uses_the_site_time_zone_for_the_install_time():
    # 22:30 in Los Angeles is already the next day in New York.
    pacific = make_site(timezone="America/Los_Angeles")
    make_wo(site=pacific, scheduled="2026-05-13 22:30:00")

    summary = home_summary(today=TODAY)

    assert summary.scheduled_today_count == 1
    assert summary.overdue_count == 0


def test_it_flags_overdue_installs_still_awaiting_work(eastern_site):
    late = make_wo(site=eastern_site, scheduled="2026-05-13 15:00:00", status_code=60)
    make_wo(site=eastern_site, scheduled="2026-05-13 15:00:00", status_code=80, status="Work Complete")
    make_wo(site=eastern_site, scheduled="2026-05-13 15:00:00", status_code=90, status="Closed")
    make_wo(site=eastern_site, scheduled="2026-05-14 00:30:00", status_code=60)

    summary = home_summary(today=TODAY)

    assert ids(summary.overdue) == {late.id}
    assert summary.overdue_count == 1


def test_it_queues_open_work_orders_without_a_schedule():
    # All-zero upstream dates are stored as "no date", so they land here too.
    waiting = make_wo(status_code=50, status="Pending Schedule")
    make_wo(status_code=90, status="Closed")
    make_wo(scheduled="2026-05-20 10:00:00")

    summary = home_summary(today=TODAY)

    assert ids(summary.unscheduled) == {waiting.id}
    assert summary.unscheduled_count == 1


def test_it_queues_open_work_orders_without_an_installer():
    nobody = make_wo(installer_name="", is_assigned=False, status_code=30)
    make_wo(installer_name="", is_assigned=False, status_code=95, status="Cancelled")
    make_wo()

    summary = home_summary(today=TODAY)

    assert ids(summary.unassigned) == {nobody.id}
    assert summary.unassigned_count == 1


def test_it_lists_recent_changes_first():
    old = make_wo(last_modified=timezone.now() - timedelta(days=3))
    new = make_wo(last_modified=timezone.now())

    rows = home_summary(today=TODAY).recently_modified

    assert [row.id for row in rows][:2] == [new.id, old.id]


def test_it_reports_a_read_model_that_was_never_synced():
    fresh = freshness()

    assert fresh.never_synced and fresh.is_stale
    assert fresh.workorders_synced_at is None


def test_it_reports_the_latest_sync_and_errors():
    now = timezone.now()
    SyncState.objects.create(
        pk=1,
        full_sync_finished_at=now - timedelta(hours=1),
        open_refresh_at=now - timedelta(minutes=2),
        workorder_count=12,
        last_error="Work order #5: [500] Internal error",
        last_error_at=now,
    )

    fresh = freshness()

    assert fresh.workorders_synced_at == now - timedelta(minutes=2)
    assert not fresh.is_stale
    assert fresh.workorder_count == 12
    assert "Work order #5" in fresh.last_error


def test_it_calls_a_read_model_stale_after_a_quarter_hour():
    SyncState.objects.create(pk=1, full_sync_finished_at=timezone.now() - timedelta(minutes=20))

    assert freshness().is_stale


def test_it_lists_each_queue_in_full_as_the_home_page_counts_it(eastern_site):
    from portal_ui.mirror.selectors import workorder_list

    make_wo(site=eastern_site, scheduled="2026-05-14 09:00:00")
    make_wo(site=eastern_site, scheduled="2026-05-14 10:00:00", status_code=95, status="Cancelled")
    for _ in range(12):  # more than the home page shows
        make_wo(site=eastern_site, scheduled="2026-05-12 15:00:00", status_code=60)
    make_wo(site=eastern_site, scheduled="2026-05-12 15:00:00", status_code=80, status="Work Complete")
    for _ in range(11):
        make_wo(status_code=50, status="Pending Schedule", installer_name="", is_assigned=False)
    make_wo(status_code=90, status="Closed", installer_name="", is_assigned=False)

    summary = home_summary(today=TODAY)
    for queue, shown, count in (
        ("today", summary.scheduled_today, summary.scheduled_today_count),
        ("overdue", summary.overdue, summary.overdue_count),
        ("unscheduled", summary.unscheduled, summary.unscheduled_count),
        ("unassigned", summary.unassigned, summary.unassigned_count),
    ):
        listed = workorder_list(filters={"queue": queue}, per_page=100, today=TODAY)
        assert listed.paginator.count == count, queue
        assert ids(shown) <= ids(listed.object_list), queue
    assert (summary.overdue_count, summary.unscheduled_count, summary.unassigned_count) == (12, 11, 11)
    assert summary.scheduled_today_count == 1


def test_it_puts_a_work_order_with_upstream_zero_dates_in_the_unscheduled_queue(private_upstream):
    from portal_ui.core.upstream import techlink_client
    from portal_ui.mirror.selectors import workorder_list
    from portal_ui.mirror.services import mirror_sync_full, mirror_sync_open

    mirror_sync_full()
    client = techlink_client()
    scheduled = next(
        wo for wo in client.workorders_get(client.workorder_ids(status_code="60")) if wo.scheduled_date
    )
    # Back to "Pending Schedule" with upstream's all-zero date, as TechLink sends an unscheduled visit.
    private_upstream.store.set_status(
        scheduled.id, {"status_code": "50", "scheduled_date": "0000-00-00 00:00:00"}
    )
    created = client.workorder_create(site_id=scheduled.site_id, summary="Fresh job, no date yet")
    assert private_upstream.store._workorder(created.id).scheduled_date == "0000-00-00 00:00:00"

    mirror_sync_open()  # the 2-minute cycle: new ids and status changes

    unscheduled = workorder_list(filters={"queue": "unscheduled"}, per_page=500).object_list
    assert {scheduled.id, created.id} <= ids(unscheduled)
    assert all(row.scheduled_date is None for row in unscheduled)
    summary = home_summary()
    assert created.id in ids(summary.unscheduled)  # the newest is shown on the home page
    assert summary.unscheduled_count == len(unscheduled)


def test_it_names_statuses_as_techlink_last_sent_them(db):
    from portal_ui.integrations.techlink import types
    from portal_ui.mirror.selectors import workorder_status_names
    from portal_ui.mirror.services import mirror_workorder_store

    assert workorder_status_names()[90] == "Closed"  # nothing seen yet: the built-in name
    mirror_workorder_store(
        workorder=types.WorkOrder(id=777, status="Completed", status_code=90, summary="Done")
    )
    assert workorder_status_names()[90] == "Completed"
    counts = {c.status_code: c.status for c in home_summary().status_counts}
    assert counts[90] == "Completed" and counts[60] == "Scheduled"
