"""The schedule board (/schedule/) and asking for a date from it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal_ui.jobs.models import UpstreamWrite, WriteKind

from .factories_board import make_site, make_workorder

pytestmark = pytest.mark.django_db


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@pytest.fixture
def week():
    site = make_site()
    start = monday(timezone.localdate()) + timedelta(days=7)
    ana = make_workorder(
        site, scheduled=f"{start + timedelta(days=1)} 09:30", installer_name="Ana", status_code=60
    )
    ben = make_workorder(
        site, scheduled=f"{start + timedelta(days=3)} 14:00", installer_name="Ben", planned_tech_name="Cy"
    )
    late = make_workorder(site, scheduled="2020-01-06 08:00", installer_name="Ana", status_code=60)
    waiting = make_workorder(site, summary="Needs a date")
    asked = make_workorder(site, summary="Asked already", requested_time="2026-12-24 morning")
    return {
        "start": start,
        "ana": ana,
        "ben": ben,
        "late": late,
        "waiting": waiting,
        "asked": asked,
        "site": site,
    }


def test_week_view_has_a_lane_per_installer_and_cards_on_their_days(viewer_client, week):
    response = viewer_client.get(reverse("schedule"), {"date": week["start"].isoformat(), "view": "week"})
    assert response.status_code == 200
    board = response.context["board"]
    assert board.days[0] == week["start"] and len(board.days) == 7
    lanes = {lane.name: lane for lane in board.lanes}
    assert set(lanes) == {"Ana", "Ben"}
    assert [c.id for c in lanes["Ana"].days[1][1]] == [week["ana"].id]
    assert [c.id for c in lanes["Ben"].days[3][1]] == [week["ben"].id]
    assert lanes["Ana"].days[1][1][0].local_time == "09:30"  # the site's local time, as TechLink has it
    assert [c.id for c in board.unscheduled.cards] == [week["waiting"].id]
    assert [c.id for c in board.requested.cards] == [week["asked"].id]
    html = response.content.decode()
    assert "Requested, not yet scheduled" in html and "Unscheduled" in html


def test_planned_tech_lanes_and_day_view(viewer_client, week):
    day = week["start"] + timedelta(days=3)
    board = viewer_client.get(
        reverse("schedule"), {"date": day.isoformat(), "view": "day", "lane": "planned"}
    ).context["board"]
    assert board.days == [day]
    assert [lane.name for lane in board.lanes] == ["Cy"]


def test_overdue_is_marked(viewer_client, week):
    board = viewer_client.get(reverse("schedule"), {"date": "2020-01-06"}).context["board"]
    (card,) = [c for lane in board.lanes for _, cards in lane.days for c in cards]
    assert card.id == week["late"].id and card.overdue
    assert "Overdue" in viewer_client.get(reverse("schedule"), {"date": "2020-01-06"}).content.decode()


def test_filters(viewer_client, week):
    params = {"date": week["start"].isoformat()}
    board = viewer_client.get(reverse("schedule"), {**params, "installer": "be"}).context["board"]
    assert [lane.name for lane in board.lanes] == ["Ben"]
    board = viewer_client.get(reverse("schedule"), {**params, "status_code": "60"}).context["board"]
    assert [lane.name for lane in board.lanes] == ["Ana"]
    board = viewer_client.get(reverse("schedule"), {**params, "state": "fl"}).context["board"]
    assert len(board.lanes) == 2
    board = viewer_client.get(reverse("schedule"), {**params, "state": "TX"}).context["board"]
    assert board.lanes == []


@pytest.mark.parametrize(
    "params",
    [{"date": "2026-02-31"}, {"date": "yesterday"}, {"view": "month"}, {"lane": "x"}, {"status_code": "abc"}],
)
def test_bad_input_answers_with_the_board_and_a_message(viewer_client, week, params):
    response = viewer_client.get(reverse("schedule"), params)
    assert response.status_code == 400
    assert response.context["problems"]
    assert response.context["board"] is not None


def test_prev_next_today_links_keep_the_view(viewer_client, week):
    response = viewer_client.get(
        reverse("schedule"), {"date": "2026-03-04", "view": "day", "lane": "planned"}
    )
    assert "date=2026-03-03" in response.context["prev_url"] and "view=day" in response.context["prev_url"]
    assert (
        "date=2026-03-05" in response.context["next_url"] and "lane=planned" in response.context["next_url"]
    )


def test_live_refresh_answers_204_until_the_sync_brings_changes(viewer_client, week):
    response = viewer_client.get(reverse("schedule"))
    version = response.context["board"].version
    poll = viewer_client.get(reverse("schedule"), {"since": version}, headers={"HX-Request": "true"})
    assert poll.status_code == 204
    moved = week["waiting"]
    moved.scheduled_date, moved.install_date = f"{week['start']} 10:00:00", week["start"]
    moved.scheduled_at, moved.installer_name = timezone.now(), "Dee"
    moved.synced_at = timezone.now() + timedelta(seconds=5)
    moved.save()
    poll = viewer_client.get(
        reverse("schedule"),
        {"since": version, "date": week["start"].isoformat()},
        headers={"HX-Request": "true"},
    )
    assert poll.status_code == 200
    assert 'id="board"' in poll.content.decode() and "<html" not in poll.content.decode()
    assert "Dee" in [lane.name for lane in poll.context["board"].lanes]


def test_query_count_is_constant(viewer_client, week, django_assert_max_num_queries):
    from django.core.cache import cache, caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    params = {"date": week["start"].isoformat()}
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(reverse("schedule"), params)
    for i in range(40):
        make_workorder(
            week["site"], scheduled=f"{week['start'] + timedelta(days=i % 7)} 08:00", installer_name=f"T{i}"
        )
        make_workorder(week["site"])
    cache.clear()
    caches["fragments"].clear()
    assert len(few) <= 16
    with django_assert_max_num_queries(len(few)):
        viewer_client.get(reverse("schedule"), params)


def test_a_dispatcher_asks_for_a_date_through_the_outbox(dispatcher_client, week):
    wo = week["waiting"]
    day = timezone.localdate() + timedelta(days=3)
    response = dispatcher_client.post(
        reverse("ask_for_date", args=[wo.id]),
        {"day": day.isoformat(), "time": "09:00", "note": "Mornings only, please."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "write-status" in response.content.decode()
    update = UpstreamWrite.objects.get(kind=WriteKind.WORKORDER_UPDATE)
    assert update.payload["changes"] == {"requested_install": f"{day.isoformat()} 09:00"}
    note = UpstreamWrite.objects.get(kind=WriteKind.WORKORDER_NOTE_ADD)
    assert note.payload["note"] == "Mornings only, please."


def test_a_past_day_asks_for_confirmation(dispatcher_client, week):
    url = reverse("ask_for_date", args=[week["waiting"].id])
    past = (timezone.localdate() - timedelta(days=2)).isoformat()
    response = dispatcher_client.post(url, {"day": past})
    assert response.status_code == 400
    assert "in the past" in response.content.decode()
    assert not UpstreamWrite.objects.exists()
    response = dispatcher_client.post(url, {"day": past, "confirm_past": "on"})
    assert response.status_code == 302 and "write=" in response["Location"]
    assert UpstreamWrite.objects.count() == 1


def test_role_matrix(viewer_client, week, client_for, dispatcher, admin_user):
    url = reverse("ask_for_date", args=[week["waiting"].id])
    assert viewer_client.get(reverse("schedule")).status_code == 200
    assert "data-ask-card" not in viewer_client.get(reverse("schedule")).content.decode()
    assert viewer_client.post(url, {"day": "2030-01-01"}).status_code == 403
    assert not UpstreamWrite.objects.exists()
    for user in (dispatcher, admin_user):
        assert client_for(user).post(url, {"day": "2030-01-01"}).status_code == 302
    assert UpstreamWrite.objects.count() == 2


def test_without_javascript_a_card_links_to_its_ask_form(dispatcher_client, week):
    html = dispatcher_client.get(reverse("schedule")).content.decode()
    url = reverse("ask_for_date", args=[week["waiting"].id])
    assert f'href="{url}"' in html and 'draggable="true"' in html
    page = dispatcher_client.get(url)
    assert page.status_code == 200
    assert 'name="day"' in page.content.decode() and 'name="note"' in page.content.decode()


def test_the_search_box_and_the_navigation(viewer_client, rf, viewer):
    from django.template.loader import render_to_string

    request = rf.get("/", {"q": "switch"})
    request.user = viewer
    html = render_to_string("dispatch/_search_box.html", {"user": viewer, "request": request})
    assert 'action="/search/"' in html and "data-search-shortcut" in html and 'value="switch"' in html
    nav = viewer_client.get(reverse("schedule")).context["nav_items"]
    assert {"Schedule", "Map", "Saved views"} <= {item["label"] for item in nav}


def test_a_card_shows_its_pending_request_until_techlink_has_it(dispatcher_client, week):
    wo = week["waiting"]
    day = (timezone.localdate() + timedelta(days=4)).isoformat()
    dispatcher_client.post(reverse("ask_for_date", args=[wo.id]), {"day": day})
    html = dispatcher_client.get(reverse("schedule")).content.decode()
    card = html[html.index(f'id="card-{wo.id}"') :]
    card = card[: card.index("</article>")]
    assert f"Asking for {day}" in card
