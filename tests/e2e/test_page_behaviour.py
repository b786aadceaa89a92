"""How the staff pages behave in a real browser: a change saved while the page is open shows on it without a
reload, a closed work order offers no writes, the outbox's write page moves on by itself without JavaScript,
copy fields work without JavaScript, an upload cannot be sent twice and shows its progress, and the header
folds into a menu on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, make_site


@pytest.fixture
def held_writes(monkeypatch):
    """Writes are recorded but not sent until the test says so (``send(write_id)``), as when the worker is
    busy: the page that queued one sees it pending first."""
    from portal_ui.jobs import outbox

    held = []
    monkeypatch.setattr(outbox, "enqueue", held.append)

    def send(write_id=None):
        for pk in [write_id] if write_id else list(held):
            outbox.run_write(write_id=pk)

    send.held = held
    return send


def test_a_change_saved_while_the_page_is_open_shows_on_it_without_a_reload(
    page, live, techlink, dispatcher, tag, held_writes
):
    from portal_ui.jobs.models import UpstreamWrite

    site = make_site(techlink, f"Brightwater {tag} Pharmacy")
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/sites/{site.id}/edit/")
    page.get_by_label("Phone", exact=True).fill("503-555-7731")
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(re.compile(rf"/sites/{site.id}/\?write=\d+"))
    status = page.locator(".write-status").first
    expect(status).to_have_attribute("data-status", "queued")
    head, details = page.locator("#site-head"), page.locator("#site-details")
    expect(details).not_to_contain_text("503-555-7731")  # TechLink does not have it yet
    page.evaluate("window.notReloaded = true")

    write = UpstreamWrite.objects.get(kind="site_update")
    held_writes(write.pk)  # the worker sends it now

    expect(status).to_have_attribute("data-status", "done")
    expect(status).to_contain_text("Saved in TechLink.")
    # The head and the details were fetched again: the new phone sits next to "Saved", no reload needed.
    expect(head.get_by_role("link", name="503-555-7731")).to_have_attribute("href", "tel:5035557731")
    expect(details.get_by_role("link", name="503-555-7731")).to_be_visible()
    assert page.evaluate("window.notReloaded === true")
    assert techlink.site_get(site.id).phone == "503-555-7731"


def test_a_closed_work_order_says_so_and_offers_no_writes(page, live, techlink, dispatcher):
    from portal_ui.mirror.services import mirror_workorder_refresh

    closed = mirror_workorder_refresh(workorder_id=min(techlink.workorder_ids(status_code="90")))
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/workorders/{closed.id}/")

    expect(page.locator("#ended")).to_contain_text("takes no more changes, notes, tasks or documents")
    expect(page.locator(".title-line .badge")).to_have_text(closed.status)
    for button in ("Add note", "Add task", "Upload client document", "Add required close-out document"):
        expect(page.get_by_role("button", name=button)).to_have_count(0)
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.locator("#notes")).to_contain_text("No new notes: the work order is")
    expect(page.locator("#tasks")).to_contain_text("No new tasks: the work order is")
    # What still makes sense stays.
    expect(page.get_by_role("button", name="Refresh from TechLink")).to_be_visible()
    expect(page.get_by_role("link", name="Close-out review").first).to_be_visible()


def test_the_write_page_moves_on_by_itself_without_javascript(
    new_context, live, dispatcher, tag, held_writes
):
    from portal_ui.jobs.models import UpstreamWrite

    page = new_context(java_script_enabled=False).new_page()
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/sites/new/")
    for field, value in (
        ("name", f"Lantern {tag} Books"),
        ("address1", "4 Quay Street"),
        ("city", "Portland"),
        ("state", "OR"),
        ("zip", "97201"),
        ("primary_contact_name", "Robin Vale"),
        ("primary_contact_phone", "503-555-0101"),
        ("primary_contact_email", "robin@example.com"),
    ):
        page.locator(f"#id_{field}").fill(value)
    page.get_by_role("button", name="Create site").click()

    # The write's own page, while TechLink does not have it: it says it moves on, and reloads itself to do so.
    expect(page).to_have_url(re.compile(r"/jobs/\d+/\?then=open"))
    expect(page.locator(".write-status")).to_have_attribute("data-status", "queued")
    expect(page.get_by_text("This page reloads itself every few seconds")).to_be_visible()
    expect(page.locator('noscript meta[http-equiv="refresh"]')).to_have_count(1)

    held_writes(UpstreamWrite.objects.get(kind="site_create").pk)
    expect(page).to_have_url(re.compile(r"/sites/\d+/$"), timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lantern {tag} Books")


@pytest.mark.parametrize("scripts", [False, True], ids=["without-javascript", "with-javascript"])
def test_the_customer_url_is_a_field_to_copy(new_context, live, techlink, dispatcher, tag, scripts):
    site = make_site(techlink, f"Copyhouse {tag} Print")
    workorder = techlink.workorder_create(site_id=site.id, summary=f"Share me {tag}")
    context = new_context(java_script_enabled=scripts)
    if scripts:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page = context.new_page()
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/workorders/{workorder.id}/")
    page.locator("#share-form").get_by_role("button", name="Share with customer").click()

    field = page.get_by_role("textbox", name="Customer URL")
    expect(field).to_have_value(re.compile(rf"^{re.escape(live.url)}/p/"))
    expect(field).to_have_attribute("readonly", "")
    copy = page.get_by_role("button", name="Copy")
    if not scripts:
        expect(copy).to_be_hidden()  # a button that cannot work is not offered: the field is selected by hand
        field.select_text()
        assert (
            page.evaluate("window.getSelection().toString() || document.activeElement.value")
            == field.input_value()
        )
    else:
        expect(copy).to_be_visible()
        copy.click()
        expect(page.locator(".copy-note")).to_have_text("Copied.")
        assert page.evaluate("navigator.clipboard.readText()") == field.input_value()


def test_an_upload_cannot_be_sent_twice_and_shows_its_progress(page, live, techlink, dispatcher, tag):
    site = make_site(techlink, f"Uplift {tag} Storage")
    workorder = techlink.workorder_create(site_id=site.id, summary=f"Upload {tag}")
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/workorders/{workorder.id}/")
    documents = page.locator("#client-documents")
    documents.get_by_label("File").set_input_files(
        files=[{"name": f"plan-{tag}.bin", "mimeType": "application/octet-stream", "buffer": b"x" * 400_000}]
    )
    held = []
    page.route(re.compile(r"/documents/$"), lambda route: held.append(route))
    button = documents.get_by_role("button", name="Upload client document")
    button.click()

    expect(button).to_be_disabled()  # while the file goes up
    expect(documents.locator(".progress-text")).to_have_text(re.compile(r"Uploading: \d+ %|Uploaded"))
    assert len(held) == 1  # one request: the button cannot be pressed again meanwhile
    held[0].continue_()
    expect(page.locator("#document-status .write-status")).to_have_attribute("data-status", "done")
    expect(button).to_be_enabled()
    expect(documents.get_by_role("link", name=f"plan-{tag}.bin", exact=True)).to_be_visible()


def test_the_header_folds_into_a_menu_on_a_phone(new_context, live, dispatcher):
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, live, dispatcher)
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert page.locator("#topbar").bounding_box()["height"] < 60
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Work orders")).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
