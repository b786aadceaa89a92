"""Every staff page works with JavaScript turned off: plain GET searches and form posts."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import log_in, make_site


def test_it_searches_and_creates_a_work_order_without_javascript(
    new_context, live, techlink, dispatcher, tag
):
    page = new_context(java_script_enabled=False).new_page()
    tavern = make_site(techlink, f"Copperline {tag} Tavern")
    log_in(page, live, dispatcher)
    assert page.evaluate("typeof window.htmx") == "undefined"  # the page's own scripts did not run

    page.goto(f"{live.url}/sites/")
    page.get_by_label("Name", exact=True).fill(f"copperline {tag}*")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/sites/\?.*name=copperline"))
    expect(page.locator("#site-results").get_by_role("link", name=tavern.name)).to_be_visible()

    page.goto(f"{live.url}/workorders/new/")
    page.get_by_label("Find a site").fill(tag)
    page.get_by_role("button", name="Search sites").click()
    site_select = page.locator("#site-picker").get_by_label("Site")
    expect(site_select.locator("option", has_text=tavern.name)).to_have_count(1)
    site_select.select_option(str(tavern.id))
    page.get_by_label("Summary").fill(f"Repair the taproom lighting {tag}")
    page.get_by_role("button", name="Create work order").click()

    status = page.locator(".write-status")
    expect(status).to_have_attribute("data-status", "done")
    expect(status).to_contain_text("Saved in TechLink.")
    status.get_by_role("link", name="Open").click()
    expect(page.locator(".lead")).to_have_text(f"Repair the taproom lighting {tag}")
    workorder_id = int(re.search(r"/workorders/(\d+)/", page.url).group(1))
    assert techlink.workorder_get(workorder_id).site_id == tavern.id

    # A note through the plain form post: back on the page with the write's status and the note listed.
    page.get_by_label("Note").fill(f"Ask for the cellar key ({tag})")
    page.get_by_role("button", name="Add note").click()
    expect(page).to_have_url(re.compile(rf"/workorders/{workorder_id}/\?write=\d+"))
    expect(page.get_by_role("status").filter(has_text="Adding the note")).to_be_visible()
    expect(page.locator(".write-status")).to_have_attribute("data-status", "done")
    page.reload()
    expect(page.locator("#notes .note", has_text=f"Ask for the cellar key ({tag})")).to_have_count(1)
