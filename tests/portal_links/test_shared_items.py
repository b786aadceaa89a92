"""A link shows exactly what was chosen: single notes, documents, close-out documents and photos, or the rules
"notes marked visible to the customer" and "every photo". Anything else is neither on the page nor
downloadable by its URL; staff see the same on the link's page and in the preview."""

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from portal_ui.jobs import services as job_services
from portal_ui.jobs.models import UpstreamWrite
from portal_ui.portal_links.models import NoteShare, PortalLink
from portal_ui.portal_links.sharing import services as sharing_services

from .conftest import make_link, mirror_workorder, note, path_of

pytestmark = pytest.mark.django_db

REMINDER = "Close-out is incomplete. Still needed: W-9, signed sign-off sheet."
EVERY_SECTION = {
    "view_notes": True,
    "view_photos": True,
    "view_client_documents": True,
    "view_closeout_documents": True,
    "download_documents": True,
}


def document(document_id, filename, description=""):
    return SimpleNamespace(document_id=document_id, filename=filename, description=description)


def photo(photo_id, caption):
    return SimpleNamespace(photo_id=photo_id, note=caption, filename=f"{photo_id}.jpg", created_date=None)


@pytest.fixture
def busy_workorder(fake_upstream):
    """A work order with internal and customer-facing items in every section."""
    fake_upstream.notes = [
        note(1, "Installer arrives between 9 and 11"),
        note(2, REMINDER),
        note(3, "Gate code 4711"),
    ]
    fake_upstream.documents = [document(5, "floorplan.pdf"), document(6, "margin-calculation.xlsx")]
    fake_upstream.closeout = [document(9, "signoff.pdf"), document(10, "installer-W9.pdf", "W-9 form")]
    fake_upstream.photos = [photo(7, "Rack after install"), photo(8, "Installer's ID badge")]
    return fake_upstream


def page_of(client, issued) -> str:
    response = client.get(path_of(issued))
    assert response.status_code == 200
    return response.content.decode()


def file_status(client, issued, kind, file_id) -> int:
    return client.get(f"{path_of(issued)}files/{kind}/{file_id}/").status_code


def test_it_shows_only_the_notes_chosen(client, busy_workorder):
    issued = make_link(permissions=EVERY_SECTION, shared_items={"notes": [1]})
    html = page_of(client, issued)
    assert "Installer arrives between 9 and 11" in html
    assert "Close-out is incomplete" not in html and "Gate code 4711" not in html


def test_it_shares_no_item_unless_chosen(client, busy_workorder):
    issued = make_link(permissions=EVERY_SECTION)
    html = page_of(client, issued)
    for text in (
        "Installer arrives",
        "Close-out is incomplete",
        "floorplan.pdf",
        "signoff.pdf",
        "Rack after",
    ):
        assert text not in html
    for kind, file_id in (("document", 5), ("closeout", 9), ("photo", 7)):
        assert file_status(client, issued, kind, file_id) == 404
    assert not [call for call in busy_workorder.calls if call[0] != "workorder_get"]


@pytest.mark.parametrize(
    "kind,section,chosen,other,chosen_name,other_name",
    [
        ("document", "client_documents", 5, 6, "floorplan.pdf", "margin-calculation.xlsx"),
        ("closeout", "closeout_documents", 9, 10, "signoff.pdf", "installer-W9.pdf"),
        ("photo", "photos", 7, 8, "Rack after install", "Installer's ID badge"),
    ],
)
def test_it_shows_and_serves_only_the_files_chosen(
    client, busy_workorder, kind, section, chosen, other, chosen_name, other_name
):
    issued = make_link(permissions=EVERY_SECTION, shared_items={section: [chosen]})
    html = page_of(client, issued)
    assert chosen_name in html
    assert other_name.replace("'", "&#x27;") not in html and other_name not in html
    assert file_status(client, issued, kind, chosen) == 200
    assert file_status(client, issued, kind, other) == 404
    assert (kind, 1001, other) not in busy_workorder.calls  # refused before TechLink is asked


def test_it_shows_every_photo_by_the_rule_including_new_ones(client, busy_workorder):
    issued = make_link(permissions=EVERY_SECTION, shared_items={"all_photos": True})
    html = page_of(client, issued)
    assert "Rack after install" in html and "ID badge" in html
    busy_workorder.photos = [*busy_workorder.photos, photo(11, "Cable run")]
    sharing_services.workorder_snapshot_refresh(workorder_id=1001)
    assert "Cable run" in page_of(client, issued)
    assert file_status(client, issued, "photo", 11) == 200


def test_it_shows_notes_marked_visible_by_the_rule_and_keeps_internal_ones_off(
    client, busy_workorder, dispatcher
):
    issued = make_link(permissions=EVERY_SECTION, shared_items={"customer_visible_notes": True})
    sharing_services.portal_link_note_visibility_set(
        workorder_id=1001, note_id=1, visible=True, user=dispatcher
    )
    sharing_services.portal_link_note_visibility_set(
        workorder_id=1001, note_id=2, visible=False, user=dispatcher
    )
    html = page_of(client, issued)
    assert "Installer arrives between 9 and 11" in html
    assert "Close-out is incomplete" not in html and "Gate code 4711" not in html
    # Made internal again: gone from the page.
    sharing_services.portal_link_note_visibility_set(
        workorder_id=1001, note_id=1, visible=False, user=dispatcher
    )
    assert "Installer arrives" not in page_of(client, issued)


def test_it_shows_a_note_written_visible_in_the_dashboard_without_editing_the_link(
    client, busy_workorder, dispatcher
):
    issued = make_link(permissions=EVERY_SECTION, shared_items={"customer_visible_notes": True})
    text = "Your installer is booked for Tuesday\n\n— Dispatcher Tester (dispatch)"
    write = job_services.workorder_note_add(user=dispatcher, workorder_id=1001, note=text)
    share = sharing_services.portal_link_note_visibility_set(
        workorder_id=1001, write=write, visible=True, user=dispatcher
    )
    assert (share.note_id, share.write_id, share.author_name) == (None, write.pk, "Dispatcher Tester")
    # TechLink has the note now, the outbox says under which id; the copy is refreshed in the background.
    UpstreamWrite.objects.filter(pk=write.pk).update(
        status="done", result={"workorder_id": 1001, "note_id": 44}
    )
    busy_workorder.notes = [*busy_workorder.notes, note(44, text)]
    sharing_services.workorder_snapshot_refresh(workorder_id=1001)
    assert "Your installer is booked for Tuesday" in page_of(client, issued)
    assert NoteShare.objects.get(pk=share.pk).note_id == 44


def test_it_recognises_a_visible_note_by_its_text_once_its_write_is_gone(client, busy_workorder, dispatcher):
    issued = make_link(permissions=EVERY_SECTION, shared_items={"customer_visible_notes": True})
    text = "Parking is behind the building\n\n— Dispatcher Tester (dispatch)"
    write = job_services.workorder_note_add(user=dispatcher, workorder_id=1001, note=text)
    sharing_services.portal_link_note_visibility_set(
        workorder_id=1001, write=write, visible=True, user=dispatcher
    )
    UpstreamWrite.objects.filter(pk=write.pk).delete()
    busy_workorder.notes = [*busy_workorder.notes, note(45, text)]
    sharing_services.workorder_snapshot_refresh(workorder_id=1001)
    assert "Parking is behind the building" in page_of(client, issued)


def test_it_keeps_a_note_internal_in_one_section_when_another_link_chose_it(client, busy_workorder):
    chosen = make_link(permissions=EVERY_SECTION, shared_items={"notes": [2]})
    other = make_link(permissions=EVERY_SECTION, shared_items={"notes": [1]})
    assert "Close-out is incomplete" in page_of(client, chosen)
    assert "Close-out is incomplete" not in page_of(client, other)


# --- the API ----------------------------------------------------------------------------------------------


def test_it_takes_and_returns_the_shared_items_through_the_api(api):
    mirror_workorder("1001")
    body = {
        "workorder": "1001",
        "link_type": "public",
        "shared_items": {"notes": [1, 1, 3], "photos": [7], "customer_visible_notes": True},
    }
    created = api.post("/workorder-portal-links", body).json()["data"]
    assert created["shared_items"] == {
        "notes": [1, 1, 3],
        "customer_visible_notes": True,
        "client_documents": [],
        "closeout_documents": [],
        "photos": [7],
        "all_photos": False,
    }
    changed = api.put(
        f"/workorder-portal-links/{created['_id']}", {"shared_items": {"closeout_documents": [9]}}
    )
    assert changed.json()["data"]["shared_items"]["closeout_documents"] == [9]
    assert changed.json()["data"]["shared_items"]["notes"] == []  # replaced as a whole


@pytest.mark.parametrize("shared", [{"surprise": True}, {"notes": [0]}, {"notes": ["one"]}, {"photos": 7}])
def test_it_refuses_unknown_keys_and_bad_ids_in_the_shared_items(api, shared):
    mirror_workorder("1001")
    response = api.post(
        "/workorder-portal-links", {"workorder": "1001", "link_type": "public", "shared_items": shared}
    )
    assert response.status_code == 400
    assert any(name.startswith("shared_items") for name in response.json()["error"]["fields"])
    assert PortalLink.objects.count() == 0


def test_it_documents_the_shared_items(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    shared = schemas["SharedItems"]
    assert shared["additionalProperties"] is False
    assert set(shared["properties"]) == {
        "notes", "customer_visible_notes", "client_documents", "closeout_documents", "photos", "all_photos",
    }  # fmt: skip
    assert "neither shown nor downloadable" in " ".join(shared["description"].split())
    assert "shared_items" in schemas["LinkCreateIn"]["properties"]
    assert "shared_items" in schemas["LinkOut"]["required"]


# --- staff: what the customer sees, the preview, the share form ---------------------------------------------------


def main_content(html: str) -> str:
    """The page's main part without what differs between a preview and the customer's page: the preview
    banner, forms (the customer's only), and the URLs of files and the stylesheet."""
    main = re.search(r"<main[^>]*>(.*)</main>", html, re.S).group(1)
    main = re.sub(r"<form.*?</form>", "", main, flags=re.S)
    main = re.sub(r'<p class="muted">The customer can (write a comment|upload a file) here\.</p>', "", main)
    main = re.sub(r'(href|src)="[^"]*/files/', r'\1="FILES/', main)
    return re.sub(r"\s+", " ", main).strip()


def test_it_previews_exactly_the_customers_page(client, viewer_client, busy_workorder):
    from django.test import Client

    issued = make_link(
        permissions={**EVERY_SECTION, "view_closeout_answers": True, "add_comment": True},
        shared_items={"notes": [1], "client_documents": [5], "closeout_documents": [9], "photos": [7]},
        custom_branding={"company_name": "Acme Fibre", "welcome_text": "Hello"},
    )
    customer = main_content(Client().get(path_of(issued)).content.decode())
    preview = main_content(
        viewer_client.get(reverse("portal_link_preview", args=[issued.link.pk])).content.decode()
    )
    assert preview == customer
    assert "Installer arrives" in preview and "Close-out is incomplete" not in preview


def test_it_shows_staff_what_the_customer_sees_on_the_links_page(viewer_client, client, busy_workorder):
    issued = make_link(
        permissions=EVERY_SECTION,
        shared_items={"notes": [1], "client_documents": [5], "closeout_documents": [9], "photos": [7]},
    )
    customer_html = page_of(client, issued)
    staff_html = viewer_client.get(reverse("portal_link_detail", args=[issued.link.pk])).content.decode()
    sees = re.search(r'<section class="card sees" id="customer-sees".*?</section>', staff_html, re.S).group(0)
    assert re.findall(r'data-note="(\d+)"', sees) == ["1"]
    assert re.findall(r'data-document="(\d+)"', sees) == ["5"]
    assert re.findall(r'data-closeout="(\d+)"', sees) == ["9"]
    assert re.findall(r'data-photo="(\d+)"', sees) == ["7"]
    # The same items as on the customer's page, and none of the others.
    assert set(re.findall(r"files/(?:document|closeout|photo)/(\d+)/", customer_html)) == {"5", "9", "7"}
    assert "installer-W9.pdf" not in sees and "Close-out is incomplete" not in sees


def test_it_offers_every_item_with_a_preview_and_ticks_nothing_internal(
    dispatcher_client, busy_workorder, dispatcher
):
    sharing_services.portal_link_note_visibility_set(
        workorder_id=1001, note_id=1, visible=True, user=dispatcher
    )
    mirror_workorder("1001")
    html = dispatcher_client.get(reverse("portal_link_new") + "?workorder=1001").content.decode()
    checklist = re.search(r'<section class="card stack" id="shared-items".*?</section>', html, re.S).group(0)
    for text in (
        "Installer arrives",
        "Close-out is incomplete",
        "floorplan.pdf",
        "installer-W9.pdf",
        "W-9 form",
    ):
        assert text in checklist
    assert "visible to the customer" in checklist
    assert reverse("portal_link_workorder_photo", args=[1001, 7]) in checklist
    # In the dashboard's one date/time format.
    assert re.search(r"Listed from TechLink as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} [A-Z]{2,5}\.", checklist)
    ticked = re.findall(r'<input type="checkbox" name="(shared_\w+|customer_visible_notes|all_photos)"'
                        r'[^>]*?(?:value="(\d+)")?[^>]*? checked', checklist)  # fmt: skip
    assert [name for name, _ in ticked] == ["customer_visible_notes"]


def test_it_saves_the_items_ticked_on_the_form(dispatcher_client, busy_workorder):
    mirror_workorder("1001")
    response = dispatcher_client.post(
        reverse("portal_link_new"),
        {
            "workorder": "1001",
            "link_type": "public",
            "is_active": "on",
            "view_notes": "on",
            "view_client_documents": "on",
            "shared_notes": ["1", "3"],
            "shared_client_documents": ["5"],
            "all_photos": "on",
        },
    )
    assert response.status_code == 302
    link = PortalLink.objects.get()
    assert link.shared_items == {
        "notes": [1, 3],
        "customer_visible_notes": False,
        "client_documents": [5],
        "closeout_documents": [],
        "photos": [],
        "all_photos": True,
    }
    edit = dispatcher_client.get(reverse("portal_link_edit", args=[link.pk])).content.decode()
    assert re.search(r'name="shared_notes" value="3" checked', edit)
    assert not re.search(r'name="shared_notes" value="2" checked', edit)


def test_it_asks_for_the_work_order_first(dispatcher_client):
    html = dispatcher_client.get(reverse("portal_link_new")).content.decode()
    assert "Choose what to share" in html and 'name="workorder"' in html


def test_it_lets_dispatchers_mark_a_note_visible_and_viewers_not(dispatcher_client, client, viewer):
    url = reverse("portal_link_note_visibility", args=[1001, 12])
    response = dispatcher_client.post(url, {"visible": "1", "next": "/workorders/1001/"})
    assert response.status_code == 302 and response["Location"] == "/workorders/1001/"
    assert NoteShare.objects.get(workorder_id=1001, note_id=12).visible is True
    dispatcher_client.post(url, {"visible": "0", "next": "https://evil.example/"})
    assert NoteShare.objects.get(workorder_id=1001, note_id=12).visible is False
    client.force_login(viewer)
    assert client.post(url, {"visible": "1"}).status_code == 403


def test_it_lists_which_notes_are_visible_for_the_dashboard(dispatcher):
    from portal_ui.portal_links.sharing.selectors import note_visibility_for

    sharing_services.portal_link_note_visibility_set(
        workorder_id=1001, note_id=12, visible=True, user=dispatcher
    )
    write = job_services.workorder_note_add(user=dispatcher, workorder_id=1001, note="On its way")
    sharing_services.portal_link_note_visibility_set(
        workorder_id=1001, write=write, visible=True, user=dispatcher
    )
    assert note_visibility_for(workorder_id=1001) == {"notes": {12: True}, "writes": {write.pk: True}}
