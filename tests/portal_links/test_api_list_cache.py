"""A read answer (a list, a link) is kept while the links it shows are unchanged, and never outlives a change: a new link, an
edit, a deletion, a customer's view, the clock passing an expiry date."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from portal_ui.portal_links import selectors, services
from portal_ui.portal_links.models import PortalLink

from .conftest import make_link, path_of

pytestmark = pytest.mark.django_db


def listed(api, **params) -> dict[str, dict]:
    response = api.get("/workorder-portal-links", params)
    assert response.status_code == 200
    return {row["_id"]: row for row in response.json()["data"]}


def test_it_answers_a_repeated_list_in_one_query(api, django_assert_num_queries):
    make_link()
    first = api.get("/workorder-portal-links", {"per_page": 25}).content
    with django_assert_num_queries(1):  # the fingerprint of the key's links; the key is checked from memory
        again = api.get("/workorder-portal-links", {"per_page": 25}).content
    assert again == first


def test_it_lists_a_new_link_at_once(api):
    make_link(label="First")
    assert [row["label"] for row in listed(api).values()] == ["First"]
    make_link(label="Second")
    assert sorted(row["label"] for row in listed(api).values()) == ["First", "Second"]


def test_it_lists_an_edit_and_a_deactivation_at_once(api):
    issued = make_link(label="Before")
    listed(api)
    link = PortalLink.objects.get(pk=issued.link.pk)
    services.portal_link_update(link=link, changes={"label": "After"})
    assert listed(api)[link.pk]["label"] == "After"
    services.portal_link_deactivate(link=link)
    row = listed(api)[link.pk]
    assert row["is_active"] is False and row["status"] == "inactive"


def test_it_drops_a_deleted_link_at_once(api):
    kept, gone = make_link(label="Kept"), make_link(label="Gone")
    assert len(listed(api)) == 2
    services.portal_link_delete(link=PortalLink.objects.get(pk=gone.link.pk))
    assert list(listed(api)) == [kept.link.pk]


def test_it_counts_a_customers_view_at_once(api, client, fake_upstream, settings):
    settings.PORTAL_LINK_RATE_LIMIT = "1000/m"
    issued = make_link()
    assert listed(api)[issued.link.pk]["view_count"] == 0
    assert client.get(path_of(issued)).status_code == 200
    assert listed(api)[issued.link.pk]["view_count"] == 1


def test_it_shows_a_link_expired_once_its_expiry_date_has_passed(api):
    issued = make_link(expiry_date=timezone.now() + timedelta(minutes=1))
    assert listed(api)[issued.link.pk]["status"] == "active"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):  # well within the answer's timeout
        assert listed(api)[issued.link.pk]["status"] == "expired"
        assert listed(api, is_active="true")[issued.link.pk]["status"] == "expired"


def test_it_keeps_each_keys_answer_to_its_own_links(api, other_api):
    make_link(company_namespace=["acme"], label="Acme's")
    make_link(company_namespace=["globex"], label="Globex's")
    assert [row["label"] for row in listed(api).values()] == ["Acme's"]
    assert [row["label"] for row in listed(other_api).values()] == ["Globex's"]


def test_it_fingerprints_exactly_the_links_the_key_may_see(api_key):
    make_link(company_namespace=["acme"])
    make_link(company_namespace=["acme", "globex"])  # not all of its namespaces are the key's
    make_link(company_namespace=["globex"])
    key = api_key.api_key
    visible = selectors.portal_links_visible_to(key).count()
    assert visible == 1
    assert selectors.portal_links_fingerprint(api_key=key).split("|")[0] == str(visible)


def got(api, link_pk) -> dict:
    response = api.get(f"/workorder-portal-links/{link_pk}")
    assert response.status_code == 200
    return response.json()["data"]


def test_it_answers_a_repeated_get_in_one_query(api, django_assert_num_queries):
    issued = make_link(label="Front desk")
    first = api.get(f"/workorder-portal-links/{issued.link.pk}").content
    with django_assert_num_queries(1):  # the link's fingerprint; the key is checked from memory
        again = api.get(f"/workorder-portal-links/{issued.link.pk}").content
    assert again == first and b"Front desk" in again


def test_it_gets_an_edit_a_view_and_an_expiry_at_once(api, client, fake_upstream, settings):
    settings.PORTAL_LINK_RATE_LIMIT = "1000/m"
    issued = make_link(label="Before", expiry_date=timezone.now() + timedelta(minutes=1))
    link = PortalLink.objects.get(pk=issued.link.pk)
    assert got(api, link.pk)["label"] == "Before"
    services.portal_link_update(link=link, changes={"label": "After"})
    assert got(api, link.pk)["label"] == "After"
    client.get(path_of(issued))
    assert got(api, link.pk)["view_count"] == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):  # well within the answer's timeout
        assert got(api, link.pk)["status"] == "expired"


def test_it_never_gets_a_kept_answer_for_a_key_that_may_not_see_the_link(api, other_api):
    issued = make_link(company_namespace=["acme"])
    assert got(api, issued.link.pk)["_id"] == issued.link.pk  # kept from here on
    assert other_api.get(f"/workorder-portal-links/{issued.link.pk}").status_code == 404


def test_it_fingerprints_a_link_exactly_when_the_key_may_see_it(api_key):
    key = api_key.api_key
    links = [
        make_link(company_namespace=names).link
        for names in (["acme"], ["acme", "globex"], ["globex"], ["acme", "default"])
    ]
    for link in links:
        visible = selectors.portal_link_visible(api_key=key, link_id=link.pk) is not None
        assert (selectors.portal_link_fingerprint(api_key=key, link_id=link.pk) is not None) == visible
    assert selectors.portal_link_fingerprint(api_key=key, link_id="nosuchlink") is None
