"""The outbox's pages (/jobs/): list with filters and paging, live status partial, retry and dismiss by role."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal_ui.jobs.models import UpstreamWrite

pytestmark = pytest.mark.django_db


def make_write(user=None, **fields) -> UpstreamWrite:
    values = {"kind": "workorder_note_add", "payload": {"workorder_id": 42, "note": "Gate code 1234"},
              "created_by": user, "actor_label": "" if user else "Customer via portal link"}  # fmt: skip
    values.update(fields)
    return UpstreamWrite.objects.create(**values)


def test_it_lists_writes_for_viewers(viewer_client, dispatcher):
    make_write(dispatcher)
    make_write(None, status="failed", error="Work order #42 not found")

    response = viewer_client.get("/jobs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("Add note to work order #42") == 2
    assert "Work order #42 not found" in body
    assert "Customer via portal link" in body
    assert "<html" in body


def test_it_filters_by_status_and_mine(dispatcher_client, dispatcher, viewer):
    make_write(dispatcher, status="failed", payload={"workorder_id": 1, "note": "a"})
    make_write(viewer, status="failed", payload={"workorder_id": 2, "note": "b"})
    make_write(dispatcher, status="done", payload={"workorder_id": 3, "note": "c"})

    body = dispatcher_client.get("/jobs/", {"status": "failed", "mine": "1"}).content.decode()
    assert "work order #1" in body
    assert "work order #2" not in body
    assert "work order #3" not in body


def test_it_answers_htmx_with_the_rows_only(viewer_client, dispatcher):
    make_write(dispatcher)
    response = viewer_client.get("/jobs/", {"status": "queued"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="rows"')
    assert "Add note to work order #42" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]  # caches keep the rows and the page apart


def test_it_refreshes_the_rows_while_writes_are_pending(viewer_client, dispatcher):
    write = make_write(dispatcher)
    pending = viewer_client.get("/jobs/", {"status": "queued"}).content.decode()
    assert 'hx-get="/jobs/?status=queued&amp;page=1" hx-trigger="every 5s"' in pending

    UpstreamWrite.objects.filter(pk=write.pk).update(status="done")
    settled = viewer_client.get("/jobs/").content.decode()
    assert "every 5s" not in settled


def test_it_pages_the_list(viewer_client, dispatcher):
    for number in range(30):
        make_write(dispatcher, payload={"workorder_id": 1000 + number, "note": "n"})
    first = viewer_client.get("/jobs/").content.decode()
    second = viewer_client.get("/jobs/", {"page": 2}).content.decode()
    assert "work order #1029" in first and "work order #1000" not in first
    assert "work order #1000" in second and "work order #1029" not in second
    assert "Page 2 of 2" in second


def test_it_needs_a_login(client):
    response = client.get("/jobs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_shows_one_write_with_a_polling_status(viewer_client, dispatcher):
    write = make_write(dispatcher)
    response = viewer_client.get(f"/jobs/{write.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'hx-get="/jobs/{write.pk}/"' in body
    assert 'hx-trigger="every 2s"' in body
    assert f'href="/jobs/{write.pk}/"' in body
    assert "Gate code 1234" in body  # what was sent


def test_it_answers_htmx_polling_with_the_status_partial(viewer_client, dispatcher):
    write = make_write(dispatcher, status="done", result={"workorder_id": 42}, result_url="/workorders/42/")
    response = viewer_client.get(f"/jobs/{write.pk}/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith(f'<div class="write-status" id="write-{write.pk}"')
    assert 'href="/workorders/42/"' in body
    assert "every 2s" not in body  # final: polling stops
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_it_shows_the_upstream_message_and_retry_to_dispatchers_only(client, dispatcher, viewer):
    write = make_write(dispatcher, status="failed", error="Invalid ZIP code")
    client.force_login(dispatcher)
    dispatcher_body = client.get(f"/jobs/{write.pk}/").content.decode()
    client.force_login(viewer)
    viewer_body = client.get(f"/jobs/{write.pk}/").content.decode()
    assert "Invalid ZIP code" in dispatcher_body and "Invalid ZIP code" in viewer_body
    assert f'action="/jobs/{write.pk}/retry/"' in dispatcher_body
    assert "/retry/" not in viewer_body


def test_it_lets_a_dispatcher_retry(dispatcher_client, dispatcher, django_capture_on_commit_callbacks):
    write = make_write(dispatcher, status="failed", error="TechLink is down", attempts=6)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = dispatcher_client.post(f"/jobs/{write.pk}/retry/")
    assert response.status_code == 302
    write.refresh_from_db()
    assert (write.status, write.attempts) == ("queued", 0)
    # The task is queued once the retry commits (the outbox's generation moves then too).
    queued = [c for c in callbacks if "upstream_write_retry" in c.__qualname__]
    assert len(queued) == 1


def test_it_retries_over_htmx_with_the_status_partial(
    dispatcher_client, dispatcher, django_capture_on_commit_callbacks
):
    write = make_write(dispatcher, status="failed", error="TechLink is down")
    with django_capture_on_commit_callbacks(execute=False):
        response = dispatcher_client.post(f"/jobs/{write.pk}/retry/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'data-status="queued"' in body
    assert 'hx-trigger="every 2s"' in body


def test_it_refuses_retry_to_viewers(viewer_client, dispatcher):
    write = make_write(dispatcher, status="failed", error="TechLink is down")
    assert viewer_client.post(f"/jobs/{write.pk}/retry/").status_code == 403
    write.refresh_from_db()
    assert write.status == "failed"


def test_it_refuses_to_retry_a_write_that_did_not_fail(dispatcher_client, dispatcher):
    write = make_write(dispatcher, status="done")
    response = dispatcher_client.post(f"/jobs/{write.pk}/retry/", follow=True)
    assert "Only a failed write can be retried" in response.content.decode()
    write.refresh_from_db()
    assert write.status == "done"


def test_it_refuses_get_on_retry(dispatcher_client, dispatcher):
    write = make_write(dispatcher, status="failed")
    assert dispatcher_client.get(f"/jobs/{write.pk}/retry/").status_code == 405


def test_it_tells_the_page_when_techlink_has_the_write(viewer_client, dispatcher):
    pending = make_write(dispatcher)
    done = make_write(dispatcher, status="done", result={"workorder_id": 42}, result_url="/workorders/42/")
    htmx = {"HX-Request": "true"}
    assert "HX-Trigger" not in viewer_client.get(f"/jobs/{pending.pk}/", headers=htmx)
    trigger = json.loads(viewer_client.get(f"/jobs/{done.pk}/", headers=htmx)["HX-Trigger"])
    assert trigger == {"techlink:write-done": {"id": done.pk, "kind": "workorder_note_add"}}


def test_it_moves_on_to_a_new_work_order_once_techlink_has_it(viewer_client, dispatcher):
    write = make_write(
        dispatcher, kind="workorder_create", payload={"fields": {"site_id": "7", "summary": "Install"}}
    )
    page = viewer_client.get(f"/jobs/{write.pk}/?then=open").content.decode()
    assert f'hx-get="/jobs/{write.pk}/?then=open"' in page  # it keeps asking with the same wish

    UpstreamWrite.objects.filter(pk=write.pk).update(
        status="done", result={"workorder_id": 9001}, result_url="/workorders/9001/"
    )
    polled = viewer_client.get(f"/jobs/{write.pk}/?then=open", headers={"HX-Request": "true"})
    assert polled["HX-Redirect"] == "/workorders/9001/"
    plain = viewer_client.get(f"/jobs/{write.pk}/?then=open")
    assert (plain.status_code, plain["Location"]) == (302, "/workorders/9001/")
    assert viewer_client.get(f"/jobs/{write.pk}/").status_code == 200  # without the wish: the write itself


def test_it_lets_a_dispatcher_dismiss_a_failed_write(dispatcher_client, dispatcher):
    write = make_write(dispatcher, status="failed", error="Invalid rate")
    response = dispatcher_client.post(
        f"/jobs/{write.pk}/dismiss/", {"next": "/jobs/?status=failed"}, follow=True
    )
    assert response.redirect_chain == [("/jobs/?status=failed", 302)]
    assert "Nothing was changed in TechLink" in response.content.decode()
    write.refresh_from_db()
    assert write.status == "dismissed"
    htmx = dispatcher_client.post(f"/jobs/{write.pk}/dismiss/", headers={"HX-Request": "true"})
    assert "Only a failed write can be dismissed" in htmx.content.decode()


@pytest.mark.parametrize("elsewhere", ["//evil.com/", "/\\evil.com", "https://evil.com/jobs/"])
def test_it_goes_back_only_to_a_page_of_this_site(dispatcher_client, dispatcher, elsewhere):
    write = make_write(dispatcher, status="failed", error="Invalid rate")
    response = dispatcher_client.post(f"/jobs/{write.pk}/dismiss/", {"next": elsewhere})
    assert (response.status_code, response["Location"]) == (302, f"/jobs/{write.pk}/")


def test_it_refuses_dismissing_to_viewers(viewer_client, dispatcher):
    write = make_write(dispatcher, status="failed", error="Invalid rate")
    assert viewer_client.post(f"/jobs/{write.pk}/dismiss/").status_code == 403
    write.refresh_from_db()
    assert write.status == "failed"


def test_it_offers_what_can_be_done_in_the_list(dispatcher_client, dispatcher):
    failed = make_write(
        dispatcher, kind="site_create", status="failed", error="Invalid state: Narnia",
        payload={"fields": {"name": "Corner Deli", "state": "Narnia"}},
    )  # fmt: skip
    make_write(dispatcher, status="done", result={"workorder_id": 42}, result_url="/workorders/42/")
    body = dispatcher_client.get("/jobs/").content.decode()
    assert f'action="/jobs/{failed.pk}/retry/"' in body
    assert f'action="/jobs/{failed.pk}/dismiss/"' in body
    assert f'href="/sites/new/?from_write={failed.pk}"' in body
    assert 'href="/workorders/42/"' in body


def test_it_sends_a_refused_site_again_once_changed(
    dispatcher_client, dispatcher, django_capture_on_commit_callbacks
):
    fields = {"name": "Corner Deli", "address1": "12 Elm St", "city": "Albany", "state": "Narnia", "zip": "12207",
              "country": "US", "primary_contact_name": "Ann Lee", "primary_contact_phone": "518-555-0101",
              "primary_contact_email": "ann@example.com"}  # fmt: skip
    refused = make_write(
        dispatcher,
        kind="site_create",
        status="failed",
        error="Invalid state: Narnia",
        payload={"fields": fields},
    )
    form = dispatcher_client.get(f"/sites/new/?from_write={refused.pk}").content.decode()
    assert "TechLink refused this" in form and "Invalid state: Narnia" in form
    assert 'value="Corner Deli"' in form and 'value="ann@example.com"' in form
    assert f'name="replaces" value="{refused.pk}"' in form

    with django_capture_on_commit_callbacks(execute=False):
        response = dispatcher_client.post("/sites/new/", {**fields, "state": "NY", "replaces": refused.pk})
    assert response.status_code == 302
    refused.refresh_from_db()
    assert refused.status == "dismissed"
    again = UpstreamWrite.objects.exclude(pk=refused.pk).get()
    assert (again.kind, again.status, again.payload["fields"]["state"]) == ("site_create", "queued", "NY")
    assert response["Location"] == f"/jobs/{again.pk}/?then=open"


def test_it_says_when_a_write_waiting_for_techlink_is_tried_next(viewer_client, dispatcher):
    with time_machine.travel(timezone.now(), tick=False):
        later = make_write(dispatcher, attempts=3, next_attempt_at=timezone.now() + timedelta(minutes=5),
                           error="Could not connect to TechLink: NewConnectionError (will try again)")  # fmt: skip
        soon = make_write(dispatcher, attempts=1, next_attempt_at=timezone.now() + timedelta(seconds=20))
        page = viewer_client.get(f"/jobs/{later.pk}/").content.decode()
        assert (
            "Waiting for TechLink — next try in 5\xa0minutes · last try: Could not connect to TechLink"
            in page
        )
        partial = viewer_client.get(f"/jobs/{soon.pk}/", headers={"HX-Request": "true"}).content.decode()
        assert "Waiting for TechLink — next try in less than a minute" in partial
        assert (
            "Waiting for TechLink — next try in 5\xa0minutes" in viewer_client.get("/jobs/").content.decode()
        )


def test_it_shows_a_banner_on_every_staff_page_while_writes_wait_or_failed(client, viewer, dispatcher):
    client.force_login(viewer)
    assert "outbox-banner" not in client.get("/jobs/").content.decode()
    make_write(dispatcher, status="failed", error="Invalid ZIP code")
    make_write(dispatcher, attempts=2, next_attempt_at=timezone.now() + timedelta(minutes=1))
    make_write(dispatcher, attempts=2, next_attempt_at=timezone.now() + timedelta(minutes=1))
    make_write(dispatcher)  # not tried yet: not waiting for TechLink
    for path in ("/", "/jobs/", "/portal-links/"):
        body = client.get(path).content.decode()
        assert "1 change could not be saved in TechLink and needs you to retry or dismiss it." in body, path
        assert 'href="/jobs/?status=failed"' in body, path
        assert "2 changes are waiting for TechLink and will be sent by themselves" in body, path
    client.logout()
    assert "outbox-banner" not in client.get("/login/").content.decode()


def test_it_counts_for_the_banner_once_and_only_on_pages_that_show_it(viewer_client, dispatcher):
    write = make_write(dispatcher)

    def counts(**headers) -> int:
        with CaptureQueriesContext(connection) as queries:
            viewer_client.get(f"/jobs/{write.pk}/", headers=headers)
        return sum("COUNT(" in query["sql"].upper() for query in queries.captured_queries)

    assert counts() == 1
    assert counts(**{"HX-Request": "true"}) == 0  # the polled status partial has no banner
