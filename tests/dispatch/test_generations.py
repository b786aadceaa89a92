"""Staff pages keep what they read per process under generations (``core.generations``): the user, the outbox
banner's counts, the close-out review queue, the saved views menu and the freshness line. Every kind of change
shows on the next page, and a page asked for again reads nothing but its session."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal_ui.accounts.models import Role
from portal_ui.dispatch.models import CloseoutState, SavedView
from portal_ui.integrations.techlink import types
from portal_ui.jobs import claims
from portal_ui.jobs import services as jobs_services
from portal_ui.jobs.models import UpstreamWrite, WriteStatus
from portal_ui.mirror import services as mirror_services

from .factories_board import make_site, make_workorder

pytestmark = pytest.mark.django_db

KEPT_BACKEND = "portal_ui.accounts.backends.KeptUserBackend"
STAFF_PAGES = ["/", "/workorders/", "/sites/?name=*a*"]
FAILED = "could not be saved in TechLink"
WAITING = "waiting for TechLink"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user, backend=KEPT_BACKEND)
    return client


def html_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        html_of(client, url)
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def everything(dispatcher):
    """Something of each kind a staff page shows: a failed write, a close-out to review, saved views."""
    wo = make_workorder(make_site(name="Harbor Depot"), summary="Core switch 4410")
    UpstreamWrite.objects.create(
        kind="workorder_note_add", payload={"workorder_id": wo.id, "note": "x"}, created_by=dispatcher,
        status=WriteStatus.FAILED,
    )  # fmt: skip
    CloseoutState.objects.create(
        workorder_id=wo.id, delivered={"photos": [{"id": 1}]}, delivered_count=1,
        activity_at=timezone.now(), needs_review=True,
    )  # fmt: skip
    SavedView.objects.create(owner=dispatcher, name="Harbor week", page="workorders", query="summary=core")
    mirror_services.mirror_reference_store(projects=[], task_items=[], users=[])  # lists kept from here
    return wo


# -- a page asked for again -------------------------------------------------------------------------


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_it_reads_only_the_session_when_a_page_is_asked_for_again(dispatcher, everything, url):
    client = logged_in(dispatcher)
    first = queries(client, url)
    html = html_of(client, url)
    assert FAILED in html
    assert ("Harbor Depot" if url == "/" else "Harbor week") in html  # the review queue, the saved views
    again = queries(client, url)

    assert len(again) == 1 and "django_session" in again[0], again
    assert len(first) >= 5  # the user, the freshness line, the banner, the queue or the saved views


def test_it_reads_the_user_again_after_it_changed_only(dispatcher, everything):
    client = logged_in(dispatcher)
    html_of(client, "/")
    assert not any("accounts_user" in sql for sql in queries(client, "/"))

    dispatcher.first_name = "Dana"
    dispatcher.save()

    assert sum("accounts_user" in sql for sql in queries(client, "/")) == 1
    assert "Dana Tester" in html_of(client, "/")
    assert not any("accounts_user" in sql for sql in queries(client, "/"))


# -- users ------------------------------------------------------------------------------------------


def test_it_logs_a_deactivated_user_out_on_the_next_request(viewer):
    client = logged_in(viewer)
    for _ in range(2):  # read, then kept
        html_of(client, "/")

    viewer.is_active = False
    viewer.save()

    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_gives_a_user_their_new_role_on_the_next_request(dispatcher):
    client = logged_in(dispatcher)
    for _ in range(2):
        html = html_of(client, "/workorders/")
        assert "New work order" in html and "(read only)" not in html
    assert client.get("/workorders/new/").status_code != 403

    dispatcher.role = Role.VIEWER
    dispatcher.save(update_fields=["role"])

    html = html_of(client, "/workorders/")
    assert "New work order" not in html and "(read only)" in html
    assert client.get("/workorders/new/").status_code == 403


def test_it_ends_the_other_sessions_when_the_password_changes(viewer):
    other = logged_in(viewer)
    html_of(other, "/")
    html_of(other, "/")

    viewer.set_password("another horse battery staple")
    viewer.save()

    response = other.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_keeps_each_user_their_own(dispatcher, viewer):
    dispatcher_client, viewer_client = logged_in(dispatcher), logged_in(viewer)
    for _ in range(2):
        assert "(read only)" not in html_of(dispatcher_client, "/")
        assert "(read only)" in html_of(viewer_client, "/")


# -- the outbox -------------------------------------------------------------------------------------


def test_it_shows_each_change_of_the_outbox_on_the_next_page(viewer, dispatcher):
    client = logged_in(viewer)
    assert FAILED not in html_of(client, "/") and FAILED not in html_of(client, "/")
    write = jobs_services.workorder_note_add(user=dispatcher, workorder_id=42, note="Gate code 1234")
    assert WAITING not in html_of(client, "/")  # queued, not waiting for a later try

    assert claims.transition(write, status=WriteStatus.FAILED, error="TechLink is down")
    assert FAILED in html_of(client, "/workorders/") and FAILED in html_of(client, "/")

    jobs_services.upstream_write_retry(write=write, user=dispatcher)
    html = html_of(client, "/")
    assert FAILED not in html and WAITING not in html

    assert claims.hold(UpstreamWrite.objects.all(), timezone.now() + timedelta(minutes=5)) == 1
    assert WAITING in html_of(client, "/sites/")

    write.refresh_from_db()
    assert claims.transition(write, status=WriteStatus.FAILED, next_attempt_at=None)
    assert FAILED in html_of(client, "/") and WAITING not in html_of(client, "/")
    jobs_services.upstream_write_dismiss(write=write, user=dispatcher)
    html = html_of(client, "/")
    assert FAILED not in html and WAITING not in html


# -- close-outs -------------------------------------------------------------------------------------


def _review_queue(client: Client) -> str:
    return html_of(client, "/").split('id="review-queue"', 1)[1].split("</section>", 1)[0]


def test_it_shows_a_change_of_the_review_queue_on_the_next_page(viewer, everything):
    client = logged_in(viewer)
    for _ in range(2):
        assert f"/workorders/{everything.id}/closeout/" in _review_queue(client)

    state = CloseoutState.objects.get(pk=everything.id)
    state.needs_review = False
    state.save()

    assert "No close-out is waiting for a decision." in _review_queue(client)


def test_it_shows_a_work_order_the_sync_changed_in_the_review_queue(viewer, everything):
    client = logged_in(viewer)
    for _ in range(2):
        assert "Core switch 4410" in _review_queue(client)

    mirror_services.mirror_workorder_store(
        workorder=types.WorkOrder(id=everything.id, summary="Edge router 4410", status="Open", status_code=10)
    )

    queue = _review_queue(client)
    assert "Edge router 4410" in queue and "Core switch 4410" not in queue


# -- saved views ------------------------------------------------------------------------------------


def _menu(client: Client, url: str) -> str:
    """The saved views menu of the page (empty when it has none)."""
    html = html_of(client, url)
    return (
        html.split('class="saved-views-menu"', 1)[1].split("</details>", 1)[0]
        if "saved-views-menu" in html
        else ""
    )


@pytest.mark.parametrize("url", ["/workorders/", "/sites/"])
def test_it_shows_a_saved_view_added_or_removed_on_the_next_page(dispatcher, viewer, url):
    mirror_services.mirror_reference_store(projects=[], task_items=[], users=[])
    dispatcher_client, viewer_client = logged_in(dispatcher), logged_in(viewer)
    for _ in range(2):
        assert "Harbor week" not in _menu(dispatcher_client, url)
    response = dispatcher_client.post(
        "/views/save/", {"page": "workorders", "name": "Harbor week", "query": "summary=core", "next": url}
    )
    assert response.status_code == 302

    html = html_of(dispatcher_client, url)
    assert ">Harbor week</a>" in html and html.count("View “Harbor week” saved.") == 1
    assert "Harbor week" in _menu(dispatcher_client, url)  # and the message showed once only
    assert "View “Harbor week” saved." not in html_of(dispatcher_client, url)
    assert "Harbor week" not in _menu(viewer_client, url)  # the owner's own
    view = SavedView.objects.get(name="Harbor week")
    view.shared = True
    view.save()
    assert "Harbor week" in _menu(viewer_client, url)

    assert dispatcher_client.post(f"/views/{view.pk}/delete/").status_code == 302

    assert "Harbor week" not in _menu(dispatcher_client, url)
    assert "Harbor week" not in _menu(viewer_client, url)


# -- the read model ---------------------------------------------------------------------------------


def test_it_shows_a_sync_running_and_its_lease_running_out_without_a_write(viewer):
    from portal_ui.mirror.services.sync import _Lease

    running = "The first copy from TechLink is being made"
    client = logged_in(viewer)
    lease = _Lease("open")
    assert lease.acquire()  # the lease's row is made (saved), then taken (updated)
    lease.release()
    for _ in range(2):
        assert running not in html_of(client, "/")

    assert lease.acquire()  # the row is there: only updated

    assert running in html_of(client, "/") and running in html_of(client, "/workorders/")
    with time_machine.travel(timezone.now() + timedelta(seconds=lease.seconds + 60), tick=False):
        assert running not in html_of(client, "/")  # its end passed: nothing was written
    assert running in html_of(client, "/")
    lease.release()
    assert running not in html_of(client, "/")


def test_it_keeps_the_requests_csrf_token_and_nonce_its_own(dispatcher, everything):
    client = logged_in(dispatcher)
    seen = []
    for _ in range(2):
        response = client.get("/workorders/")
        html = response.content.decode()
        nonces = {part.split('"', 1)[0] for part in html.split('nonce="')[1:]}
        assert len(nonces) == 1, nonces  # the kept parts' scripts carry the request's own
        nonce = nonces.pop()
        token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        assert html.count(f'value="{token}"') >= 2  # the log-out form and the saved view form
        assert "\x00" not in html
        seen.append((nonce, token))
    assert seen[0][0] != seen[1][0] and seen[0][1] != seen[1][1]
