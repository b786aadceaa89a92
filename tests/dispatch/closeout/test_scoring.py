"""Scoring that reads right: nothing required is "nothing required", answers that read as a "No" are
flagged, and the score's parts are explained."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal_ui.dispatch.closeout import closeout_review_build, reads_as_no
from portal_ui.integrations.techlink import types


def doc(document_id: int, filename: str, description: str = "") -> types.Document:
    return types.Document(document_id=document_id, filename=filename, description=description)


def question(question_id: int, answer: str) -> types.Question:
    return types.Question(
        question_id=question_id, question=f"Question {question_id}?", answer=answer, sort_order=question_id
    )


PHOTO = types.Photo(photo_id=1, filename="p.jpg", note="Rack front")


def review(**parts):
    values = {"required": [], "completed": [], "questions": [], "photos": []} | parts
    return closeout_review_build(**values)


def test_nothing_required_reads_nothing_required_and_asks_for_nothing():
    for photos in ([], [PHOTO]):
        empty = review(photos=photos, completed=[doc(9, "extra.pdf")])
        assert empty.score is None
        assert empty.score_label == "Nothing required"
        assert empty.is_complete
        assert empty.possible == 0 and empty.parts() == []
        assert empty.missing_summary() == []  # no "1 missing item" (the photo) offered
        assert "no required close-out documents and no close-out questions" in empty.explanation()


def test_a_photo_counts_only_when_something_is_required_and_the_setting_asks_for_it():
    needs_form = review(required=[doc(1, "a.pdf", "Permit")], completed=[doc(9, "a.pdf")])
    assert (needs_form.points, needs_form.possible, needs_form.score) == (1, 2, 50)
    assert needs_form.missing_summary() == ["No close-out photos uploaded yet."]
    no_photo_rule = review(
        required=[doc(1, "a.pdf", "Permit")], completed=[doc(9, "a.pdf")], photo_required=False
    )
    assert (no_photo_rule.points, no_photo_rule.possible, no_photo_rule.score) == (1, 1, 100)
    assert no_photo_rule.is_complete and no_photo_rule.missing_summary() == []


def test_the_setting_turns_the_photo_point_off(settings):
    settings.CLOSEOUT_REQUIRE_PHOTO = False
    assert review(questions=[question(1, "Yes")]).possible == 1


def test_the_score_rounds_down_and_its_parts_explain_it():
    scored = review(
        required=[doc(1, "a.pdf", "Permit"), doc(2, "b.pdf", "Map")],
        completed=[doc(9, "a.pdf")],
        questions=[question(1, "Yes"), question(2, "No."), question(3, "")],
        photos=[PHOTO],
    )
    # 1 of 2 documents + 2 of 3 answers + 1 photo = 4 of 6 = 66.6%, shown as 66%
    assert (scored.points, scored.possible, scored.score) == (4, 6, 66)
    assert scored.score_label == "66% — 4 of 6"
    assert [(p.name, p.points, p.possible) for p in scored.parts()] == [
        ("Required documents", 1, 2),
        ("Questions", 2, 3),
        ("Photos", 1, 1),
    ]
    text = scored.explanation()
    assert "1 of 2 received" in text and "2 of 3 answered" in text and "1 reads as a No, flagged" in text
    assert text.endswith("4 of 6 points = 66%.")
    assert scored.summary()["flagged"] == ["Question 2?"]


@pytest.mark.parametrize(
    "answer",
    [
        "No",
        "no.",
        "No - manager unavailable.",
        "NO, the customer refused",
        "Nope",
        "Not done yet",
        "Partially; see notes.",
        "Unable to reach the roof",
        "  no  ",
    ],
)
def test_answers_reading_as_no_are_flagged(answer):
    assert reads_as_no(answer)
    flagged = review(questions=[question(1, answer)])
    assert [q.question_id for q in flagged.flagged_questions] == [1]
    assert flagged.answered_count == 1  # still answered: flagged for attention, not missing


@pytest.mark.parametrize(
    "answer", ["Yes", "None found", "Nothing to report", "N/A", "Noted, all good", "Know-how", ""]
)
def test_other_answers_are_not_flagged(answer):
    assert not reads_as_no(answer)
    assert review(questions=[question(1, answer)]).flagged_questions == []


def test_the_words_are_configurable(settings):
    settings.CLOSEOUT_NO_WORDS = ["nein", "pas fait"]
    assert [
        q.question_id for q in review(questions=[question(1, "Nein."), question(2, "No")]).flagged_questions
    ] == [1]
    assert reads_as_no("Pas fait, client absent", ["pas fait"])


def test_the_review_page_flags_no_answers_and_explains_the_score(viewer_client, closeout_case):
    html = viewer_client.get(
        reverse("workorder_closeout", args=[closeout_case.workorder_id])
    ).content.decode()
    flagged = re.findall(r'<tr class="flagged">(.*?)</tr>', html, re.DOTALL)
    assert (
        len(flagged) == 1
        and "No - the manager was not on site." in flagged[0]
        and "Reads as “No”" in flagged[0]
    )
    assert html.count('<tr class="unanswered">') == 1
    # 1 of 2 forms + 2 of 3 answers + photos = 4 of 6
    assert 'data-score="66"' in html
    tooltip = re.search(r'<span role="tooltip" id="score-parts" class="tooltip">(.*?)</span>', html).group(1)
    assert "Required documents: 1 of 2 received" in tooltip and "4 of 6 points = 66%." in tooltip
    assert 'aria-describedby="score-parts"' in html


def test_a_work_order_with_nothing_required_shows_no_score_and_no_reminder(
    dispatcher_client, tl, db, upstream
):
    from portal_ui.mirror.services import mirror_workorder_refresh

    wo = tl.workorder_create(site_id=min(tl.site_ids()), summary="Nothing to deliver")
    mirror_workorder_refresh(workorder_id=wo.id)
    html = dispatcher_client.get(reverse("workorder_closeout", args=[wo.id])).content.decode()
    assert 'data-score="none"' in html and "Nothing required" in html
    assert "0%" not in html and "0 of 0" not in html
    assert "Ask the technician" not in html
    # The reminder page agrees: nothing to ask for.
    response = dispatcher_client.get(reverse("workorder_closeout_remind", args=[wo.id]))
    assert response.status_code == 302
