"""The customer page renders from the dashboard's copy of the work order: no TechLink call in the request while
a copy exists, one background refresh when it is older than PORTAL_LINK_SNAPSHOT_MAX_AGE."""

from datetime import timedelta
from unittest.mock import Mock

import pytest
from django.utils import timezone

from portal_ui.portal_links import tasks
from portal_ui.portal_links.models import WorkOrderSnapshot
from portal_ui.portal_links.sharing import services as sharing_services

from .conftest import ALL_PERMISSIONS, SHARE_ALL, make_link, note, path_of

pytestmark = pytest.mark.django_db


def age_copy(workorder_id: int, seconds: int) -> None:
    WorkOrderSnapshot.objects.filter(pk=workorder_id).update(
        fetched_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.fixture
def queued(monkeypatch):
    """The background refreshes queued (nothing runs)."""
    calls = Mock()
    monkeypatch.setattr(tasks.snapshot_refresh, "apply_async", calls)
    return calls


def test_it_asks_techlink_nothing_while_the_copy_is_fresh(client, fake_upstream, queued, settings):
    settings.PORTAL_LINK_RATE_LIMIT = "1000/m"
    issued = make_link(permissions=ALL_PERMISSIONS, shared_items=SHARE_ALL)
    assert client.get(path_of(issued)).status_code == 200  # no copy yet: fetched once
    assert fake_upstream.workorder_gets == 1
    for _ in range(100):
        response = client.get(path_of(issued))
        assert response.status_code == 200
    assert "Gate code is 4711" in response.content.decode()
    assert fake_upstream.workorder_gets == 1  # 101 page views, one TechLink call
    assert not queued.called


def test_it_refreshes_a_stale_copy_once_in_the_background(
    client, fake_upstream, queued, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_LINK_SNAPSHOT_MAX_AGE = 60
    issued = make_link(permissions=ALL_PERMISSIONS, shared_items=SHARE_ALL)
    client.get(path_of(issued))
    age_copy(1001, 61)
    fake_upstream.notes = [note(1, "Gate code changed to 9999")]
    with django_capture_on_commit_callbacks(execute=True):
        pages = [client.get(path_of(issued)).content.decode() for _ in range(5)]
    assert fake_upstream.workorder_gets == 1  # nothing asked in the requests
    assert all("Gate code is 4711" in page for page in pages)  # the copy, as it was
    queued.assert_called_once_with(kwargs={"workorder_id": 1001}, queue="mirror")
    # The worker runs the refresh: the next view shows the new copy without asking TechLink itself.
    tasks.snapshot_refresh.run(workorder_id=1001)
    assert fake_upstream.workorder_gets == 2
    assert "Gate code changed to 9999" in client.get(path_of(issued)).content.decode()
    assert fake_upstream.workorder_gets == 2


def test_it_asks_for_a_lost_refresh_again_after_the_max_age(
    client, fake_upstream, queued, settings, time_machine
):
    settings.PORTAL_LINK_SNAPSHOT_MAX_AGE = 60
    time_machine.move_to(timezone.now(), tick=False)
    issued = make_link(shared_items=SHARE_ALL)
    client.get(path_of(issued))
    time_machine.shift(timedelta(seconds=61))
    assert sharing_services.workorder_snapshot_refresh_request(workorder_id=1001) is True
    assert sharing_services.workorder_snapshot_refresh_request(workorder_id=1001) is False
    time_machine.shift(timedelta(seconds=61))
    assert sharing_services.workorder_snapshot_refresh_request(workorder_id=1001) is True


def test_it_keeps_showing_the_copy_while_techlink_is_down(client, fake_upstream, queued):
    issued = make_link(permissions=ALL_PERMISSIONS, shared_items=SHARE_ALL)
    client.get(path_of(issued))
    age_copy(1001, 3600)
    fake_upstream.down = True
    response = client.get(path_of(issued))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Gate code is 4711" in html and "Updated 1\xa0hour ago" in html
    assert "not refreshed" in tasks.snapshot_refresh.run(workorder_id=1001)
    assert WorkOrderSnapshot.objects.get(pk=1001).data["notes"][0]["content"] == "Gate code is 4711"


def test_it_says_how_old_the_copy_is(client, fake_upstream, queued):
    issued = make_link()
    assert "Updated just now" in client.get(path_of(issued)).content.decode()
    age_copy(1001, 7 * 60 + 5)
    assert "Updated 7\xa0minutes ago" in client.get(path_of(issued)).content.decode()


def test_it_stores_a_work_order_techlink_does_not_know_and_says_so(
    client, fake_upstream, monkeypatch, queued
):
    from portal_ui.integrations.techlink import errors

    def not_found(workorder_id, **flags):
        fake_upstream.calls.append(("workorder_get", workorder_id, flags))
        raise errors.TechLinkNotFound("Work order not found")

    monkeypatch.setattr(fake_upstream, "workorder_get", not_found)
    issued = make_link()
    for _ in range(3):
        response = client.get(path_of(issued))
        assert "details of this work order are not available" in response.content.decode()
    assert WorkOrderSnapshot.objects.get(pk=1001).found is False
    assert len(fake_upstream.calls) == 1


def test_it_refreshes_the_copy_once_a_link_is_made(fake_upstream, django_capture_on_commit_callbacks, queued):
    with django_capture_on_commit_callbacks(execute=True):
        make_link(workorder="1001")
    queued.assert_called_once_with(kwargs={"workorder_id": 1001}, queue="mirror")


def test_it_serves_a_page_view_with_few_queries(client, fake_upstream, queued, django_assert_max_num_queries):
    issued = make_link(
        permissions=ALL_PERMISSIONS,
        shared_items={**SHARE_ALL, "customer_visible_notes": True, "all_photos": True},
    )
    client.get(path_of(issued))  # the copy and the grant exist from here on
    # Link, copy, notes marked visible, comments shown, view count, access log; the count and the log row in
    # one transaction (a savepoint and its release inside the test's own transaction).
    with django_assert_max_num_queries(8):
        response = client.get(path_of(issued))
    assert response.status_code == 200


def test_it_makes_a_warm_page_view_of_a_plain_link_in_five_queries(
    client, fake_upstream, queued, django_assert_max_num_queries
):
    issued = make_link(shared_items=SHARE_ALL)
    client.get(path_of(issued))
    # Link, copy, view count, access log (in one transaction: a savepoint and its release here); no session.
    with django_assert_max_num_queries(6):
        assert client.get(path_of(issued)).status_code == 200
