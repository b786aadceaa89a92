"""What no view should see is refused before anything reads the request body."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def spooled(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1  # every file would go to disk


def test_it_refuses_a_body_over_the_limit_from_its_length_alone(dispatcher_client, settings):
    settings.REQUEST_MAX_BYTES = 1000
    response = dispatcher_client.post(
        "/workorders/1/documents/", data=b"x" * 10, content_type="application/octet-stream",
        CONTENT_LENGTH="5000",
    )  # fmt: skip
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_it_answers_an_oversized_api_request_in_json(client, settings):
    settings.REQUEST_MAX_BYTES = 1000
    response = client.post(
        "/api/v1/workorder-portal-links", data=b"{}", content_type="application/json", CONTENT_LENGTH="5000"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_it_does_not_spool_an_anonymous_upload(settings, tmp_path, db):
    spooled(settings, tmp_path)
    anonymous = Client(enforce_csrf_checks=True)
    anonymous.cookies["csrftoken"] = "forged" * 5 + "ab"
    upload = io.BytesIO(b"%PDF" + b"0" * 50_000)
    upload.name = "big.pdf"
    response = anonymous.post("/workorders/1/documents/", {"doc-file": upload})
    assert response.status_code == 403
    assert list(tmp_path.iterdir()) == []


def test_it_does_not_spool_an_upload_without_a_csrf_cookie(settings, tmp_path, dispatcher):
    spooled(settings, tmp_path)
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(dispatcher)
    upload = io.BytesIO(b"%PDF" + b"0" * 50_000)
    upload.name = "big.pdf"
    response = staff.post("/workorders/1/documents/", {"doc-file": upload})
    assert response.status_code == 403
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url", ["/sites/lookup/?site_q=%00", "/workorders/new/?site_q=%00", "/workorders/?project_id=%00"]
)
def test_it_refuses_nul_bytes_in_the_address(dispatcher_client, url):
    response = dispatcher_client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_it_lets_ordinary_pages_through(dispatcher_client):
    assert dispatcher_client.get(reverse("login")).status_code in (200, 302)


def test_it_answers_the_browsers_favicon_request(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200
