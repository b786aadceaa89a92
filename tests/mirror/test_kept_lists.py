"""The staff lists keep what they drew until the read model changes: whatever the sync stores, changes or
removes shows on the next request (home, work order list, site search), never a kept copy from before."""

from __future__ import annotations

from datetime import timedelta
from html import escape

import pytest
import time_machine
from django.core.cache import cache, caches
from django.urls import reverse
from django.utils import timezone

from portal_ui.core.upstream import techlink_client
from portal_ui.integrations.techlink import types
from portal_ui.mirror import services
from portal_ui.mirror.models import SyncLease, WorkOrderRecord
from portal_ui.mirror.selectors import freshness

from .conftest import make_site, make_wo

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    caches["fragments"].clear()
    yield
    cache.clear()
    caches["fragments"].clear()


def page(client, url_name: str, /, **params) -> str:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_a_work_order_the_sync_changed_on_home_and_in_the_list(viewer_client, private_upstream):
    services.mirror_sync_full()
    services.mirror_sync_reference()
    record = WorkOrderRecord.objects.order_by("-id").first()
    lists = [("home", {}), ("workorders", {}), ("workorders", {"id": str(record.id)})]
    for name, params in lists:
        assert escape(record.summary) in page(viewer_client, name, **params)  # drawn and kept
    techlink_client().workorder_update(record.id, summary="Swap the core switch 5521")

    services.mirror_workorder_refresh(workorder_id=record.id)

    for name, params in lists:
        html = page(viewer_client, name, **params)
        assert "Swap the core switch 5521" in html, name
    partial = viewer_client.get(reverse("workorders"), {"id": str(record.id)}, **HTMX).content.decode()
    assert "Swap the core switch 5521" in partial and "<html" not in partial


def test_it_shows_a_site_the_sync_renamed_in_the_search_and_on_its_work_orders(
    viewer_client, private_upstream
):
    services.mirror_sync_full()
    record = WorkOrderRecord.objects.exclude(site_id=None).order_by("-id").first()
    by_code = {"site_code": str(record.site_id)}
    assert escape(record.site_name) in page(viewer_client, "sites", **by_code)
    assert escape(record.site_name) in page(viewer_client, "workorders", id=str(record.id))
    techlink_client().site_update(record.site_id, name="Harbor Point Depot 5521")

    services.mirror_site_refresh(site_id=record.site_id)

    assert "Harbor Point Depot 5521" in page(viewer_client, "sites", **by_code)
    assert "Harbor Point Depot 5521" in page(viewer_client, "workorders", id=str(record.id))


def test_it_drops_a_work_order_the_sync_removed_without_storing_anything_else(
    viewer_client, private_upstream
):
    services.mirror_sync_full()
    ghost = make_wo(id=987661, summary="Ghost antenna 5521", synced_at=timezone.now() - timedelta(hours=2))
    assert "Ghost antenna 5521" in page(viewer_client, "workorders", id=str(ghost.id))
    assert "Ghost antenna 5521" in page(viewer_client, "workorders", summary="ghost")

    report = services.mirror_sync_open(budget=0)  # finds it gone upstream; stores nothing else

    assert report.workorders_deleted == 1
    assert "Ghost antenna 5521" not in page(viewer_client, "workorders", id=str(ghost.id))
    assert "Ghost antenna 5521" not in page(viewer_client, "workorders", summary="ghost")


def test_it_names_a_status_as_the_sync_last_stored_it(viewer_client, db):
    services.mirror_workorder_store(workorder=types.WorkOrder(id=7781, status="Closed", status_code=90))
    assert "Closed" in page(viewer_client, "home")
    assert '<option value="90">Closed</option>' in page(viewer_client, "workorders")

    services.mirror_workorder_store(workorder=types.WorkOrder(id=7782, status="Completed", status_code=90))

    assert "Completed <span" in page(viewer_client, "home")
    assert '<option value="90">Completed</option>' in page(viewer_client, "workorders")


def test_it_shows_a_new_site_in_a_search_that_found_nothing(viewer_client, db):
    assert "No site matches this search." in page(viewer_client, "sites", name="lighthouse")

    make_site(name="Lighthouse Storage 5521")  # as the sync stores it

    html = page(viewer_client, "sites", name="lighthouse")
    assert "Lighthouse Storage 5521" in html and "No site matches" not in html


def test_it_reads_the_freshness_line_and_the_version_in_one_query(
    db, django_assert_num_queries, private_upstream
):
    services.mirror_sync_full()
    before = freshness()
    for name, minutes in (("open", 1), ("full", 1), ("new", -1)):  # two cycles running, one lease run out
        until = timezone.now() + timedelta(minutes=minutes)
        SyncLease.objects.update_or_create(name=name, defaults={"owner": name, "until": until})

    with django_assert_num_queries(1):
        now = freshness()

    assert now.running == "full, open"
    assert (now.workorder_count, now.site_count) == (before.workorder_count, before.site_count)
    assert now.full_sync_at == before.full_sync_at and now.full_sync_at is not None
    assert now.version == before.version != ""
    services.mirror_workorder_store(workorder=types.WorkOrder(id=7783, status="New", status_code=10))
    assert freshness().version != now.version


def test_it_names_a_project_as_last_stored_even_without_the_other_lists(viewer_client, db):
    services.mirror_reference_store(
        projects=[types.Project(project_id=41, name="Alpha rollout")], task_items=[], users=[]
    )
    record = make_wo(project_id=41)
    assert "Alpha rollout" in page(viewer_client, "workorders", id=str(record.id))

    # A page that fetched only the projects from TechLink stores them (the lists do not count as synced).
    services.mirror_reference_store(projects=[types.Project(project_id=41, name="Beta rollout")])

    html = page(viewer_client, "workorders", id=str(record.id))
    assert "Beta rollout" in html and "Alpha rollout" not in html


def test_it_drops_a_work_order_found_gone_when_opened_within_a_minute(client, viewer, private_upstream):
    services.mirror_sync_full()
    ghost = make_wo(id=987662, summary="Ghost antenna 6631", synced_at=timezone.now() - timedelta(hours=2))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(viewer)
        assert "Ghost antenna 6631" in page(client, "workorders", id=str(ghost.id))

        assert services.mirror_workorder_refresh(workorder_id=ghost.id) is None  # TechLink: 404
        clock.shift(timedelta(seconds=61))  # removed on its own, between two sync cycles: a minute at most

        assert "Ghost antenna 6631" not in page(client, "workorders", id=str(ghost.id))


def test_it_shows_what_a_sync_cycle_stored_on_the_next_page(viewer_client, private_upstream):
    for _ in range(2):  # read, then kept
        assert "has not been synced yet" in page(viewer_client, "home")
        assert "No site matches this search." in page(viewer_client, "sites", name="*")

    report = services.mirror_sync_open(budget=0)  # bulk writes of records and of the sync's state

    assert report.workorders_upserted > 0
    html = page(viewer_client, "home")
    assert "has not been synced yet" not in html and "Lists as of" in html
    assert "No site matches this search." not in page(viewer_client, "sites", name="*")


def test_it_says_a_sync_failed_on_the_next_page(viewer_client, db):
    from portal_ui.mirror.services.sync import _record_error

    services.mirror_reference_store(projects=[], task_items=[], users=[])  # the sync's state made here
    for _ in range(2):
        assert "Last sync problem" not in page(viewer_client, "workorders")

    _record_error("TechLink answered 503")

    assert "Last sync problem: TechLink answered 503" in page(viewer_client, "workorders")
