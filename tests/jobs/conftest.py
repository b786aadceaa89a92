"""Fixtures for the upstream-write outbox: media under tmp, eager Celery running on commit, upstream objects."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

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
