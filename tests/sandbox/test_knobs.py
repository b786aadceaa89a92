import random
import threading
import time

import pytest
import requests

from techlink_sandbox.knobs import SEED_READ_LATENCY, SEED_WRITE_LATENCY, KnobError, Knobs

from .sandbox_helpers import site_fields, unique


def _sites_in(api, city: str) -> list[int]:
    return api.ok("GET", "site", params={"city": city})["data"]


def test_it_answers_500_without_applying_at_error_rate_one(api, sandbox):
    city = unique("ErrorCity")
    with sandbox.configured(error_rate=1.0):
        body = api.fails("POST", "site", 500, data=site_fields(city=city))
        assert body["message"] == "Internal server error"
        api.fails("GET", "site", 500)
    assert _sites_in(api, city) == []


def test_it_hangs_then_answers_504_without_applying_at_timeout_rate_one(api, sandbox):
    city = unique("HangCity")
    with sandbox.configured(timeout_rate=1.0, hang_seconds=0.2):
        assert api.fails("POST", "site", 504, data=site_fields(city=city))["message"] == "Gateway timeout"
    with sandbox.configured(timeout_rate=1.0, hang_seconds=5), pytest.raises(requests.ReadTimeout):
        api.get("site", timeout=0.3)
    assert _sites_in(api, city) == []


def test_it_applies_the_write_but_loses_the_answer_by_hanging(api, sandbox):
    city = unique("LostCity")
    with sandbox.configured(lost_answer_rate=1.0, lost_answer_mode="hang", hang_seconds=5):
        with pytest.raises(requests.ReadTimeout):
            api.post("site", data=site_fields(city=city), timeout=0.5)
        assert (
            api.ok("GET", "site", params={"city": city})["message"] == "1 site found"
        )  # reads are unaffected


def test_it_applies_the_write_but_answers_502_with_a_non_json_body(api, sandbox):
    city = unique("GatewayCity")
    with sandbox.configured(lost_answer_rate=1.0, lost_answer_mode="502"):
        resp = api.post("site", data=site_fields(city=city))
        assert resp.status_code == 502
        assert resp.headers["content-type"].startswith("text/html")
        with pytest.raises(ValueError):
            resp.json()
        site_id = _sites_in(api, city)[0]
        resp = api.delete(f"site/{site_id}/attribute", params={"name": "missing"})
        assert resp.status_code == 502
        refused = requests.post(sandbox.base_url + "site", data=site_fields(city=city), timeout=10)
        assert refused.status_code == 401  # never reached the API, so there is no answer to lose
    assert len(_sites_in(api, city)) == 1


def test_it_answers_http_200_for_errors_when_asked(api, sandbox):
    with sandbox.configured(always_http_200=True):
        resp = api.get("site/12")
        assert resp.status_code == 200
        assert resp.json()["code"] == 404
        assert resp.json()["message"] == "Site #12 not found"
        unauthenticated = requests.get(sandbox.base_url + "site", timeout=10)
        assert unauthenticated.status_code == 200 and unauthenticated.json()["code"] == 401
    assert api.get("site/12").status_code == 404


def test_it_reports_the_latency_in_the_time_member(api, sandbox):
    with sandbox.configured(latency=0.2):
        assert api.ok("GET", "project")["time"] >= 0.19  # the event loop's timer may wake a hair early


def test_it_draws_seed_latency_like_the_upstream_timings():
    knobs = Knobs()
    rng = random.Random(7)
    reads = [knobs.latency_for("GET", rng) for _ in range(200)]
    writes = [knobs.latency_for(m, rng) for m in ("POST", "DELETE") * 100]
    assert SEED_READ_LATENCY[0] <= min(reads) <= max(reads) <= SEED_READ_LATENCY[1]
    assert SEED_WRITE_LATENCY[0] <= min(writes) <= max(writes) <= SEED_WRITE_LATENCY[1]
    assert Knobs(latency=0.0).latency_for("POST", rng) == 0.0


def test_it_overlaps_slow_requests(api, sandbox):
    """Latency is asynchronous: slow requests are all in flight together, not one after another."""
    with sandbox.configured(latency=3.0):
        threads = [threading.Thread(target=api.get, args=("project",)) for _ in range(5)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 2.8
        while sandbox.stats()["requests"]["in_flight"] < 5:
            assert time.monotonic() < deadline, "5 slow requests were never in flight together"
            time.sleep(0.01)
        for thread in threads:
            thread.join()


def test_it_reads_and_changes_knobs_over_http(api, sandbox):
    before = api.control("GET", "config").json()
    assert before["code"] == 200
    assert before["data"] == sandbox.knobs.to_json()
    try:
        resp = api.control(
            "POST", "config", json={"error_rate": 0.25, "latency": "seed", "always_http_200": True}
        )
        assert resp.status_code == 200
        assert resp.json()["data"] | {"error_rate": 0.25} == resp.json()["data"]
        assert (sandbox.knobs.error_rate, sandbox.knobs.latency, sandbox.knobs.always_http_200) == (
            0.25,
            "seed",
            True,
        )
        bad = api.control("POST", "config", json={"error_rate": 2})
        assert (bad.status_code, bad.json()["code"]) == (400, 400)
        assert "Invalid error_rate" in bad.json()["message"]
        assert "Unknown knob: speed" in api.control("POST", "config", json={"speed": 1}).json()["message"]
        assert sandbox.knobs.error_rate == 0.25  # a refused change changes nothing
    finally:
        sandbox.configure(**before["data"])


def test_it_counts_objects_and_requests(api, sandbox):
    before = api.control("GET", "stats").json()["data"]
    api.ok("POST", "site", data=site_fields())
    api.fails("GET", "site/12", 404)
    after = api.control("GET", "stats").json()["data"]
    assert after["objects"]["sites"] == before["objects"]["sites"] + 1
    assert after["requests"]["total"] == before["requests"]["total"] + 2
    assert after["requests"]["by_code"]["404"] == before["requests"].get("by_code", {}).get("404", 0) + 1
    assert set(after["objects"]) >= {"sites", "workorders", "notes", "photos", "closeout_documents"}


def test_it_refuses_bad_knobs():
    with pytest.raises(KnobError, match="Invalid latency"):
        Knobs().updated({"latency": "fast"})
    with pytest.raises(KnobError, match="Invalid lost_answer_mode"):
        Knobs().updated({"lost_answer_mode": "drop"})
    assert Knobs().updated({"always_http_200": "yes", "hang_seconds": "1.5"}).hang_seconds == 1.5


def test_it_lets_tests_play_techlink_staff(api, new_workorder):
    wo = new_workorder()
    resp = api.control(
        "POST",
        f"workorder/{wo['id']}/status",
        data={
            "status_code": "60",
            "scheduled_date": "2026-03-04 09:30",
            "installer_name": "AAA Installers Ltd.",
            "installer_phone": "123-456-7890",
            "installer_email": "installers@nowhere.com",
            "tech_name": "Tony McAnthony",
            "tech_phone": "987-654-3210",
        },
    )
    assert resp.status_code == 200, resp.json()
    detail = api.ok("GET", f"workorder/{wo['id']}")["data"]["workorder"]
    assert (detail["status"], detail["status_code"], detail["scheduled_date"]) == (
        "Scheduled",
        60,
        "2026-03-04 09:30:00",
    )
    assert detail["installer"]["name"] == "AAA Installers Ltd."
    assert detail["planned_tech"] == {"name": "Tony McAnthony", "phone": "987-654-3210"}
    assert api.ok("GET", f"workorder/{wo['id']}/note")["data"][0]["content"] == "Status set to Scheduled."
    assert api.control("POST", f"workorder/{wo['id']}/status", data={"status_code": "42"}).status_code == 400
    statuses = api.control("GET", "statuses").json()["data"]
    assert statuses[0] == {"status_code": 10, "status": "Created"} and len(statuses) == 11
    refused = api.control(
        "POST", f"workorder/{wo['id']}/status", data={"status_code": "90", "scheduled_date": "soon"}
    )
    assert (refused.status_code, refused.json()["message"]) == (
        400,
        "Invalid scheduled_date: use YYYY-MM-DD HH:MM:SS",
    )
    assert api.ok("GET", f"workorder/{wo['id']}")["data"]["workorder"]["status_code"] == 60  # nothing changed

    upload = api.control(
        "POST", f"workorder/{wo['id']}/closeout", files={"file": ("signed.pdf", b"%PDF-1.4 x")}
    )
    doc_id = upload.json()["data"]["document_id"]
    assert api.get(f"workorder/{wo['id']}/closeout/{doc_id}/raw").content == b"%PDF-1.4 x"
