"""Calendar feeds: a staff member's private, revocable iCalendar URL of scheduled installs (optionally those of a
saved view), which Outlook and Google Calendar subscribe to. Built with ``icalendar`` from the read model."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import icalendar
from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from portal_ui.dispatch import filter_forms, selectors
from portal_ui.dispatch.models import CalendarFeed, SavedView, ViewPage
from portal_ui.mirror import selectors as mirror_selectors
from portal_ui.mirror.models import WorkOrderRecord

# An install's length when TechLink gives none (it only has a start).
INSTALL_LENGTH = timedelta(hours=2)
BOARD_FILTERS = ("project_id", "status_code", "state", "installer")


def view_workorders(view: SavedView | None) -> QuerySet:
    """The work orders a saved view selects (every one without a view); bad saved filters select none."""
    if view is None:
        return WorkOrderRecord.objects.all()
    data = QueryDict(view.query)
    reference = selectors.reference_lists() or selectors.NO_REFERENCE
    try:
        if view.page == ViewPage.WORKORDERS:
            form = filter_forms.WorkOrderFilterForm(data, reference=reference)
            return (
                mirror_selectors.workorder_filter(form.lookups())
                if form.is_valid()
                else WorkOrderRecord.objects.none()
            )
        if view.page == ViewPage.SITES:
            form = filter_forms.SiteSearchForm(data)
            sites = mirror_selectors.site_filter(**form.lookups()).values("id")
            return WorkOrderRecord.objects.filter(site_id__in=sites)
        if view.page == ViewPage.SCHEDULE:
            usable = filter_forms.BoardForm(data, reference=reference).usable()
            return mirror_selectors.board_filter({k: v for k, v in usable.items() if k in BOARD_FILTERS})
        usable = filter_forms.MapForm(data, reference=reference).usable()
        filters = {k: v for k, v in usable.items() if k in (*BOARD_FILTERS, "when")}
        return mirror_selectors.map_workorders(filters)
    except mirror_selectors.InvalidFilter:
        return WorkOrderRecord.objects.none()


def _address(row: dict) -> str:
    place = " ".join(
        p for p in (row["site__city"], row["site__stateabbr"] or row["site__state"], row["site__zip"]) if p
    )
    return ", ".join(p for p in (row["site_name"], row["site__street"], place) if p)


def feed_calendar(feed: CalendarFeed, *, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    start = datetime.combine(today - timedelta(days=settings.CALENDAR_FEED_DAYS_BACK), time.min, tzinfo=zone)
    end = datetime.combine(today + timedelta(days=settings.CALENDAR_FEED_DAYS_AHEAD), time.min, tzinfo=zone)
    name = "TechLink installs" + (f": {feed.saved_view.name}" if feed.saved_view else "")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//TechLink Dispatch//Schedule feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-published-ttl", "PT1H")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    base = settings.SITE_URL.rstrip("/")
    host = base.split("://", 1)[-1].split("/", 1)[0] or "techlink-dispatch"
    for row in mirror_selectors.scheduled_installs(view_workorders(feed.saved_view), start=start, end=end):
        link = base + reverse("workorder_detail", args=[row["id"]])
        begins = row["scheduled_at"].astimezone(UTC)  # UTC: every calendar reads it without a VTIMEZONE
        event = icalendar.Event()
        event.add("uid", f"workorder-{row['id']}@{host}")
        event.add("summary", f"WO {row['id']}: {row['summary']}")
        event.add("dtstart", begins)
        event.add("dtend", begins + INSTALL_LENGTH)
        event.add("dtstamp", now)
        if row["last_modified"]:
            event.add("last-modified", row["last_modified"])
        event.add("location", _address(row))
        event.add("url", link)
        lines = [
            f"Work order {row['id']}: {row['summary']}",
            f"Status: {row['status']}",
            f"Installer: {row['installer_name'] or '—'}",
        ]
        if row["po"]:
            lines.append(f"PO: {row['po']}")
        lines.append(link)
        event.add("description", "\n".join(lines))
        cal.add_component(event)
    return cal.to_ical()
