import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from techlink_sandbox import md5_hex
from techlink_sandbox.testing import running_sandbox

from .sandbox_helpers import Api, site_fields

ROOT = Path(__file__).resolve().parents[2]


def test_it_keeps_every_change_across_a_restart(tmp_path):
    with running_sandbox(tmp_path, sites=3, workorders=5) as sb:
        api = Api(sb)
        site = api.ok("POST", "site", data=site_fields(site_id="KEEP-ME"))["data"]["site"]
        api.ok("POST", f"site/{site['id']}", data={"notes": "updated before restart"})
        api.ok("POST", f"site/{site['id']}/attribute", data={"name": "Gate", "value": "#1"})
        kept = api.ok("POST", f"site/{site['id']}/document", files={"file": ("a.bin", b"\x00\x01keep")})[
            "data"
        ]
        dropped = api.ok("POST", f"site/{site['id']}/document", files={"file": ("b.bin", b"drop")})["data"]
        api.ok("DELETE", f"site/{site['id']}/document/{dropped['document_id']}")
        wo = api.ok("POST", "workorder", data={"site_id": str(site["id"]), "summary": "Persist"})["data"]
        api.ok("POST", f"workorder/{wo['workorder_id']}/note", data={"note": "still here"})
        site_before = api.ok("GET", f"site/{site['id']}")["data"]
        notes_before = api.ok("GET", f"workorder/{wo['workorder_id']}/note")["data"]
        objects_before = sb.stats()["objects"]

    with running_sandbox(tmp_path, sites=50, workorders=50) as sb:  # a restart: nothing is seeded again
        api = Api(sb)
        assert sb.stats()["objects"] == objects_before
        assert api.ok("GET", f"site/{site['id']}")["data"] == site_before
        assert api.ok("GET", f"workorder/{wo['workorder_id']}/note")["data"] == notes_before
        assert api.get(f"site/{site['id']}/document/{kept['document_id']}/raw").content == b"\x00\x01keep"
        api.fails("GET", f"site/{site['id']}/document/{dropped['document_id']}/raw", 404)
        newer = api.ok("POST", f"site/{site['id']}/document", files={"file": ("c.bin", b"c")})["data"]
        assert newer["document_id"] > dropped["document_id"]  # IDs are never handed out twice
        assert api.ok("POST", "site", data=site_fields())["data"]["site_id"] > site["id"]


def test_it_keeps_concurrent_writes_consistent(tmp_path):
    with running_sandbox(tmp_path, sites=2, workorders=1) as sb:
        api = Api(sb)
        wo_id = api.ok("GET", "workorder")["data"][0]
        before = len(api.ok("GET", f"workorder/{wo_id}/note")["data"])
        errors = []

        def write(worker: int) -> None:
            session = Api(sb)
            for n in range(10):
                resp = session.post(f"workorder/{wo_id}/note", data={"note": f"worker {worker} note {n}"})
                if resp.status_code != 200:
                    errors.append(resp.text)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        notes = api.ok("GET", f"workorder/{wo_id}/note")["data"]
        assert len(notes) == before + 80
        assert len({n["note_id"] for n in notes}) == len(notes)

    with running_sandbox(tmp_path) as sb:
        assert len(Api(sb).ok("GET", f"workorder/{wo_id}/note")["data"]) == before + 80


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "techlink_sandbox", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )


def test_it_seeds_once_with_if_empty(tmp_path):
    data_dir = str(tmp_path / "data")
    first = _cli("seed", "--data-dir", data_dir, "--sites", "4", "--workorders", "9", "--if-empty")
    assert first.returncode == 0, first.stderr
    assert "4 sites" in first.stdout and "9 workorders" in first.stdout
    again = _cli("seed", "--data-dir", data_dir, "--sites", "40", "--workorders", "90", "--if-empty")
    assert again.returncode == 0
    assert "already holds 4 sites and 9 work orders" in again.stdout
    replaced = _cli("seed", "--data-dir", data_dir, "--sites", "2", "--workorders", "3")
    assert "2 sites" in replaced.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_serves_as_a_separate_process(tmp_path):
    data_dir = str(tmp_path / "data")
    assert _cli("seed", "--data-dir", data_dir, "--sites", "3", "--workorders", "4").returncode == 0
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "techlink_sandbox",
            "serve",
            "--data-dir",
            data_dir,
            "--port",
            str(port),
            "--latency",
            "0",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/light/site"
        headers = {"X-Authorization": f"demo:{md5_hex('demo-password')}"}
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()
            try:
                resp = requests.get(url, headers=headers, timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the sandbox process never answered"
                time.sleep(0.05)
        assert resp.json()["message"] == "3 sites found"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_it_refuses_bad_knobs_on_the_command_line(tmp_path):
    result = _cli("serve", "--data-dir", str(tmp_path), "--error-rate", "1.5")
    assert result.returncode == 2
    assert "Invalid error_rate" in result.stderr


def test_it_serves_an_unseeded_data_dir_with_the_demo_login(tmp_path):
    port = _free_port()
    env = {**os.environ, "SANDBOX_LATENCY": "0"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "techlink_sandbox",
            "serve",
            "--data-dir",
            str(tmp_path),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None
            try:
                resp = requests.get(
                    f"http://127.0.0.1:{port}/api/light/project",
                    headers={"X-Authorization": f"demo:{md5_hex('demo-password')}"},
                    timeout=2,
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert resp.status_code == 200
        assert resp.json()["data"], "projects exist for creating work orders"
        config = requests.get(
            f"http://127.0.0.1:{port}/_sandbox/config",
            headers={"X-Authorization": f"demo:{md5_hex('demo-password')}"},
            timeout=5,
        )
        assert config.json()["data"]["latency"] == 0.0  # SANDBOX_LATENCY from the environment
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_it_refuses_a_second_sandbox_over_the_same_data(tmp_path):
    with running_sandbox(tmp_path, sites=1, workorders=1):
        result = _cli("seed", "--data-dir", str(tmp_path), "--if-empty")
        assert result.returncode == 1
        assert "in use by another TechLink sandbox" in result.stderr


def test_it_answers_500_and_keeps_nothing_when_the_disk_write_fails(sandbox_fresh, monkeypatch):
    api = Api(sandbox_fresh)
    site = api.ok("GET", "site")["data"][0]
    before = api.ok("GET", f"site/{site}")["data"]
    store = sandbox_fresh.store

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store.db, "write", broken)
    body = api.fails("POST", f"site/{site}", 500, data={"name": "Never saved"})
    assert body["message"] == "Storage failure, the change was not saved: disk I/O error"
    monkeypatch.undo()
    assert api.ok("GET", f"site/{site}")["data"] == before
