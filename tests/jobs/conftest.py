"""Fixtures for the outbox: media under tmp, eager Celery running on commit, the pump run round after round
on a moved clock, upstream objects, a real broker and a database a worker process can share."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections
from django.db.models import Min
from django.utils import timezone

from portal_ui.celery_app import app as celery_app
from portal_ui.core.upstream import techlink_client
from portal_ui.jobs import outage, pump
from portal_ui.jobs.models import FINAL_STATUSES, UpstreamWrite, WriteStatus


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


def next_moment() -> datetime:
    """The next time something is due in the outbox: a write's next try, the end of a pause or of a lease."""
    now = timezone.now()
    times = [
        UpstreamWrite.objects.filter(status=WriteStatus.QUEUED).aggregate(at=Min("next_attempt_at"))["at"],
        UpstreamWrite.objects.filter(status=WriteStatus.RUNNING).aggregate(at=Min("lease_until"))["at"],
        outage.paused_until(),
    ]
    later = [at for at in times if at is not None and at > now]
    return min(later) if later else now


@pytest.fixture
def settle(run_on_commit):
    """``settle()`` runs the pump (Celery is eager: what it wakes runs inline) round after round, moving the
    clock straight on to the next moment something is due instead of waiting, until every write is final;
    returns how many rounds it took. Fails after ``rounds`` rounds."""

    def run(*, rounds: int = 200) -> int:
        with time_machine.travel(timezone.now(), tick=True) as clock:
            for done in range(1, rounds + 1):
                with run_on_commit():
                    pump.pump()
                pending = UpstreamWrite.objects.exclude(status__in=FINAL_STATUSES)
                if not pending.exists():
                    return done
                clock.move_to(next_moment() + timedelta(milliseconds=1))
        raise AssertionError(
            f"not settled in {rounds} rounds: {list(pending.values_list('pk', 'status', 'error'))}"
        )

    return run


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


def rabbitmq_url() -> str:
    """RabbitMQ when the environment names one, else the machine's default (CI has one)."""
    return os.environ.get("RABBITMQ_URL", "") or "amqp://guest:guest@127.0.0.1:5672//"


def rabbitmq_available(url: str) -> bool:
    from amqp.exceptions import AMQPError
    from kombu import Connection
    from kombu.exceptions import OperationalError

    try:
        with Connection(url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=0)
        return True
    except (AMQPError, OperationalError, OSError):
        return False


@pytest.fixture
def rabbitmq(require_service):
    """Point this process's Celery app at RabbitMQ (``RABBITMQ_URL``), its queues emptied first."""
    url = rabbitmq_url()
    require_service("RabbitMQ", rabbitmq_available(url), f"the RabbitMQ worker test uses {url}")
    heartbeat = celery_app.conf.broker_heartbeat
    celery_app.conf.broker_heartbeat = 0  # an in-thread test worker then stops at once
    try:
        with using_broker(url, purge=True):
            yield url
    finally:
        celery_app.conf.broker_heartbeat = heartbeat


@pytest.fixture
def broker(require_service, tmp_path):
    """Point this process's Celery app at the shared broker (not eager); yields the worker's extra env."""
    url = shared_broker_url() or f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    if url.startswith("redis"):
        require_service("Redis", redis_available(url), f"the worker test uses {url}")
    with using_broker(url, purge=url.startswith("redis")):
        yield {"CELERY_BROKER_URL": url}


@contextmanager
def using_broker(url: str, *, purge: bool = False) -> Iterator[None]:
    """This process's Celery app publishes to ``url`` (not eagerly) inside the block."""
    saved = {
        key: celery_app.conf[key] for key in ("task_always_eager", "broker_url", "broker_transport_options")
    }
    options = {"connect_args": {"timeout": 30}} if url.startswith("sqla") else {}
    celery_app.conf.update(task_always_eager=False, broker_url=url, broker_transport_options=options)
    forget_broker_connections()
    if purge:
        celery_app.control.purge()
    try:
        yield
    finally:
        celery_app.conf.update(**saved)
        forget_broker_connections()


def forget_broker_connections() -> None:
    """Drop the app's connection and producer pools so the next publish uses the current broker settings."""
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None


@pytest.fixture
def shared_database(tmp_path, django_db_blocker):
    """A database a worker process can open too (the test must be transactional); yields its DATABASE_URL."""
    if connections["default"].vendor == "postgresql":
        # The pytest-django test database ("test_" + NAME).
        s = connections["default"].settings_dict
        yield (
            f"postgres://{quote(s['USER'] or '')}:{quote(str(s['PASSWORD'] or ''))}@{s['HOST'] or 'localhost'}"
            f":{s['PORT'] or 5432}/{s['NAME']}"
        )
        return
    from django.contrib.contenttypes.models import ContentType

    path = tmp_path / "shared.sqlite3"
    with django_db_blocker.unblock():
        original = connections["default"]
        options = {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
        shared = original.__class__(
            {**original.settings_dict, "NAME": str(path), "OPTIONS": options}, "default"
        )
        connections["default"] = shared
        try:
            call_command("migrate", verbosity=0, interactive=False)
            yield f"sqlite:///{path}"
        finally:
            shared.close()
            connections["default"] = original
            ContentType.objects.clear_cache()
