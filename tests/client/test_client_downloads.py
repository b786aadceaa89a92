"""A download is checked: what TechLink sends instead of a file is an error, never a "document"."""

import pytest
import responses
from responses import matchers

from portal_ui.integrations.techlink import TechLinkClient, errors

BASE = "https://techlink.test/api/light/"
RAW = BASE + "workorder/5/document/6/raw"


@pytest.fixture
def client():
    client = TechLinkClient(base_url=BASE, username="demo", password="demo-password", backoff_factor=0)
    yield client
    client.close()


@responses.activate
@pytest.mark.parametrize(
    "body,content_type,says",
    [
        (b"<!doctype html><title>Log in</title>", "text/html; charset=utf-8", "web page"),
        (b'{"code": 200, "message": "ok", "da', "application/json", "unreadable"),
        (b'{"code": "x", "data": null}', "application/json", "unreadable"),
        (b'{"code": 200, "message": "Document found", "data": {"document_id": 6}, "time": 0.1}', "application/json", "TechLink message"),
    ],
)  # fmt: skip
def test_it_refuses_an_answer_that_is_not_the_file(client, body, content_type, says):
    responses.get(RAW, body=body, content_type=content_type)
    with pytest.raises(errors.TechLinkServerError) as info:
        client.workorder_document_raw(5, 6)
    assert says in str(info.value)
    assert info.value.maybe_applied is False


@responses.activate
def test_it_keeps_a_json_document_served_without_an_attachment_header(client):
    responses.get(RAW, body=b'{"rack": 5, "units": [24]}', content_type="application/json")
    with client.workorder_document_raw(5, 6) as raw:
        assert b"".join(raw.iter_bytes()) == b'{"rack": 5, "units": [24]}'


@responses.activate
def test_it_keeps_an_html_document_sent_as_an_attachment(client):
    responses.get(
        RAW, body=b"<p>site plan</p>", content_type="text/html",
        headers={"Content-Disposition": 'attachment; filename="plan.html"'},
    )  # fmt: skip
    with client.workorder_document_raw(5, 6) as raw:
        assert raw.filename == "plan.html" and b"".join(raw.iter_bytes()) == b"<p>site plan</p>"


@responses.activate
def test_it_sends_a_task_with_the_seeds_fields_only(client):
    task = {"task_id": 9, "workorder_id": 5, "item": "Antenna", "quantity": "2", "rate": "10.00"}
    responses.post(
        BASE + "workorder/5/task",
        json={"code": 200, "message": "added", "data": {"success": True, "task_id": 9, "task": task}},
        match=[matchers.urlencoded_params_matcher({"taskitem_id": "30", "description": "Antenna", "rate": "10.00", "note": "2"})],
    )  # fmt: skip
    client.workorder_task_add(5, taskitem_id=30, description="Antenna", rate="10.00", quantity=2)
    assert len(responses.calls) == 1
