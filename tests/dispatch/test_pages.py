"""Every staff page renders in full and, where it has one, as its htmx partial."""

from __future__ import annotations

import re
import threading

import pytest
from django.urls import reverse
from django.utils.html import escape

from portal_ui.jobs.models import UpstreamWrite
from portal_ui.mirror.models import SiteRecord, WorkOrderRecord

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_it_shows_the_home_page_from_the_read_model(viewer_client, synced):
    response = viewer_client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    scheduled = WorkOrderRecord.objects.filter(status_code=60).count()
    assert f'href="/workorders/?status_code=60">Scheduled <span class="badge warn">{scheduled}</span>' in html
    for section in ("today", "overdue", "unscheduled", "unassigned", "recent"):
        assert f'id="{section}"' in html
    newest = WorkOrderRecord.objects.exclude(last_modified=None).order_by("-last_modified", "-id").first()
    assert f'href="/workorders/{newest.id}/"' in html
    assert "Lists as of" in html


def test_it_offers_the_refresh_action_to_viewers_too(client_for, viewer, dispatcher, workorder):
    # Refreshing only reads from TechLink: a viewer may bring the copy up to date.
    for user in (viewer, dispatcher):
        client = client_for(user)
        assert 'action="/sync/"' in client.get(reverse("home")).content.decode()
        site_page = client.get(reverse("site_detail", args=[workorder.site_id])).content.decode()
        assert f'action="/sites/{workorder.site_id}/refresh/"' in site_page
        wo_page = client.get(reverse("workorder_detail", args=[workorder.id])).content.decode()
        assert f'action="/workorders/{workorder.id}/refresh/"' in wo_page
    assert 'action="/sync/"' in client_for(viewer).get(reverse("reference")).content.decode()


def test_it_queues_a_sync_from_the_refresh_action(
    viewer_client, upstream, django_capture_on_commit_callbacks
):
    from portal_ui.mirror.selectors import freshness

    with django_capture_on_commit_callbacks(execute=True):
        response = viewer_client.post(reverse("sync_request"), {"next": "/workorders/"})
    assert response.status_code == 302
    assert response["Location"] == "/workorders/"
    fresh = freshness()
    assert fresh.open_refresh_at is not None and fresh.reference_sync_at is not None
    assert WorkOrderRecord.objects.exists()


def test_it_refreshes_a_work_order_for_a_viewer(viewer_client, workorder, tl):
    WorkOrderRecord.objects.filter(pk=workorder.pk).update(summary="stale summary")
    response = viewer_client.post(reverse("workorder_refresh", args=[workorder.id]))
    assert response.status_code == 302
    workorder.refresh_from_db()
    assert workorder.summary == tl.workorder_get(workorder.id).summary


def test_it_searches_sites_with_wildcards(viewer_client, synced):
    site = SiteRecord.objects.order_by("id").first()
    word = site.name.split()[0]
    response = viewer_client.get(reverse("sites"), {"name": f"{word}*"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/sites/{site.id}/"' in html
    assert "\\*" in html  # the help text explains the escaped star
    assert html.count("for a literal star") == 1  # and says so once
    others = SiteRecord.objects.exclude(name__istartswith=word)
    assert all(f'href="/sites/{other.id}/"' not in html for other in others)


def test_it_finds_part_of_a_value_and_keeps_whole_value_matches_with_a_star(viewer_client, synced):
    # The staff search rule (mirror.search.typed_pattern): plain text means "contains"; a star keeps
    # TechLink's whole-value meaning.
    site = SiteRecord.objects.order_by("id").first()
    partial = site.name[1 : len(site.name) // 2]
    html = viewer_client.get(reverse("sites"), {"name": partial.upper()}).content.decode()
    assert f'href="/sites/{site.id}/"' in html
    html = viewer_client.get(reverse("sites"), {"name": f"{partial}*"}).content.decode()
    assert f'href="/sites/{site.id}/"' not in html
    assert "No site matches this search" in html


def test_it_answers_htmx_site_searches_with_the_results_only(viewer_client, synced):
    site = SiteRecord.objects.order_by("id").first()
    response = viewer_client.get(reverse("sites"), {"city": site.city}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'href="/sites/{site.id}/"' in html


def test_it_shows_a_site_with_its_details(viewer_client, site, tl):
    upstream = tl.site_get(site.id)
    response = viewer_client.get(reverse("site_detail", args=[site.id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(upstream.contact1.name) in html
    assert upstream.timezone in html
    lat, lon = upstream.address.latitude, upstream.address.longitude
    assert f"https://www.openstreetmap.org/?mlat={lat}&amp;mlon={lon}" in html
    for workorder in WorkOrderRecord.objects.filter(site_id=site.id)[:5]:
        assert f'href="/workorders/{workorder.id}/"' in html
    assert 'id="attribute-form"' not in html  # viewers do not get write controls


def test_it_shows_write_controls_to_dispatchers(dispatcher_client, site):
    html = dispatcher_client.get(reverse("site_detail", args=[site.id])).content.decode()
    assert 'id="attribute-form"' in html
    assert 'hx-encoding="multipart/form-data"' in html
    assert "<progress hidden" in html


def test_it_lists_work_orders_with_filters_sorting_and_pages(viewer_client, synced):
    total = WorkOrderRecord.objects.count()
    response = viewer_client.get(reverse("workorders"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Page 1 of {(total + 24) // 25}" in html
    newest = WorkOrderRecord.objects.order_by("-id").first()
    assert f'href="/workorders/{newest.id}/"' in html
    assert 'href="?sort=summary"' in html  # column headers are links

    scheduled = viewer_client.get(reverse("workorders"), {"status_code": "60"}).content.decode()
    ids = {int(i) for i in re.findall(r'<td><a href="/workorders/(\d+)/">', scheduled)}
    expected = (
        WorkOrderRecord.objects.filter(status_code=60).order_by("-id").values_list("id", flat=True)[:25]
    )
    assert ids == set(expected) and ids

    ascending = viewer_client.get(reverse("workorders"), {"sort": "id"}).content.decode()
    first = int(re.search(r'<td><a href="/workorders/(\d+)/">', ascending).group(1))
    assert first == WorkOrderRecord.objects.order_by("id").first().id

    second_page = viewer_client.get(reverse("workorders"), {"sort": "id", "page": 2}).content.decode()
    page_ids = [int(i) for i in re.findall(r'<td><a href="/workorders/(\d+)/">', second_page)]
    assert page_ids[0] == WorkOrderRecord.objects.order_by("id")[25].id


def test_it_answers_htmx_list_changes_with_the_rows_partial(viewer_client, synced):
    response = viewer_client.get(reverse("workorders"), {"sort": "-summary"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<form" not in html
    assert "<tbody>" in html
    assert "HX-Request" in response["Vary"]  # a browser never shows the partial as the page


def test_it_explains_a_bad_install_date(viewer_client, synced):
    response = viewer_client.get(reverse("workorders"), {"install_date": "next tuesday"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="next tuesday"' in html
    assert "Install date: Enter a valid date." in html
    assert "No work order matches these filters." in html


def test_it_shows_every_section_of_a_work_order(viewer_client, completed_workorder, tl):
    wo = tl.workorder_get(completed_workorder.id, include_all=True)
    response = viewer_client.get(reverse("workorder_detail", args=[wo.id]))
    assert response.status_code == 200
    html = response.content.decode()
    for section in (
        "details",
        "site",
        "installer",
        "notes",
        "tasks",
        "quotes",
        "client-documents",
        "required-documents",
        "closeout-documents",
        "photos",
        "questions",
    ):
        assert f'id="{section}"' in html, section
    assert escape(wo.installer.name) in html
    photo = wo.photos[0]
    # Thumbnails made once by the dashboard, not the original scaled by the browser.
    assert f'<img src="/workorders/{wo.id}/photos/{photo.photo_id}/thumb.jpg"' in html
    assert escape(wo.questions[0].question) in html


def test_it_refreshes_the_read_model_when_a_work_order_is_opened(viewer_client, workorder, tl):
    WorkOrderRecord.objects.filter(pk=workorder.pk).update(summary="stale summary")
    viewer_client.get(reverse("workorder_detail", args=[workorder.id]))
    workorder.refresh_from_db()
    assert workorder.summary == tl.workorder_get(workorder.id).summary


def test_it_shows_the_edit_and_create_forms(dispatcher_client, workorder, site):
    edit = dispatcher_client.get(reverse("workorder_edit", args=[workorder.id]))
    assert edit.status_code == 200
    assert f'value="{escape(workorder.summary)}"' in edit.content.decode()
    new = dispatcher_client.get(reverse("workorder_new"), {"site": site.id})
    assert new.status_code == 200
    html = new.content.decode()
    assert f'<option value="{site.id}" selected>' in html
    assert 'name="project_id"' in html and 'name="submitter_id"' in html
    assert dispatcher_client.get(reverse("site_new")).status_code == 200
    site_edit = dispatcher_client.get(reverse("site_edit", args=[site.id]))
    assert site_edit.status_code == 200
    assert f'value="{site.zip}"' in site_edit.content.decode()


def test_it_suggests_sites_for_a_new_work_order(dispatcher_client, site):
    word = site.name.split()[-1]
    response = dispatcher_client.get(reverse("site_lookup"), {"site_q": word}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="site-picker"' in html and "<html" not in html
    assert f'<option value="{site.id}"' in html


def test_it_searches_sites_without_javascript_and_keeps_what_was_typed(dispatcher_client, site, tl):
    project = tl.projects()[0]
    response = dispatcher_client.post(
        reverse("workorder_new"),
        {
            "search_sites": "1",
            "site_q": site.name,
            "summary": "Replace router",
            "project_id": project.project_id,
        },
    )
    assert response.status_code == 200
    assert not UpstreamWrite.objects.exists()
    html = response.content.decode()
    assert f'<option value="{site.id}"' in html
    assert 'value="Replace router"' in html
    assert f'<option value="{project.project_id}" selected>' in html


def test_it_preselects_the_only_site_a_search_without_javascript_finds(dispatcher_client, site):
    response = dispatcher_client.post(
        reverse("workorder_new"), {"search_sites": "1", "site_q": site.name, "site_id": "", "summary": ""}
    )
    assert response.status_code == 200
    assert f'<option value="{site.id}" selected>' in response.content.decode()


def test_it_shows_the_reference_lists(viewer_client, tl):
    response = viewer_client.get(reverse("reference"))
    assert response.status_code == 200
    html = response.content.decode()
    for project in tl.projects():
        assert project.name in html
    assert "1M Antenna w/NPRM Kit" in html
    for user in tl.users():
        assert user.username in html


def test_it_fetches_the_sections_of_a_work_order_concurrently(viewer_client, workorder, tl, monkeypatch):
    # Both calls wait for each other: fetched one after the other, the barrier would break.
    barrier = threading.Barrier(2, timeout=10)
    arrivals = []

    def waiting_for_the_other(original):
        def call(*args, **kwargs):
            arrivals.append(barrier.wait())
            return original(*args, **kwargs)

        return call

    for name in ("workorder_get", "workorder_required_documents"):
        monkeypatch.setattr(tl, name, waiting_for_the_other(getattr(tl, name)))
    response = viewer_client.get(reverse("workorder_detail", args=[workorder.id]))
    assert sorted(arrivals) == [0, 1]
    assert "TechLink is not answering" not in response.content.decode()


def test_it_answers_404_for_a_work_order_deleted_upstream_and_drops_it_locally(viewer_client, workorder):
    WorkOrderRecord.objects.create(id=990001, synced_at=workorder.synced_at, summary="Deleted upstream")
    response = viewer_client.get(reverse("workorder_detail", args=[990001]))
    assert response.status_code == 404
    assert not WorkOrderRecord.objects.filter(pk=990001).exists()


def test_it_shows_a_photo_at_full_size_with_its_neighbours(viewer_client, completed_workorder, tl):
    photos = tl.workorder_photos(completed_workorder.id)
    assert len(photos) >= 2
    response = viewer_client.get(
        reverse("workorder_photo", args=[completed_workorder.id, photos[1].photo_id])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<img src="/workorders/{completed_workorder.id}/photos/{photos[1].photo_id}/large.jpg"' in html
    assert f'href="/workorders/{completed_workorder.id}/photos/{photos[1].photo_id}/raw/"' in html
    assert f'href="/workorders/{completed_workorder.id}/photos/{photos[0].photo_id}/" rel="prev"' in html
    assert f"Photo 2 of {len(photos)}" in html
    missing = viewer_client.get(reverse("workorder_photo", args=[completed_workorder.id, 987654]))
    assert missing.status_code == 404


def test_it_refreshes_the_read_model_when_a_site_is_opened(
    viewer_client, site, tl, django_capture_on_commit_callbacks
):
    SiteRecord.objects.filter(pk=site.pk).update(name="stale name")
    with django_capture_on_commit_callbacks(execute=True):
        viewer_client.get(reverse("site_detail", args=[site.id]))
    site.refresh_from_db()
    assert site.name == tl.site_get(site.id).name


def test_it_shares_a_work_order_with_a_customer_in_one_step(dispatcher_client, workorder):
    from portal_ui.portal_links.models import PortalLink

    page = dispatcher_client.get(reverse("workorder_detail", args=[workorder.id])).content.decode()
    assert 'id="share-form"' in page
    response = dispatcher_client.post(
        reverse("portal_link_new"), {"workorder": str(workorder.id)}, follow=True
    )
    assert response.status_code == 200
    link = PortalLink.objects.get(workorder=str(workorder.id))
    assert link.link_type == "public" and link.is_active
    assert "/p/" in response.content.decode()  # the URL is shown once, to copy


def test_it_offers_sharing_only_to_dispatchers(viewer_client, workorder):
    page = viewer_client.get(reverse("workorder_detail", args=[workorder.id])).content.decode()
    assert 'id="share-form"' not in page


def test_it_says_when_a_sync_cannot_be_queued(viewer_client, monkeypatch):
    from kombu.exceptions import OperationalError

    from portal_ui.mirror import tasks

    def refused(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.mirror_sync_open_task, "delay", refused)
    response = viewer_client.post(reverse("sync_request"), follow=True)
    assert response.status_code == 200
    assert "could not be queued" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/workorders/0/",
        "/sites/0/",
        "/workorders/0/notes/",
        "/workorders/0/documents/0/download/",
        "/sites/0/edit/",
    ],
)
def test_it_answers_404_for_an_id_of_0(dispatcher_client, url):
    assert dispatcher_client.get(url).status_code == 404
