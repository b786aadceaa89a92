"""/healthz tells the truth about TechLink's answers and survives a database that is down."""

from __future__ import annotations

import logging

import pytest
import responses
from django.db import DatabaseError
from django.urls import reverse

from portal_ui.core.upstream import reset_techlink_client


@pytest.fixture
def mocked_upstream(settings):
    settings.TECHLINK_BASE_URL = "http://techlink.test/api/light/"
    reset_techlink_client()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
    reset_techlink_client()


@pytest.mark.parametrize(
    "answer",
    [
        {"code": 200, "message": "ok", "data": "not a list", "time": 0.1},
        {"code": 200, "message": "ok", "data": [{"name": "no id"}], "time": 0.1},
        {"code": 200, "message": "ok", "data": [17, 18], "time": 0.1},
    ],
)
def test_it_reports_a_wrong_shaped_answer_as_a_failure(viewer_client, mocked_upstream, answer):
    mocked_upstream.get("http://techlink.test/api/light/project", json=answer)
    response = viewer_client.get("/healthz")
    assert response.status_code == 503
    check = response.json()["checks"]["upstream"]
    assert check["ok"] is False and "Malformed" in check["detail"]


def test_it_counts_the_projects_of_a_right_answer(viewer_client, mocked_upstream):
    answer = {
        "code": 200,
        "message": "2 projects found",
        "data": [{"project_id": 1, "name": "A"}, {"project_id": 2}],
    }
    mocked_upstream.get("http://techlink.test/api/light/project", json=answer)
    check = viewer_client.get("/healthz").json()["checks"]["upstream"]
    assert check["ok"] is True and check["detail"] == "2 projects"


def test_it_answers_a_logged_in_caller_while_the_database_is_down(
    viewer_client, mocked_upstream, monkeypatch
):
    from django.contrib.sessions.backends.db import SessionStore

    def down(self, *args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(SessionStore, "load", down)
    monkeypatch.setattr("portal_ui.core.health._database", lambda: down(None))
    mocked_upstream.get(
        "http://techlink.test/api/light/project", json={"code": 200, "message": "", "data": []}
    )
    response = viewer_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == {"ok": False, "ms": body["checks"]["database"]["ms"]}


def test_it_logs_a_refusal_once_without_a_traceback(viewer_client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = viewer_client.get(reverse("staff_users"))
    assert response.status_code == 403
    assert "Admin" in response.content.decode()
    refusals = [r for r in caplog.records if r.name == "django.request"]
    assert len(refusals) == 1 and refusals[0].exc_info is None
