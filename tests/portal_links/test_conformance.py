"""The API against the seed (workorder-portal-link-api.txt): the minimal create body, the list's query string
as the seed spells it, strict query parameters, and `url` documented as it behaves."""

import pytest
from django.utils import timezone

from portal_ui.mirror.models import SiteRecord, WorkOrderRecord
from portal_ui.portal_links.models import PortalLink

from .conftest import ApiClient, make_link, mirror_workorder

pytestmark = pytest.mark.django_db

BASE = "/workorder-portal-links"
BASE_URL = f"/api/v1{BASE}"


def mirror_site(workorder_id: int, *emails: str) -> None:
    """The work order in the read model, at a site whose contacts have these addresses."""
    now = timezone.now()
    site = SiteRecord.objects.create(
        id=workorder_id + 500_000,
        name="Harbour Office",
        contact1_email=emails[0] if emails else "",
        contact2_email=emails[1] if len(emails) > 1 else "",
        synced_at=now,
    )
    WorkOrderRecord.objects.update_or_create(
        pk=workorder_id, defaults={"summary": "Install", "site": site, "synced_at": now}
    )


def get(api, query: str):
    return api.client.get(f"{BASE_URL}?{query}", headers=api.headers)


# --- the minimal create body --------------------------------------------------------------------------------


def test_it_creates_a_private_link_for_the_site_contacts_from_the_minimal_body(api):
    mirror_site(100301, "Pat@Customer.example", "sam@customer.example")
    response = api.post(BASE, {"workorder": "100301"})
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["link_type"] == "private"
    assert data["access_restrictions"]["allowed_emails"] == ["pat@customer.example", "sam@customer.example"]
    assert data["url"]


def test_it_asks_techlink_for_the_site_contacts_the_read_model_lacks(api, upstream):
    from portal_ui.core.upstream import techlink_client

    client = techlink_client()
    workorder = next(
        wo
        for wo in (client.workorder_get(i, include_site=True) for i in client.workorder_ids()[:20])
        if wo.site and wo.site.contact1.email
    )
    response = api.post(BASE, {"workorder": str(workorder.id)})
    assert response.status_code == 201, response.json()
    allowed = response.json()["data"]["access_restrictions"]["allowed_emails"]
    assert workorder.site.contact1.email.lower() in allowed


def test_it_answers_400_when_the_site_has_no_contact_address(api):
    mirror_site(100302)
    response = api.post(BASE, {"workorder": "100302"})
    assert response.status_code == 400
    message = " ".join(response.json()["error"]["fields"]["access_restrictions.allowed_emails"])
    assert "no contact e-mail address" in message
    assert PortalLink.objects.count() == 0


def test_it_gates_a_link_made_private_by_update_with_the_site_contacts(api):
    mirror_site(100303, "pat@customer.example")
    link_id = api.post(BASE, {"workorder": "100303", "link_type": "public"}).json()["data"]["_id"]
    response = api.put(f"{BASE}/{link_id}", {"link_type": "private"})
    assert response.status_code == 200
    assert response.json()["data"]["access_restrictions"]["allowed_emails"] == ["pat@customer.example"]


def test_it_says_so_in_the_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    link_type = schema["components"]["schemas"]["LinkCreateIn"]["properties"]["link_type"]["description"]
    restrictions = schema["components"]["schemas"]["AccessRestrictionsIn"]["description"]
    for text in (link_type, restrictions):
        assert "site contacts" in text and "400" in text


# --- the list's query string ------------------------------------------------------------------------------------


@pytest.fixture
def two_namespaces(client):
    from portal_ui.portal_links.services import api_key_create

    api = ApiClient(client, api_key_create(name="Two", namespaces=["north", "south"]).key)
    north = make_link(company_namespace=["north"]).link
    south = make_link(company_namespace=["south"]).link
    return api, north, south


def test_it_takes_the_bracket_filters_the_seed_spells(two_namespaces):
    api, north, south = two_namespaces
    body = get(api, f"_id[]={north.pk}").json()
    assert [row["_id"] for row in body["data"]] == [north.pk]
    body = get(api, f"_id[]={north.pk}&_id[]={south.pk}").json()
    assert {row["_id"] for row in body["data"]} == {north.pk, south.pk}
    body = get(api, "company_namespace[]=south").json()
    assert [row["_id"] for row in body["data"]] == [south.pk]
    body = get(api, f"company_namespace[]=north&_id={south.pk}").json()
    assert body["data"] == []


@pytest.mark.parametrize("name", ["sort", "company_namespace", "company_namespace[]", "workorder", "is_active",
                                  "link_type", "_id", "_id[]", "page", "per_page"])  # fmt: skip
def test_it_reads_an_empty_value_as_no_filter(two_namespaces, name):
    api, _, _ = two_namespaces
    response = get(api, f"{name}=")
    assert response.status_code == 200, response.json()
    assert response.json()["paging"]["total"] == 2


def test_it_names_unknown_query_parameters(two_namespaces):
    api, north, _ = two_namespaces
    response = get(api, "workorder_id=1001&limit=5")
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error["fields"]) == {"workorder_id", "limit"}
    assert "workorder_id" in error["message"] and "limit" in error["message"]
    response = api.client.get(f"{BASE_URL}/{north.pk}?verbose=1", headers=api.headers)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"verbose"}


@pytest.mark.parametrize("name,values", [("workorder", ("1001", "2002")), ("sort", ("_id", "-_id")),
                                         ("page", ("1", "1")), ("is_active", ("true", "false"))])  # fmt: skip
def test_it_refuses_a_repeated_single_valued_parameter(two_namespaces, name, values):
    api, _, _ = two_namespaces
    response = get(api, "&".join(f"{name}={value}" for value in values))
    assert response.status_code == 400
    assert name in response.json()["error"]["fields"]


def test_it_answers_401_before_looking_at_the_query(client, db):
    response = ApiClient(client, None).client.get(f"{BASE_URL}?nonsense=1")
    assert response.status_code == 401


def test_it_documents_the_bracket_parameters(client):
    schema = client.get("/api/v1/openapi.json").json()
    names = {p["name"] for p in schema["paths"]["/api/v1/workorder-portal-links"]["get"]["parameters"]}
    assert {"_id[]", "company_namespace[]", "_id", "company_namespace"} <= names


# --- url -------------------------------------------------------------------------------------------------------


def test_it_documents_url_as_always_present_and_nullable(client):
    link_out = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["LinkOut"]
    assert "url" in link_out["required"]
    assert {"type": "null"} in link_out["properties"]["url"]["anyOf"]
    assert "create and regenerate" in link_out["properties"]["url"]["description"]


def test_it_returns_url_only_when_a_token_is_issued(api):
    mirror_workorder("1001")
    created = api.post(BASE, {"workorder": "1001", "link_type": "public"}).json()["data"]
    link_id = created["_id"]
    assert created["url"].startswith("http")
    answers = [
        api.get(f"{BASE}/{link_id}"),
        api.put(f"{BASE}/{link_id}", {"label": "Front desk"}),
        api.post(f"{BASE}/{link_id}/deactivate"),
        api.post(f"{BASE}/{link_id}/activate"),
    ]
    assert [answer.json()["data"]["url"] for answer in answers] == [None] * 4
    assert api.get(BASE).json()["data"][0]["url"] is None
    assert api.post(f"{BASE}/{link_id}/regenerate").json()["data"]["url"].startswith("http")
