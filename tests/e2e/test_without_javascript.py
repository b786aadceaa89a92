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

    # TechLink had it by the time the page loaded: straight on to the new work order.
    expect(page).to_have_url(re.compile(r"/workorders/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Repair the taproom lighting {tag}")
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


def test_it_asks_before_removing_a_site_attribute_without_javascript(
    new_context, live, techlink, dispatcher, tag
):
    page = new_context(java_script_enabled=False).new_page()
    site = make_site(techlink, f"Millbrook {tag} Bakery")
    techlink.site_attribute_set(site.id, name=f"Alarm {tag}", value="Code at the desk")
    log_in(page, live, dispatcher)

    page.goto(f"{live.url}/sites/{site.id}/")
    row = page.locator("#attributes").get_by_role("row", name=re.compile(f"Alarm {tag}"))
    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Remove the attribute “Alarm {tag}” from this site?"
    )
    assert f"Alarm {tag}" in {a.name for a in techlink.site_attributes(site.id)}  # nothing removed yet

    page.get_by_role("link", name="No, keep it").click()
    expect(page).to_have_url(f"{live.url}/sites/{site.id}/")
    row.get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Yes, remove it").click()
    expect(page.locator(".write-status")).to_have_attribute("data-status", "done")
    assert f"Alarm {tag}" not in {a.name for a in techlink.site_attributes(site.id)}
    page.reload()
    expect(page.locator("#attributes").get_by_role("row", name=re.compile(f"Alarm {tag}"))).to_have_count(0)
