"""Fixtures shared by every test area: staff users per role, and the TechLink sandbox wired into settings."""

import os

import pytest
from django.core.cache import caches

from portal_ui.accounts.models import Role, User

pytest_plugins = ["techlink_sandbox.pytest_plugin"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _fresh_fragments():
    """Drawn parts of pages are kept per process under keys of what they show; each test starts with none."""
    caches["fragments"].clear()


def make_user(role: str, username: str | None = None) -> User:
    user = User(username=username or f"{role}-user", role=role, first_name=role.title(), last_name="Tester")
    user.set_password("correct horse battery staple")
    user.save()
    return user


@pytest.fixture
def viewer(db) -> User:
    return make_user(Role.VIEWER)


@pytest.fixture
def dispatcher(db) -> User:
    return make_user(Role.DISPATCHER)


@pytest.fixture
def admin_user(db) -> User:
    return make_user(Role.ADMIN)


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def dispatcher_client(client, dispatcher):
    client.force_login(dispatcher)
    return client


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def upstream(sandbox, settings):
    """Point the dashboard's TechLink client at the shared test sandbox (latency 0)."""
    from portal_ui.core.upstream import reset_techlink_client

    settings.TECHLINK_BASE_URL = sandbox.base_url
    settings.TECHLINK_USERNAME = sandbox.username
    settings.TECHLINK_PASSWORD = sandbox.password
    reset_techlink_client()
    yield sandbox
    reset_techlink_client()


def service_required(name: str, available: bool, reason: str) -> None:
    """Fail in CI when a service the suite relies on is missing; skip with the reason elsewhere."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{name} is required in CI: {reason}")
    pytest.skip(f"{name} not available here: {reason}")


@pytest.fixture(scope="session")
def require_service():
    """`require_service(name, available, reason)`: the CI-fails / elsewhere-skips check, as a fixture."""
    return service_required
