import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from portal_ui.accounts.models import Role, User

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        check=False,
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_redirects_anonymous_visitors_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_logs_in_and_out(client, dispatcher):
    response = client.post(reverse("login"), {"username": dispatcher.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert b"Log out" in page.content
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_it_rejects_a_wrong_password_with_a_message(client, dispatcher):
    response = client.post(reverse("login"), {"username": dispatcher.username, "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_it_locks_out_after_repeated_failures(client, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": dispatcher.username, "password": "wrong"})
    # Even the right password is refused while the lockout lasts.
    response = client.post(reverse("login"), {"username": dispatcher.username, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_it_lets_an_admin_clear_a_lockout(client, dispatcher, admin_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": dispatcher.username, "password": "wrong"})
    client.force_login(admin_user)
    client.post(reverse("staff_user_unlock", args=[dispatcher.pk]))
    client.logout()
    response = client.post(reverse("login"), {"username": dispatcher.username, "password": PASSWORD})
    assert response.status_code == 302


def test_it_sends_a_strict_content_security_policy(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert "script-src 'self' 'nonce-" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    # Every script tag on the page carries the nonce; htmx is served locally, never from a CDN.
    html = response.content.decode()
    assert html.count("<script") == html.count(f'nonce="{nonce}"')
    assert "/static/django_htmx/htmx" in html
    assert "https://" not in html.split("<body")[0]
    assert response["X-Frame-Options"] == "DENY"


def test_it_passes_the_deploy_checks_in_production(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SETTINGS_MODULE": "portal_ui.settings.production",
            "DJANGO_SECRET_KEY": "x" * 20 + "production-secret-for-the-check-0123456789abcdef",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    result = run_manage(
        "check",
        env={
            "DJANGO_SETTINGS_MODULE": "portal_ui.settings.production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        },
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


SHOW_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.TECHLINK_MAX_WORKERS, s.TECHLINK_PASSWORD, s.UPLOAD_MAX_BYTES, s.CELERY_BROKER_URL)"
)


def test_it_reads_the_example_environment_file_as_it_is(tmp_path):
    # The README says to copy .env.example to .env: its trailing comments are not part of the values.
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        SHOW_SETTINGS,
        env={"DJANGO_ENV_FILE": str(ROOT / ".env.example"), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["8", "demo-password", "20971520", "sqla+sqlite:///var/broker.sqlite3"]


def test_it_refuses_production_with_the_example_file_unedited(tmp_path):
    result = run_manage(
        "check",
        env={
            "DJANGO_ENV_FILE": str(ROOT / ".env.example"),
            "DJANGO_SETTINGS_MODULE": "portal_ui.settings.production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        },
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_it_reports_health_of_database_broker_and_upstream(client, db, upstream):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "upstream"}
    assert all(check["ok"] for check in body["checks"].values())
    # Anonymous callers (load balancers) learn only what is up, not host names or errors.
    assert all("detail" not in check for check in body["checks"].values())


def test_it_shows_staff_the_details_of_each_check(viewer_client, upstream):
    body = viewer_client.get("/healthz").json()
    assert body["checks"]["upstream"]["detail"].endswith("projects")
    assert body["checks"]["database"]["detail"] in {"sqlite", "postgresql"}


def test_it_reports_a_hung_upstream_after_one_short_try(viewer_client, upstream, settings):
    from portal_ui.core.upstream import reset_techlink_client

    settings.HEALTHZ_UPSTREAM_TIMEOUT = 0.5
    reset_techlink_client()
    timeouts_before = upstream.stats()["requests"].get("faults", {}).get("timeout", 0)
    with upstream.configured(timeout_rate=1.0, hang_seconds=5):
        response = viewer_client.get("/healthz")
    assert response.status_code == 503
    check = response.json()["checks"]["upstream"]
    assert check["ok"] is False
    assert "did not answer in time" in check["detail"]
    assert upstream.stats()["requests"]["faults"]["timeout"] == timeouts_before + 1


def test_it_reports_a_broker_that_does_not_answer(viewer_client, upstream, monkeypatch):
    from portal_ui.celery_app import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")  # discard port: nothing listens
    monkeypatch.setattr(app, "_pool", None)
    response = viewer_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["upstream"]["ok"] is True


def test_it_reports_a_down_upstream_as_degraded(client, db, settings):
    from portal_ui.core.upstream import reset_techlink_client

    settings.TECHLINK_BASE_URL = "http://127.0.0.1:9/api/light/"  # discard port: nothing listens
    reset_techlink_client()
    try:
        response = client.get("/healthz")
    finally:
        reset_techlink_client()
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["upstream"]["ok"] is False


@pytest.mark.parametrize("role,expected", [(Role.VIEWER, 403), (Role.DISPATCHER, 403), (Role.ADMIN, 200)])
def test_it_limits_staff_management_to_admins(client, db, role, expected):
    user = User.objects.create_user(username=f"u-{role}", password=PASSWORD, role=role)
    client.force_login(user)
    assert client.get(reverse("staff_users")).status_code == expected


def test_it_lets_an_admin_create_staff_and_keeps_the_form_on_bad_input(admin_client_):
    bad = admin_client_.post(
        reverse("staff_users"), {"username": "newbie", "role": "dispatcher", "password": "123"}
    )
    assert bad.status_code == 400
    assert b'value="newbie"' in bad.content
    assert not User.objects.filter(username="newbie").exists()
    good = admin_client_.post(
        reverse("staff_users"),
        {"username": "newbie", "role": "dispatcher", "password": "a-long-enough-secret-42"},
    )
    assert good.status_code == 302
    assert User.objects.get(username="newbie").role == Role.DISPATCHER


def test_it_shows_only_the_navigation_a_role_may_use(viewer_client):
    html = viewer_client.get(reverse("home")).content.decode()
    assert 'href="/staff/"' not in html


def _fail_logins(client, username, settings, **headers):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": username, "password": "wrong"}, headers=headers)


def test_it_tells_visitors_behind_the_tls_proxy_apart(client, dispatcher, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    _fail_logins(client, dispatcher.username, settings, x_forwarded_for="203.0.113.5")
    locked = client.post(
        reverse("login"),
        {"username": dispatcher.username, "password": PASSWORD},
        headers={"x_forwarded_for": "203.0.113.5"},
    )
    assert locked.status_code == 429
    # A name the visitor wrote in front of the proxy's entry does not get them out of the lockout.
    spoofed = client.post(
        reverse("login"),
        {"username": dispatcher.username, "password": PASSWORD},
        headers={"x_forwarded_for": "198.51.100.1, 203.0.113.5"},
    )
    assert spoofed.status_code == 429
    # Another member of staff behind the same proxy is not locked out with them.
    other = client.post(
        reverse("login"),
        {"username": dispatcher.username, "password": PASSWORD},
        headers={"x_forwarded_for": "203.0.113.99"},
    )
    assert other.status_code == 302


def test_it_ignores_forwarded_addresses_without_a_trusted_proxy(client, dispatcher, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    _fail_logins(client, dispatcher.username, settings, x_forwarded_for="203.0.113.5")
    response = client.post(
        reverse("login"),
        {"username": dispatcher.username, "password": PASSWORD},
        headers={"x_forwarded_for": "203.0.113.99"},
    )
    assert response.status_code == 429


def test_it_collects_the_static_files_as_production_does(tmp_path):
    """The Dockerfile runs collectstatic with the hashed, compressed storage, which refuses a file that names
    another one that is not there (a vendored library's source map, say)."""
    result = run_manage(
        "collectstatic",
        "--noinput",
        env={
            "DJANGO_SETTINGS_MODULE": "portal_ui.settings.production",
            "DJANGO_SECRET_KEY": "collectstatic-only-" + "k" * 48,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        },
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize(
    ("cache_url", "engine"),
    [
        ("locmemcache://", "django.contrib.sessions.backends.db"),
        ("redis://127.0.0.1:6379/15", "django.contrib.sessions.backends.cached_db"),
    ],
)
def test_it_reads_sessions_from_the_cache_only_when_every_process_shares_it(tmp_path, cache_url, engine):
    # A per-process cache would keep a session logged out in one process open in the others.
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_ENGINE)",
        env={"CACHE_URL": cache_url, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [engine]
