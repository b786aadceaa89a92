"""Writes go through the durable write services, show their live status, and bad input loses nothing."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from portal_ui.dispatch.forms import SiteForm, WorkOrderEditForm
from portal_ui.jobs.models import UpstreamWrite

HTMX = {"HTTP_HX_REQUEST": "true"}


def _form_data(initial: dict) -> dict:
    return {k: "" if v is None else v for k, v in initial.items()}


def test_it_queues_a_note_and_shows_its_live_status(dispatcher_client, workorder):
    response = dispatcher_client.post(
        reverse("workorder_note_add", args=[workorder.id]), {"note": "Call the store first"}
    )
    write = UpstreamWrite.objects.get()
    assert write.kind == "workorder_note_add"
    assert write.payload["note"] == "Call the store first\n\n— Dispatcher Tester (dispatch)"
    assert response.status_code == 302
    assert response["Location"] == f"/workorders/{workorder.id}/?write={write.id}"
    page = dispatcher_client.get(response["Location"]).content.decode()
    assert f'id="write-{write.id}"' in page
    assert "Adding the note in TechLink." in page


def test_it_answers_an_htmx_note_with_the_status_partial(
    dispatcher_client, workorder, tl, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = dispatcher_client.post(
            reverse("workorder_note_add", args=[workorder.id]), {"note": "Bring a 10 ft ladder"}, **HTMX
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'class="write-status' in html
    assert UpstreamWrite.objects.get().status == "done"
    assert any(
        n.content == "Bring a 10 ft ladder\n\n— Dispatcher Tester (dispatch)"
        for n in tl.workorder_notes(workorder.id)
    )


def test_it_reshows_an_empty_note_with_an_error(dispatcher_client, workorder):
    response = dispatcher_client.post(reverse("workorder_note_add", args=[workorder.id]), {"note": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert 'id="note-form"' in html and "<html" in html
    assert not UpstreamWrite.objects.exists()


def test_it_returns_the_form_with_errors_to_htmx(dispatcher_client, workorder):
    response = dispatcher_client.post(
        reverse("workorder_task_add", args=[workorder.id]),
        {"taskitem_id": "1", "description": "Mount antenna", "quantity": "2", "rate": "lots"},
        **HTMX,
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#task-form"
    html = response.content.decode()
    assert 'value="Mount antenna"' in html
    assert "Enter a number." in html
    assert not UpstreamWrite.objects.exists()


def test_it_adds_a_task_with_item_quantity_and_rate(
    dispatcher_client, workorder, tl, django_capture_on_commit_callbacks
):
    item = next(t for t in tl.task_items() if t.name == "1M Antenna")
    with django_capture_on_commit_callbacks(execute=True):
        dispatcher_client.post(
            reverse("workorder_task_add", args=[workorder.id]),
            {
                "taskitem_id": item.taskitem_id,
                "description": "Mount dish on roof",
                "quantity": "2",
                "rate": "150.00",
            },
        )
    task = next(t for t in tl.workorder_tasks(workorder.id) if t.description == "Mount dish on roof")
    assert task.item == "1M Antenna"
    assert task.quantity == 2 and task.rate == 150


def _upload_too_big(client, settings, url: str, prefix: str, *, name: str, size: int, limit: int, **headers):
    """Post a file of ``size`` bytes with a description to an upload form while the limit is ``limit``."""
    settings.UPLOAD_MAX_BYTES = limit
    upload = SimpleUploadedFile(name, b"x" * size, content_type="application/octet-stream")
    data = {f"{prefix}-file": upload, f"{prefix}-description": f"About {name}"}
    return client.post(url, data, **headers)


def test_it_refuses_an_upload_over_the_limit_and_keeps_the_form(dispatcher_client, workorder, settings):
    url = reverse("workorder_document_upload", args=[workorder.id])
    response = _upload_too_big(dispatcher_client, settings, url, "doc", name="permit.pdf", size=11, limit=10)
    assert response.status_code == 400
    html = response.content.decode()
    assert "files can be at most 10\xa0bytes" in html
    assert 'value="About permit.pdf"' in html
    assert not UpstreamWrite.objects.exists()


def test_it_refuses_an_oversized_htmx_upload_in_place(dispatcher_client, workorder, settings):
    url = reverse("workorder_required_upload", args=[workorder.id])
    response = _upload_too_big(
        dispatcher_client, settings, url, "req", name="permit.pdf", size=11, limit=10, **HTMX
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#required-form"
    assert "data-upload-progress" in response.content.decode()


def test_it_uploads_a_client_document(dispatcher_client, workorder, tl, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("floorplan.txt", b"rack in room 2\n", content_type="text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        response = dispatcher_client.post(
            reverse("workorder_document_upload", args=[workorder.id]),
            {"doc-file": upload, "doc-description": "Floor plan"},
            **HTMX,
        )
    assert response.status_code == 200
    assert any(d.filename == "floorplan.txt" for d in tl.workorder_documents(workorder.id))


def test_it_sends_only_the_changed_work_order_fields(
    dispatcher_client, workorder, tl, django_capture_on_commit_callbacks
):
    before = tl.workorder_get(workorder.id)
    data = _form_data(WorkOrderEditForm.initial_from_workorder(before))
    data["summary"] = "Replace switch in rack 5"
    with django_capture_on_commit_callbacks(execute=True):
        response = dispatcher_client.post(reverse("workorder_edit", args=[workorder.id]), data)
    assert response.status_code == 302
    write = UpstreamWrite.objects.get()
    assert write.payload["changes"] == {"summary": "Replace switch in rack 5"}
    after = tl.workorder_get(workorder.id)
    assert after.summary == "Replace switch in rack 5"
    assert (after.po, after.description, after.project_id) == (
        before.po,
        before.description,
        before.project_id,
    )


def test_it_does_not_send_an_unchanged_multi_line_description_again(dispatcher_client, workorder, tl):
    tl.workorder_update(workorder.id, description="Line one\nLine two")
    data = _form_data(WorkOrderEditForm.initial_from_workorder(tl.workorder_get(workorder.id)))
    data["description"] = "Line one\r\nLine two"  # as a browser submits a textarea
    data["summary"] = "Only the summary changed"
    response = dispatcher_client.post(reverse("workorder_edit", args=[workorder.id]), data)
    assert response.status_code == 302
    assert UpstreamWrite.objects.get().payload["changes"] == {"summary": "Only the summary changed"}


def test_it_sends_line_breaks_as_techlink_keeps_them(dispatcher_client, workorder, tl):
    data = _form_data(WorkOrderEditForm.initial_from_workorder(tl.workorder_get(workorder.id)))
    data["description"] = "First\r\nSecond\rThird"
    dispatcher_client.post(reverse("workorder_edit", args=[workorder.id]), data)
    assert UpstreamWrite.objects.get().payload["changes"] == {"description": "First\nSecond\nThird"}


def test_it_refuses_a_description_longer_than_techlink_takes(dispatcher_client, workorder, tl):
    data = _form_data(WorkOrderEditForm.initial_from_workorder(tl.workorder_get(workorder.id)))
    data["description"] = "x" * (1024 * 1024 + 1)
    response = dispatcher_client.post(reverse("workorder_edit", args=[workorder.id]), data)
    assert response.status_code == 400
    assert "TechLink takes at most 1,024 KB" in response.content.decode()
    assert not UpstreamWrite.objects.exists()


def test_it_sends_nothing_when_nothing_changed(dispatcher_client, workorder, tl):
    data = _form_data(WorkOrderEditForm.initial_from_workorder(tl.workorder_get(workorder.id)))
    response = dispatcher_client.post(reverse("workorder_edit", args=[workorder.id]), data)
    assert response.status_code == 302
    assert not UpstreamWrite.objects.exists()


def test_it_sends_only_the_changed_site_fields(dispatcher_client, site, tl):
    data = _form_data(SiteForm.initial_from_site(tl.site_get(site.id)))
    data["phone"] = "803-555-0000"
    response = dispatcher_client.post(reverse("site_edit", args=[site.id]), data)
    assert response.status_code == 302
    assert UpstreamWrite.objects.get().payload["changes"] == {"phone": "803-555-0000"}


def test_it_keeps_site_input_when_the_zip_is_wrong(dispatcher_client, db):
    data = {
        "name": "Corner Deli", "address1": "12 Elm St", "city": "Albany", "state": "NY", "zip": "1220",
        "primary_contact_name": "Ann Lee", "primary_contact_phone": "518-555-0101",
        "primary_contact_email": "ann@example.com",
    }  # fmt: skip
    response = dispatcher_client.post(reverse("site_new"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a US ZIP code of 5 or 9 digits" in html
    assert 'value="Corner Deli"' in html and 'value="ann@example.com"' in html
    assert not UpstreamWrite.objects.exists()


@pytest.mark.parametrize(
    ("state", "country", "message"),
    [
        ("Narnia", "", "“Narnia” is not a US state"),
        ("ON", "US", "“ON” is not a US state"),
        ("Texas", "Canada", "“Texas” is not a Canadian province"),
    ],
)
def test_it_keeps_site_input_when_the_state_is_unknown(dispatcher_client, db, state, country, message):
    data = {
        "name": "Corner Deli", "address1": "12 Elm St", "city": "Albany", "state": state, "zip": "12207",
        "country": country, "primary_contact_name": "Ann Lee", "primary_contact_phone": "518-555-0101",
        "primary_contact_email": "ann@example.com",
    }  # fmt: skip
    response = dispatcher_client.post(reverse("site_new"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'value="Corner Deli"' in html
    assert not UpstreamWrite.objects.exists()


@pytest.mark.parametrize(("state", "country"), [("sc", ""), ("South Carolina", "US"), ("Ontario", "Canada")])
def test_it_accepts_a_state_by_name_or_abbreviation(state, country):
    data = {
        "name": "Corner Deli", "address1": "12 Elm St", "city": "Columbia", "state": state, "country": country,
        "zip": "29201" if country != "Canada" else "K1A 0B1", "primary_contact_name": "Ann Lee",
        "primary_contact_phone": "518-555-0101", "primary_contact_email": "ann@example.com",
    }  # fmt: skip
    form = SiteForm(data)
    assert form.is_valid(), form.errors


def test_it_creates_a_site(dispatcher_client, tl, django_capture_on_commit_callbacks):
    data = {
        "name": "Corner Deli 4411", "site_code": "ST-DELI-4411", "address1": "12 Elm St", "city": "Albany", "state": "NY",
        "zip": "12207", "primary_contact_name": "Ann Lee", "primary_contact_phone": "518-555-0101",
        "primary_contact_email": "ann@example.com",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = dispatcher_client.post(reverse("site_new"), data)
    write = UpstreamWrite.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == reverse("job_detail", args=[write.id]) + "?then=open"
    )
    assert write.status == "done"
    assert tl.site_ids(site_id="ST-DELI-4411")


def test_it_creates_a_work_order_at_a_picked_site(
    dispatcher_client, site, tl, django_capture_on_commit_callbacks
):
    project = tl.projects()[0]
    data = {"site_id": site.id, "type": "site survey", "summary": "Survey the roof 5512", "project_id": project.project_id,
            "client_reference": "CR-5512"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = dispatcher_client.post(reverse("workorder_new"), data)
    assert response.status_code == 302
    [created] = [tl.workorder_get(i) for i in tl.workorder_ids(summary="Survey the roof 5512")]
    assert (created.site_id, created.type, created.project_id, created.client_reference) == (
        site.id,
        "Site Survey",
        project.project_id,
        "CR-5512",
    )


def test_it_refuses_a_work_order_for_an_unknown_site(dispatcher_client, synced):
    response = dispatcher_client.post(
        reverse("workorder_new"), {"site_id": 987654, "type": "work order", "summary": "Fix"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "TechLink has no site #987654." in html
    assert 'value="Fix"' in html


def test_it_sets_a_site_attribute_inline(dispatcher_client, site, tl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = dispatcher_client.post(
            reverse("site_attribute_set", args=[site.id]),
            {"name": "Dock door", "value": "North side"},
            **HTMX,
        )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert {(a.name, a.value) for a in tl.site_attributes(site.id)} >= {("Dock door", "North side")}
    with django_capture_on_commit_callbacks(execute=True):
        dispatcher_client.post(
            reverse("site_attribute_remove", args=[site.id]), {"name": "Dock door", "confirm": "1"}, **HTMX
        )
    assert "Dock door" not in {a.name for a in tl.site_attributes(site.id)}


def test_it_returns_the_attribute_form_with_errors_to_htmx(dispatcher_client, site):
    response = dispatcher_client.post(
        reverse("site_attribute_set", args=[site.id]), {"name": "Dock door"}, **HTMX
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#attribute-form"
    html = response.content.decode()
    assert 'value="Dock door"' in html and "This field is required." in html
    assert not UpstreamWrite.objects.exists()


def test_it_reshows_the_site_page_when_a_site_upload_is_too_big(dispatcher_client, site, settings):
    url = reverse("site_document_upload", args=[site.id])
    response = _upload_too_big(
        dispatcher_client, settings, url, "doc", name="survey.jpg", size=2048, limit=1024
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "“survey.jpg” is 2.0\xa0KB; files can be at most 1.0\xa0KB." in html
    assert 'value="About survey.jpg"' in html
    assert escape(site.name) in html
    assert not UpstreamWrite.objects.exists()


def test_it_returns_each_detail_form_partial_with_errors_to_htmx(dispatcher_client, workorder):
    cases = [
        ("workorder_note_add", [workorder.id], {"note": ""}, "note-form"),
        ("workorder_task_add", [workorder.id], {"description": "x"}, "task-form"),
        ("workorder_document_upload", [workorder.id], {"doc-description": "Plan"}, "document-form"),
        ("workorder_required_upload", [workorder.id], {"req-description": "Permit"}, "required-form"),
        ("site_attribute_set", [workorder.site_id], {"value": "x"}, "attribute-form"),
        ("site_document_upload", [workorder.site_id], {"doc-description": "Map"}, "site-document-form"),
    ]
    for name, args, data, form_id in cases:
        response = dispatcher_client.post(reverse(name, args=args), data, **HTMX)
        html = response.content.decode()
        assert response.status_code == 400, name
        assert response["HX-Retarget"] == f"#{form_id}" and response["HX-Reswap"] == "outerHTML"
        assert html.lstrip().startswith(f'<form id="{form_id}"'), name
        assert "This field is required." in html, name
    assert not UpstreamWrite.objects.exists()


def test_it_keeps_a_project_missing_from_the_list_selectable(dispatcher_client, workorder, tl, monkeypatch):
    current = tl.workorder_get(workorder.id)
    monkeypatch.setattr(
        tl,
        "projects",
        lambda **kw: [p for p in tl.__class__.projects(tl) if p.project_id != current.project_id],
    )
    data = _form_data(WorkOrderEditForm.initial_from_workorder(current))
    data["po"] = "PO-NEW-1"
    response = dispatcher_client.post(reverse("workorder_edit", args=[workorder.id]), data)
    assert response.status_code == 302
    assert UpstreamWrite.objects.get().payload["changes"] == {"po": "PO-NEW-1"}


def test_it_edits_a_site_whose_stored_values_would_not_pass_as_new_input(
    dispatcher_client, site, tl, monkeypatch
):
    stored = tl.site_get(site.id)
    odd = dataclasses.replace(
        stored, contact1=dataclasses.replace(stored.contact1, email="front desk", phone="")
    )
    monkeypatch.setattr(tl, "site_get", lambda site_id: odd)
    data = _form_data(SiteForm.initial_from_site(odd))
    data["notes"] = "Ring the bell twice"
    response = dispatcher_client.post(reverse("site_edit", args=[site.id]), data)
    assert response.status_code == 302
    assert UpstreamWrite.objects.get().payload["changes"] == {"notes": "Ring the bell twice"}


def test_it_refuses_to_empty_a_required_site_field(dispatcher_client, site, tl):
    data = _form_data(SiteForm.initial_from_site(tl.site_get(site.id)))
    data["city"] = ""
    response = dispatcher_client.post(reverse("site_edit", args=[site.id]), data)
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not UpstreamWrite.objects.exists()


def test_it_lists_changes_not_yet_confirmed_on_the_detail_page(
    client_for, dispatcher, viewer, workorder, upstream_down
):
    client_for(dispatcher).post(
        reverse("workorder_note_add", args=[workorder.id]), {"note": "Gate code 1234"}
    )
    write = UpstreamWrite.objects.get()
    html = client_for(viewer).get(reverse("workorder_detail", args=[workorder.id])).content.decode()
    assert 'id="open-writes"' in html
    assert f'id="write-{write.id}"' in html


def test_it_refuses_a_note_to_a_work_order_techlink_does_not_have(dispatcher_client, upstream):
    response = dispatcher_client.post(
        reverse("workorder_note_add", args=[987654]), {"note": "Gate code 1234"}, **HTMX
    )
    assert response.status_code == 400
    assert "TechLink has no work order #987654" in response.content.decode()
    # Without JavaScript the page itself answers: there is no such work order.
    plain = dispatcher_client.post(reverse("workorder_note_add", args=[987654]), {"note": "Gate code 1234"})
    assert plain.status_code == 404
    assert not UpstreamWrite.objects.exists()


def test_it_refuses_an_attribute_for_a_site_techlink_does_not_have(dispatcher_client, upstream):
    response = dispatcher_client.post(
        reverse("site_attribute_set", args=[987654]), {"name": "Gate", "value": "1234"}, **HTMX
    )
    assert response.status_code == 400
    assert "TechLink has no site #987654" in response.content.decode()
    assert not UpstreamWrite.objects.exists()


def test_it_signs_a_staff_note_and_remembers_when_the_customer_may_see_it(
    dispatcher_client, dispatcher, workorder
):
    from portal_ui.portal_links.models import NoteShare

    dispatcher_client.post(reverse("workorder_note_add", args=[workorder.id]), {"note": "Gate code is 4411"})
    dispatcher_client.post(
        reverse("workorder_note_add", args=[workorder.id]),
        {"note": "Install moved to Friday", "visible_to_customer": "on"},
    )
    internal, shared = UpstreamWrite.objects.order_by("pk")
    assert internal.payload["note"] == "Gate code is 4411\n\n— Dispatcher Tester (dispatch)"
    assert shared.payload["note"].startswith("Install moved to Friday\n\n— Dispatcher Tester")
    assert list(NoteShare.objects.values_list("write_id", "visible")) == [(shared.pk, True)]
