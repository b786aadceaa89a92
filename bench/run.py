"""Benchmark of the read model: first full sync, page timings, memory, and the naive upstream baseline.

    .venv/bin/python bench/run.py [--sites 5000 --workorders 20000 --latency 0.15 --concurrency 8]
    .venv/bin/python bench/run.py --sites 500 --workorders 2000          # quick run

Starts a TechLink sandbox process seeded at the given size with a fixed latency, syncs the read model
into a fresh SQLite database (in a separate worker process, like Celery would), then times the staff
pages through the Django test client with a logged-in user, and compares the work order list with
the naive way (list ids + one detail call per row, sequentially). Prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERNAME, PASSWORD = "demo", "demo-password"
TARGET_LIST_MS = 50.0
TARGET_SYNC_S = 300.0


# -- helpers ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def max_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def django_env(db_path: Path, base_url: str, concurrency: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal_ui.settings.local",
        DJANGO_DEBUG="false",
        DATABASE_URL=f"sqlite:///{db_path}",
        TECHLINK_BASE_URL=base_url,
        TECHLINK_USERNAME=USERNAME,
        TECHLINK_PASSWORD=PASSWORD,
        TECHLINK_MAX_WORKERS=str(concurrency),
        CELERY_TASK_ALWAYS_EAGER="true",
        CELERY_BROKER_URL="memory://",
        LOG_LEVEL="WARNING",
        # The Django test client calls itself "testserver".
        DJANGO_ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
    )
    return env


# -- the sandbox -----------------------------------------------------------------------------------


class Sandbox:
    """``python -m techlink_sandbox`` in its own process, seeded at a known size, fixed latency."""

    def __init__(self, data_dir: Path, *, sites: int, workorders: int, latency: float) -> None:
        self.data_dir, self.sites, self.workorders, self.latency = data_dir, sites, workorders, latency
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/api/light/"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Self:
        python = sys.executable
        seed = [python, "-m", "techlink_sandbox", "seed", "--data-dir", str(self.data_dir)]
        seed += ["--sites", str(self.sites), "--workorders", str(self.workorders), "--random-seed", "42"]
        subprocess.run(seed, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        serve = [python, "-m", "techlink_sandbox", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        serve += ["--data-dir", str(self.data_dir), "--latency", str(self.latency)]
        self.log = open(self.data_dir / "serve.log", "wb")
        self.process = subprocess.Popen(serve, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def _headers(self) -> dict[str, str]:
        import hashlib

        return {"X-Authorization": f"{USERNAME}:{hashlib.md5(PASSWORD.encode()).hexdigest()}"}

    def _wait_ready(self, timeout: float = 300.0) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sandbox exited early; see {self.data_dir / 'serve.log'}")
            try:
                if requests.get(self.base_url + "project", headers=self._headers(), timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)  # polling a server that is starting up
        raise RuntimeError("sandbox did not become ready")

    def stats(self) -> dict:
        import requests

        root = self.base_url.split("/api/light/")[0]
        try:
            answer = requests.get(f"{root}/_sandbox/stats", headers=self._headers(), timeout=10)
            return answer.json().get("data") or {}
        except (requests.RequestException, ValueError):
            return {}

    def __exit__(self, *exc_info: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def request_total(stats: dict) -> int | None:
    """Total requests the sandbox answered, from its stats (shape tolerated loosely)."""
    requests_ = stats.get("requests")
    if isinstance(requests_, int):
        return requests_
    if isinstance(requests_, dict):
        for key in ("total", "all"):
            if isinstance(requests_.get(key), int):
                return requests_[key]
        numbers = [v for v in requests_.values() if isinstance(v, int)]
        return sum(numbers) if numbers else None
    return None


def peak_from_stats(stats: dict) -> int | None:
    for section in (stats, stats.get("requests") if isinstance(stats.get("requests"), dict) else {}):
        for key in ("max_in_flight", "peak_in_flight", "max_concurrent", "peak_concurrency"):
            if isinstance(section.get(key), int):
                return section[key]
    return None


# -- worker mode: the first full sync, in its own process --------------------------------------------


def worker_sync() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from portal_ui.core.upstream import techlink_client
    from portal_ui.mirror import services

    call_command("migrate", verbosity=0)
    client = techlink_client()
    lock, state = threading.Lock(), {"in_flight": 0, "peak": 0, "calls": 0}

    def counted(fn):
        def wrapper(*args, **kwargs):
            with lock:
                state["in_flight"] += 1
                state["calls"] += 1
                state["peak"] = max(state["peak"], state["in_flight"])
            try:
                return fn(*args, **kwargs)
            finally:
                with lock:
                    state["in_flight"] -= 1

        return wrapper

    for name in ("workorder_get", "site_get", "workorder_ids", "site_ids"):
        setattr(client, name, counted(getattr(client, name)))
    started = time.monotonic()
    report = services.mirror_sync_full()
    seconds = time.monotonic() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "calls": state["calls"],
                "peak_in_flight": state["peak"],
                "workorders": report.workorders_upserted,
                "sites": report.sites_upserted,
                "failures": len(report.failures),
                "first_failure": report.failures[0] if report.failures else "",
                "rss_mb": max_rss_mb(),
                "cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
            }
        )
    )


# -- web timings -----------------------------------------------------------------------------------


def time_calls(fn, samples: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def web_timings(args, rows: list[tuple[str, list[float], str]]) -> dict:
    import django

    django.setup()
    from django.test import Client, override_settings
    from django.urls import NoReverseMatch, reverse

    from portal_ui.accounts.models import Role, User
    from portal_ui.core.upstream import techlink_client
    from portal_ui.mirror import selectors
    from portal_ui.mirror.models import SiteRecord, WorkOrderRecord

    # Not setup_test_environment(): its instrumented template rendering would slow every page down.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": static,
        }
    ).enable()

    user, _ = User.objects.get_or_create(username="bench-dispatcher", defaults={"role": Role.DISPATCHER})
    user.role = Role.DISPATCHER
    user.save()
    client = Client()
    client.force_login(user)

    site_name = SiteRecord.objects.order_by("id").values_list("name", flat=True).first() or "a"
    site_query = f"{site_name[:3]}*"
    wo_id = WorkOrderRecord.objects.order_by("-id").values_list("id", flat=True).first()
    samples = args.samples

    def page(url_name: str, path: str, label: str, selector) -> None:
        try:
            reverse(url_name)
            available = True
        except NoReverseMatch:
            available = False
        if available:
            probe = client.get(path)
            if probe.status_code == 200:
                rows.append((f"{label} page {path}", time_calls(lambda: client.get(path), samples), "page"))
                return
            note = f"page answered {probe.status_code}; selector timed instead"
        else:
            note = "page not there yet; selector timed instead"
        rows.append((f"{label} (selector)", time_calls(selector, samples), note))

    page("workorders", "/workorders/", "Work order list", lambda: selectors.workorder_list(filters={}))
    page(
        "sites",
        f"/sites/?name={site_query}",
        "Site search",
        lambda: selectors.site_search(name=site_query),
    )
    page("home", "/", "Home", lambda: selectors.home_summary())
    # The selectors themselves too, whatever the pages add on top.
    rows.append(
        ("workorder_list selector", time_calls(lambda: selectors.workorder_list(filters={}), samples), "")
    )
    rows.append(
        (
            "workorder_list filtered (status 6*, page 3)",
            time_calls(lambda: selectors.workorder_list(filters={"status_code": "6*"}, page=3), samples),
            "",
        )
    )
    rows.append(
        ("site_search selector", time_calls(lambda: selectors.site_search(name=site_query), samples), "")
    )
    rows.append(("home_summary selector", time_calls(selectors.home_summary, samples), ""))

    # Detail page with every section (goes upstream), compared with one upstream call.
    upstream = techlink_client()
    one_call = time_calls(lambda: upstream.workorder_get(wo_id), args.detail_samples, warmup=1)
    rows.append(("one upstream call (workorder_get)", one_call, "upstream"))
    detail = {}
    try:
        reverse("workorder_detail", args=[wo_id])
        has_detail = True
    except NoReverseMatch:
        has_detail = False
    path = f"/workorders/{wo_id}/"
    probe = client.get(path)
    if probe.status_code == 200:
        detail_ms = time_calls(lambda: client.get(path), args.detail_samples, warmup=1)
        rows.append((f"Work order detail page {path}", detail_ms, "page, all sections"))
        detail = {"p95": percentile(detail_ms, 95), "one_call_p50": percentile(one_call, 50)}
    else:
        note = "" if has_detail else " (url name workorder_detail not found)"
        rows.append((f"Work order detail page {path}", [], f"answered {probe.status_code}{note}; not timed"))

    # The naive way: list ids, then 25 detail calls one after the other.
    def naive_list() -> None:
        ids = upstream.workorder_ids()[:25]
        for i in ids:
            upstream.workorder_get(i, include_site=True)

    naive = time_calls(naive_list, args.naive_samples, warmup=0)
    rows.append(("Naive list (ids + 25 sequential GETs)", naive, "upstream baseline"))
    return detail


# -- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--workorders", type=int, default=20000)
    parser.add_argument("--latency", type=float, default=0.15, help="fixed upstream latency in seconds")
    parser.add_argument("--concurrency", type=int, default=8, help="TECHLINK_MAX_WORKERS")
    parser.add_argument("--samples", type=int, default=60, help="timed requests per local page")
    parser.add_argument("--detail-samples", type=int, default=10)
    parser.add_argument("--naive-samples", type=int, default=3)
    parser.add_argument("--worker-sync", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_sync:
        worker_sync()
        return

    with tempfile.TemporaryDirectory(prefix="techlink-bench-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "sandbox").mkdir()
        print(
            f"Seeding sandbox: {args.sites} sites, {args.workorders} work orders, latency {args.latency}s ...",
            flush=True,
        )
        with Sandbox(
            tmp_path / "sandbox", sites=args.sites, workorders=args.workorders, latency=args.latency
        ) as sb:
            env = django_env(tmp_path / "bench.sqlite3", sb.base_url, args.concurrency)
            before = sb.stats()
            print(f"Full sync into a fresh database, concurrency limit {args.concurrency} ...", flush=True)
            worker = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--worker-sync"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if worker.returncode != 0:
                print(worker.stderr, file=sys.stderr)
                raise SystemExit("full sync failed")
            sync = json.loads(worker.stdout.strip().splitlines()[-1])
            after = sb.stats()
            upstream_calls = None
            if request_total(before) is not None and request_total(after) is not None:
                upstream_calls = request_total(after) - request_total(before)
            os.environ.update(env)
            print("Timing pages ...", flush=True)
            rows: list[tuple[str, list[float], str]] = []
            detail = web_timings(args, rows)
            web_rss = max_rss_mb()

    report(args, sync, upstream_calls, peak_from_stats(after), rows, detail, web_rss)


def report(args, sync, upstream_calls, sandbox_peak, rows, detail, web_rss) -> None:
    line = "-" * 100
    print()
    print(f"TechLink Dispatch read model: {args.sites} sites, {args.workorders} work orders, "
          f"latency {args.latency}s, concurrency {args.concurrency}")  # fmt: skip
    print(line)
    ok = "OK" if sync["seconds"] < TARGET_SYNC_S else "over target"
    print(f"First full sync: {sync['seconds']:.1f} s ({ok}; target < {TARGET_SYNC_S:.0f} s), "
          f"{sync['workorders']} work orders + {sync['sites']} sites, {sync['failures']} failures")  # fmt: skip
    if sync["first_failure"]:
        print(f"  first failure: {sync['first_failure']}")
    calls = f"{sync['calls']} (client counter)"
    if upstream_calls is not None:
        calls += f", {upstream_calls} (sandbox stats)"
    print(f"Upstream calls: {calls}")
    floor = sync["calls"] * args.latency / args.concurrency
    print(
        f"  lower bound for that many calls at {args.latency}s with {args.concurrency} in flight: {floor:.1f} s"
    )
    peak = f"{sync['peak_in_flight']} (client counter)"
    if sandbox_peak is not None:
        peak += f", {sandbox_peak} (sandbox stats)"
    verdict = "never exceeded" if sync["peak_in_flight"] <= args.concurrency else "EXCEEDED"
    print(f"Peak requests in flight: {peak}; limit {args.concurrency} {verdict}")
    print(f"Peak RSS: worker (sync) {sync['rss_mb']:.0f} MB, web process {web_rss:.0f} MB")
    print(
        f"Worker CPU time during the sync: {sync['cpu_s']:.1f} s (machine load average now: {os.getloadavg()[0]:.1f})"
    )
    print(line)
    print(f"{'What':<52} {'p50 ms':>9} {'p95 ms':>9} {'n':>4}  Note")
    for name, samples, note in rows:
        if samples:
            p50, p95 = percentile(samples, 50), percentile(samples, 95)
            flag = ""
            if note in {"page"} or "selector" in name or "selector timed" in note:
                flag = " OK" if p95 < TARGET_LIST_MS else " over 50 ms"
            print(f"{name:<52} {p50:>9.1f} {p95:>9.1f} {len(samples):>4}  {note}{flag}")
        else:
            print(f"{name:<52} {'-':>9} {'-':>9} {0:>4}  {note}")
    print(line)
    list_row = next((s for n, s, _ in rows if n.startswith("Work order list")), None)
    naive_row = next((s for n, s, _ in rows if n.startswith("Naive list")), None)
    if list_row and naive_row:
        ratio = percentile(naive_row, 50) / percentile(list_row, 50)
        print(f"Work order list vs naive upstream list: {ratio:,.0f}x faster (p50)")
    if detail:
        target = 2 * detail["one_call_p50"]
        verdict = "OK" if detail["p95"] < target else "over target"
        print(f"Detail page p95 {detail['p95']:.0f} ms vs 2x one upstream call {target:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
