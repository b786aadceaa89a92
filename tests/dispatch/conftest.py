"""Fixtures for the staff pages: a read model synced from the test sandbox, and an unreachable TechLink."""

from __future__ import annotations

import socket

import pytest
from django.core.cache import cache

from portal_ui.core.upstream import reset_techlink_client, techlink_client


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def synced(upstream, db):
    """The read model filled from the sandbox, as the periodic sync would (records and reference lists)."""
    from portal_ui.mirror.services import mirror_sync_full, mirror_sync_reference

    mirror_sync_full()
    mirror_sync_reference()
    return upstream


@pytest.fixture
def tl(upstream):
    """The dashboard's TechLink client, talking to the sandbox (to arrange and check upstream state)."""
    return techlink_client()


def _stored(workorder_id: int):
    """Bring one work order (and its site) into the read model, as opening it or a sync would."""
    from portal_ui.mirror.services import mirror_workorder_refresh

    return mirror_workorder_refresh(workorder_id=workorder_id)


@pytest.fixture
def workorder(tl, db):
    """A work order that exists upstream, stored in the read model with its site."""
    return _stored(min(tl.workorder_ids()))


@pytest.fixture
def completed_workorder(tl, db):
    """A work order the technician has worked on (photos and answered questions upstream), stored locally."""
    for workorder_id in sorted(tl.workorder_ids(status_code="80") + tl.workorder_ids(status_code="90")):
        wo = tl.workorder_get(workorder_id, include_photos=True, include_questions=True)
        if wo.photos and wo.questions:
            return _stored(workorder_id)
    pytest.fail("the sandbox seed has no completed work order with photos and questions")


@pytest.fixture
def site(workorder):
    """The site of ``workorder``, stored in the read model."""
    from portal_ui.mirror.models import SiteRecord

    return SiteRecord.objects.get(pk=workorder.site_id)


@pytest.fixture
def upstream_down(settings):
    """TechLink unreachable: the client points at a port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.TECHLINK_BASE_URL = f"http://127.0.0.1:{port}/api/light/"
    settings.TECHLINK_MAX_RETRIES = 0
    reset_techlink_client()
    yield
    reset_techlink_client()


@pytest.fixture
def client_for(db):
    """A separately logged-in test client per user (the shared ``client`` fixture holds one session)."""
    from django.test import Client

    def make(user) -> Client:
        new = Client()
        new.force_login(user)
        return new

    return make
