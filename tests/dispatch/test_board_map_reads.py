"""How the board and the map read the read model: the state filter's search rule, the cards' display values,
and the map's caches following the sync (work orders and sites)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal_ui.mirror.models import SiteRecord

from .factories_board import make_site, make_workorder

pytestmark = pytest.mark.django_db


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@pytest.fixture
def week():
    start = monday(timezone.localdate()) + timedelta(days=7)
    florida = make_site()  # Florida, FL
    texas = make_site(
        name="Austin Depot", city="Austin", state="Texas", stateabbr="", timezone="America/Chicago"
    )
    return {
        "start": start,
        "florida": make_workorder(florida, scheduled=f"{start} 09:30", installer_name="Ana"),
        "texas": make_workorder(texas, scheduled=f"{start + timedelta(days=2)} 14:00", installer_name="Ben"),
    }


def card_ids(board) -> set[int]:
    return {c.id for lane in board.lanes for _, cards in lane.days for c in cards}


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("flor", {"florida"}),  # plain text: contains, upper/lower case alike
        ("EXA", {"texas"}),
        ("fl", {"florida"}),  # the abbreviation as well
        ("t*", {"texas"}),  # a star keeps TechLink's meaning: the whole value matched
        ("*A", {"florida"}),  # letter by letter, upper/lower case alike
        ("x", {"texas"}),
        ("zz", set()),
    ],
)
def test_the_state_filter_follows_the_search_rule(viewer_client, week, state, expected):
    params = {"date": week["start"].isoformat(), "state": state}
    response = viewer_client.get(reverse("schedule"), params)
    assert response.status_code == 200
    assert card_ids(response.context["board"]) == {week[k].id for k in expected}


def test_a_literal_star_in_the_state_filter(viewer_client, week):
    odd = make_site(name="Odd", state="Star*State", stateabbr="")
    starred = make_workorder(odd, scheduled=f"{week['start']} 11:00", installer_name="Cy")
    board = viewer_client.get(
        reverse("schedule"), {"date": week["start"].isoformat(), "state": r"r\*s"}
    ).context["board"]
    assert card_ids(board) == {starred.id}


def test_the_map_shares_the_state_rule(viewer_client, week):
    data = viewer_client.get(reverse("map_data"), {"state": "flor"}).json()
    assert [s[0] for s in data["sites"]] == [week["florida"].site_id]


def test_cards_carry_their_display_values(viewer_client, week):
    response = viewer_client.get(reverse("schedule"), {"date": week["start"].isoformat()})
    board = response.context["board"]
    cards = {c.id: c for lane in board.lanes for _, cards in lane.days for c in cards}
    miami, austin = cards[week["florida"].id], cards[week["texas"].id]
    assert (miami.local_time, miami.zone, miami.place) == ("09:30", "EST", "Miami Cascade, Miami FL")
    assert (austin.local_time, austin.zone, austin.place) == ("14:00", "CST", "Austin Depot, Austin Texas")
    html = response.content.decode()
    assert f'id="card-{miami.id}"' in html and "09:30 EST" in html and "Miami Cascade, Miami FL" in html
    assert f'href="{reverse("workorder_detail", args=[miami.id])}"' in html


def test_card_text_is_escaped(viewer_client, week):
    site = make_site(name="<b>Bold</b> & Co")
    make_workorder(site, scheduled=f"{week['start']} 08:00", installer_name="<i>Eve</i>", summary="<script>x")
    html = viewer_client.get(reverse("schedule"), {"date": week["start"].isoformat()}).content.decode()
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html and "&lt;i&gt;Eve&lt;/i&gt;" in html


def test_the_map_follows_a_site_the_sync_changed(viewer_client, week):
    def label() -> str:
        data = viewer_client.get(reverse("map_data"), {"when": "all"}).json()
        return {s[0]: s[4] for s in data["sites"]}[week["florida"].site_id]

    assert label() == "Miami Cascade, Miami FL"
    site = SiteRecord.objects.get(pk=week["florida"].site_id)
    site.name, site.synced_at = "Miami Harbor", timezone.now()
    site.save()
    assert label() == "Miami Harbor, Miami FL"


def test_the_map_data_counts_match_the_page(viewer_client, week):
    make_workorder(SiteRecord.objects.get(pk=week["florida"].site_id))
    data = viewer_client.get(reverse("map_data"), {"when": "all"}).json()
    assert {s[0]: s[3] for s in data["sites"]} == {week["florida"].site_id: 2, week["texas"].site_id: 1}
    assert data["workorder_count"] == 3
    page = viewer_client.get(reverse("map"), {"when": "all"})
    assert "2 sites on the map" in page.content.decode()
