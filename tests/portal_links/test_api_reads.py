"""The API's reads stay lean: keys are checked through a short-lived per-process cache (a known key costs no
query while fresh, a revoke in this process takes effect at once and one elsewhere within the cache's lifetime,
a flood of bad keys costs at most one query each and writes nothing), a link by id is read without a join, and
links are rendered exactly as their schema serialises them."""

import pytest
from django.test import override_settings

from portal_ui.portal_links import api_keys, selectors, services
from portal_ui.portal_links.models import ApiKey, PortalLink

from .conftest import make_link

pytestmark = pytest.mark.django_db

LINKS = "/api/v1/workorder-portal-links"


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(api_keys, "_clock", lambda: now[0])
    return now


def get(client, path, key):
    return client.get(path, headers={"X-API-Key": key})


def test_it_checks_a_known_key_without_a_query_while_fresh(client, django_assert_num_queries):
    issued = services.api_key_create(name="CRM", namespaces=["acme"])
    link = make_link()
    assert get(client, f"{LINKS}/{link.link.pk}", issued.key).status_code == 200
    with django_assert_num_queries(1):  # the link itself
        assert get(client, f"{LINKS}/{link.link.pk}", issued.key).status_code == 200


def test_it_refuses_a_key_revoked_in_this_process_at_once(client):
    issued = services.api_key_create(name="CRM", namespaces=["acme"])
    assert get(client, LINKS, issued.key).status_code == 200
    services.api_key_revoke(api_key=issued.api_key)
    assert get(client, LINKS, issued.key).status_code == 401


@pytest.mark.parametrize("lifetime", [10, 60])
def test_it_refuses_a_key_revoked_elsewhere_once_its_cache_lifetime_ends(client, clock, lifetime):
    from django.utils import timezone

    issued = services.api_key_create(name="CRM", namespaces=["acme"])
    # A lifetime set while the process runs takes effect at once (the cache is rebuilt for it).
    with override_settings(PORTAL_LINK_API_KEY_CACHE_SECONDS=lifetime):
        assert get(client, LINKS, issued.key).status_code == 200
        # Another process revokes it: this one trusts its check for at most `lifetime` seconds.
        ApiKey.objects.filter(pk=issued.api_key.pk).update(revoked_at=timezone.now())
        clock[0] += lifetime - 1
        assert get(client, LINKS, issued.key).status_code == 200
        clock[0] += 2
        assert get(client, LINKS, issued.key).status_code == 401


def test_it_remembers_a_made_up_key_as_refused(client, django_assert_num_queries):
    made_up = "tlk_abcdefgh_" + "x" * 43
    assert get(client, LINKS, made_up).status_code == 401
    with django_assert_num_queries(0):
        assert api_keys.api_key_matching(key=made_up) is None


def test_a_burst_of_bad_keys_costs_at_most_a_query_each_and_writes_nothing(
    client, django_assert_max_num_queries
):
    services.api_key_create(name="CRM", namespaces=["acme"])
    bad = [f"tlk_prefix{n:04d}_{'y' * 43}" for n in range(200)]
    with django_assert_max_num_queries(len(bad)) as captured:
        for key in bad:
            assert get(client, LINKS, key).status_code == 401
    assert not [q for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    # The same bad key again and again: one query in all.
    with django_assert_max_num_queries(1):
        for _ in range(50):
            assert get(client, LINKS, bad[0]).status_code == 401
    # Malformed keys: no query at all.
    with django_assert_max_num_queries(0):
        for _ in range(50):
            assert get(client, LINKS, "not-a-key").status_code == 401


@pytest.mark.parametrize(
    ("link_namespaces", "key_namespaces"),
    [
        (["acme"], ["acme"]),
        (["acme"], ["acme", "globex"]),
        (["acme", "globex"], ["acme"]),
        (["globex"], ["acme"]),
        (["acme", "globex"], ["acme", "globex"]),
    ],
)
def test_it_sees_a_link_by_id_exactly_when_the_list_would_show_it(link_namespaces, key_namespaces):
    link = make_link(company_namespace=link_namespaces).link
    key = services.api_key_create(name="CRM", namespaces=key_namespaces).api_key
    listed = selectors.portal_links_visible_to(key).filter(pk=link.pk).exists()
    assert (selectors.portal_link_visible(api_key=key, link_id=link.pk) is not None) == listed
    assert selectors.portal_link_visible(api_key=None, link_id=link.pk) == PortalLink.objects.get(pk=link.pk)


# --- reads are rendered without a second validation -------------------------------------------------------


def test_it_renders_each_link_exactly_as_its_schema_serialises_it(client, api_key):
    import json

    from ninja.responses import NinjaJSONEncoder

    from portal_ui.portal_links import schemas

    link = make_link(
        label="Front desk",
        permissions={"view_notes": True},
        notification_settings={"on_first_view": ["ops@acme.example"]},
        custom_branding={"company_name": "Acme", "primary_color": "#123456"},
        metadata={"crm": "A-1"},
    ).link
    # Settings stored by an older release: a field the schema no longer names, another left out.
    PortalLink.objects.filter(pk=link.pk).update(
        permissions={"view_notes": True, "retired_setting": True},
        custom_branding={"company_name": "Acme", "old_banner": "x"},
    )
    link.refresh_from_db()
    expected = json.loads(
        json.dumps(
            schemas.LinkOut.model_validate(schemas.link_out(link)).model_dump(by_alias=True),
            cls=NinjaJSONEncoder,
        )
    )
    answered = get(client, f"{LINKS}/{link.pk}", api_key.key).json()["data"]
    assert answered == expected
    assert list(answered["permissions"]) == list(expected["permissions"])
    assert (
        "retired_setting" not in answered["permissions"] and "old_banner" not in answered["custom_branding"]
    )
    listed = get(client, f"{LINKS}?_id={link.pk}", api_key.key).json()["data"]
    assert listed == [expected]
