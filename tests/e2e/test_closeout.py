"""Close-out review: what the technician delivered against what the work order requires."""

import io
import re
from pathlib import PurePosixPath

from playwright.sync_api import expect

from tests.e2e.conftest import log_in


def _stem(filename):
    return PurePosixPath(filename).stem.casefold()


def _shares_nothing(required, completed):
    """No required document is already satisfied by a completed one (same description or file name)."""
    done = {d.description.strip().casefold() for d in completed} | {_stem(d.filename) for d in completed}
    return all(
        d.description.strip().casefold() not in done and _stem(d.filename) not in done for d in required
    )


def _reviewable_workorder(techlink):
    """A seeded work order with required documents none of which is delivered yet, a delivered close-out
    document with a description, at least one unanswered question, and photos."""
    ids = techlink.workorder_ids()
    workorders = techlink.workorders_get(
        ids, include_questions=True, include_photos=True, include_closeout_documents=True
    )
    for wo in workorders:
        described = [d for d in wo.closeout_documents or [] if d.description.strip()]
        unanswered = [q for q in wo.questions or [] if not q.answer.strip()]
        if not (described and unanswered and wo.photos):
            continue
        required = techlink.workorder_required_documents(wo.id)
        if required and _shares_nothing(required, wo.closeout_documents):
            return wo, required, described[0]
    raise AssertionError("The sandbox has no work order with an incomplete close-out to review")


def test_it_reviews_a_closeout_and_asks_the_technician_for_what_is_missing(
    page, live, techlink, dispatcher, tag
):
    wo, missing, delivered = _reviewable_workorder(techlink)
    # One more requirement, which the technician's delivered document satisfies by its description.
    satisfied = techlink.workorder_required_document_upload(
        wo.id,
        file=io.BytesIO(b"%PDF-1.4 checklist template"),
        filename=f"checklist-template-{tag}.pdf",
        description=delivered.description,
    )
    questions = wo.questions
    unanswered = [q for q in questions if not q.answer.strip()]
    answered = len(questions) - len(unanswered)
    required_count = len(missing) + 1
    expected_score = (1 + answered + 1) * 100 // (required_count + len(questions) + 1)

    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/workorders/{wo.id}/closeout/")

    documents = page.locator("#documents")
    matched_row = documents.locator("tr", has_text=satisfied.filename)
    expect(matched_row).to_have_class(re.compile(r"\bmatched\b"))
    expect(matched_row).to_contain_text("matched")
    expect(matched_row).to_contain_text(delivered.filename)
    for document in missing:
        row = documents.locator("tr.missing", has_text=document.filename)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("missing")
    expect(documents.locator("tr.missing")).to_have_count(len(missing))

    highlighted = page.locator("#questions tr.unanswered")
    expect(highlighted).to_have_count(len(unanswered))
    for question in unanswered:
        row = page.locator("#questions tr", has_text=question.question)
        expect(row).to_have_class(re.compile(r"\bunanswered\b"))
        expect(row).to_contain_text("Not answered")
    expect(page.locator("#questions tbody tr")).to_have_count(len(questions))

    score = page.locator("#score [data-score]")
    expect(score).to_have_text(f"{expected_score}%")
    expect(page.locator("#score")).to_contain_text(f"1 of {required_count} required documents received")
    expect(page.locator("#score")).to_contain_text(f"{answered} of {len(questions)} questions answered")

    missing_count = len(missing) + len(unanswered)
    page.get_by_role("link", name="Ask the technician for what is missing").click()
    # The note is previewed first, to edit; nothing is sent yet.
    preview = page.get_by_label("Note to the technician")
    expect(preview).to_have_value(re.compile(r"^Close-out is incomplete\. Still needed:"))
    assert not [n for n in techlink.workorder_notes(wo.id) if "Close-out is incomplete" in n.content]
    page.get_by_role("button", name="Send the reminder").click()
    expect(page.get_by_role("status").filter(has_text="Reminder with")).to_contain_text(
        f"Reminder with {missing_count} missing item(s) sent to the technician."
    )
    status = page.locator(".write-status")
    expect(status).to_have_attribute("data-status", "done")

    reminders = [n.content for n in techlink.workorder_notes(wo.id) if "Close-out is incomplete" in n.content]
    assert len(reminders) == 1
    reminder = reminders[0]
    for document in missing:
        assert document.description in reminder
    for question in unanswered:
        assert question.question in reminder
    assert f"checklist-template-{tag}.pdf" not in reminder  # delivered, so not asked for
    # One line per missing item, and none about photos: the work order has some (a required document's
    # description may well mention photos, so only the reminder's own photo line is looked for).
    items = [line for line in reminder.splitlines() if line.startswith("- ")]
    assert len(items) == missing_count
    assert not [line for line in items if line.startswith("- No close-out photos")]
