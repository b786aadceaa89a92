"""A customer opens a secure portal link: passcode first, then only what the link permits."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import log_in, make_site

HIDDEN_SECTIONS = (
    "#schedule",
    "#photos",
    "#documents",
    "#closeout-answers",
    "#closeout-documents",
    "#comment",
    "#upload",
)


def test_it_shows_a_secure_link_only_after_the_right_passcode(
    page, new_context, live, techlink, dispatcher, tag
):
    site = make_site(techlink, f"Lighthouse {tag} Books")
    summary = f"Mount the outdoor sign {tag}"
    workorder = techlink.workorder_create(site_id=site.id, summary=summary)
    note = f"Installer arrives between 9 and 11 ({tag})"
    techlink.workorder_note_add(workorder.id, note=note)

    # Staff make the link: secure, with a passcode, showing the notes and not the schedule.
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/portal-links/new/?workorder={workorder.id}")
    expect(page.get_by_label("Work order number")).to_have_value(str(workorder.id))
    page.get_by_label("Type").select_option("secure")
    page.get_by_label("Passcode (secure links)").fill(f"harbor-{tag}")
    page.get_by_label("Notes", exact=True).check()
    page.get_by_role("checkbox", name=re.compile(re.escape(note))).check()  # this note, chosen by hand
    page.get_by_label("Schedule (dates, installer)").uncheck()
    page.get_by_role("button", name="Create link").click()
    url = page.get_by_role("textbox", name="Customer URL").input_value()
    assert url.startswith(f"{live.url}/p/")

    customer = new_context().new_page()
    customer.goto(url)
    expect(customer.get_by_role("heading", name="Enter the passcode")).to_be_visible()
    expect(customer.locator("body")).not_to_contain_text(summary)
    expect(customer.locator("body")).not_to_contain_text(note)
    expect(customer.locator("#status, #notes")).to_have_count(0)

    customer.get_by_label("Passcode").fill("harbor-wrong")
    customer.get_by_role("button", name="Open").click()
    expect(customer.get_by_role("alert")).to_have_text("That passcode is not right.")
    expect(customer.get_by_role("heading", name="Enter the passcode")).to_be_visible()
    expect(customer.locator("body")).not_to_contain_text(summary)
    expect(customer.locator("#status, #notes")).to_have_count(0)

    customer.get_by_label("Passcode").fill(f"harbor-{tag}")
    customer.get_by_role("button", name="Open").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(f"Work order {workorder.id}")
    expect(customer).to_have_url(url)
    expect(customer.locator("#status")).to_contain_text(summary)
    expect(customer.locator("#notes")).to_contain_text(note)
    for section in HIDDEN_SECTIONS:
        expect(customer.locator(section)).to_have_count(0)

    # The staff page counts the customer's view.
    page.reload()
    expect(page.locator("dl.fields")).to_contain_text(re.compile(r"Views\s*1"))

    # Staff change the passcode: the customer's open page asks for the new one.
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Passcode (secure links)").fill(f"lantern-{tag}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Portal link saved.")).to_be_visible()
    customer.reload()
    expect(customer.get_by_role("heading", name="Enter the passcode")).to_be_visible()
    expect(customer.locator("body")).not_to_contain_text(note)
    customer.get_by_label("Passcode").fill(f"lantern-{tag}")
    customer.get_by_role("button", name="Open").click()
    expect(customer.locator("#notes")).to_contain_text(note)
