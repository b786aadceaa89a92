"""The customer page against the TechLink sandbox through the real client."""

import pytest

from portal_ui.core.upstream import techlink_client

from .conftest import make_link

pytestmark = pytest.mark.django_db


def test_it_shows_a_sandbox_work_order_with_its_photos(client, upstream):
    api = techlink_client()
    workorder = None
    for workorder_id in api.workorder_ids()[:40]:
        candidate = api.workorder_get(workorder_id, include_photos=True, include_notes=True)
        if candidate.photos and candidate.notes:
            workorder = candidate
            break
    if workorder is None:
        pytest.skip("the sandbox has no work order with photos and notes")
    issued = make_link(
        workorder=str(workorder.id),
        permissions={"view_notes": True, "view_photos": True},
        shared_items={"notes": [workorder.notes[0].note_id], "photos": [workorder.photos[0].photo_id]},
    )
    path = "/" + issued.url.split("/", 3)[3]
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Work order {workorder.id}" in html
    assert workorder.status in html
    assert workorder.notes[0].content.splitlines()[0] in html
    photo = workorder.photos[0]
    raw = client.get(f"{path}files/photo/{photo.photo_id}/")
    assert raw.status_code == 200
    assert len(b"".join(raw.streaming_content)) > 0


def test_it_says_not_available_for_an_unknown_work_order(client, upstream):
    issued = make_link(workorder="987654321")
    response = client.get("/" + issued.url.split("/", 3)[3])
    assert response.status_code == 200
    assert "details of this work order are not available" in response.content.decode()


def test_it_adds_a_customer_comment_once_even_when_the_answer_is_lost(
    client, upstream, django_capture_on_commit_callbacks, monkeypatch
):
    """The note carries the customer's signature, and the durable write still finds it upstream after a lost
    answer instead of adding it twice."""
    import uuid
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from portal_ui.integrations.techlink import errors
    from portal_ui.jobs import outbox
    from portal_ui.jobs.models import UpstreamWrite

    api = techlink_client()
    workorder_id = api.workorder_ids()[0]
    issued = make_link(workorder=str(workorder_id), permissions={"add_comment": True})
    path = "/" + issued.url.split("/", 3)[3]
    client.get(path)
    real_add = api.workorder_note_add
    sent = []

    def applied_but_answer_lost(*args, **kwargs):
        sent.append(args)
        real_add(*args, **kwargs)
        if len(sent) == 1:
            raise errors.TechLinkTimeout("TechLink did not answer in time", maybe_applied=True)

    monkeypatch.setattr(api, "workorder_note_add", applied_but_answer_lost)
    comment = f"Please ring the bell twice {uuid.uuid4().hex}"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{path}comment/", {"note": comment}).status_code == 302
    write = UpstreamWrite.objects.get()
    for minutes in range(5, 30, 5):  # later attempts, once each is due
        if write.status == "done":
            break
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
            outbox.run_write(write_id=write.pk)
        write.refresh_from_db()
    assert write.status == "done", write.error
    expected = f"{comment}\n\n— portal link {issued.link.pk} (customer, via the customer portal)"
    notes = [n for n in api.workorder_notes(workorder_id) if n.content == expected]
    assert [n.note_id for n in notes] == [write.result["note_id"]]
    assert len(sent) == 1
