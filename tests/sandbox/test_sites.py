import re

import requests

from .sandbox_helpers import site_fields, unique

SITE_KEYS = [
    "id",
    "name",
    "siteid",
    "phone",
    "notes",
    "timezone",
    "last_modified",
    "contact1",
    "contact2",
    "address",
    "attributes",
]
ADDRESS_KEYS = [
    "street",
    "street2",
    "street3",
    "city",
    "state",
    "stateabbr",
    "zip",
    "country",
    "latitude",
    "longitude",
]


def test_it_lists_site_ids_newest_first(api):
    body = api.ok("GET", "site")
    ids = body["data"]
    assert ids and all(isinstance(i, int) for i in ids)
    assert ids == sorted(ids, reverse=True)
    assert body["message"] == f"{len(ids)} sites found"


def test_it_says_one_site_and_zero_sites(api, new_site):
    city = unique("Solo")
    site = new_site(city=city)
    assert api.ok("GET", "site", params={"city": city}) | {"time": 0} == {
        "code": 200,
        "message": "1 site found",
        "data": [site["id"]],
        "time": 0,
    }
    assert api.ok("GET", "site", params={"city": unique("Nowhere")})["message"] == "0 sites found"


def test_it_creates_a_site_as_documented(api):
    fields = site_fields(
        site_id="  ST-00042 ",
        phone="803-555-1212",
        notes="This is an API test",
        secondary_contact_name="Tom Tester",
        secondary_contact_phone="706-555-1212",
        secondary_contact_email="tomtester@myname.com",
    )
    body = api.ok("POST", "site", data=fields)
    data = body["data"]
    site = data["site"]
    assert body["message"] == f"Site #{site['id']} successfully created"
    assert list(data) == ["success", "site_id", "site"]
    assert data["success"] is True and data["site_id"] == site["id"]
    assert list(site) == SITE_KEYS
    assert list(site["address"]) == ADDRESS_KEYS
    assert site["siteid"] == "  ST-00042 "  # kept exactly as given
    assert site["contact1"] == {
        "name": "Joe Tester",
        "phone": "803-555-1212",
        "email": "joetester@myname.com",
    }
    assert site["contact2"] == {
        "name": "Tom Tester",
        "phone": "706-555-1212",
        "email": "tomtester@myname.com",
    }
    assert site["address"]["state"] == "New York" and site["address"]["stateabbr"] == "NY"
    assert site["address"]["country"] == "US"
    assert site["timezone"] == "America/New_York"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", site["last_modified"])
    assert site["attributes"] == []
    detail = api.ok("GET", f"site/{site['id']}")
    assert detail["message"] == f"Site #{site['id']} found"
    assert detail["data"] == site


def test_it_accepts_state_abbreviations_and_sets_the_time_zone(new_site):
    site = new_site(state="tx", zip="75201-1234", city="Dallas")
    assert (site["address"]["state"], site["address"]["stateabbr"]) == ("Texas", "TX")
    assert site["address"]["zip"] == "75201-1234"
    assert site["timezone"] == "America/Chicago"


def test_it_accepts_canada_and_united_states_spellings(new_site):
    canadian = new_site(country="Canada", state="Ontario", zip="M5J 2J2")
    assert canadian["address"]["country"] == "Canada"
    assert canadian["address"]["stateabbr"] == "ON"
    assert new_site(country="United States", zip="123456789")["address"]["country"] == "US"


def test_it_names_every_missing_required_field_and_stores_nothing(api):
    before = api.ok("GET", "site")["data"]
    body = api.fails("POST", "site", 400, data={"name": "Half a site", "zip": "10021"})
    for field in (
        "address1",
        "city",
        "state",
        "primary_contact_name",
        "primary_contact_phone",
        "primary_contact_email",
    ):
        assert f"Missing required field: {field}" in body["message"]
    assert "name" not in body["message"].replace("contact_name", "")
    assert api.ok("GET", "site")["data"] == before


def test_it_validates_zip_state_country_and_email(api):
    for overrides, message in [
        ({"zip": "1234"}, "Invalid ZIP code"),
        ({"zip": "12345-12"}, "Invalid ZIP code"),
        ({"zip": "ABCDE"}, "Invalid ZIP code"),
        ({"state": "Atlantis"}, "Invalid state: Atlantis"),
        ({"country": "Mexico"}, "Invalid country"),
        ({"primary_contact_email": "not-an-email"}, "Invalid email address: primary_contact_email"),
        ({"enable_notifications": "999999"}, "Invalid user ID in enable_notifications: 999999"),
    ]:
        body = api.fails("POST", "site", 400, data=site_fields(**overrides))
        assert message in body["message"], overrides


def test_it_updates_only_the_fields_passed_even_if_empty(api, new_site):
    site = new_site(phone="803-555-0000", notes="Keep me", site_id="MARKER-1")
    body = api.ok("POST", f"site/{site['id']}", data={"phone": "", "address2": "Suite 9"})
    assert body["message"] == f"Site #{site['id']} successfully updated"
    updated = body["data"]["site"]
    assert updated["phone"] == ""
    assert updated["address"]["street2"] == "Suite 9"
    unchanged = {k: v for k, v in updated.items() if k not in ("phone", "address", "last_modified")}
    assert unchanged == {k: v for k, v in site.items() if k not in ("phone", "address", "last_modified")}
    assert updated["notes"] == "Keep me" and updated["siteid"] == "MARKER-1"


def test_it_refuses_to_empty_a_required_field_and_changes_nothing(api, new_site):
    site = new_site()
    body = api.fails("POST", f"site/{site['id']}", 400, data={"name": "", "phone": "555"})
    assert body["message"] == "Missing required field: name"
    assert api.ok("GET", f"site/{site['id']}")["data"] == site


def test_it_moves_the_state_and_time_zone_on_update(api, new_site):
    site = new_site()
    updated = api.ok("POST", f"site/{site['id']}", data={"state": "WA", "zip": "98101"})["data"]["site"]
    assert updated["address"]["state"] == "Washington"
    assert updated["timezone"] == "America/Los_Angeles"


def test_it_takes_arguments_from_the_query_string_on_post(api):
    fields = site_fields()
    body = api.ok(
        "POST",
        "site",
        params={"name": "From the query"},
        data={k: v for k, v in fields.items() if k != "name"},
    )
    assert body["data"]["site"]["name"] == "From the query"


def test_it_does_not_read_json_bodies(api):
    body = api.fails("POST", "site", 400, json=site_fields())
    assert "Missing required field: name" in body["message"]


def test_it_answers_404_for_an_unknown_site(api):
    assert api.fails("GET", "site/12", 404)["message"] == "Site #12 not found"
    assert api.fails("POST", "site/12", 404, data={"name": "x"})["message"] == "Site #12 not found"


def test_it_accepts_trailing_slashes(api, new_site):
    site = new_site()
    assert api.ok("GET", f"site/{site['id']}/")["data"]["id"] == site["id"]
    assert api.ok("GET", "site/")["data"][0] >= site["id"]


def test_it_answers_unknown_endpoints_and_methods_with_envelopes(api):
    assert api.fails("GET", "nothing-here", 404)["message"].startswith("Unknown endpoint")
    assert api.fails("GET", "site/abc", 404)["message"].startswith("Unknown endpoint")
    body = api.fails("PUT", "site", 405)
    assert "GET, POST" in body["message"]


def test_it_filters_sites_by_state_name_or_abbreviation_and_by_site_id(api, new_site):
    city = unique("Statesville")
    site = new_site(city=city, state="Georgia", zip="30303", site_id="ST-77777")
    for params in (
        {"state": "GA"},
        {"state": "georgia"},
        {"state": "Geo*"},
        {"site_id": "ST-7777*"},
        {"address": "321 Main*"},
        {"zip": "30303"},
    ):
        assert api.ok("GET", "site", params={"city": city, **params})["data"] == [site["id"]], params
    assert api.ok("GET", "site", params={"city": city, "state": "SC"})["data"] == []


def test_it_answers_json(sandbox):
    resp = requests.get(sandbox.base_url + "site", headers=sandbox.auth_headers, timeout=10)
    assert resp.headers["content-type"].startswith("application/json")
