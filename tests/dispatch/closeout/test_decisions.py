"""Approve or return a close-out: roles, the note a return posts through the outbox, the history kept, a page
that is out of date, and the review queue."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse

from portal_ui.dispatch.closeouts import selectors, services
from portal_ui.dispatch.models import CloseoutDecision, CloseoutState, Outcome
from portal_ui.jobs.models import UpstreamWrite, WriteKind
from tests.dispatch.closeout_fixtures import add_closeout_document, add_photo, answer_question, jpeg


def _version(client, workorder_id: int) -> str:
    html = client.get(reverse("workorder_closeout", args=[workorder_id])).content.decode()
    return re.search(r'name="approve-version" value="([^"]+)"', html).group(1)


def _approve(client, workorder_id: int, version: str, comment: str = ""):
    url = reverse("workorder_closeout_approve", args=[workorder_id])
    return client.post(url, {"approve-version": version, "approve-reason": comment})


def _return(client, workorder_id: int, version: str, reason: str):
    url = reverse("workorder_closeout_return", args=[workorder_id])
    return client.post(url, {"return-version": version, "return-reason": reason})


def test_a_viewer_sees_the_decision_but_cannot_take_it(client_for, viewer, closeout_case):
    client = client_for(viewer)
    html = client.get(reverse("workorder_closeout", args=[closeout_case.workorder_id])).content.decode()
    assert 'id="decision"' in html and "Not reviewed yet" in html
    assert "Approve close-out" not in html and "Return to technician" not in html
    for url in ("workorder_closeout_approve", "workorder_closeout_return"):
        response = client.post(reverse(url, args=[closeout_case.workorder_id]), {"approve-version": "0:x"})
        assert response.status_code == 403
    assert not CloseoutDecision.objects.exists()


@pytest.mark.parametrize("role", ["dispatcher", "admin_user"])
def test_dispatchers_and_admins_approve(request, client_for, role, closeout_case):
    user = request.getfixturevalue(role)
    client = client_for(user)
    wo_id = closeout_case.workorder_id
    response = _approve(client, wo_id, _version(client, wo_id), "Looks good")
    assert response.status_code == 302
    decision = CloseoutDecision.objects.get()
    assert (decision.outcome, decision.decided_by, decision.reason) == (Outcome.APPROVED, user, "Looks good")
    assert decision.completeness["label"] == "66% — 4 of 6"
    assert decision.completeness["flagged"] == [
        closeout_case.questions[next(iter(closeout_case.questions)) + 1][0]
    ]
    assert not UpstreamWrite.objects.exists()  # an approval sends nothing to TechLink
    html = client.get(reverse("workorder_closeout", args=[wo_id])).content.decode()
    assert "Approved</span>" in html and user.get_full_name() in html


def test_a_return_needs_a_reason_and_posts_it_to_techlink_as_a_note(
    dispatcher_client, dispatcher, closeout_case, tl, django_capture_on_commit_callbacks
):
    wo_id = closeout_case.workorder_id
    version = _version(dispatcher_client, wo_id)
    response = _return(dispatcher_client, wo_id, version, "   ")
    assert response.status_code == 302 and not CloseoutDecision.objects.exists()
    reason = f"Photos of the labels are blurry; take them again ({closeout_case.tag})"
    with django_capture_on_commit_callbacks(execute=True):
        response = _return(dispatcher_client, wo_id, version, reason)
    decision = CloseoutDecision.objects.get()
    write = UpstreamWrite.objects.get()
    assert response["Location"] == f"/workorders/{wo_id}/closeout/?write={write.id}"
    assert (decision.outcome, decision.reason, decision.note_write) == (Outcome.RETURNED, reason, write)
    assert write.kind == WriteKind.WORKORDER_NOTE_ADD and write.created_by == dispatcher
    note = next(n.content for n in tl.workorder_notes(wo_id) if closeout_case.tag in n.content)
    assert (
        note == f"Close-out returned by {dispatcher.get_full_name()}. Please fix and upload again:\n{reason}"
    )


def test_the_history_is_kept_and_shown_on_the_review_and_the_work_order(
    client_for, dispatcher, admin_user, closeout_case, django_capture_on_commit_callbacks
):
    wo_id = closeout_case.workorder_id
    dispatcher_client = client_for(dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        _return(dispatcher_client, wo_id, _version(dispatcher_client, wo_id), "Missing the as-built drawing")
    admin = client_for(admin_user)
    _approve(admin, wo_id, _version(admin, wo_id), "Drawing not needed after all")
    history = selectors.closeout_history(workorder_id=wo_id)
    assert [d.outcome for d in history.decisions] == [Outcome.APPROVED, Outcome.RETURNED]
    for page in ("workorder_closeout", "workorder_detail"):
        html = dispatcher_client.get(reverse(page, args=[wo_id])).content.decode()
        entries = re.findall(r'<li class="history-decision">(.*?)</li>', html, re.DOTALL)
        assert len(entries) == 2, page
        assert "Approved" in entries[0] and "Drawing not needed after all" in entries[0]
        assert "Returned" in entries[1] and "Missing the as-built drawing" in entries[1]
        assert "completeness then: 66% — 4 of 6" in entries[1]


def test_a_decision_on_a_page_loaded_before_another_decision_asks_to_reload(
    client_for, dispatcher, admin_user, closeout_case
):
    wo_id = closeout_case.workorder_id
    first, second = client_for(dispatcher), client_for(admin_user)
    seen_by_first, seen_by_second = _version(first, wo_id), _version(second, wo_id)
    assert _approve(second, wo_id, seen_by_second).status_code == 302
    response = _return(first, wo_id, seen_by_first, "Please add the permit")
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed since you loaded the page" in html and admin_user.get_full_name() in html
    assert "Please add the permit" in html  # what was typed is not lost
    assert CloseoutDecision.objects.count() == 1 and not UpstreamWrite.objects.exists()


def test_a_decision_on_a_close_out_changed_in_techlink_asks_to_reload(
    dispatcher_client, closeout_case, upstream
):
    wo_id = closeout_case.workorder_id
    version = _version(dispatcher_client, wo_id)
    add_closeout_document(upstream, wo_id, "asbuilt_final.pdf", b"%PDF-1.4 as built", "As-built drawing")
    response = _approve(dispatcher_client, wo_id, version)
    assert response.status_code == 409
    assert "changed in TechLink" in response.content.decode()
    assert not CloseoutDecision.objects.exists()
    assert _approve(dispatcher_client, wo_id, _version(dispatcher_client, wo_id)).status_code == 302


def test_nothing_is_recorded_when_techlink_cannot_be_asked(
    dispatcher_client, closeout_case, settings, upstream_down
):
    response = _approve(dispatcher_client, closeout_case.workorder_id, "0:abc")
    assert response.status_code == 302
    assert not CloseoutDecision.objects.exists()


# -- the review queue -------------------------------------------------------------------------------


def _queued() -> list[int]:
    return [entry.workorder_id for entry in selectors.closeout_queue().object_list]


def test_the_queue_holds_delivered_close_outs_until_approved(
    client_for, dispatcher, viewer, closeout_case, upstream, tl, django_capture_on_commit_callbacks
):
    wo_id = closeout_case.workorder_id
    dispatcher_client, viewer_client = client_for(dispatcher), client_for(viewer)
    assert services.closeout_scan(budget=5000) > 0  # the periodic look at TechLink
    assert wo_id in _queued()
    home = viewer_client.get(reverse("home")).content.decode()
    assert 'id="review-queue"' in home and f"/workorders/{wo_id}/closeout/" in home
    listed = viewer_client.get(reverse("closeout_queue")).content.decode()
    assert f"/workorders/{wo_id}/closeout/" in listed

    with django_capture_on_commit_callbacks(execute=True):
        _return(dispatcher_client, wo_id, _version(dispatcher_client, wo_id), "Answer the clean-up question")
    assert wo_id not in _queued()  # waiting for the technician
    services.closeout_scan(budget=5000)
    assert wo_id not in _queued()  # nothing new came in

    question_id = next(q for q, (_, answer) in closeout_case.questions.items() if not answer)
    answer_question(upstream, wo_id, question_id, "Yes, swept and binned.")
    services.closeout_scan(budget=5000)
    assert wo_id in _queued()  # the technician checked out again
    entry = next(e for e in selectors.closeout_queue().object_list if e.workorder_id == wo_id)
    assert entry.was_returned and entry.answers == 3

    _approve(dispatcher_client, wo_id, _version(dispatcher_client, wo_id))
    assert wo_id not in _queued()
    add_photo(upstream, wo_id, jpeg(), note="One more")
    services.closeout_scan(budget=5000)
    assert wo_id not in _queued()  # approved stays approved
    assert CloseoutState.objects.get(pk=wo_id).delivered_count == 1 + 3 + 4


def test_a_work_order_with_nothing_delivered_is_not_queued(dispatcher_client, tl, db, upstream):
    from portal_ui.mirror.services import mirror_workorder_refresh

    wo = tl.workorder_create(site_id=min(tl.site_ids()), summary="Not visited yet")
    tl.workorder_required_document_upload(wo.id, file=io.BytesIO(b"%PDF-1.4"), filename="form.pdf")
    mirror_workorder_refresh(workorder_id=wo.id)
    dispatcher_client.get(reverse("workorder_closeout", args=[wo.id]))
    assert wo.id not in _queued()
