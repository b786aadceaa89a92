"""A TechLink that never answers cannot stall the web tier: every web request's TechLink calls share one
deadline, and only a few requests per process may wait on TechLink at once (the bulkhead); the others are
answered at once from the read model with the banner."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.urls import reverse

from portal_ui.core.upstream import reset_techlink_client

from ..conftest import make_user

PAGES_IN_FLIGHT = 24
BUSY = "too many pages are waiting for it"


class HangingUpstream:
    """Accepts connections, reads the request and never answers until closed; counts who is waiting."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.waiting = 0
        self.most_waiting = 0
        self.accepted = 0
        self.lock = threading.Condition()
        self.released = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.released.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        with self.lock:
            self.waiting += 1
            self.accepted += 1
            self.most_waiting = max(self.most_waiting, self.waiting)
            self.lock.notify_all()
        with conn:
            conn.recv(65536)
            # Held until the client gives up (its deadline) or the test ends.
            conn.settimeout(0.05)
            while not self.released.is_set():
                try:
                    if conn.recv(1) == b"":
                        break
                except TimeoutError:
                    continue
                except OSError:
                    break
        with self.lock:
            self.waiting -= 1
            self.lock.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self.lock:
            return self.lock.wait_for(lambda: self.accepted >= count, timeout=timeout)

    def close(self) -> None:
        self.released.set()
        self.listener.close()


@pytest.fixture
def hanging(settings):
    upstream = HangingUpstream()
    settings.TECHLINK_BASE_URL = f"http://127.0.0.1:{upstream.port}/api/light/"
    settings.TECHLINK_WEB_DEADLINE = 3.0
    settings.TECHLINK_WEB_CONCURRENCY = 2
    reset_techlink_client()
    yield upstream
    upstream.close()
    reset_techlink_client()


def logged_in(live_server, user) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{live_server.url}{reverse('login')}")
    token = page.cookies.get("csrftoken") or session.cookies.get("csrftoken")
    session.post(
        f"{live_server.url}{reverse('login')}",
        data={
            "username": user.username,
            "password": "correct horse battery staple",
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": live_server.url},
    )
    return session


def timed_get(session: requests.Session, url: str) -> tuple[float, requests.Response]:
    started = time.monotonic()
    response = session.get(url, timeout=60)
    return time.monotonic() - started, response


@pytest.mark.django_db(transaction=True)
def test_it_answers_other_pages_while_techlink_hangs(live_server, hanging, settings):
    from portal_ui.integrations.techlink import types
    from portal_ui.mirror.services import mirror_reference_store, mirror_workorder_store

    viewer = make_user("viewer")
    mirror_reference_store(projects=[], task_items=[], users=[])  # reference lists known: no call for them
    workorder = types.WorkOrder(
        id=1001, status="Scheduled", status_code=60, summary="Replace the hung switch"
    )
    mirror_workorder_store(workorder=workorder)
    session = logged_in(live_server, viewer)
    detail = f"{live_server.url}{reverse('workorder_detail', args=[workorder.id])}"
    baseline_login, _ = timed_get(session, f"{live_server.url}{reverse('login')}")

    with ThreadPoolExecutor(max_workers=PAGES_IN_FLIGHT) as pool:
        pages = [pool.submit(timed_get, logged_in_copy(session), detail) for _ in range(PAGES_IN_FLIGHT)]
        assert hanging.wait_for(1), "no page reached TechLink"
        login_seconds, login = timed_get(session, f"{live_server.url}{reverse('login')}")
        list_seconds, listing = timed_get(session, f"{live_server.url}{reverse('workorders')}")
        still_waiting = hanging.waiting
        results = [page.result() for page in pages]

    print(
        f"\nwith {PAGES_IN_FLIGHT} detail pages on a hung TechLink: /login/ {login_seconds * 1000:.0f} ms "
        f"(alone: {baseline_login * 1000:.0f} ms), /workorders/ {list_seconds * 1000:.0f} ms; detail pages "
        f"{min(s for s, _ in results):.2f}-{max(s for s, _ in results):.2f} s; at most {hanging.most_waiting} "
        "calls waited on TechLink at once"
    )
    assert login.status_code == 200 and listing.status_code == 200
    assert still_waiting > 0, "the other pages were answered only after TechLink let go"
    # Every detail page is answered, from the read model, with the banner.
    assert all(r.status_code == 200 and "Replace the hung switch" in r.text for _, r in results)
    assert all("TechLink is not answering right now" in r.text for _, r in results)
    # The bulkhead: two pages at a time went to TechLink, the rest were told at once that it is busy.
    busy = sum(BUSY in r.text for _, r in results)
    assert busy >= PAGES_IN_FLIGHT - 2 * settings.TECHLINK_WEB_CONCURRENCY
    assert hanging.most_waiting <= settings.TECHLINK_WEB_CONCURRENCY * 4  # calls per detail page at most


def logged_in_copy(session: requests.Session) -> requests.Session:
    copy = requests.Session()
    copy.cookies.update(session.cookies)
    return copy


def test_it_gives_a_request_one_deadline_for_all_its_calls(settings, db):
    """Each call inside the limits gets only what is left of the deadline, and none is retried."""
    from portal_ui.core.upstream import techlink_client, web_request_limits

    upstream = HangingUpstream()
    settings.TECHLINK_BASE_URL = f"http://127.0.0.1:{upstream.port}/api/light/"
    settings.TECHLINK_WEB_DEADLINE = 1.0
    settings.TECHLINK_MAX_RETRIES = 3
    reset_techlink_client()
    try:
        from portal_ui.integrations.techlink import errors

        started = time.monotonic()
        with web_request_limits(), pytest.raises(errors.TechLinkTimeout):
            techlink_client().workorder_get(1)
            techlink_client().workorder_get(2)
        elapsed = time.monotonic() - started
        print(f"\none deadline of 1 s for a hung TechLink: gave up after {elapsed:.2f} s")
        assert upstream.accepted == 1  # one try, no retries within the deadline
    finally:
        upstream.close()
        reset_techlink_client()
