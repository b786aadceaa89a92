"""CI runs the suite against the machine's PostgreSQL and Redis; elsewhere these say why they are skipped."""

import os

import pytest
from django.db import connection
from kombu import Connection
from kombu.exceptions import OperationalError


def test_it_runs_on_postgresql_in_ci(db, require_service):
    require_service(
        "PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL does not name a PostgreSQL server"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        assert cursor.fetchone()[0] >= 130000


@pytest.mark.redis
def test_it_reports_a_redis_broker_healthy(viewer_client, upstream, require_service, monkeypatch):
    url = os.environ.get("REDIS_URL", "")
    reachable = False
    if url:
        try:
            with Connection(url, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1)
                reachable = True
        except (OSError, OperationalError):
            reachable = False
    require_service("Redis", reachable, "REDIS_URL is not set or its server does not answer")

    from portal_ui.celery_app import app

    monkeypatch.setattr(app.conf, "broker_url", url)
    monkeypatch.setattr(app, "_pool", None)
    body = viewer_client.get("/healthz").json()
    assert body["checks"]["broker"]["ok"] is True, body
    assert body["checks"]["broker"]["detail"].startswith("redis://")
