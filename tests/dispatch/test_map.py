"""The map (/map/): its data, site cards, filters shared with the board, and sites without coordinates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .factories_board import make_site, make_workorder

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    today = timezone.localdate()
    miami = make_site()
    denver = make_site(
        name="Denver Yard", city="Denver", stateabbr="CO", latitude="39.7392", longitude="-104.9903"
    )
    nowhere = make_site(name="Unmapped", latitude=None, longitude=None)
    closed = make_site(name="Closed One")
    return {
        "miami": miami,
        "denver": denver,
        "nowhere": nowhere,
        "closed": closed,
        "today": make_workorder(miami, scheduled=f"{today} 10:00", installer_name="Ana", status_code=60),
        "open": make_workorder(denver),
        "late": make_workorder(denver, scheduled="2020-01-02 10:00", status_code=60),
        "unplaced": make_workorder(nowhere),
        "done": make_workorder(closed, status_code=90),
    }


def sites(data) -> dict[int, int]:
    return {s[0]: s[3] for s in data["sites"]}


def test_map_data_has_a_marker_per_site_with_open_work_orders(viewer_client, places):
    data = viewer_client.get(reverse("map_data")).json()
    assert sites(data) == {places["miami"].id: 1, places["denver"].id: 2}
    assert data["unplaced_count"] == 1
    (marker,) = [s for s in data["sites"] if s[0] == places["miami"].id]
    assert marker[1:3] == [25.7617, -80.1918]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("today", {"miami": 1}),
        ("overdue", {"denver": 1}),
        ("unscheduled", {"denver": 1}),
        ("all", {"miami": 1, "denver": 2, "closed": 1}),
    ],
)
def test_map_filters(viewer_client, places, when, expected):
    data = viewer_client.get(reverse("map_data"), {"when": when}).json()
    assert sites(data) == {places[k].id: n for k, n in expected.items()}


def test_week_and_board_filters(viewer_client, places):
    data = viewer_client.get(reverse("map_data"), {"when": "week"}).json()
    assert places["miami"].id in sites(data)
    data = viewer_client.get(reverse("map_data"), {"state": "co"}).json()
    assert set(sites(data)) == {places["denver"].id}
    data = viewer_client.get(reverse("map_data"), {"installer": "ana"}).json()
    assert set(sites(data)) == {places["miami"].id}


def test_the_page_lists_sites_without_coordinates_and_uses_the_tile_setting(viewer_client, places):
    response = viewer_client.get(reverse("map"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unmapped" in html
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert "vendor/leaflet/leaflet.js" in html and "unpkg" not in html and "cdn" not in html.lower()
    csp = response.headers.get("Content-Security-Policy", "")
    assert "img-src 'self' data: https://tile.openstreetmap.org" in csp


def test_site_card(viewer_client, places):
    url = reverse("map_site", args=[places["denver"].id])
    card = viewer_client.get(url, headers={"X-Map-Card": "1"})
    html = card.content.decode()
    assert card.status_code == 200 and "<html" not in html
    assert str(places["open"].id) in html and str(places["late"].id) in html
    page = viewer_client.get(url)
    assert "<html" in page.content.decode()  # a page of its own without JavaScript
    assert viewer_client.get(reverse("map_site", args=[999])).status_code == 404


@pytest.mark.parametrize("params", [{"when": "someday"}, {"status_code": "x"}, {"project_id": "abc"}])
def test_bad_filters_answer_with_a_message(viewer_client, places, params):
    assert viewer_client.get(reverse("map"), params).status_code == 400
    response = viewer_client.get(reverse("map_data"), params)
    assert response.status_code == 400 and response.json()["problems"]


def test_query_count_is_constant(viewer_client, places, django_assert_max_num_queries):
    for i in range(30):
        make_workorder(make_site(name=f"S{i}", latitude=f"3{i % 9}.1", longitude="-90.5"))
    with django_assert_max_num_queries(6):
        viewer_client.get(reverse("map_data"), {"when": "all"})
    with django_assert_max_num_queries(12):
        viewer_client.get(reverse("map"))


def test_map_needs_a_log_in(client):
    assert client.get(reverse("map_data")).status_code == 302


def test_settings_name_the_tile_host():
    assert settings.MAP_TILE_ORIGIN == "https://tile.openstreetmap.org"
    assert timedelta
