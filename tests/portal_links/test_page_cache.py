"""The customer page's sections are drawn once per link and copy and kept in the cache: a customer never sees
them older than the link's settings, the copy or the note choices staff made."""

from datetime import timedelta
from unittest.mock import Mock

import pytest
import time_machine
from django.utils import timezone

from portal_ui.portal_links import services, tasks
from portal_ui.portal_links.models import PortalLink
from portal_ui.portal_links.sharing import services as sharing_services

from .conftest import ALL_PERMISSIONS, SHARE_ALL, make_link, note, path_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queued(monkeypatch, settings):
    """Background refreshes are queued, never run; the rate limit stays out of the way."""
    settings.PORTAL_LINK_RATE_LIMIT = "1000/m"
    calls = Mock()
    monkeypatch.setattr(tasks.snapshot_refresh, "apply_async", calls)
    return calls


def page(client, issued) -> str:
    response = client.get(path_of(issued))
    assert response.status_code == 200
    return response.content.decode()


def warm(client, issued) -> str:
    """The page once without a copy (fetched then), once drawn from the copy and kept."""
    page(client, issued)
    return page(client, issued)


def sections(html: str) -> str:
    """What the page draws from the copy: from the status to the comment form."""
    return html.split('id="status"', 1)[1].split('id="comment"', 1)[0]


def test_it_serves_a_repeat_view_without_drawing_or_reading_the_copy_again(
    client, fake_upstream, django_assert_max_num_queries
):
    issued = make_link(permissions=ALL_PERMISSIONS, shared_items=SHARE_ALL)
    first = warm(client, issued)
    # The link with its copy's state, the view counted and logged (a savepoint and its release around the
    # two writes inside the test's own transaction); the comments sent are read for the comment form.
    with django_assert_max_num_queries(6) as captured:
        again = page(client, issued)
    assert not any("portal_links_workordersnapshot" in q["sql"].split("FROM", 1)[-1][:60] for q in captured)
    assert sections(again) == sections(first)
    assert "Gate code is 4711" in again and "rack.jpg" not in again  # the photo's note is shown
    assert "Rack photo" in again and "floorplan.pdf" in again


def test_it_shows_a_refreshed_copy_at_once(client, fake_upstream):
    issued = make_link(permissions=ALL_PERMISSIONS, shared_items={**SHARE_ALL, "notes": [1, 2]})
    assert "Gate code is 4711" in warm(client, issued)
    fake_upstream.notes = [note(1, "Gate code is 4711"), note(2, "Bring a ladder")]
    sharing_services.workorder_snapshot_refresh(workorder_id=1001)
    assert "Bring a ladder" in page(client, issued)


def test_it_stops_showing_a_section_as_soon_as_the_link_stops_granting_it(client, fake_upstream):
    issued = make_link(permissions=ALL_PERMISSIONS, shared_items=SHARE_ALL)
    assert "Rack photo" in warm(client, issued)
    link = PortalLink.objects.get(pk=issued.link.pk)
    services.portal_link_update(link=link, changes={"permissions": {**ALL_PERMISSIONS, "view_photos": False}})
    shown = page(client, issued)
    assert "Rack photo" not in shown and 'id="photos"' not in shown


def test_it_hides_a_note_made_internal_again_at_once(client, fake_upstream):
    fake_upstream.notes = [note(1, "Gate code is 4711"), note(3, "Customer asked for mornings")]
    issued = make_link(
        permissions=ALL_PERMISSIONS, shared_items={**SHARE_ALL, "notes": [], "customer_visible_notes": True}
    )
    warm(client, issued)
    sharing_services.portal_link_note_visibility_set(workorder_id=1001, note_id=3, visible=True, user=None)
    assert "Customer asked for mornings" in page(client, issued)
    sharing_services.portal_link_note_visibility_set(workorder_id=1001, note_id=3, visible=False, user=None)
    shown = page(client, issued)
    assert "Customer asked for mornings" not in shown and "Gate code is 4711" not in shown


def test_it_gives_every_visitor_a_working_comment_form(client, fake_upstream, django_user_model):
    from django.test import Client

    issued = make_link(permissions=ALL_PERMISSIONS, shared_items=SHARE_ALL)
    warm(client, issued)
    other = Client(enforce_csrf_checks=True)
    shown = page(other, issued)
    assert 'name="csrfmiddlewaretoken"' in shown
    token = shown.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = other.post(
        path_of(issued) + "comment/",
        {"note": "Please call before you come", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
    )
    assert response.status_code == 302
    assert "Please call before you come" in page(other, issued)  # the comments sent are drawn per request


def test_it_shows_the_links_own_file_addresses_after_a_new_token(client, fake_upstream):
    issued = make_link(permissions=ALL_PERMISSIONS, shared_items=SHARE_ALL)
    assert f"{path_of(issued)}files/photo/7/" in warm(client, issued)
    renewed = services.portal_link_regenerate(link=PortalLink.objects.get(pk=issued.link.pk))
    shown = page(client, renewed)
    assert f"{path_of(renewed)}files/photo/7/" in shown and path_of(issued) not in shown


def test_it_keeps_a_page_without_forms_whole_and_still_says_how_old_the_copy_is(client, fake_upstream):
    issued = make_link(permissions={"view_photos": True}, shared_items=SHARE_ALL)
    first = warm(client, issued)
    assert "Updated just now" in first and "Rack photo" in first
    assert page(client, issued) == first  # kept whole: nothing on it belongs to one visitor
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        later = page(client, issued)
    assert "Updated 5\xa0minutes ago" in later and "Rack photo" in later


def test_it_draws_the_notice_after_sending_for_the_visitor_who_sent(client, fake_upstream):
    issued = make_link(permissions={"view_photos": True}, shared_items=SHARE_ALL)
    warm(client, issued)
    response = client.get(path_of(issued) + "?sent=comment")
    assert "Thank you, your comment was sent." in response.content.decode()
    assert "Thank you" not in page(client, issued)
