"""Calendar feeds: private, revocable iCalendar URLs of scheduled installs, parsed with icalendar."""

from __future__ import annotations

import re
from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from portal_ui.dispatch.models import CalendarFeed, SavedView

from .factories_board import make_site, make_workorder

pytestmark = pytest.mark.django_db


@pytest.fixture
def installs():
    site = make_site()
    soon = timezone.localdate() + timedelta(days=2)
    return [
        make_workorder(site, scheduled=f"{soon} 09:00", installer_name="Ana", summary="Switch install"),
        make_workorder(site, scheduled=f"{soon} 13:00", installer_name="Ben", summary="Router swap"),
        make_workorder(site, scheduled=f"{soon} 15:00", installer_name="Ana", status_code=95),  # cancelled
        make_workorder(site),  # unscheduled
    ]


def new_feed(client, **data) -> str:
    client.post(reverse("calendar_feed_new"), data)
    page = client.get(reverse("saved_views")).content.decode()
    return re.search(r'value="(http[^"]+\.ics)"', page).group(1)


def events(client, url) -> list:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_the_feed_has_one_event_per_scheduled_install(viewer_client, client, installs):
    url = new_feed(viewer_client)
    found = events(client, url)  # no log-in: the token is the key
    uids = sorted(str(e["uid"]).split("@")[0] for e in found)
    assert uids == sorted(f"workorder-{w.id}" for w in installs[:2])  # cancelled and unscheduled left out
    first = next(e for e in found if str(installs[0].id) in str(e["summary"]))
    assert str(first["summary"]) == f"WO {installs[0].id}: Switch install"
    assert "1 Ocean Drive" in str(first["location"]) and "Miami" in str(first["location"])
    assert str(first["url"]).endswith(f"/workorders/{installs[0].id}/")
    assert first.decoded("dtstart") == installs[0].scheduled_at


def test_a_feed_of_a_saved_view(viewer_client, viewer, client, installs):
    view = SavedView.objects.create(owner=viewer, name="Ana", page="schedule", query="installer=ana")
    url = new_feed(viewer_client, saved_view=str(view.pk))
    assert [str(e["summary"]) for e in events(client, url)] == [f"WO {installs[0].id}: Switch install"]


def test_a_revoked_or_unknown_feed_answers_404(viewer_client, client, installs):
    url = new_feed(viewer_client)
    feed = CalendarFeed.objects.get()
    assert viewer_client.post(reverse("calendar_feed_revoke", args=[feed.pk])).status_code == 302
    assert client.get(url).status_code == 404
    assert client.get(reverse("calendar_feed", args=["nope"])).status_code == 404


def test_only_the_owner_revokes_and_the_token_is_stored_hashed(
    viewer_client, dispatcher, client_for, installs
):
    url = new_feed(viewer_client)
    feed = CalendarFeed.objects.get()
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in feed.token_hash
    assert client_for(dispatcher).post(reverse("calendar_feed_revoke", args=[feed.pk])).status_code == 404
    assert client_for(dispatcher).get(url).status_code == 200


def test_feed_query_count_is_constant(viewer_client, client, installs, django_assert_max_num_queries):
    url = new_feed(viewer_client)
    site = make_site()
    for i in range(30):
        make_workorder(site, scheduled=f"{timezone.localdate() + timedelta(days=1)} 0{i % 9}:00")
    with django_assert_max_num_queries(5):
        assert len(events(client, url)) == 32
