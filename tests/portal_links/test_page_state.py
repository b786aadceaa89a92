"""A customer page reads its link (with the copy's and the note choices' state) from what the web process kept,
under the generation of that state in the shared cache: a repeat view reads no database, and every change of a
link, its copy or its note choices shows on the next view."""

from datetime import timedelta
from unittest.mock import Mock

import pytest
import time_machine
from django.core.cache import caches
from django.utils import timezone

from portal_ui.portal_links import selectors, services, tasks
from portal_ui.portal_links.models import LinkStatus, PortalLink

from .conftest import make_link, path_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queued(monkeypatch, settings):
    """Background refreshes are queued, never run; the rate limit stays out of the way."""
    settings.PORTAL_LINK_RATE_LIMIT = "1000/m"
    monkeypatch.setattr(tasks.snapshot_refresh, "apply_async", Mock())


def token_of(issued) -> str:
    return path_of(issued).split("/")[2]


def read(issued) -> PortalLink | None:
    return selectors.portal_link_for_page(token=token_of(issued))


def test_it_reads_a_kept_link_without_a_query(client, fake_upstream, django_assert_num_queries):
    issued = make_link()
    for _ in range(2):  # without a copy (fetched then), then from the copy
        assert client.get(path_of(issued)).status_code == 200
    with django_assert_num_queries(0):
        link = read(issued)
    assert link.pk == issued.link.pk and link.copy_fetched_at is not None


def test_it_refuses_a_deactivated_link_on_the_next_view(client, fake_upstream):
    issued = make_link()
    assert client.get(path_of(issued)).status_code == 200
    services.portal_link_deactivate(link=PortalLink.objects.get(pk=issued.link.pk))
    assert client.get(path_of(issued)).status_code == 404


def test_it_refuses_the_old_address_after_a_new_token_on_the_next_view(client, fake_upstream):
    issued = make_link()
    assert client.get(path_of(issued)).status_code == 200
    again = services.portal_link_regenerate(link=PortalLink.objects.get(pk=issued.link.pk))
    assert client.get(path_of(issued)).status_code == 404
    assert client.get(path_of(again)).status_code == 200


def test_it_shows_changed_settings_on_the_next_view(client, fake_upstream):
    issued = make_link()
    assert "Status" in client.get(path_of(issued)).content.decode()
    link = PortalLink.objects.get(pk=issued.link.pk)
    services.portal_link_update(link=link, changes={"permissions": {"view_status": False}})
    assert read(issued).permissions["view_status"] is False


def test_it_refuses_a_link_once_its_expiry_passes_without_any_write(client, fake_upstream):
    issued = make_link(expiry_date=timezone.now() + timedelta(days=1))
    assert client.get(path_of(issued)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert client.get(path_of(issued)).status_code == 404


def test_it_reads_a_used_up_link_as_used_up(client, fake_upstream):
    issued = make_link(access_restrictions={"max_views": 2})
    for _ in range(2):  # the second view reads the link kept with the copy, and uses the link up
        assert client.get(path_of(issued)).status_code == 200
    assert read(issued).status == LinkStatus.EXHAUSTED
    assert client.get(path_of(issued)).status_code == 404


def test_it_never_keeps_a_read_that_a_change_overtook(fake_upstream, monkeypatch):
    """A link read from the database while staff deactivate it is kept under the generation read before the
    read, which the deactivation moved: the next read goes to the database again."""
    issued = make_link()
    original = selectors._link_for_page

    def read_then_deactivated(token_hash):
        link = original(token_hash)
        services.portal_link_deactivate(link=PortalLink.objects.get(pk=issued.link.pk))
        return link

    monkeypatch.setattr(selectors, "_link_for_page", read_then_deactivated)
    assert read(issued).is_active
    monkeypatch.setattr(selectors, "_link_for_page", original)
    assert read(issued).is_active is False


def test_it_reads_the_database_when_the_shared_cache_is_down(fake_upstream, monkeypatch):
    issued = make_link()
    monkeypatch.setattr(caches["default"], "get_many", Mock(side_effect=ConnectionError("down")))
    assert read(issued).pk == issued.link.pk
    services.portal_link_deactivate(link=PortalLink.objects.get(pk=issued.link.pk))
    assert read(issued).is_active is False


def test_it_keeps_nothing_for_an_unknown_token(db, django_assert_num_queries):
    assert selectors.portal_link_for_page(token="no-such-token") is None
    with django_assert_num_queries(1):
        assert selectors.portal_link_for_page(token="no-such-token") is None
