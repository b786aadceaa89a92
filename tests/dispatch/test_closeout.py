"""Close-out review: required documents matched against completed ones, answers, photos and the reminder."""

from __future__ import annotations

import io
import re

from django.urls import reverse

from portal_ui.dispatch.closeout import closeout_review_build
from portal_ui.integrations.techlink import types
from portal_ui.jobs.models import UpstreamWrite


def doc(document_id: int, filename: str, description: str = "") -> types.Document:
    return types.Document(document_id=document_id, filename=filename, description=description)


def question(question_id: int, answer: str) -> types.Question:
    return types.Question(
        question_id=question_id, question=f"Question {question_id}?", answer=answer, sort_order=question_id
    )


def test_it_matches_by_description_case_insensitively():
    review = closeout_review_build(
        required=[doc(1, "form_a.pdf", "Signed Permit")],
        completed=[doc(9, "scan0001.jpg", "signed permit ")],
        questions=[],
        photos=[],
    )
    assert review.matches[0].completed.document_id == 9


def test_it_falls_back_to_the_file_name_without_extension():
    review = closeout_review_build(
        required=[doc(1, "W9_Form.pdf", "Tax form"), doc(2, "sitemap.pdf", "Site map")],
        completed=[doc(8, "w9_form.PNG", "photo of the form"), doc(9, "other.pdf", "")],
        questions=[],
        photos=[],
    )
    assert [m.is_matched for m in review.matches] == [True, False]
    assert review.matches[0].completed.document_id == 8
    assert [d.document_id for d in review.missing_documents] == [2]
    assert [d.document_id for d in review.unmatched_completed] == [9]


def test_it_recognises_a_filled_in_copy_of_a_required_form():
    review = closeout_review_build(
        required=[
            doc(1, "wo_12_signoff.pdf", "Customer sign-off sheet"),
            doc(2, "wo_12_site.pdf", "Site form"),
        ],
        completed=[
            doc(8, "wo_12_signoff_signed.pdf", "Signed sign-off sheet"),
            doc(9, "wo_12_sitemap.pdf", "Map"),
        ],
        questions=[],
        photos=[],
    )
    assert review.matches[0].completed.document_id == 8
    # "wo_12_sitemap" is another document, not a copy of "wo_12_site".
    assert [d.document_id for d in review.missing_documents] == [2]


def test_it_uses_each_completed_document_once():
    review = closeout_review_build(
        required=[doc(1, "a.pdf", "Permit"), doc(2, "b.pdf", "Permit")],
        completed=[doc(9, "x.pdf", "permit")],
        questions=[],
        photos=[],
    )
    assert review.matched_count == 1


def test_it_scores_documents_answers_and_photos():
    photo = types.Photo(photo_id=1, filename="p.jpg")
    review = closeout_review_build(
        required=[doc(1, "a.pdf", "Permit"), doc(2, "b.pdf", "Map")],
        completed=[doc(9, "a.pdf", "")],
        questions=[question(1, "Yes"), question(2, "  ")],
        photos=[photo],
    )
    # 1 of 2 documents + 1 of 2 answers + 1 for photos = 3 of 5 points
    assert review.score == 60
    assert not review.is_complete
    assert [q.question_id for q in review.unanswered_questions] == [2]
    # Nothing required: no score (not 0%), nothing missing (see closeout/test_scoring.py).
    assert closeout_review_build(required=[], completed=[], questions=[], photos=[photo]).score is None
    assert closeout_review_build(required=[], completed=[], questions=[], photos=[]).score is None


def test_it_shows_the_review_page_and_highlights_unanswered_questions(viewer_client, workorder, tl):
    tl.workorder_required_document_upload(
        workorder.id, file=io.BytesIO(b"x"), filename="lien_waiver.pdf", description="Lien waiver 3301"
    )
    wo = tl.workorder_get(
        workorder.id, include_questions=True, include_photos=True, include_closeout_documents=True
    )
    response = viewer_client.get(reverse("workorder_closeout", args=[workorder.id]))
    assert response.status_code == 200
    html = response.content.decode()
    unanswered = [q for q in wo.questions if not q.answer.strip()]
    assert html.count('class="unanswered"') == len(unanswered)
    assert "Lien waiver 3301" in html
    row = re.search(r'<tr class="missing">.*?Lien waiver 3301', html, re.DOTALL)
    assert row is not None
    score = int(re.search(r'data-score="(\d+)"', html).group(1))
    required = tl.workorder_required_documents(workorder.id)
    review = closeout_review_build(
        required=required, completed=wo.closeout_documents, questions=wo.questions, photos=wo.photos
    )
    assert score == review.score < 100


def test_it_asks_the_technician_for_what_is_missing(
    dispatcher_client, workorder, tl, django_capture_on_commit_callbacks
):
    tl.workorder_required_document_upload(
        workorder.id, file=io.BytesIO(b"x"), filename="as_built.pdf", description="As-built drawing 7720"
    )
    url = reverse("workorder_closeout_remind", args=[workorder.id])
    preview = dispatcher_client.get(url)  # the note is shown, to edit, before anything is sent
    assert not UpstreamWrite.objects.exists()
    note = preview.context["form"].initial["note"]
    assert "Missing close-out document: As-built drawing 7720 (as_built.pdf)" in note
    with django_capture_on_commit_callbacks(execute=True):
        response = dispatcher_client.post(
            url,
            {"note": note, "version": 0, "missing_count": preview.context["form"].initial["missing_count"]},
        )
    write = UpstreamWrite.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workorders/{workorder.id}/closeout/?write={write.id}"
    note = next(n for n in tl.workorder_notes(workorder.id) if "As-built drawing 7720" in n.content)
    assert "Missing close-out document: As-built drawing 7720 (as_built.pdf)" in note.content
