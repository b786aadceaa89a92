"""The close-out review in a browser: a dispatcher approves (the score explained on focus, the decision in
the history), and the photo viewer (lightbox) with its keys, zoom to the original and download, and without
JavaScript the photo's own page."""

import re

import pytest
from playwright.sync_api import expect

from tests.dispatch.closeout_fixtures import make_closeout_case
from tests.e2e.conftest import log_in


@pytest.fixture
def case(live, techlink, upstream, settings, tmp_path):
    from portal_ui.mirror.services import mirror_workorder_refresh

    settings.MEDIA_ROOT = tmp_path / "media"
    made = make_closeout_case(techlink, upstream)
    mirror_workorder_refresh(workorder_id=made.workorder_id)
    return made


def test_a_dispatcher_approves_a_close_out(page, live, dispatcher, case):
    from portal_ui.dispatch.models import CloseoutDecision

    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/workorders/{case.workorder_id}/closeout/")
    expect(page.locator("#score [data-score]")).to_have_text("66%")
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_be_hidden()
    page.get_by_role("button", name="How the score is made up").focus()
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("4 of 6 points = 66%")
    flagged = page.locator("#questions tr.flagged")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Reads as “No”")

    decision = page.locator("#decision")
    expect(decision).to_contain_text("Not reviewed yet")
    decision.get_by_label("Comment (optional)").fill(f"All good ({case.tag})")
    decision.get_by_role("button", name="Approve close-out").click()
    expect(page.get_by_role("status").filter(has_text="Close-out approved.")).to_be_visible()
    expect(decision.locator(".decision-state")).to_contain_text("Approved")
    entry = decision.locator("li.history-decision")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(f"All good ({case.tag})")
    expect(entry).to_contain_text("completeness then: 66% — 4 of 6")
    saved = CloseoutDecision.objects.get(workorder_id=case.workorder_id)
    assert (saved.outcome, saved.decided_by_id) == ("approved", dispatcher.id)

    # The work order page shows the same history.
    page.goto(f"{live.url}/workorders/{case.workorder_id}/")
    expect(page.locator("#closeout-history li.history-decision")).to_contain_text("Approved")


def test_the_photo_viewer_opens_over_the_gallery(page, live, viewer, case):
    log_in(page, live, viewer)
    page.goto(f"{live.url}/workorders/{case.workorder_id}/closeout/")
    thumbs = page.locator("#photos .gallery img")
    expect(thumbs).to_have_count(3)
    for index in range(3):  # thumbnails the dashboard made, loaded
        expect(thumbs.nth(index)).to_have_attribute("src", re.compile(r"/thumb\.jpg$"))
        page.wait_for_function(
            "img => img.complete && img.naturalWidth === 400", arg=thumbs.nth(index).element_handle()
        )

    page.locator("#photos a.gallery-link").nth(1).click()
    viewer_box = page.get_by_role("dialog", name="Photo viewer")
    expect(viewer_box).to_be_visible()
    counter, caption, image = (
        viewer_box.locator(".lightbox-counter"),
        viewer_box.locator("figcaption"),
        viewer_box.locator("img"),
    )
    expect(counter).to_have_text("Photo 2 of 3")
    expect(caption).to_contain_text(case.captions[1])
    expect(image).to_have_attribute("src", re.compile(rf"/photos/{case.photo_ids[1]}/large\.jpg$"))
    page.wait_for_function("img => img.complete && img.naturalWidth === 900", arg=image.element_handle())

    page.keyboard.press("ArrowRight")
    expect(counter).to_have_text("Photo 3 of 3")
    page.keyboard.press("ArrowRight")  # round to the first
    expect(counter).to_have_text("Photo 1 of 3")
    page.keyboard.press("ArrowLeft")
    expect(counter).to_have_text("Photo 3 of 3")
    expect(caption).to_contain_text(case.captions[2])

    page.keyboard.press("z")  # zoom to the original
    expect(viewer_box).to_have_class(re.compile(r"\bzoomed\b"))
    expect(image).to_have_attribute("src", re.compile(rf"/photos/{case.photo_ids[2]}/raw/$"))
    expect(viewer_box.get_by_role("button", name="Fit to screen")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("z")
    expect(viewer_box).not_to_have_class(re.compile(r"\bzoomed\b"))

    with page.expect_download() as download:
        viewer_box.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename == f"wo_{case.workorder_id}_{case.photo_ids[2]}.jpg"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == case.photo_bytes[case.photo_ids[2]]

    page.keyboard.press("Escape")
    expect(viewer_box).to_be_hidden()
    expect(page.locator("#photos a.gallery-link").nth(1)).to_be_focused()


def test_without_javascript_a_photo_opens_on_its_own_page(new_context, live, viewer, case):
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, live, viewer)
    page.goto(f"{live.url}/workorders/{case.workorder_id}/closeout/")
    page.locator("#photos a.gallery-link").first.click()
    expect(page).to_have_url(f"{live.url}/workorders/{case.workorder_id}/photos/{case.photo_ids[0]}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Photo 1 of 3")
    expect(page.locator(".photo-full img")).to_have_attribute("src", re.compile(r"/large\.jpg$"))
    expect(page.get_by_role("link", name="Original size")).to_have_attribute("href", re.compile(r"/raw/$"))
    expect(page.get_by_role("link", name="Download")).to_have_attribute("href", re.compile(r"/download/$"))
    page.get_by_role("link", name="Next →").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Photo 2 of 3")
