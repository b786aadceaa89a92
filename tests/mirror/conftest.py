"""Helpers for read-model tests: records made directly (controlled data) and a private sandbox."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from portal_ui.core.upstream import reset_techlink_client
from portal_ui.mirror.models import SiteRecord, WorkOrderRecord

_ids = itertools.count(1000)


def make_site(**fields) -> SiteRecord:
    values = {
        "id": next(_ids),
        "name": "Acme Hardware",
        "siteid": "ST-00001",
        "street": "1 Main St",
        "city": "Springfield",
        "state": "Illinois",
        "stateabbr": "IL",
        "zip": "62701",
        "timezone": "America/Chicago",
        "synced_at": timezone.now(),
    }
    values.update(fields)
    return SiteRecord.objects.create(**values)


def make_wo(*, site: SiteRecord | None = None, scheduled: str | None = None, **fields) -> WorkOrderRecord:
    """A stored work order; ``scheduled`` is the naive site-local "YYYY-MM-DD HH:MM:SS" upstream shows."""
    site = site or make_site()
    values = {
        "id": next(_ids),
        "status": "Scheduled",
        "status_code": 60,
        "type": "Work Order",
        "site": site,
        "site_name": site.name,
        "site_city": site.city,
        "site_state": site.state,
        "site_stateabbr": site.stateabbr,
        "site_timezone": site.timezone,
        "summary": "Install antenna",
        "installer_name": "Pat Installer",
        "is_assigned": True,
        "synced_at": timezone.now(),
        "last_modified": timezone.now(),
    }
    if scheduled:
        local = datetime.fromisoformat(scheduled)
        values.update(
            scheduled_date=scheduled,
            install_date=local.date(),
            scheduled_at=local.replace(tzinfo=ZoneInfo(site.timezone)),
        )
    values.update(fields)
    return WorkOrderRecord.objects.create(**values)


def point_client_at(settings, sandbox) -> None:
    settings.TECHLINK_BASE_URL = sandbox.base_url
    settings.TECHLINK_USERNAME = sandbox.username
    settings.TECHLINK_PASSWORD = sandbox.password
    reset_techlink_client()


@pytest.fixture
def private_upstream(tmp_path, settings):
    """A small sandbox of this test's own (safe to change), with the dashboard's client pointed at it."""
    from techlink_sandbox.testing import running_sandbox

    with running_sandbox(tmp_path / "sandbox", sites=8, workorders=24, random_seed=7) as sandbox:
        point_client_at(settings, sandbox)
        yield sandbox
    reset_techlink_client()
