"""Upstream text is shown escaped, and dates in the site's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from portal_ui.dispatch.templatetags.dispatch_tags import (
    email_link,
    http_url,
    path_to,
    phone_link,
    sitelocal,
    sitetime,
    stamp,
    zone_label,
)


def test_it_escapes_html_in_notes(viewer_client, workorder, tl):
    tl.workorder_note_add(workorder.id, note="<script>alert(1)</script> and <b>bold</b>\nsecond line")
    html = viewer_client.get(reverse("workorder_detail", args=[workorder.id])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;bold&lt;/b&gt;<br>second line" in html
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html


def test_it_shows_note_times_in_the_site_time_zone_named_once(viewer_client, workorder, tl):
    wo = tl.workorder_get(workorder.id, include_site=True, include_notes=True)
    zone = ZoneInfo(wo.site.timezone)
    html = viewer_client.get(reverse("workorder_detail", args=[workorder.id])).content.decode()
    assert html.count(f"Times in {zone.key} (") == 1  # the page names the site's zone once
    for note in wo.notes:
        local = note.created_date.astimezone(zone)
        assert f"· {local:%Y-%m-%d %H:%M}</div>" in html
        assert f"{local:%Y-%m-%d %H:%M %Z}" not in html  # one format: no zone on each time


def test_it_converts_zoned_times_and_labels_site_local_ones():
    edt = timezone(timedelta(hours=-4), "EDT")
    assert sitetime(datetime(2026, 6, 13, 9, 14, tzinfo=edt), "America/Chicago") == "2026-06-13 08:14 CDT"
    assert sitetime(datetime(2026, 12, 1, 15, 0), "America/Denver") == "2026-12-01 15:00 MST"
    assert sitetime(datetime(2026, 12, 1, 15, 0), "") == "2026-12-01 15:00"
    assert sitetime(None, "America/Denver") == ""


def test_it_gives_one_date_time_format():
    edt = timezone(timedelta(hours=-4), "EDT")
    assert sitelocal(datetime(2026, 6, 13, 9, 14, tzinfo=edt), "America/Chicago") == "2026-06-13 08:14"
    assert sitelocal(datetime(2026, 12, 1, 15, 0), "America/Denver") == "2026-12-01 15:00"
    assert zone_label("America/Denver") in ("America/Denver (MST)", "America/Denver (MDT)")
    assert zone_label("") == "" and sitelocal(None, "America/Denver") == ""
    assert stamp(datetime(2026, 6, 13, 13, 14, tzinfo=UTC)) == "2026-06-13 09:14 EDT"


def test_it_makes_phone_numbers_and_e_mail_addresses_links():
    assert phone_link("503-555-0142") == '<a href="tel:5035550142" class="tel">503-555-0142</a>'
    assert phone_link("+1 (503) 555-0142 ext. 12") == (
        '<a href="tel:+15035550142;ext=12" class="tel">+1 (503) 555-0142 ext. 12</a>'
    )
    assert phone_link("n/a") == "n/a" and phone_link("") == ""
    assert (
        email_link("dana@example.com")
        == '<a href="mailto:dana@example.com" class="email">dana@example.com</a>'
    )
    assert email_link("<b>@x.y") == "&lt;b&gt;@x.y"


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
