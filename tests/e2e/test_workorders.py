"""A dispatcher's day in the browser: find a site, open a work order for it, add notes and documents."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import log_in, make_site


def _wait_saved(status):
    """The live status of a write, polled by the page until TechLink has it."""
    expect(status).to_have_attribute("data-status", "done")
    expect(status).to_contain_text("Saved in TechLink.")


def test_it_finds_a_site_by_wildcard_and_creates_a_work_order(page, live, techlink, dispatcher, tag):
    bakery = make_site(techlink, f"Harbor {tag} Bakery")
    depot = make_site(techlink, f"Harbor {tag} Depot")
    log_in(page, live, dispatcher)

    page.goto(f"{live.url}/sites/")
    page.get_by_label("Name", exact=True).fill(f"*{tag} bak*")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("#site-results")
    expect(results.get_by_role("link", name=bakery.name)).to_be_visible()
    expect(results.get_by_role("link", name=depot.name)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"name="))
    # Plain text means "contains" (the staff search rule): the tag alone finds both sites...
    page.get_by_label("Name", exact=True).fill(tag)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results.get_by_role("link", name=bakery.name)).to_be_visible()
    expect(results.get_by_role("link", name=depot.name)).to_be_visible()
    # ...while a star keeps TechLink's whole-value meaning: no name starts with the tag.
    page.get_by_label("Name", exact=True).fill(f"{tag}*")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_contain_text("No site matches this search")
    expect(results.get_by_role("link", name=bakery.name)).to_have_count(0)

    page.goto(f"{live.url}/workorders/new/")
    page.get_by_label("Find a site").fill(f"{tag} bak")
    site_select = page.locator("#site-picker").get_by_label("Site")
    expect(site_select.locator("option", has_text=bakery.name)).to_have_count(1)
    expect(site_select.locator("option", has_text=depot.name)).to_have_count(0)
    site_select.select_option(str(bakery.id))
    page.get_by_label("Summary").fill(f"Install walk-in freezer sensors {tag}")
    page.get_by_label("PO", exact=True).fill(f"PO-{tag}")
    page.get_by_role("button", name="Create work order").click()

    # Once TechLink has it, the page moves on to the new work order by itself.
    expect(page).to_have_url(re.compile(r"/workorders/\d+/$"))
    # The summary is the page's title, with the number and status beside it.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Install walk-in freezer sensors {tag}")
    expect(page.locator(".title-line .ident")).to_contain_text("Work order #")
    expect(page.locator("#site")).to_contain_text(bakery.name)
    workorder_id = int(re.search(r"/workorders/(\d+)/", page.url).group(1))
    created = techlink.workorder_get(workorder_id)
    assert created.site_id == bakery.id
    assert created.summary == f"Install walk-in freezer sensors {tag}"
    assert created.po == f"PO-{tag}"


def test_it_adds_a_note_and_uploads_and_downloads_a_document(page, live, techlink, dispatcher, tag):
    site = make_site(techlink, f"Quayside {tag} Market")
    workorder = techlink.workorder_create(site_id=site.id, summary=f"Replace door access panel {tag}")
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/workorders/{workorder.id}/")

    note_text = f"Bring the <b>x</b> ladder & the spare panel ({tag})"
    notes = page.locator("#notes")
    notes.get_by_label("Note").fill(note_text)
    notes.get_by_role("button", name="Add note").click()
    _wait_saved(page.locator("#note-status .write-status"))
    expect(notes.get_by_label("Note")).to_have_value("")
    # Once TechLink has it, the list shows it without a reload.
    expect(notes.locator(".note", has_text=note_text)).to_have_count(1)

    content = f"Door panel survey {tag}\nwidth=32in\n".encode() + bytes(range(256))
    documents = page.locator("#client-documents")
    documents.get_by_label("File").set_input_files(
        files=[{"name": f"panel-survey-{tag}.bin", "mimeType": "application/octet-stream", "buffer": content}]
    )
    documents.get_by_label("Description").fill("Survey of the old panel")
    documents.get_by_role("button", name="Upload client document").click()
    _wait_saved(page.locator("#document-status .write-status"))
    expect(documents.get_by_role("link", name=f"panel-survey-{tag}.bin", exact=True)).to_be_visible()

    page.reload()
    note = notes.locator(".note", has_text=note_text)
    expect(note).to_have_count(1)
    expect(notes.locator("b")).to_have_count(0)  # the markup was shown as text, not rendered
    assert any(n.content.startswith(note_text + "\n\n— ") for n in techlink.workorder_notes(workorder.id))

    link = documents.get_by_role("link", name=f"panel-survey-{tag}.bin", exact=True)
    expect(link).to_be_visible()
    expect(documents.get_by_role("row", name=re.compile(f"panel-survey-{tag}"))).to_contain_text(
        "Survey of the old panel"
    )
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"panel-survey-{tag}.bin"
    with open(download.path(), "rb") as fh:
        assert fh.read() == content


def test_it_updates_the_lists_of_a_site_as_its_writes_are_done(page, live, techlink, dispatcher, tag):
    site = make_site(techlink, f"Dockside {tag} Deli")
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/sites/{site.id}/")

    attributes = page.locator("#attributes")
    attributes.get_by_label("Attribute").fill(f"Gate {tag}")
    attributes.get_by_label("Value").fill("Code 4411")
    attributes.get_by_role("button", name="Set attribute").click()
    _wait_saved(page.locator("#attribute-status .write-status"))
    row = attributes.get_by_role("row", name=re.compile(f"Gate {tag}"))
    expect(row).to_contain_text("Code 4411")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove").click()
    expect(row).to_have_count(0)  # gone once TechLink has the change, without a reload
    assert f"Gate {tag}" not in {a.name for a in techlink.site_attributes(site.id)}

    documents = page.locator("#documents")
    documents.get_by_label("File").set_input_files(
        files=[{"name": f"dock-{tag}.txt", "mimeType": "text/plain", "buffer": b"dock plan"}]
    )
    documents.get_by_role("button", name="Upload document").click()
    _wait_saved(page.locator("#site-document-status .write-status"))
    doc_row = documents.get_by_role("row", name=re.compile(f"dock-{tag}"))
    expect(doc_row).to_have_count(1)

    page.once("dialog", lambda dialog: dialog.accept())
    doc_row.get_by_role("button", name="Delete").click()
    expect(doc_row).to_have_count(0)
    assert not [d for d in techlink.site_documents(site.id) if d.filename == f"dock-{tag}.txt"]


def test_it_shows_a_refused_write_and_sends_it_again_on_retry(
    page, live, upstream, techlink, dispatcher, tag, settings
):
    from portal_ui.core.upstream import reset_techlink_client

    site = make_site(techlink, f"Riverside {tag} Clinic")
    workorder = techlink.workorder_create(site_id=site.id, summary=f"Swap the badge readers {tag}")
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/workorders/{workorder.id}/")

    note_text = f"Readers are in the back office ({tag})"
    notes = page.locator("#notes")
    status = page.locator("#note-status .write-status")
    # TechLink refuses the dashboard's log-in (an outage would be waited out; a refusal fails at once).
    password, settings.TECHLINK_PASSWORD = settings.TECHLINK_PASSWORD, "not-the-password"
    reset_techlink_client()
    notes.get_by_label("Note").fill(note_text)
    notes.get_by_role("button", name="Add note").click()
    expect(status).to_have_attribute("data-status", "failed")
    settings.TECHLINK_PASSWORD = password
    reset_techlink_client()
    expect(status.locator(".error")).to_contain_text("Not saved in TechLink")
    assert not any(n.content.startswith(note_text) for n in techlink.workorder_notes(workorder.id))

    expect(notes.locator(".note", has_text=note_text)).to_have_count(0)

    status.get_by_role("button", name="Retry").click()
    _wait_saved(status)
    assert [n.content.startswith(note_text) for n in techlink.workorder_notes(workorder.id)].count(True) == 1
    # The status turned to done in the page: the notes list is fetched again and shows it.
    expect(notes.locator(".note", has_text=note_text)).to_have_count(1)


def test_it_keeps_what_was_typed_when_a_new_work_order_is_incomplete(page, live, techlink, dispatcher, tag):
    site = make_site(techlink, f"Westgate {tag} Dental")
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/workorders/new/")
    page.get_by_label("Find a site").fill(f"westgate {tag}")
    site_select = page.locator("#site-picker").get_by_label("Site")
    expect(site_select.locator("option", has_text=site.name)).to_have_count(1)
    site_select.select_option(str(site.id))
    page.get_by_label("PO", exact=True).fill(f"PO-{tag}")
    page.get_by_label("Description").fill("Two chairs need new power drops.")
    page.get_by_role("button", name="Create work order").click()  # no summary

    expect(page.get_by_role("alert")).to_contain_text("nothing has been sent yet")
    expect(page.locator(".field.has-error")).to_contain_text("Summary")
    expect(page.locator("#site-picker").get_by_label("Site")).to_have_value(str(site.id))
    expect(page.get_by_label("PO", exact=True)).to_have_value(f"PO-{tag}")
    expect(page.get_by_label("Description")).to_have_value("Two chairs need new power drops.")
    assert techlink.workorder_ids(site_id=site.id) == []
