"""The access log: one row per page view with the files fetched from it nested under it, paged on the staff
page; refused and rate-limited requests are counted per link, never logged one by one."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from portal_ui.portal_links import services
from portal_ui.portal_links.models import AccessLog, AccessRefusal

from .conftest import SHARE_ALL, make_link, path_of, refusals

pytestmark = pytest.mark.django_db

FILES = {"view_photos": True, "view_client_documents": True, "download_documents": True}


def test_it_logs_one_row_per_page_view_with_its_files_nested(client, fake_upstream):
    issued = make_link(permissions=FILES, shared_items=SHARE_ALL)
    client.get(path_of(issued))
    for _ in range(3):  # the browser fetches the photo again: still one row under the view
        client.get(f"{path_of(issued)}files/photo/7/")
    client.get(f"{path_of(issued)}files/document/5/")
    client.get(path_of(issued))
    client.get(f"{path_of(issued)}files/photo/7/")
    views = list(AccessLog.objects.filter(link_ref=issued.link.pk, parent__isnull=True).order_by("id"))
    assert [v.what for v in views] == ["page", "page"]
    assert [d.what for d in views[0].downloads.order_by("id")] == ["photo 7", "document 5"]
    assert [d.what for d in views[1].downloads.all()] == ["photo 7"]
    assert AccessLog.objects.count() == 5


def test_it_nests_downloads_under_the_view_from_the_same_address(fake_upstream):
    issued = make_link(permissions=FILES, shared_items=SHARE_ALL)
    first, second = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="203.0.113.2")
    first.get(path_of(issued))
    second.get(path_of(issued))
    first.get(f"{path_of(issued)}files/photo/7/")
    view = AccessLog.objects.get(ip="203.0.113.1", parent__isnull=True)
    assert [d.what for d in view.downloads.all()] == ["photo 7"]
    assert not AccessLog.objects.get(ip="203.0.113.2", parent__isnull=True).downloads.exists()


def test_it_logs_nothing_for_unknown_links_and_counts_refusals_per_link(client, fake_upstream):
    inactive = make_link(is_active=False)
    for _ in range(3):
        assert client.get("/p/no-such-token-anywhere/").status_code == 404
        assert client.get(path_of(inactive)).status_code == 404
    assert AccessLog.objects.count() == 0
    assert refusals(inactive.link) == {"inactive": 3}
    assert list(AccessRefusal.objects.values_list("link_ref", flat=True)) == [inactive.link.pk]


def test_it_counts_rate_limited_requests_instead_of_logging_them(
    client, fake_upstream, settings, time_machine
):
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False)
    settings.PORTAL_LINK_RATE_LIMIT = "2/m"
    issued = make_link()
    for _ in range(2):
        client.get(path_of(issued))
    for _ in range(20):
        assert client.get(path_of(issued)).status_code == 429
        assert client.get("/p/some-unknown-token/").status_code == 429
    assert AccessLog.objects.count() == 2  # the two page views
    assert refusals(issued.link) == {"rate_limited": 20}
    assert AccessRefusal.objects.count() == 1


def test_it_pages_the_log_on_the_staff_page_and_shows_the_refusals(viewer_client, fake_upstream, settings):
    settings.PORTAL_LINK_RATE_LIMIT = "1000/m"
    issued = make_link(permissions=FILES, shared_items=SHARE_ALL)
    customer = Client()
    for _ in range(30):
        customer.get(path_of(issued))
    customer.get(f"{path_of(issued)}files/photo/7/")
    Client().get(path_of(services.portal_link_deactivate(link=issued.link) and issued))
    url = reverse("portal_link_detail", args=[issued.link.pk])
    first = viewer_client.get(url).content.decode()
    assert first.count("<tr>") - 1 == 25
    assert "Page 1 of 2 (30 entries)" in first
    assert "↳ photo 7" in first  # the newest view, with its download
    assert "deactivated 1" in first
    second = viewer_client.get(url, {"log_page": 2}).content.decode()
    assert second.count("<tr>") - 1 == 5 and "Page 2 of 2" in second
