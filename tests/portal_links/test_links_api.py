"""The Workorder Portal Link API: every operation, filter, sort and error, and namespace isolation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal_ui.portal_links.models import ApiKey, PortalLink
from portal_ui.portal_links.services import api_key_revoke

from .conftest import ApiClient, make_link, mirror_workorder

pytestmark = pytest.mark.django_db

BASE = "/workorder-portal-links"
BASE_URL = f"/api/v1{BASE}"


def create(api, **body):
    payload = {"workorder": "1001", "link_type": "public"}
    payload.update(body)
    mirror_workorder(payload["workorder"])
    return api.post(BASE, payload)


def test_it_creates_a_link_with_the_seed_defaults(api):
    mirror_workorder("1001")
    response = api.post(
        BASE, {"workorder": "1001", "access_restrictions": {"allowed_emails": ["a@example.com"]}}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert data["link_type"] == "private"
    assert data["is_active"] is True
    assert data["company_namespace"] == ["acme"]
    assert data["permissions"]["view_schedule"] is True
    assert data["permissions"]["view_notes"] is False
    assert data["status"] == "active"
    assert data["view_count"] == 0
    assert data["last_viewed_at"] is None
    assert data["url"].startswith("http://127.0.0.1:8000/p/")
    assert len(data["_id"]) == 24
    assert "token_hash" not in data and "passcode_hash" not in data


def test_it_gives_ids_that_are_not_a_sequence(api):
    first = create(api).json()["data"]["_id"]
    second = create(api).json()["data"]["_id"]
    assert int(second, 16) - int(first, 16) != 1


def test_it_never_returns_the_passcode(api):
    response = create(api, link_type="secure", access_restrictions={"passcode": "open sesame"})
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["access_restrictions"]["has_passcode"] is True
    assert "open sesame" not in response.content.decode()
    link = PortalLink.objects.get(pk=data["_id"])
    assert link.passcode_hash and "open sesame" not in link.passcode_hash


def test_it_shows_the_url_only_at_create_and_regenerate(api):
    created = create(api).json()["data"]
    link_id = created["_id"]
    assert api.get(f"{BASE}/{link_id}").json()["data"]["url"] is None
    regenerated = api.post(f"{BASE}/{link_id}/regenerate").json()["data"]
    assert regenerated["url"] and regenerated["url"] != created["url"]
    assert api.get(BASE).json()["data"][0]["url"] is None


def test_it_gets_one_link(api):
    link_id = create(api, metadata={"crm": {"deal": 42}}).json()["data"]["_id"]
    response = api.get(f"{BASE}/{link_id}")
    assert response.status_code == 200
    assert response.json()["data"]["metadata"] == {"crm": {"deal": 42}}


def test_it_updates_only_the_fields_sent(api):
    link_id = create(api, metadata={"a": 1}, custom_branding={"company_name": "Acme"}).json()["data"]["_id"]
    response = api.put(f"{BASE}/{link_id}", {"permissions": {"view_notes": True}})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["permissions"]["view_notes"] is True
    assert data["metadata"] == {"a": 1}
    assert data["custom_branding"]["company_name"] == "Acme"
    assert data["link_type"] == "public"


def test_it_keeps_the_passcode_when_restrictions_change_without_one(api):
    link_id = create(api, link_type="secure", access_restrictions={"passcode": "hunter22"}).json()["data"][
        "_id"
    ]
    response = api.put(f"{BASE}/{link_id}", {"access_restrictions": {"max_views": 3}})
    assert response.status_code == 200
    assert response.json()["data"]["access_restrictions"] == {
        "has_passcode": True,
        "allowed_emails": [],
        "allowed_domains": [],
        "ip_ranges": [],
        "max_views": 3,
    }


def test_it_removes_the_expiry_with_null(api):
    expiry = (timezone.now() + timedelta(days=3)).isoformat()
    link_id = create(api, expiry_date=expiry).json()["data"]["_id"]
    assert api.get(f"{BASE}/{link_id}").json()["data"]["expiry_date"]
    response = api.put(f"{BASE}/{link_id}", {"expiry_date": None})
    assert response.json()["data"]["expiry_date"] is None


def test_it_deletes_a_link(api):
    link_id = create(api).json()["data"]["_id"]
    response = api.delete(f"{BASE}/{link_id}")
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert api.get(f"{BASE}/{link_id}").status_code == 404


def test_it_activates_and_deactivates(api):
    link_id = create(api).json()["data"]["_id"]
    response = api.post(f"{BASE}/{link_id}/deactivate")
    assert response.json()["data"]["is_active"] is False
    assert response.json()["data"]["status"] == "inactive"
    response = api.post(f"{BASE}/{link_id}/activate")
    assert response.json()["data"]["is_active"] is True
    assert response.json()["data"]["status"] == "active"


def test_it_reports_expired_and_exhausted_status(api):
    link = make_link(access_restrictions={"max_views": 2}).link
    PortalLink.objects.filter(pk=link.pk).update(view_count=2)
    assert api.get(f"{BASE}/{link.pk}").json()["data"]["status"] == "exhausted"
    PortalLink.objects.filter(pk=link.pk).update(expiry_date=timezone.now() - timedelta(minutes=1))
    assert api.get(f"{BASE}/{link.pk}").json()["data"]["status"] == "expired"


# --- list, filters, paging, sort -------------------------------------------------------------------


def test_it_pages_the_list(api):
    for _ in range(5):
        make_link()
    body = api.get(BASE, {"per_page": 2, "page": 3}).json()
    assert len(body["data"]) == 1
    assert body["paging"] == {"page": 3, "per_page": 2, "total": 5, "pages": 3}


def test_it_defaults_to_25_per_page(api):
    body = api.get(BASE).json()
    assert body["paging"] == {"page": 1, "per_page": 25, "total": 0, "pages": 0}


@pytest.mark.parametrize("per_page", [0, 101])
def test_it_refuses_per_page_out_of_range(api, per_page):
    response = api.get(BASE, {"per_page": per_page})
    assert response.status_code == 400
    assert "per_page" in response.json()["error"]["fields"]


def test_it_filters_by_workorder_type_and_active(api):
    wanted = make_link(
        workorder="2002", link_type="secure", access_restrictions={"passcode": "pass1234"}
    ).link
    make_link(workorder="2002")
    make_link(workorder="3003", link_type="secure", access_restrictions={"passcode": "pass1234"})
    inactive = make_link(
        workorder="2002", link_type="secure", access_restrictions={"passcode": "pass1234"}, is_active=False
    ).link
    body = api.get(BASE, {"workorder": "2002", "link_type": "secure", "is_active": "true"}).json()
    assert [row["_id"] for row in body["data"]] == [wanted.pk]
    body = api.get(BASE, {"is_active": "false"}).json()
    assert [row["_id"] for row in body["data"]] == [inactive.pk]


def test_it_filters_by_repeated_ids_and_namespaces(client, db):
    from portal_ui.portal_links.services import api_key_create

    key = api_key_create(name="Multi", namespaces=["north", "south", "west"])
    api = ApiClient(client, key.key)
    north = make_link(company_namespace=["north"]).link
    south = make_link(company_namespace=["south"]).link
    make_link(company_namespace=["west"])
    body = api.get(BASE, {"company_namespace": ["north", "south"]}).json()
    assert {row["_id"] for row in body["data"]} == {north.pk, south.pk}
    body = api.get(BASE, {"_id": [north.pk, south.pk, "unknown"]}).json()
    assert {row["_id"] for row in body["data"]} == {north.pk, south.pk}


def test_it_sorts_by_a_whitelisted_field(api):
    links = [make_link(workorder=wo).link for wo in ("30", "10", "20")]
    for count, link in zip((5, 1, 3), links, strict=True):
        PortalLink.objects.filter(pk=link.pk).update(view_count=count)
    ascending = [row["view_count"] for row in api.get(BASE, {"sort": "view_count"}).json()["data"]]
    descending = [row["workorder"] for row in api.get(BASE, {"sort": "-workorder"}).json()["data"]]
    assert ascending == [1, 3, 5]
    assert descending == ["30", "20", "10"]


def test_it_refuses_an_unknown_sort_field_clearly(api):
    response = api.get(BASE, {"sort": "token_hash"})
    assert response.status_code == 400
    message = " ".join(response.json()["error"]["fields"]["sort"])
    assert "created_at" in message


# --- errors --------------------------------------------------------------------------------------------


def test_it_needs_an_api_key(client, db):
    response = ApiClient(client, None).get(BASE)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("key", ["nonsense", "tlk_abc_def", "tlk__"])
def test_it_refuses_a_bad_api_key(client, api_key, key):
    assert ApiClient(client, key).get(BASE).status_code == 401
    assert ApiClient(client, api_key.key + "x").get(BASE).status_code == 401


def test_it_refuses_a_revoked_key(client, api_key):
    api_key_revoke(api_key=api_key.api_key)
    assert ApiClient(client, api_key.key).get(BASE).status_code == 401


def test_it_records_when_a_key_was_last_used(api, api_key):
    assert api_key.api_key.last_used_at is None
    api.get(BASE)
    assert ApiKey.objects.get(pk=api_key.api_key.pk).last_used_at is not None


def test_it_stores_only_a_hash_of_the_key(api_key):
    stored = ApiKey.objects.get(pk=api_key.api_key.pk)
    assert api_key.key not in (stored.key_hash, stored.prefix)
    secret = api_key.key.split("_", 2)[2]  # the secret itself may contain "_"
    assert len(secret) >= 43
    assert secret not in stored.key_hash


def test_it_answers_404_for_an_unknown_link(api):
    response = api.get(f"{BASE}/0123456789abcdef01234567")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_json_for_unknown_api_paths_and_wrong_methods(api):
    response = api.get("/no-such-thing/at/all")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["success"] is False
    response = api.client.patch("/api/v1/workorder-portal-links", headers=api.headers)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_it_answers_400_for_malformed_json(api):
    response = api.post(BASE, "{not json")
    assert response.status_code == 400
    assert response.json()["success"] is False


def test_it_lists_the_invalid_fields(api):
    response = api.post(
        BASE,
        {
            "workorder": "12ab",
            "link_type": "sneaky",
            "unknown_key": 1,
            "custom_branding": {"primary_color": "red", "logo_url": "http://example.com/logo.png"},
            "access_restrictions": {"ip_ranges": ["10.0.0.0/33"], "max_views": 0},
            "notification_settings": {"on_first_view": ["not-an-email"]},
        },
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    for name in (
        "workorder",
        "link_type",
        "unknown_key",
        "custom_branding.primary_color",
        "custom_branding.logo_url",
        "access_restrictions.ip_ranges",
        "access_restrictions.max_views",
        "notification_settings.on_first_view.0",
    ):
        assert name in fields, name
    assert PortalLink.objects.count() == 0


def test_it_needs_a_passcode_for_secure_links(api):
    response = create(api, link_type="secure")
    assert response.status_code == 400
    assert "access_restrictions.passcode" in response.json()["error"]["fields"]


def test_it_takes_allowed_domains_for_a_private_link(api):
    response = create(api, link_type="private", access_restrictions={"allowed_domains": ["example.com"]})
    assert response.status_code == 201
    assert response.json()["data"]["access_restrictions"]["allowed_domains"] == ["example.com"]
    assert response.json()["data"]["access_restrictions"]["allowed_emails"] == []


def test_it_refuses_an_expiry_in_the_past(api):
    response = create(api, expiry_date=(timezone.now() - timedelta(hours=1)).isoformat())
    assert response.status_code == 400
    assert "expiry_date" in response.json()["error"]["fields"]


def test_it_limits_the_metadata_size(api):
    response = create(api, metadata={"blob": "x" * 9000})
    assert response.status_code == 400
    assert "metadata" in response.json()["error"]["fields"]


def test_it_refuses_to_switch_to_secure_without_a_passcode(api):
    link_id = create(api).json()["data"]["_id"]
    response = api.put(f"{BASE}/{link_id}", {"link_type": "secure"})
    assert response.status_code == 400
    assert api.get(f"{BASE}/{link_id}").json()["data"]["link_type"] == "public"


# --- namespace isolation -------------------------------------------------------------------------------


def test_it_lists_only_the_keys_namespaces(api, other_api):
    mine = make_link(company_namespace=["acme"]).link
    make_link(company_namespace=["globex"])
    make_link(company_namespace=["acme", "globex"])
    assert [row["_id"] for row in api.get(BASE).json()["data"]] == [mine.pk]
    assert api.get(BASE, {"company_namespace": "globex"}).json()["data"] == []


@pytest.mark.parametrize(
    "method,suffix",
    [
        ("get", ""),
        ("put", ""),
        ("delete", ""),
        ("post", "/regenerate"),
        ("post", "/activate"),
        ("post", "/deactivate"),
    ],
)
def test_it_hides_other_namespaces_links(other_api, public_link, method, suffix):
    path = f"{BASE}/{public_link.link.pk}{suffix}"
    response = (
        other_api.put(path, {"is_active": False}) if method == "put" else getattr(other_api, method)(path)
    )
    assert response.status_code == 404
    link = PortalLink.objects.get(pk=public_link.link.pk)
    assert link.is_active and link.token_hash == public_link.link.token_hash


def test_it_forbids_creating_in_another_namespace(api):
    response = create(api, company_namespace=["globex"])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert PortalLink.objects.count() == 0


def test_it_forbids_moving_a_link_to_another_namespace(api, public_link):
    response = api.put(f"{BASE}/{public_link.link.pk}", {"company_namespace": ["acme", "globex"]})
    assert response.status_code == 403
    assert PortalLink.objects.get(pk=public_link.link.pk).company_namespace == ["acme"]


# --- OpenAPI and docs ------------------------------------------------------------------------------------


def test_it_publishes_an_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/workorder-portal-links/{id}/regenerate" in schema["paths"]
    create_body = schema["components"]["schemas"]["LinkCreateIn"]
    assert create_body["additionalProperties"] is False
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["name"] == "X-API-Key"


def test_it_serves_the_docs_page_without_a_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_it_answers_json_when_something_breaks(api, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("portal_ui.portal_links.selectors.portal_link_list", broken)
    response = api.get(BASE)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "on fire" not in response.content.decode()


# --- the work order must exist -------------------------------------------------------------------------


@pytest.mark.parametrize("workorder", ["987654321", "999999999999"])  # the second beyond a 32-bit integer
def test_it_refuses_a_work_order_that_does_not_exist(api, upstream, workorder):
    response = api.post(BASE, {"workorder": workorder, "link_type": "public"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert workorder in " ".join(error["fields"]["workorder"])
    assert PortalLink.objects.count() == 0


def test_it_asks_techlink_about_a_work_order_the_read_model_lacks(api, upstream):
    from portal_ui.core.upstream import techlink_client
    from portal_ui.mirror.models import WorkOrderRecord

    workorder_id = techlink_client().workorder_ids()[0]
    assert not WorkOrderRecord.objects.filter(pk=workorder_id).exists()
    response = api.post(BASE, {"workorder": str(workorder_id), "link_type": "public"})
    assert response.status_code == 201
    assert response.json()["data"]["workorder"] == str(workorder_id)
    assert WorkOrderRecord.objects.filter(pk=workorder_id).exists()


def test_it_creates_nothing_when_the_work_order_cannot_be_checked(api, upstream):
    with upstream.configured(error_rate=1.0):  # TechLink answers every request with an error
        response = api.post(BASE, {"workorder": "987654321", "link_type": "public"})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert "could not be checked" in error["message"] and "Try again" in error["message"]
    assert "workorder" in error["fields"]
    assert PortalLink.objects.count() == 0


# --- passcodes belong to secure links only ----------------------------------------------------------------


def test_it_removes_the_passcode_when_a_link_stops_being_secure(api):
    link_id = create(api, link_type="secure", access_restrictions={"passcode": "hunter22"}).json()["data"][
        "_id"
    ]
    response = api.put(f"{BASE}/{link_id}", {"link_type": "public"})
    assert response.status_code == 200
    assert response.json()["data"]["access_restrictions"]["has_passcode"] is False
    assert PortalLink.objects.get(pk=link_id).passcode_hash == ""
    # Back to secure: the old passcode does not come back, a new one is needed.
    response = api.put(f"{BASE}/{link_id}", {"link_type": "secure"})
    assert response.status_code == 400
    assert "access_restrictions.passcode" in response.json()["error"]["fields"]
    response = api.put(
        f"{BASE}/{link_id}", {"link_type": "secure", "access_restrictions": {"passcode": "fresh-one-9"}}
    )
    assert response.status_code == 200
    assert response.json()["data"]["access_restrictions"]["has_passcode"] is True


def test_it_refuses_a_passcode_for_a_link_that_is_not_secure(api):
    response = create(api, link_type="public", access_restrictions={"passcode": "hunter22"})
    assert response.status_code == 400
    assert "secure" in " ".join(response.json()["error"]["fields"]["access_restrictions.passcode"])
    assert PortalLink.objects.count() == 0
    link_id = create(api).json()["data"]["_id"]
    response = api.put(f"{BASE}/{link_id}", {"access_restrictions": {"passcode": "hunter22"}})
    assert response.status_code == 400
    assert "access_restrictions.passcode" in response.json()["error"]["fields"]
    assert PortalLink.objects.get(pk=link_id).passcode_hash == ""


# --- more list checks ---------------------------------------------------------------------------------------


def test_it_sorts_work_orders_as_numbers(api):
    for workorder in ("10", "9", "100", "2"):
        make_link(workorder=workorder)
    ascending = [row["workorder"] for row in api.get(BASE, {"sort": "workorder"}).json()["data"]]
    descending = [row["workorder"] for row in api.get(BASE, {"sort": "-workorder"}).json()["data"]]
    assert ascending == ["2", "9", "10", "100"]
    assert descending == ["100", "10", "9", "2"]


def sort_key(field: str, row: dict):
    value = row[field]
    return int(value) if field == "workorder" else value


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize(
    "field",
    [
        "_id",
        "workorder",
        "link_type",
        "is_active",
        "expiry_date",
        "view_count",
        "last_viewed_at",
        "created_at",
        "updated_at",
    ],
)
def test_it_sorts_by_every_allowed_field(api, field, descending):
    now = timezone.now()
    kinds = [
        {"link_type": "secure", "access_restrictions": {"passcode": "pass1234"}},
        {"link_type": "public"},
        {"link_type": "private", "access_restrictions": {"allowed_domains": ["acme.test"]}},
        {"link_type": "public"},
    ]
    for n, (workorder, kind) in enumerate(zip(("30", "4", "200", "1000"), kinds, strict=True)):
        link = make_link(workorder=workorder, **kind).link
        # Each field in an order of its own, none following the creation order.
        PortalLink.objects.filter(pk=link.pk).update(
            is_active=n % 2 == 0,
            expiry_date=now + timedelta(days=(3, 1, 4, 2)[n]),
            view_count=(7, 3, 9, 5)[n],
            last_viewed_at=now - timedelta(hours=(2, 4, 1, 3)[n]),
            created_at=now - timedelta(days=(5, 8, 6, 7)[n]),
            updated_at=now - timedelta(minutes=(9, 6, 8, 7)[n]),
        )
    sort = f"-{field}" if descending else field
    response = api.get(BASE, {"sort": sort})
    assert response.status_code == 200
    rows = response.json()["data"]
    # Ties (is_active, link_type) fall back to the id, ascending either way.
    by_id = sorted(rows, key=lambda row: row["_id"])
    expected = sorted(by_id, key=lambda row: sort_key(field, row), reverse=descending)
    assert [row["_id"] for row in rows] == [row["_id"] for row in expected]


def test_it_filters_by_link_type_alone(api):
    secure = make_link(link_type="secure", access_restrictions={"passcode": "pass1234"}).link
    make_link(link_type="public")
    make_link(link_type="private", access_restrictions={"allowed_emails": ["pat@example.com"]})
    body = api.get(BASE, {"link_type": "secure"}).json()
    assert [row["_id"] for row in body["data"]] == [secure.pk]
    assert body["paging"]["total"] == 1


def test_it_filters_by_company_namespace_alone(client, db):
    from portal_ui.portal_links.services import api_key_create

    api = ApiClient(client, api_key_create(name="Two", namespaces=["north", "south"]).key)
    north = make_link(company_namespace=["north"]).link
    make_link(company_namespace=["south"])
    body = api.get(BASE, {"company_namespace": "north"}).json()
    assert [row["_id"] for row in body["data"]] == [north.pk]
    assert body["paging"]["total"] == 1


@pytest.mark.parametrize("page", ["0", "-1", "two"])
def test_it_refuses_a_bad_page(api, page):
    response = api.get(BASE, {"page": page})
    assert response.status_code == 400
    assert "page" in response.json()["error"]["fields"]


# --- more errors -------------------------------------------------------------------------------------------

NESTED_OBJECTS = ["permissions", "access_restrictions", "notification_settings", "custom_branding"]


@pytest.mark.parametrize("name", NESTED_OBJECTS)
def test_it_refuses_unknown_keys_inside_each_object(api, name):
    response = create(api, **{name: {"surprise": True}})
    assert response.status_code == 400
    assert f"{name}.surprise" in response.json()["error"]["fields"]
    assert PortalLink.objects.count() == 0


@pytest.mark.parametrize("name", NESTED_OBJECTS)
def test_it_refuses_unknown_keys_inside_each_object_on_update(api, public_link, name):
    response = api.put(f"{BASE}/{public_link.link.pk}", {name: {"surprise": True}})
    assert response.status_code == 400
    assert f"{name}.surprise" in response.json()["error"]["fields"]


def test_it_refuses_a_body_that_is_too_large(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = create(api, metadata={"note": "x" * 2000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert PortalLink.objects.count() == 0


@pytest.mark.parametrize(
    "content_type,body",
    [
        ("application/x-www-form-urlencoded", "workorder=1001&link_type=public"),
        ("text/plain", '{"workorder": "1001", "link_type": "public"}'),
    ],
)
def test_it_refuses_a_body_that_is_not_declared_as_json(api, content_type, body):
    mirror_workorder("1001")
    response = api.client.post(BASE_URL, data=body, content_type=content_type, headers=api.headers)
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]
    assert PortalLink.objects.count() == 0


def test_it_accepts_json_with_a_charset(api):
    mirror_workorder("1001")
    response = api.client.post(
        BASE_URL,
        data='{"workorder": "1001", "link_type": "public"}',
        content_type="application/json; charset=utf-8",
        headers=api.headers,
    )
    assert response.status_code == 201


def test_it_says_what_is_wrong_with_malformed_json(api):
    response = api.post(BASE, '{"workorder": ')
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["fields"]["body"][0]


@pytest.mark.parametrize("expiry", ["tomorrow", "2030-13-01T00:00:00Z", "2030-01-01T25:00:00Z"])
def test_it_refuses_an_expiry_that_is_not_a_date_time(api, expiry):
    response = create(api, expiry_date=expiry)
    assert response.status_code == 400
    assert "expiry_date" in response.json()["error"]["fields"]
    assert PortalLink.objects.count() == 0


def test_it_answers_400_for_too_many_query_parameters(api):
    query = "&".join(f"p{n}=1" for n in range(1001))
    response = api.client.get(f"{BASE_URL}?{query}", headers=api.headers)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == "bad_request"
    assert "at most 1000" in response.json()["error"]["message"]


@pytest.mark.parametrize("name", ["workorder", "_id"])
def test_it_refuses_nul_bytes_in_filters(api, public_link, name):
    response = api.client.get(f"{BASE_URL}?{name}=%00", headers=api.headers)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "method,suffix",
    [("get", ""), ("put", ""), ("delete", ""), ("post", "/regenerate"), ("post", "/activate")],
)
def test_it_answers_404_for_a_nul_byte_id(api, public_link, method, suffix):
    path = f"{BASE}/%00{suffix}"
    response = api.put(path, {"is_active": False}) if method == "put" else getattr(api, method)(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert PortalLink.objects.get(pk=public_link.link.pk).is_active


def test_it_answers_json_for_a_host_it_does_not_serve(api, client):
    response = api.client.get(BASE_URL, headers={**api.headers, "Host": "evil.example"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["success"] is False
    assert "Host" in response.json()["error"]["message"]
    # Elsewhere the site keeps its usual page.
    page = client.get("/portal-links/", headers={"Host": "evil.example"})
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")
