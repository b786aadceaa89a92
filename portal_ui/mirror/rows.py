"""Upstream objects stored as read-model rows: conversion, bulk upserts, and the site fields copied onto
work orders."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from portal_ui.integrations.techlink import types
from portal_ui.integrations.techlink.fields import INCLUDE_FLAGS
from portal_ui.integrations.techlink.types import site_zone

from .generation import read_model_moved
from .models import SiteRecord, StatusName, WorkOrderRecord


def _json(obj: object) -> dict:
    """A JSON-safe dict of a client dataclass (Decimals and dates as strings); ``from_api`` reads it back."""
    return json.loads(json.dumps(dataclasses.asdict(obj), cls=DjangoJSONEncoder))


def _zone(name: str) -> ZoneInfo:
    """The site's zone, or the dashboard's own when the site names none it knows."""
    return site_zone(name) or ZoneInfo(settings.TIME_ZONE)


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=ZoneInfo("UTC"))


def _site_row(site: types.Site, *, now: datetime, with_raw: bool = True) -> SiteRecord:
    address = site.address
    row = SiteRecord(
        id=site.id,
        name=site.name[:255],
        siteid=site.siteid[:100],
        phone=site.phone[:50],
        fax=site.fax[:50],
        street=address.street[:255],
        street2=address.street2[:255],
        street3=address.street3[:255],
        city=address.city[:100],
        state=address.state[:100],
        stateabbr=address.stateabbr[:10],
        zip=address.zip[:20],
        country=address.country[:50],
        timezone=site.timezone[:64],
        latitude=address.latitude,
        longitude=address.longitude,
        contact1_name=site.contact1.name[:255],
        contact1_phone=site.contact1.phone[:50],
        contact1_email=site.contact1.email[:255],
        contact2_name=site.contact2.name[:255],
        contact2_phone=site.contact2.phone[:50],
        contact2_email=site.contact2.email[:255],
        last_modified=aware(site.last_modified),
        raw=_json(site) if with_raw else {},
        synced_at=now,
    )
    row.fill_folded()
    return row


def _workorder_row(wo: types.WorkOrder, *, site: SiteRecord | None, now: datetime) -> WorkOrderRecord:
    scheduled = wo.scheduled_date
    if scheduled is not None and timezone.is_aware(scheduled):
        scheduled = timezone.make_naive(scheduled, _zone(site.timezone if site else ""))
    zone = _zone(site.timezone if site else "")
    raw = _json(dataclasses.replace(wo, **{name: None for name in INCLUDE_FLAGS}))
    row = WorkOrderRecord(
        id=wo.id,
        status=wo.status[:50],
        status_code=wo.status_code,
        type=wo.type[:50],
        site_id=wo.site_id,
        site_name=site.name if site else "",
        site_city=site.city if site else "",
        site_state=site.state if site else "",
        site_stateabbr=site.stateabbr if site else "",
        site_timezone=site.timezone if site else "",
        project_id=wo.project_id,
        submitter_id=wo.submitter_id,
        po=wo.po[:100],
        client_reference=wo.client_reference[:255],
        summary=wo.summary[:500],
        description=wo.description,
        requested_time=wo.requested_time[:100],
        scheduled_date=scheduled.strftime("%Y-%m-%d %H:%M:%S") if scheduled else None,
        install_date=scheduled.date() if scheduled else None,
        scheduled_at=scheduled.replace(tzinfo=zone) if scheduled else None,
        installer_name=wo.installer.name[:255],
        installer_phone=wo.installer.phone[:50],
        installer_email=wo.installer.email[:255],
        planned_tech_name=wo.planned_tech.name[:255],
        planned_tech_phone=wo.planned_tech.phone[:50],
        is_assigned=wo.is_assigned,
        url=wo.url[:500],
        created_date=aware(wo.created_date),
        last_modified=aware(wo.last_modified),
        raw=raw,
        synced_at=now,
    )
    row.fill_folded()
    return row


_SITE_FIELDS = [f.name for f in SiteRecord._meta.concrete_fields if not f.primary_key]
_WO_FIELDS = [f.attname for f in WorkOrderRecord._meta.concrete_fields if not f.primary_key]


def _upsert_sites(rows: Sequence[SiteRecord]) -> None:
    if rows:
        SiteRecord.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True, unique_fields=["id"], update_fields=_SITE_FIELDS
        )
        read_model_moved()


def _upsert_workorders(rows: Sequence[WorkOrderRecord]) -> None:
    if rows:
        WorkOrderRecord.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True, unique_fields=["id"], update_fields=_WO_FIELDS
        )
        read_model_moved()


def store_workorders(
    workorders: Iterable[types.WorkOrder],
    *,
    sites: Iterable[types.Site] = (),
    stored_sites: set[int] | None = None,
) -> None:
    """Upsert work orders (and their sites when they came with ``include_site``).

    ``stored_sites``: ids of sites already stored by the running sync; they are not written again
    (a batch of work orders brings the same sites over and over). Sites written here are added to it.
    """
    now = timezone.now()
    workorders = list(workorders)
    stored_sites = set() if stored_sites is None else stored_sites
    site_rows = {s.id: _site_row(s, now=now) for s in sites}
    for wo in workorders:
        if wo.site is not None and wo.site.id not in site_rows:
            site_rows[wo.site.id] = _site_row(wo.site, now=now, with_raw=wo.site.id not in stored_sites)
    missing = {wo.site_id for wo in workorders if wo.site_id and wo.site_id not in site_rows}
    known = SiteRecord.objects.in_bulk(missing) if missing else {}
    rows = [
        _workorder_row(wo, site=site_rows.get(wo.site_id) or known.get(wo.site_id), now=now)
        for wo in workorders
    ]
    fresh_sites = {i: row for i, row in site_rows.items() if i not in stored_sites}
    with transaction.atomic():
        moved = _changed_sites(fresh_sites)
        _upsert_sites(list(fresh_sites.values()))
        _upsert_workorders(rows)
        _remember_status_names(workorders, now=now)
        for site in moved:
            _denormalize_site(site)
    stored_sites.update(fresh_sites)


def _remember_status_names(workorders: Sequence[types.WorkOrder], *, now: datetime) -> None:
    """Keep the name TechLink sent with each status code (the last one wins)."""
    names = {wo.status_code: wo.status[:50] for wo in workorders if wo.status_code is not None and wo.status}
    if names:
        StatusName.objects.bulk_create(
            [StatusName(code=code, name=name, seen_at=now) for code, name in names.items()],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "seen_at"],
        )
        read_model_moved()


_DENORMALIZED = ("name", "city", "state", "stateabbr", "timezone")


def _changed_sites(rows: dict[int, SiteRecord]) -> list[SiteRecord]:
    """Sites whose copied fields differ from the stored ones (or that are new), before they are stored."""
    if not rows:
        return []
    stored = {
        site_id: tuple(values)
        for site_id, *values in SiteRecord.objects.filter(pk__in=list(rows)).values_list("id", *_DENORMALIZED)
    }
    return [
        row for row in rows.values() if stored.get(row.id) != tuple(getattr(row, f) for f in _DENORMALIZED)
    ]


def store_sites(sites: Iterable[types.Site]) -> None:
    """Upsert sites and copy their name/city/state/zone onto their work orders."""
    now = timezone.now()
    rows = [_site_row(s, now=now) for s in sites]
    with transaction.atomic():
        _upsert_sites(rows)
        for row in rows:
            _denormalize_site(row)


def _denormalize_site(row: SiteRecord) -> None:
    """Copy a changed site's name/place/zone onto its work orders (recomputing ``scheduled_at``)."""
    stale = WorkOrderRecord.objects.filter(site_id=row.id).exclude(
        site_name=row.name,
        site_city=row.city,
        site_state=row.state,
        site_stateabbr=row.stateabbr,
        site_timezone=row.timezone,
    )
    changed = list(stale.only("id", "scheduled_date"))
    if not changed:
        return
    zone = _zone(row.timezone)
    for wo in changed:
        wo.site_name, wo.site_city, wo.site_state = row.name, row.city, row.state
        wo.site_stateabbr, wo.site_timezone = row.stateabbr, row.timezone
        local = wo.scheduled_local
        wo.scheduled_at = local.replace(tzinfo=zone) if local else None
    WorkOrderRecord.objects.bulk_update(
        changed,
        ["site_name", "site_city", "site_state", "site_stateabbr", "site_timezone", "scheduled_at"],
        batch_size=500,
    )
    read_model_moved()
