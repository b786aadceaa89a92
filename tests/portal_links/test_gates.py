"""Passcode and one-time-code attempts are counted and checked in one atomic step: per address and, across
all addresses, per link; at most the limit is ever compared, also in parallel (PostgreSQL)."""

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from portal_ui.portal_links.customer import gates
from portal_ui.portal_links.models import EmailCode, PortalLink

from .conftest import ApiClient, make_link, mirror_workorder, path_of, refusals

PASSCODE = "blue-door-42"


def secure_link():
    return make_link(link_type="secure", access_restrictions={"passcode": PASSCODE})


def private_link():
    return make_link(link_type="private", access_restrictions={"allowed_emails": ["pat@customer.example"]})


def codes_in_mail() -> list[str]:
    return [re.search(r"\b(\d{6})\b", message.body).group(1) for message in mail.outbox]


# --- sequential, on any database ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_a_passcode_shorter_than_six_characters(api_key, client):
    api = ApiClient(client, api_key.key)
    mirror_workorder("1001")
    body = {"workorder": "1001", "link_type": "secure", "access_restrictions": {"passcode": "12345"}}
    response = api.post("/workorder-portal-links", body)
    assert response.status_code == 400
    assert "access_restrictions.passcode" in response.json()["error"]["fields"]
    body["access_restrictions"]["passcode"] = "123456"
    assert api.post("/workorder-portal-links", body).status_code == 201


@pytest.mark.django_db
def test_it_refuses_a_short_passcode_on_the_staff_form(dispatcher_client):
    mirror_workorder("77")
    response = dispatcher_client.post(
        "/portal-links/new/",
        {"workorder": "77", "link_type": "secure", "is_active": "on", "passcode": "abcd"},
    )
    assert response.status_code == 400
    assert "at least 6 characters" in response.content.decode()
    assert PortalLink.objects.count() == 0


@pytest.mark.django_db
def test_it_locks_a_link_for_every_address_after_ten_wrong_passcodes(client, fake_upstream):
    issued = secure_link()
    for n in range(gates.PASSCODE_MAX_FAILURES_PER_LINK):
        wrong = client.post(
            path_of(issued),
            {"action": "passcode", "passcode": "wrong-one"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
        assert wrong.status_code == 403
    fresh_address = client.post(
        path_of(issued), {"action": "passcode", "passcode": PASSCODE}, REMOTE_ADDR="203.0.113.50"
    )
    assert fresh_address.status_code == 429
    assert refusals(issued.link) == {"bad_passcode": 10, "locked": 1}


@pytest.mark.django_db
def test_it_does_not_count_a_right_passcode_as_a_try(fake_upstream):
    link = secure_link().link
    for _ in range(20):
        assert gates.portal_link_passcode_attempt(link=link, passcode=PASSCODE, ip="203.0.113.9") == "ok"
    for _ in range(gates.PASSCODE_MAX_FAILURES):
        assert (
            gates.portal_link_passcode_attempt(link=link, passcode="nope-nope", ip="203.0.113.9") == "wrong"
        )
    assert gates.portal_link_passcode_attempt(link=link, passcode=PASSCODE, ip="203.0.113.9") == "locked"


@pytest.mark.django_db
def test_it_keeps_the_code_already_sent_valid_when_a_new_one_is_asked_for(client, fake_upstream):
    issued = private_link()
    client.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example"})
    client.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example"})
    first, _ = codes_in_mail()
    response = client.post(
        path_of(issued), {"action": "verify", "email": "pat@customer.example", "code": first}
    )
    assert response.status_code == 302
    assert "Install fibre router" in client.get(path_of(issued)).content.decode()
    # Once in, every code of the address is used up.
    assert not EmailCode.objects.filter(used_at__isnull=True).exists()


@pytest.mark.django_db
def test_it_limits_code_requests_per_address_and_per_link(client, fake_upstream):
    issued = private_link()
    for _ in range(gates.CODE_MAX_SENDS):
        assert (
            client.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example"}).status_code
            == 200
        )
    limited = client.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example"})
    assert limited.status_code == 429
    for n in range(gates.CODE_MAX_SENDS_PER_LINK - gates.CODE_MAX_SENDS):
        client.post(
            path_of(issued),
            {"action": "send_code", "email": "pat@customer.example"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    elsewhere = client.post(
        path_of(issued), {"action": "send_code", "email": "pat@customer.example"}, REMOTE_ADDR="203.0.113.77"
    )
    assert elsewhere.status_code == 429
    assert len(mail.outbox) == gates.CODE_MAX_SENDS_PER_LINK


@pytest.mark.django_db
def test_it_starts_a_new_window_after_the_lockout(fake_upstream, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    link = secure_link().link
    for _ in range(gates.PASSCODE_MAX_FAILURES):
        gates.portal_link_passcode_attempt(link=link, passcode="nope-nope", ip="203.0.113.9")
    assert gates.portal_link_passcode_attempt(link=link, passcode=PASSCODE, ip="203.0.113.9") == "locked"
    time_machine.shift(gates.LOCKOUT_WINDOW + timedelta(seconds=1))
    assert gates.portal_link_passcode_attempt(link=link, passcode=PASSCODE, ip="203.0.113.9") == "ok"


# --- in parallel, on PostgreSQL -----------------------------------------------------------------------------

PARALLEL = 50


@pytest.fixture
def postgresql(transactional_db, require_service):
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "the parallel gate tests need row locks (DATABASE_URL does not name a PostgreSQL server)",
    )


def in_parallel(attempt, addresses: list[str]) -> list:
    """Run `attempt(ip)` in one thread per address, all released at once; each thread has its own
    database connection."""
    barrier = threading.Barrier(len(addresses))
    results: list = [None] * len(addresses)

    def run(n: int, ip: str) -> None:
        try:
            barrier.wait()
            results[n] = attempt(ip)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, ip)) for n, ip in enumerate(addresses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


class Counted:
    """Wraps a check so the test sees how many times it ran, and widens the race window."""

    def __init__(self, check):
        self.check, self.calls, self.lock = check, 0, threading.Lock()

    def __call__(self, *args, **kwargs):
        with self.lock:
            self.calls += 1
        threading.Event().wait(0.01)
        return self.check(*args, **kwargs)


@pytest.mark.parametrize("spread", ["one address", "fifty addresses"])
def test_it_checks_at_most_the_limit_of_fifty_parallel_wrong_passcodes(
    postgresql, fake_upstream, monkeypatch, spread
):
    link = secure_link().link
    checked = Counted(gates.portal_link_check_passcode)
    monkeypatch.setattr(gates, "portal_link_check_passcode", checked)
    addresses = (
        ["203.0.113.9"] * PARALLEL
        if spread == "one address"
        else [f"198.51.100.{n + 1}" for n in range(PARALLEL)]
    )
    results = in_parallel(
        lambda ip: gates.portal_link_passcode_attempt(link=link, passcode="wrong-guess", ip=ip), addresses
    )
    limit = gates.PASSCODE_MAX_FAILURES if spread == "one address" else gates.PASSCODE_MAX_FAILURES_PER_LINK
    assert checked.calls <= limit
    assert results.count("wrong") == checked.calls
    assert results.count("locked") == PARALLEL - checked.calls
    # The lock holds for the right passcode too.
    assert gates.portal_link_passcode_attempt(link=link, passcode=PASSCODE, ip=addresses[0]) == "locked"


def test_it_checks_at_most_five_parallel_tries_of_a_one_time_code(postgresql, fake_upstream, monkeypatch):
    link = private_link().link
    assert (
        gates.portal_link_email_code_send(link=link, email="pat@customer.example", ip="203.0.113.9") == "sent"
    )
    (code,) = codes_in_mail()
    wrong = "000000" if code != "000000" else "111111"
    compared = Counted(gates._matching_code)
    monkeypatch.setattr(gates, "_matching_code", compared)
    results = in_parallel(
        lambda ip: gates.portal_link_email_code_verify(
            link=link, email="pat@customer.example", code=wrong, ip=ip
        ),
        [f"198.51.100.{n + 1}" for n in range(PARALLEL)],
    )
    assert compared.calls <= gates.CODE_MAX_ATTEMPTS
    assert EmailCode.objects.get().attempts == gates.CODE_MAX_ATTEMPTS
    assert results.count("expired") >= PARALLEL - gates.CODE_MAX_ATTEMPTS
    # Used up: the right code no longer opens the page.
    assert (
        gates.portal_link_email_code_verify(
            link=link, email="pat@customer.example", code=code, ip="192.0.2.1"
        )
        == "expired"
    )


def test_it_lets_exactly_one_of_parallel_right_codes_in(postgresql, fake_upstream):
    link = private_link().link
    gates.portal_link_email_code_send(link=link, email="pat@customer.example", ip="203.0.113.9")
    (code,) = codes_in_mail()
    results = in_parallel(
        lambda ip: gates.portal_link_email_code_verify(
            link=link, email="pat@customer.example", code=code, ip=ip
        ),
        [f"198.51.100.{n + 1}" for n in range(10)],
    )
    assert results.count("ok") == 1
