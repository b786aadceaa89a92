"""Upstream text is shown escaped, and dates in the site's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from portal_ui.dispatch.templatetags.dispatch_tags import http_url, path_to, sitetime


def test_it_escapes_html_in_notes(viewer_client, workorder, tl):
    tl.workorder_note_add(workorder.id, note="<script>alert(1)</script> and <b>bold</b>\nsecond line")
    html = viewer_client.get(reverse("workorder_detail", args=[workorder.id])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;bold&lt;/b&gt;<br>second line" in html
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html


def test_it_shows_note_times_in_the_site_time_zone(viewer_client, workorder, tl):
    wo = tl.workorder_get(workorder.id, include_site=True, include_notes=True)
    zone = ZoneInfo(wo.site.timezone)
    html = viewer_client.get(reverse("workorder_detail", args=[workorder.id])).content.decode()
    for note in wo.notes:
        assert note.created_date.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") in html


def test_it_converts_zoned_times_and_labels_site_local_ones():
    edt = timezone(timedelta(hours=-4), "EDT")
    assert sitetime(datetime(2026, 6, 13, 9, 14, tzinfo=edt), "America/Chicago") == "2026-06-13 08:14 CDT"
    assert sitetime(datetime(2026, 12, 1, 15, 0), "America/Denver") == "2026-12-01 15:00 MST"
    assert sitetime(datetime(2026, 12, 1, 15, 0), "") == "2026-12-01 15:00"
    assert sitetime(None, "America/Denver") == ""


def test_it_links_only_to_web_addresses():
    assert (
        http_url("https://portal.techlinksvc.net/portal/index.php?id=1")
        == "https://portal.techlinksvc.net/portal/index.php?id=1"
    )
    assert http_url("javascript:alert(1)") == ""
    assert http_url("") == ""


@pytest.mark.parametrize("name", ["workorder_detail", "site_detail"])
@pytest.mark.parametrize("object_id", [1, 40001, "120000"])
def test_it_links_list_rows_where_the_page_is(name, object_id):
    assert path_to(object_id, name) == reverse(name, args=[object_id])
    assert path_to(None, name) == ""
