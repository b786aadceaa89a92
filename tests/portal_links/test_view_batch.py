"""Views of links without a view limit or view notifications are counted and logged in batches, off the
customer's request: late by at most PORTAL_LINK_VIEW_FLUSH_SECONDS, never lost to a refusing database, with
the files fetched from a view still nested under it."""

import pytest
from django.test import Client

from portal_ui.portal_links.customer import view_batch
from portal_ui.portal_links.models import AccessLog, PortalLink

from .conftest import SHARE_ALL, make_link, path_of

pytestmark = pytest.mark.django_db

FILES = {"view_photos": True, "view_client_documents": True, "download_documents": True}


@pytest.fixture(autouse=True)
def batched(settings):
    """Batches written after a minute (never during a test unless a test says so); none left behind."""
    settings.PORTAL_LINK_RATE_LIMIT = "1000/m"
    settings.PORTAL_LINK_VIEW_FLUSH_SECONDS = 60
    yield
    view_batch._take()


def counted(issued) -> tuple[int, list[str]]:
    link = PortalLink.objects.get(pk=issued.link.pk)
    return link.view_count, list(AccessLog.objects.filter(link_ref=link.pk).values_list("what", flat=True))


def test_it_counts_and_logs_a_batch_of_views_in_one_write(client, fake_upstream, django_assert_num_queries):
    issued = make_link()
    for _ in range(3):
        assert client.get(path_of(issued)).status_code == 200
    assert counted(issued) == (0, [])  # not yet written
    assert view_batch.views_pending(link_ref=issued.link.pk) == 3
    # One transaction (a savepoint inside the test's own): the log rows in one insert, one count update.
    with django_assert_num_queries(4):
        assert view_batch.views_flush() == 3
    count, rows = counted(issued)
    assert count == 3 and rows == ["page", "page", "page"]
    assert PortalLink.objects.get(pk=issued.link.pk).last_viewed_at is not None


def test_it_logs_the_address_of_each_batched_view(fake_upstream):
    issued = make_link()
    Client(REMOTE_ADDR="203.0.113.9").get(path_of(issued))
    view_batch.views_flush()
    row = AccessLog.objects.get(link_ref=issued.link.pk)
    assert (row.ip, row.what, row.outcome) == ("203.0.113.9", "page", "ok")


def test_it_counts_a_link_with_a_view_limit_in_the_request(client, fake_upstream):
    issued = make_link(access_restrictions={"max_views": 2})
    assert client.get(path_of(issued)).status_code == 200
    assert counted(issued)[0] == 1 and view_batch.views_pending() == 0
    assert client.get(path_of(issued)).status_code == 200
    assert client.get(path_of(issued)).status_code == 404  # the limit holds without waiting for a batch


def test_it_nests_a_file_under_its_batched_view(client, fake_upstream):
    issued = make_link(permissions=FILES, shared_items=SHARE_ALL)
    client.get(path_of(issued))
    client.get(f"{path_of(issued)}files/photo/7/")
    view = AccessLog.objects.get(link_ref=issued.link.pk, parent__isnull=True)
    assert view.what == "page"
    assert [d.what for d in view.downloads.all()] == ["photo 7"]


def test_it_keeps_views_the_database_refused_for_the_next_try(client, fake_upstream, monkeypatch):
    issued = make_link()
    for _ in range(2):
        client.get(path_of(issued))
    write = view_batch._write

    def refuse(batch):
        raise RuntimeError("database away")

    monkeypatch.setattr(view_batch, "_write", refuse)
    with pytest.raises(RuntimeError):
        view_batch.views_flush()
    assert view_batch.views_pending(link_ref=issued.link.pk) == 2
    monkeypatch.setattr(view_batch, "_write", write)
    assert view_batch.views_flush() == 2
    assert counted(issued)[0] == 2


def test_it_writes_a_full_batch_at_once(client, fake_upstream, monkeypatch):
    monkeypatch.setattr(view_batch, "BATCH_SIZE", 3)
    issued = make_link()
    for _ in range(3):
        client.get(path_of(issued))
    assert counted(issued)[0] == 3 and view_batch.views_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_it_writes_the_batch_from_its_timer(client, fake_upstream, settings):
    settings.PORTAL_LINK_VIEW_FLUSH_SECONDS = 0.05
    issued = make_link()
    client.get(path_of(issued))
    timer = view_batch._timer
    assert timer is not None
    timer.join(timeout=10)  # the timer's thread has written the batch when it ends
    assert counted(issued) == (1, ["page"])
