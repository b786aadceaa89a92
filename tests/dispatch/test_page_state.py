"""Pages show what is true now: a finished change of a site's or work order's own fields refreshes the page's
head and details (not only its lists), a closed or cancelled work order says so and takes no writes, the
header names who is logged in once, and the outbox's write page reloads itself without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal_ui.dispatch import sections, states
from portal_ui.jobs.models import UpstreamWrite, WriteKind
from portal_ui.mirror.services import mirror_workorder_refresh

HTMX = {"HTTP_HX_REQUEST": "true"}


def _tag(html: str, element_id: str) -> str:
    return re.search(rf'<div id="{element_id}"[^>]*>', html).group(0)


# -- a finished update refreshes the fields it changed -----------------------------------------------


@pytest.mark.parametrize(
    "page,kind,names",
    [
        ("workorder", WriteKind.WORKORDER_UPDATE, ("head", "details")),
        ("site", WriteKind.SITE_UPDATE, ("head", "details")),
    ],
)
def test_it_declares_the_head_and_details_as_refreshed_by_the_update_of_the_object(page, kind, names):
    refreshed = {name for name, section in sections.PAGES[page].sections.items() if kind in section.kinds}
    assert refreshed == set(names)


def test_it_fetches_a_sites_changed_phone_once_the_update_is_done(viewer_client, site, tl):
    url = reverse("site_detail", args=[site.id])
    page = viewer_client.get(url).content.decode()
    for element_id, name in (("site-head", "head"), ("site-details", "details")):
        tag = _tag(page, element_id)
        assert 'data-refresh-on="site_update"' in tag
        assert f'hx-get="{url}?section={name}"' in tag and 'hx-trigger="techlink:refresh"' in tag
    tl.site_update(site.id, phone="555-0199-7731")  # as the outbox's write does

    head = viewer_client.get(url, {"section": "head"}, **HTMX).content.decode()
    details = viewer_client.get(url, {"section": "details"}, **HTMX).content.decode()
    assert head.lstrip().startswith('<div id="site-head"') and "<html" not in head
    assert details.lstrip().startswith('<div id="site-details"')
    for html in (head, details):
        assert '<a href="tel:55501997731" class="tel">555-0199-7731</a>' in html


def test_it_fetches_a_work_orders_changed_summary_and_po_once_the_update_is_done(
    viewer_client, workorder, tl
):
    url = reverse("workorder_detail", args=[workorder.id])
    page = viewer_client.get(url).content.decode()
    assert 'data-refresh-on="workorder_update"' in _tag(page, "workorder-head")
    assert 'data-refresh-on="workorder_update"' in _tag(page, "workorder-details")
    tl.workorder_update(workorder.id, summary="Summary changed 7731", po="PO-7731")

    head = viewer_client.get(url, {"section": "head"}, **HTMX).content.decode()
    details = viewer_client.get(url, {"section": "details"}, **HTMX).content.decode()
    assert "<h1>Summary changed 7731</h1>" in head
    assert "<dt>PO</dt><dd>PO-7731</dd>" in details


# -- closed and cancelled work orders ----------------------------------------------------------------


def test_it_says_in_one_place_which_statuses_take_which_writes():
    for code in (10, 20, 30, 40, 50, 60, 70, 80, 99, None):
        writes = states.workorder_writes(code, "Any")
        assert not writes.ended and all(writes.allowed.values())
    for code, name in ((90, "Completed"), (95, "Cancelled")):
        writes = states.workorder_writes(code, name)
        assert writes.ended and not any(writes.allowed.values())
        assert writes.refusal(WriteKind.WORKORDER_NOTE_ADD).startswith(f"This work order is {name.lower()}:")
        assert writes.state == name.lower()
        assert writes.takes(WriteKind.SITE_UPDATE)  # not a write to the work order


@pytest.fixture
def ended_workorder(tl, db):
    """A closed work order, stored in the read model (as opening its page does)."""
    return mirror_workorder_refresh(workorder_id=min(tl.workorder_ids(status_code="90")))


def test_it_shows_a_closed_work_order_without_its_write_forms_and_says_why(
    dispatcher_client, ended_workorder
):
    html = dispatcher_client.get(reverse("workorder_detail", args=[ended_workorder.id])).content.decode()
    assert 'class="ended-note"' in html and "takes no more changes, notes, tasks or documents" in html
    for form_id in ("note-form", "task-form", "document-form", "required-form"):
        assert f'id="{form_id}"' not in html, form_id
    assert reverse("workorder_edit", args=[ended_workorder.id]) not in html
    assert "No new notes: the work order is" in html and "No new tasks: the work order is" in html
    assert 'class="danger">Delete' not in html
    # Reading and sharing stay.
    assert reverse("workorder_refresh", args=[ended_workorder.id]) in html and 'id="share-form"' in html


def test_it_keeps_the_write_forms_of_an_open_work_order(dispatcher_client, tl, db):
    open_wo = mirror_workorder_refresh(workorder_id=min(tl.workorder_ids(status_code="60")))
    html = dispatcher_client.get(reverse("workorder_detail", args=[open_wo.id])).content.decode()
    assert 'class="ended-note"' not in html
    for form_id in ("note-form", "task-form", "document-form", "required-form"):
        assert f'id="{form_id}"' in html, form_id
    assert reverse("workorder_edit", args=[open_wo.id]) in html


@pytest.mark.parametrize(
    "name,data,extra",
    [
        ("workorder_note_add", {"note": "Too late 7731"}, []),
        ("workorder_task_add", {"taskitem_id": "1", "description": "Too late", "rate": "1"}, []),
        ("workorder_document_delete", {"filename": "x.pdf"}, [999999]),
        ("workorder_edit", {"summary": "Too late 7731"}, []),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_writes_to_a_closed_work_order(
    dispatcher_client, ended_workorder, name, data, extra, htmx
):
    headers = HTMX if htmx else {}
    response = dispatcher_client.post(reverse(name, args=[ended_workorder.id, *extra]), data, **headers)
    assert not UpstreamWrite.objects.exists()
    if htmx:
        assert response.status_code == 200 and response["HX-Refresh"] == "true"
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("workorder_detail", args=[ended_workorder.id])
    page = dispatcher_client.get(reverse("workorder_detail", args=[ended_workorder.id])).content.decode()
    assert "Nothing was sent. This work order is" in page


def test_it_refuses_an_upload_to_a_closed_work_order(dispatcher_client, ended_workorder):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("late.txt", b"late", content_type="text/plain")
    url = reverse("workorder_document_upload", args=[ended_workorder.id])
    response = dispatcher_client.post(url, {"doc-file": upload, "doc-description": "late"})
    assert response.status_code == 302 and not UpstreamWrite.objects.exists()


# -- the header, the outbox's write page -------------------------------------------------------------


def test_it_names_the_staff_member_once_in_the_header(client, db):
    from tests.conftest import make_user

    named_like_the_role = make_user("dispatcher", username="dispatcher")
    named_like_the_role.first_name, named_like_the_role.last_name = "Dispatcher", ""
    named_like_the_role.save()
    client.force_login(named_like_the_role)
    html = client.get(reverse("reference")).content.decode()
    who = re.search(r'<span class="who"[^>]*>(.*?)</span>\s*<button', html, re.S).group(1)
    assert "Dispatcher · Dispatcher" not in html
    assert re.sub(r"<[^>]+>", "", who).split() == ["Dispatcher"]


def test_it_offers_a_skip_link_and_landmarks(viewer_client, synced):
    html = viewer_client.get(reverse("home")).content.decode()
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<header class="topbar"' in html and '<nav aria-label="Main">' in html
    assert '<main id="main"' in html


def test_the_write_page_reloads_itself_without_javascript_while_the_write_is_pending(
    viewer_client, dispatcher
):
    from portal_ui.jobs.models import WriteStatus

    write = UpstreamWrite.objects.create(
        kind=WriteKind.WORKORDER_NOTE_ADD,
        payload={"note": "x"},
        target="workorder:1:notes",
        created_by=dispatcher,
    )
    refresh = '<noscript><meta http-equiv="refresh" content="3"></noscript>'
    assert refresh in viewer_client.get(reverse("job_detail", args=[write.pk])).content.decode()
    UpstreamWrite.objects.filter(pk=write.pk).update(status=WriteStatus.DONE)
    assert refresh not in viewer_client.get(reverse("job_detail", args=[write.pk])).content.decode()
