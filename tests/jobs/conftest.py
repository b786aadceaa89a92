"""Fixtures for the outbox: media under tmp, eager Celery running on commit, upstream objects."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal_ui.celery_app import app as celery_app
from portal_ui.core.upstream import techlink_client


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JOBS_RETRY_BACKOFF_SECONDS = 0.01
    settings.JOBS_RETRY_BACKOFF_MAX_SECONDS = 0.01
    return settings.MEDIA_ROOT


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run queued writes (eager Celery) when the test's transaction would commit."""

    def runner():
        return django_capture_on_commit_callbacks(execute=True)

    return runner


@pytest.fixture
def client_(upstream):
    """The dashboard's TechLink client, pointed at the test sandbox."""
    return techlink_client()


@pytest.fixture
def site_id(client_) -> int:
    return client_.site_ids()[0]


@pytest.fixture
def workorder_id(client_) -> int:
    return client_.workorder_ids()[0]


@pytest.fixture
def taskitem_id(client_) -> int:
    return client_.task_items()[0].taskitem_id


@pytest.fixture
def make_upload():
    def make(
        name: str = "survey.txt", content: bytes = b"site survey results\n", content_type: str = "text/plain"
    ):
        return SimpleUploadedFile(name, content, content_type=content_type)

    return make


# -- a real broker for tests that run a real worker ---------------------------------------------------


def redis_available(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def shared_broker_url() -> str:
    """Redis when the environment names one (always in CI), else the embedded SQLAlchemy broker."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis"):
        url = os.environ.get("REDIS_URL", "")
    if not url.startswith("redis") and os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        url = "redis://127.0.0.1:6379/15"
    return url if url.startswith("redis") else ""


@pytest.fixture
def broker(require_service, tmp_path):
    """Point this process's Celery app at the shared broker (not eager); yields the worker's extra env."""
    url = shared_broker_url() or f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    env = {}
    if url.startswith("redis"):
        require_service("Redis", redis_available(url), f"the worker test uses {url}")
    saved = {
        key: celery_app.conf[key] for key in ("task_always_eager", "broker_url", "broker_transport_options")
    }
    options = {} if url.startswith("redis") else {"connect_args": {"timeout": 30}}
    env["CELERY_BROKER_URL"] = url
    celery_app.conf.update(task_always_eager=False, broker_url=url, broker_transport_options=options)
    forget_broker_connections()
    if url.startswith("redis"):
        celery_app.control.purge()
    yield env
    celery_app.conf.update(**saved)
    forget_broker_connections()


def forget_broker_connections() -> None:
    """Drop the app's connection and producer pools so the next publish uses the current broker settings."""
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None
