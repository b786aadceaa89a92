"""Read model rows made directly (no sandbox), for the search, filter, board, map and feed tests."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from portal_ui.mirror.models import SiteRecord, WorkOrderRecord

_ids = itertools.count(500_000)


def make_site(**fields) -> SiteRecord:
    values = {
        "id": next(_ids),
        "name": "Miami Cascade",
        "siteid": "ST-00123",
        "street": "1 Ocean Drive",
        "city": "Miami",
        "state": "Florida",
        "stateabbr": "FL",
        "zip": "33139",
        "timezone": "America/New_York",
        "latitude": Decimal("25.7617"),
        "longitude": Decimal("-80.1918"),
        "synced_at": timezone.now(),
    }
    values.update(fields)
    return SiteRecord.objects.create(**values)


def make_workorder(
    site: SiteRecord | None = None, *, scheduled: str | None = None, **fields
) -> WorkOrderRecord:
    values = {
        "id": next(_ids),
        "status": "Open",
        "status_code": 10,
        "summary": "Switch install",
        "po": "PO-40301",
        "client_reference": "REF-7",
        "description": "Replace the core switch",
        "project_id": 1,
        "synced_at": timezone.now(),
        "created_date": timezone.now(),
    }
    if site is not None:
        values |= {
            "site": site,
            "site_name": site.name,
            "site_city": site.city,
            "site_state": site.state,
            "site_stateabbr": site.stateabbr,
            "site_timezone": site.timezone,
        }
    if scheduled:
        local = datetime.fromisoformat(scheduled)
        zone = ZoneInfo(values.get("site_timezone") or "UTC")
        values |= {
            "scheduled_date": local.strftime("%Y-%m-%d %H:%M:%S"),
            "install_date": local.date(),
            "scheduled_at": local.replace(tzinfo=zone),
        }
    values.update(fields)
    return WorkOrderRecord.objects.create(**values)
