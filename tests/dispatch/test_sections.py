"""Parts of pages that htmx fetches on their own: detail page lists refreshed after a write, the home
dashboard, the reference lists and the close-out review."""

from __future__ import annotations

import io
import json
import re

from django.urls import reverse
from django.utils.html import escape

from portal_ui.jobs.models import UpstreamWrite

HTMX = {"HTTP_HX_REQUEST": "true"}


def _partial(client, url: str, **params) -> str:
    response = client.get(url, params, **HTMX)
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert "<html" not in html
    return html


def test_it_names_the_writes_each_work_order_list_shows_and_where_to_fetch_it(viewer_client, workorder):
    html = viewer_client.get(reverse("workorder_detail", args=[workorder.id])).content.decode()
    for element_id, section, kinds in (
        ("note-list", "notes", "workorder_note_add"),
        ("task-list", "tasks", "workorder_task_add"),
        ("document-list", "client_documents", "workorder_document_upload workorder_document_delete"),
        ("required-list", "required_documents", "workorder_required_document_upload"),
    ):
        tag = re.search(rf'<div id="{element_id}"[^>]*>', html).group(0)
        assert f'data-refresh-on="{kinds}"' in tag
        assert f'hx-get="/workorders/{workorder.id}/?section={section}"' in tag
        assert 'hx-trigger="techlink:refresh"' in tag


def test_it_serves_each_work_order_list_fresh_from_techlink(viewer_client, workorder, tl):
    url = reverse("workorder_detail", args=[workorder.id])
    viewer_client.get(url)  # the page as staff first saw it
    item = tl.task_items()[0]
    tl.workorder_note_add(workorder.id, note="Added after the page was shown 7731")
    tl.workorder_task_add(workorder.id, taskitem_id=item.taskitem_id, description="Late task 7731", rate="10")
    tl.workorder_document_upload(workorder.id, file=io.BytesIO(b"plan"), filename="late-plan-7731.txt")
    tl.workorder_required_document_upload(
        workorder.id, file=io.BytesIO(b"form"), filename="late-form-7731.pdf", description="Late form"
    )

    notes = _partial(viewer_client, url, section="notes")
    assert notes.lstrip().startswith('<div id="note-list"')
    assert "Added after the page was shown 7731" in notes
    assert 'id="tasks"' not in notes and 'id="note-form"' not in notes
    assert "Late task 7731" in _partial(viewer_client, url, section="tasks")
    assert "late-plan-7731.txt" in _partial(viewer_client, url, section="client_documents")
    assert "late-form-7731.pdf" in _partial(viewer_client, url, section="required_documents")


def test_it_serves_the_whole_page_for_a_section_asked_without_htmx(viewer_client, workorder):
    response = viewer_client.get(reverse("workorder_detail", args=[workorder.id]), {"section": "notes"})
    html = response.content.decode()
    assert "<html" in html and 'id="tasks"' in html


def test_it_serves_the_site_lists_fresh_from_techlink(viewer_client, site, tl):
    url = reverse("site_detail", args=[site.id])
    page = viewer_client.get(url).content.decode()
    assert 'data-refresh-on="site_attribute_set site_attribute_remove"' in page
    assert 'data-refresh-on="site_document_upload site_document_delete"' in page
    tl.site_attribute_set(site.id, name="Loading bay 7731", value="Rear")
    tl.site_document_upload(site.id, file=io.BytesIO(b"map"), filename="bay-map-7731.txt")

    attributes = _partial(viewer_client, url, section="attributes")
    assert attributes.lstrip().startswith('<div id="attribute-list"')
    assert "Loading bay 7731" in attributes and 'id="documents"' not in attributes
    assert "bay-map-7731.txt" in _partial(viewer_client, url, section="documents")
    tl.site_attribute_remove(site.id, name="Loading bay 7731")


def test_it_tells_the_page_to_refresh_its_list_when_a_write_is_done_at_once(
    transactional_db, dispatcher_client, workorder
):
    # Outside a test transaction the (eager) worker sends the write before the answer is rendered.
    response = dispatcher_client.post(
        reverse("workorder_note_add", args=[workorder.id]), {"note": "Ladder in the van 7731"}, **HTMX
    )
    write = UpstreamWrite.objects.get()
    assert write.status == "done"
    assert json.loads(response["HX-Trigger"]) == {
        "techlink:write-done": {"id": write.id, "kind": "workorder_note_add"}
    }
    html = response.content.decode()
    assert 'data-write-kind="workorder_note_add"' in html and 'data-status="done"' in html


def test_it_sends_no_refresh_while_a_write_is_still_queued(dispatcher_client, workorder):
    response = dispatcher_client.post(
        reverse("workorder_note_add", args=[workorder.id]), {"note": "Not sent yet"}, **HTMX
    )
    assert UpstreamWrite.objects.get().status == "queued"
    assert "HX-Trigger" not in response
    assert 'data-write-kind="workorder_note_add"' in response.content.decode()


def test_it_marks_a_deleted_document_row_as_being_removed(dispatcher_client, workorder, tl):
    doc = tl.workorder_document_upload(workorder.id, file=io.BytesIO(b"old"), filename="old-quote-7731.pdf")
    page = dispatcher_client.get(reverse("workorder_detail", args=[workorder.id])).content.decode()
    assert 'hx-target="closest tr"' in page
    assert '<input type="hidden" name="filename" value="old-quote-7731.pdf">' in page

    response = dispatcher_client.post(
        reverse("workorder_document_delete", args=[workorder.id, doc.document_id]),
        {"filename": "old-quote-7731.pdf"},
        **HTMX,
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<tr class="removing"')
    assert "Removing…" in html and "old-quote-7731.pdf" in html
    assert ">Delete</button>" not in html
    assert 'data-write-kind="workorder_document_delete"' in html


def test_it_names_the_file_when_a_delete_is_queued_without_javascript(dispatcher_client, site):
    response = dispatcher_client.post(
        reverse("site_document_delete", args=[site.id, 52352]), {"filename": "roof-survey.jpg"}, follow=True
    )
    html = response.content.decode()
    assert "Deleting “roof-survey.jpg”." in html
    assert "Deleting document #52352" not in html


def test_it_refreshes_the_home_dashboard_as_a_partial(viewer_client, synced):
    page = viewer_client.get(reverse("home")).content.decode()
    assert re.search(r'<div id="dashboard" hx-get="/" hx-trigger="every 60s"', page)
    html = _partial(viewer_client, reverse("home"))
    assert html.lstrip().startswith('<div id="dashboard"')
    for section in ("today", "overdue", "unscheduled", "unassigned", "recent"):
        assert f'id="{section}"' in html
    assert "<h1>" not in html


def test_it_narrows_the_reference_lists_in_place(viewer_client, tl):
    project, other = tl.projects()[:2]
    page = viewer_client.get(reverse("reference"), {"q": project.name}).content.decode()
    assert "<html" in page and escape(project.name) in page
    html = _partial(viewer_client, reverse("reference"), q=project.name.upper())
    assert html.lstrip().startswith('<div id="reference-lists"')
    assert escape(project.name) in html
    assert escape(other.name) not in html or other.name.casefold() in project.name.casefold()


def test_it_checks_a_close_out_again_as_a_partial(viewer_client, completed_workorder, tl):
    url = reverse("workorder_closeout", args=[completed_workorder.id])
    page = viewer_client.get(url).content.decode()
    assert f'hx-get="{url}?section=review"' in page
    tl.workorder_required_document_upload(
        completed_workorder.id, file=io.BytesIO(b"x"), filename="permit-7731.pdf", description="Permit 7731"
    )
    html = _partial(viewer_client, url, section="review")
    assert html.lstrip().startswith('<div id="review"')
    assert "Permit 7731" in html and 'id="score"' in html and 'id="questions"' in html


def test_it_writes_every_section_s_attributes_from_the_one_registry(dispatcher_client, workorder, site):
    from portal_ui.dispatch.sections import PAGES

    for page, object_id in (("workorder", workorder.id), ("site", site.id), ("closeout", workorder.id)):
        url = PAGES[page].url(object_id)
        html = dispatcher_client.get(url).content.decode()
        for section in PAGES[page].sections.values():
            tag = re.search(rf'<div id="{section.element_id}"[^>]*>', html).group(0)
            if section.kinds:
                assert f'data-refresh-on="{" ".join(section.kinds)}"' in tag, section
                assert f'hx-get="{url}?section={section.name}"' in tag, section
                assert 'hx-trigger="techlink:refresh" hx-swap="outerHTML"' in tag, section
            else:
                assert "data-refresh-on" not in tag, section
            if section.form:
                assert f'<form id="{section.form_id}"' in html, section


def test_it_serves_the_whole_page_for_a_section_of_another_page(viewer_client, workorder):
    response = viewer_client.get(
        reverse("workorder_detail", args=[workorder.id]), {"section": "review"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="note-list"' in html
