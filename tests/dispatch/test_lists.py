"""The work order list's queues and sorting, the new work order's site picker, and smaller page details."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from portal_ui.jobs.models import UpstreamWrite
from portal_ui.mirror.models import SiteRecord, WorkOrderRecord
from portal_ui.mirror.selectors import home_summary, queue_filter

HTMX = {"HTTP_HX_REQUEST": "true"}
ROW_ID = re.compile(r'<td><a href="/workorders/(\d+)/">')


def test_it_links_every_home_queue_to_all_of_its_work_orders(viewer_client, synced):
    summary = home_summary()
    html = viewer_client.get(reverse("home")).content.decode()
    for queue, count, words in (
        ("overdue", summary.overdue_count, "overdue installs"),
        ("unscheduled", summary.unscheduled_count, "unscheduled work orders"),
        ("unassigned", summary.unassigned_count, "unassigned work orders"),
    ):
        assert count, f"the sandbox seed has {queue} work orders"
        link = re.search(rf'<a href="(/workorders/\?queue={queue}[^"]*)">All {count} {words}</a>', html)
        assert link, queue
        listed = viewer_client.get(link.group(1).replace("&amp;", "&")).content.decode()
        assert re.search(rf"\b{count} found", listed), queue
        expected = set(queue_filter(WorkOrderRecord.objects.all(), queue).values_list("id", flat=True))
        assert {int(i) for i in ROW_ID.findall(listed)} <= expected, queue


def test_it_offers_the_queues_as_a_list_filter(viewer_client, synced):
    html = viewer_client.get(reverse("workorders"), {"queue": "unassigned"}).content.decode()
    assert '<option value="unassigned" selected>Unassigned</option>' in html
    rows = viewer_client.get(reverse("workorders"), {"queue": "unassigned", "sort": "id"}, **HTMX)
    ids = [int(i) for i in ROW_ID.findall(rows.content.decode())]
    assert ids and not WorkOrderRecord.objects.filter(pk__in=ids, is_assigned=True).exists()
    bad = viewer_client.get(reverse("workorders"), {"queue": "someday"})
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()


def test_it_lists_unscheduled_work_orders_after_scheduled_ones_in_both_directions(viewer_client, synced):
    for sort in ("scheduled", "-scheduled"):
        first = viewer_client.get(reverse("workorders"), {"sort": sort}).content.decode()
        top = [int(i) for i in ROW_ID.findall(first)]
        assert not WorkOrderRecord.objects.filter(pk__in=top, scheduled_at=None).exists(), sort
        pages = (WorkOrderRecord.objects.count() + 24) // 25
        last = viewer_client.get(reverse("workorders"), {"sort": sort, "page": pages}).content.decode()
        bottom = [int(i) for i in ROW_ID.findall(last)]
        assert WorkOrderRecord.objects.filter(pk__in=bottom[-1:], scheduled_at=None).exists(), sort


def _picker(client, query: str) -> str:
    return client.get(reverse("site_lookup"), {"site_q": query}, **HTMX).content.decode()


def test_it_picks_sites_with_the_same_wildcards_as_the_sites_page(dispatcher_client, synced):
    site = SiteRecord.objects.filter(name__contains=" ").order_by("id").first()
    first, last = site.name.split()[0], site.name.split()[-1]
    option = f'<option value="{site.id}"'

    assert option in _picker(dispatcher_client, f"*{last.lower()}*")  # a star: a pattern, as on /sites/
    assert option in _picker(dispatcher_client, f"{first}*")
    assert option in _picker(dispatcher_client, site.name)
    assert option in _picker(dispatcher_client, last)  # plain text: found anywhere in the name
    starting_with_last = _picker(dispatcher_client, f"{last}*")  # the whole name must start with it
    assert option not in starting_with_last or site.name.lower().startswith(last.lower())


def test_it_explains_the_site_picker_search(dispatcher_client, synced):
    html = dispatcher_client.get(reverse("workorder_new")).content.decode()
    assert 'aria-describedby="id_site_q_help"' in html
    assert "Plain text finds names and site codes that contain it" in html


def test_it_leaves_the_site_column_out_of_a_site_s_own_work_orders(viewer_client, site):
    html = viewer_client.get(reverse("site_detail", args=[site.id])).content.decode()
    table = html[html.index('id="workorders"') :]
    assert "<th>Summary</th><th>Scheduled</th>" in table
    assert "<th>Site</th>" not in table


def test_it_keeps_the_required_star_beside_its_label(dispatcher_client, synced):
    html = dispatcher_client.get(reverse("workorder_new")).content.decode()
    assert (
        '<span class="label-text">Summary<span class="required" aria-hidden="true">&nbsp;*</span></span>'
        in html
    )


def test_it_leads_from_a_photo_back_to_the_work_order_photos(viewer_client, completed_workorder, tl):
    photo = tl.workorder_photos(completed_workorder.id)[0]
    html = viewer_client.get(
        reverse("workorder_photo", args=[completed_workorder.id, photo.photo_id])
    ).content.decode()
    assert f'<a href="/workorders/{completed_workorder.id}/#photos">All photos</a>' in html


def test_it_asks_before_removing_an_attribute_without_javascript(
    dispatcher_client, site, tl, django_capture_on_commit_callbacks
):
    tl.site_attribute_set(site.id, name="Key safe 7731", value="Behind the bins")
    url = reverse("site_attribute_remove", args=[site.id])
    page = dispatcher_client.get(reverse("site_detail", args=[site.id])).content.decode()
    assert 'hx-confirm="Remove the attribute “Key safe 7731”?"' in page

    asked = dispatcher_client.post(url, {"name": "Key safe 7731", "value": "Behind the bins"})
    html = asked.content.decode()
    assert asked.status_code == 200
    assert "Remove the attribute “Key safe 7731” from this site?" in html
    assert "Behind the bins" in html
    assert '<input type="hidden" name="confirm" value="1">' in html
    assert not UpstreamWrite.objects.exists()
    assert "Key safe 7731" in {a.name for a in tl.site_attributes(site.id)}

    with django_capture_on_commit_callbacks(execute=True):
        done = dispatcher_client.post(url, {"name": "Key safe 7731", "confirm": "1"})
    assert done.status_code == 302
    assert "Key safe 7731" not in {a.name for a in tl.site_attributes(site.id)}


def test_it_says_exactly_how_much_too_big_an_upload_is(dispatcher_client, workorder, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    upload = SimpleUploadedFile("plan.pdf", b"x" * 2049, content_type="application/pdf")
    response = dispatcher_client.post(
        reverse("workorder_document_upload", args=[workorder.id]), {"doc-file": upload}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        escape("“plan.pdf” is 2,049 bytes (2.0\xa0KB); files can be at most 2,048 bytes (2.0\xa0KB).") in html
    )
