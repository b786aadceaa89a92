"""What a customer's browser has proven for a link is kept in a signed cookie of the customer pages: a page view
makes no server-side session, a forged or foreign cookie opens nothing, and passing a gate issues a new value."""

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client

from portal_ui.portal_links.customer import grants

from .conftest import make_link, path_of

pytestmark = pytest.mark.django_db

PASSCODE = "blue-door-42"


def secure_link():
    return make_link(link_type="secure", access_restrictions={"passcode": PASSCODE})


def test_it_serves_a_public_page_view_without_a_session_row(client, fake_upstream):
    issued = make_link()
    response = client.get(path_of(issued))
    assert response.status_code == 200
    assert Session.objects.count() == 0
    cookie = response.cookies[grants.COOKIE_NAME]
    assert cookie["path"] == "/p/"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"]


def test_it_sets_no_cookie_again_for_a_repeated_view(client, fake_upstream):
    issued = make_link()
    client.get(path_of(issued))
    assert grants.COOKIE_NAME not in client.get(path_of(issued)).cookies


def test_it_opens_a_passcode_link_for_the_browser_that_entered_it_only(client, fake_upstream):
    issued = secure_link()
    client.post(path_of(issued), {"action": "passcode", "passcode": PASSCODE})
    assert "Install fibre router" in client.get(path_of(issued)).content.decode()
    assert "Enter the passcode" in Client().get(path_of(issued)).content.decode()
    assert Session.objects.count() == 0


def test_it_opens_nothing_with_a_forged_cookie(client, fake_upstream):
    issued = secure_link()
    grant = {issued.link.pk: {"v": issued.link.token_version, "g": issued.link.gate_version, "passed": True}}
    for forged in (
        signing.dumps(grant, salt="another purpose"),
        signing.dumps(grant, key="not-the-secret-key", salt=grants.SALT),
        signing.dumps(grant, salt=grants.SALT)[:-2] + "xx",
        "garbage",
    ):
        client.cookies[grants.COOKIE_NAME] = forged
        html = client.get(path_of(issued)).content.decode()
        assert "Enter the passcode" in html and "Install fibre router" not in html


def test_it_issues_a_new_cookie_value_when_the_gate_is_passed(client, fake_upstream):
    issued = secure_link()
    planted = signing.dumps({}, salt=grants.SALT)
    client.cookies[grants.COOKIE_NAME] = planted
    response = client.post(path_of(issued), {"action": "passcode", "passcode": PASSCODE})
    assert response.cookies[grants.COOKIE_NAME].value not in ("", planted)
    # The planted value itself still opens nothing.
    other = Client()
    other.cookies[grants.COOKIE_NAME] = planted
    assert "Enter the passcode" in other.get(path_of(issued)).content.decode()


def test_it_keeps_the_grants_of_the_links_opened_last(client, fake_upstream):
    issued = [make_link() for _ in range(grants.MAX_GRANTS + 2)]
    for link in issued:
        assert client.get(path_of(link)).status_code == 200
    held = signing.loads(client.cookies[grants.COOKIE_NAME].value, salt=grants.SALT)
    assert list(held) == [link.link.pk for link in issued[-grants.MAX_GRANTS :]]
