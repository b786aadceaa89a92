"""Error mapping and retry rules, with TechLink answers simulated by ``responses``."""

import hashlib

import pytest
import requests
import responses
from responses import matchers
from responses.registries import OrderedRegistry

from portal_ui.integrations.techlink import TechLinkClient, errors

BASE = "https://techlink.test/api/light/"


def envelope(code, message="OK", data=None):
    return {"code": code, "message": message, "data": data, "time": 0.1}


@pytest.fixture
def client():
    client = TechLinkClient(base_url=BASE, username="demo", password="demo-password", backoff_factor=0)
    yield client
    client.close()


@responses.activate
def test_it_sends_the_md5_of_the_password_never_the_password(client):
    expected = "demo:" + hashlib.md5(b"demo-password").hexdigest()
    responses.get(
        BASE + "site",
        json=envelope(200, "2 sites found", [7, 3]),
        match=[matchers.header_matcher({"X-Authorization": expected})],
    )
    assert client.site_ids() == [7, 3]
    sent = responses.calls[0].request
    assert "demo-password" not in str(sent.headers)
    assert "demo-password" not in (sent.url or "")
    assert "demo-password" not in repr(client)


@responses.activate
@pytest.mark.parametrize(
    ("code", "message", "exc_class"),
    [
        (401, "Authentication failed", errors.TechLinkAuthError),
        (403, "Forbidden", errors.TechLinkAuthError),
        (404, "Site #12 not found", errors.TechLinkNotFound),
        (400, "Invalid ZIP code", errors.TechLinkValidationError),
        (500, "Server error", errors.TechLinkServerError),
    ],
)
def test_it_maps_envelope_errors(client, code, message, exc_class):
    responses.get(BASE + "site/12", json=envelope(code, message), status=code)
    with pytest.raises(exc_class) as info:
        client.site_get(12)
    error = info.value
    assert error.message == message
    assert (error.code, error.http_status, error.method, error.path) == (code, code, "GET", "site/12")
    assert error.transient is (code >= 500)
    assert error.maybe_applied is False


@responses.activate
def test_it_trusts_the_envelope_code_over_http_200(client):
    responses.post(BASE + "workorder", json=envelope(400, "Missing required field: summary"), status=200)
    with pytest.raises(errors.TechLinkValidationError) as info:
        client.workorder_create(site_id=5, summary="")
    assert info.value.message == "Missing required field: summary"
    assert (info.value.code, info.value.http_status) == (400, 200)


@responses.activate
def test_it_uses_the_envelope_message_on_http_errors(client):
    responses.get(BASE + "workorder/5", json=envelope(404, "Work order #5 not found"), status=404)
    with pytest.raises(errors.TechLinkNotFound, match="Work order #5 not found"):
        client.workorder_get(5)


@responses.activate
def test_it_reports_a_non_json_502_on_a_write_as_maybe_applied(client):
    responses.post(BASE + "workorder/5/note", body="<html>Bad Gateway</html>", status=502)
    with pytest.raises(errors.TechLinkServerError) as info:
        client.workorder_note_add(5, note="Call dispatch")
    assert info.value.http_status == 502
    assert info.value.maybe_applied is True
    assert info.value.transient is True
    assert len(responses.calls) == 1


@responses.activate
def test_it_reports_malformed_json_as_a_server_error(client):
    responses.get(BASE + "project", body="not json at all", status=200)
    with pytest.raises(errors.TechLinkServerError, match="Malformed"):
        client.projects()


@responses.activate
def test_it_reports_a_read_timeout_on_a_write_as_maybe_applied(client):
    responses.post(BASE + "site/3/attribute", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(errors.TechLinkTimeout) as info:
        client.site_attribute_set(3, name="Gate", value="1")
    assert info.value.maybe_applied is True
    assert info.value.transient is True
    assert isinstance(info.value, errors.TechLinkConnectionError)


@responses.activate
def test_it_reports_a_read_timeout_on_a_read_as_not_applied(client):
    responses.get(BASE + "user", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(errors.TechLinkTimeout) as info:
        client.users()
    assert info.value.maybe_applied is False


@responses.activate(registry=OrderedRegistry)
def test_it_retries_a_get_after_transient_500s(client):
    responses.get(BASE + "workorder", json=envelope(500, "Server error"), status=500)
    responses.get(BASE + "workorder", json=envelope(500, "Server error"), status=500)
    responses.get(BASE + "workorder", json=envelope(200, "2 work orders found", [9, 4]))
    assert client.workorder_ids(status_code=60) == [9, 4]
    assert len(responses.calls) == 3


@responses.activate
def test_it_never_retries_a_post_after_a_500(client):
    responses.post(BASE + "workorder/5/task", json=envelope(500, "Server error"), status=500)
    with pytest.raises(errors.TechLinkServerError):
        client.workorder_task_add(5, taskitem_id=30, description="Antenna", rate="100.00")
    assert len(responses.calls) == 1


@responses.activate
def test_it_never_retries_a_delete_after_a_500(client):
    responses.delete(BASE + "site/5/document/7", body="oops", status=503)
    with pytest.raises(errors.TechLinkServerError) as info:
        client.site_document_remove(5, 7)
    assert info.value.maybe_applied is True
    assert len(responses.calls) == 1


@responses.activate
def test_it_gives_up_after_max_retries(client):
    responses.get(BASE + "project", json=envelope(503, "Unavailable"), status=503)
    with pytest.raises(errors.TechLinkServerError) as info:
        client.projects()
    assert info.value.transient
    assert len(responses.calls) == 1 + client.max_retries


def test_it_rejects_ids_that_would_change_the_url(client):
    with pytest.raises(ValueError, match="site_id"):
        client.site_get("12/../../user")
    with pytest.raises(ValueError, match="workorder_id"):
        client.workorder_get(0)
    with pytest.raises(ValueError, match="document_id"):
        client.site_document_raw(5, None)


def test_it_rejects_unknown_fields_before_sending(client):
    with pytest.raises(TypeError, match="colour"):
        client.site_update(5, colour="blue")
    with pytest.raises(TypeError, match="status_code"):
        client.workorder_update(5, status_code=90)


@responses.activate(registry=OrderedRegistry)
def test_it_retries_a_get_answered_with_an_envelope_500_on_http_200(client):
    responses.get(BASE + "user", json=envelope(500, "Server error"), status=200)
    responses.get(BASE + "user", json=envelope(503, "Busy"), status=200)
    responses.get(BASE + "user", json=envelope(200, "1 user found", [{"user_id": 1, "username": "demo"}]))
    assert [u.username for u in client.users()] == ["demo"]
    assert len(responses.calls) == 3


@responses.activate
def test_it_stops_retrying_envelope_500s_after_max_retries(client):
    responses.get(BASE + "user", json=envelope(500, "Server error"), status=200)
    with pytest.raises(errors.TechLinkServerError) as info:
        client.users()
    assert (info.value.code, info.value.http_status) == (500, 200)
    assert len(responses.calls) == 1 + client.max_retries


@responses.activate
def test_it_never_retries_a_post_answered_with_an_envelope_500_on_http_200(client):
    responses.post(BASE + "workorder/5/note", json=envelope(500, "Server error"), status=200)
    with pytest.raises(errors.TechLinkServerError) as info:
        client.workorder_note_add(5, note="hello")
    assert info.value.maybe_applied is False
    assert len(responses.calls) == 1


@responses.activate(registry=OrderedRegistry)
def test_it_retries_a_download_answered_with_an_envelope_503(client):
    responses.get(BASE + "workorder/5/photo/6/raw", json=envelope(503, "Busy"), status=200)
    responses.get(
        BASE + "workorder/5/photo/6/raw",
        body=b"\xff\xd8jpeg",
        content_type="image/jpeg",
        headers={"Content-Disposition": 'attachment; filename="wo_5_6.jpg"'},
    )
    with client.workorder_photo_raw(5, 6) as raw:
        assert (raw.filename, raw.content_type) == ("wo_5_6.jpg", "image/jpeg")
        assert b"".join(raw.iter_bytes()) == b"\xff\xd8jpeg"
    assert len(responses.calls) == 2


@responses.activate
def test_it_does_not_follow_redirects_of_writes(client):
    responses.post(BASE + "site/5", status=301, headers={"Location": "https://elsewhere.test/"})
    with pytest.raises(errors.TechLinkServerError, match="HTTP 301") as info:
        client.site_update(5, notes="x")
    assert info.value.maybe_applied is False
    assert len(responses.calls) == 1


def test_it_refuses_a_base_url_that_is_not_http():
    with pytest.raises(ValueError, match="base_url"):
        TechLinkClient(base_url="techlink.test/api/light/", username="demo", password="x")
