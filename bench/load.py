"""Load stage: the server side under many users, measured as production runs it.

    .venv/bin/python bench/load.py                       # granian as docker/Dockerfile runs it
    .venv/bin/python bench/load.py --servers all         # also other servers and worker shapes
    .venv/bin/python bench/load.py --soak 300            # and a 5-minute steady run for drift
    make bench-load

Starts a TechLink sandbox at a fixed latency, a fresh PostgreSQL database (``--database-url``, default the
machine's server), an emptied Redis cache as docker/compose.yml gives production (``--cache-url``), fills the
read model with a full sync, makes a staff session, an API key and a public portal link, starts the web
server with the production settings (granian, as docker/Dockerfile; gunicorn's gthread workers run with
``--keep-alive 0``: with kept-alive connections wrk's 16 stayed on whichever worker accepted them first, one
worker busy and two idle), and drives each target with wrk
(``--connections`` connections for ``--duration`` seconds). For each target it prints requests per second,
p50 and p99 latency, errors (non-2xx/3xx answers and socket errors), the ratio to a static file served in the
same run, and how many TechLink calls the sandbox saw per 100 requests; then the peak memory per worker.

wrk (Debian's package) is the load tool: a C event loop that keeps 16+ connections busy from one core without
becoming the bottleneck, which a Python load generator on a 2-core machine would.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from run import Sandbox, free_port, request_total  # noqa: E402

SECRET_KEY = "bench-load-only-" + "x" * 48
SERVERS = {
    # name: command (with {port}); the default one as docker/Dockerfile runs production.
    "gunicorn gthread 3x8": "gunicorn portal_ui.wsgi:application --bind 127.0.0.1:{port} --workers 3 --threads 8 --keep-alive 0 --timeout 35",
    "gunicorn gthread 2x4": "gunicorn portal_ui.wsgi:application --bind 127.0.0.1:{port} --workers 2 --threads 4 --keep-alive 0 --timeout 35",
    "gunicorn sync 4": "gunicorn portal_ui.wsgi:application --bind 127.0.0.1:{port} --workers 4 --timeout 35",
    "granian wsgi 3x8": "granian --interface wsgi --host 127.0.0.1 --port {port} --workers 3 --blocking-threads 8 portal_ui.wsgi:application",
}  # fmt: skip
DEFAULT_SERVER = "granian wsgi 3x8"


@dataclass
class Result:
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    upstream_calls: int | None


# -- setting up -------------------------------------------------------------------------------------


def environment(args, sandbox: Sandbox) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal_ui.settings.production",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=args.database_url,
        DATABASE_CONN_MAX_AGE=str(args.conn_max_age),
        CACHE_URL=args.cache_url,
        TECHLINK_BASE_URL=sandbox.base_url,
        TECHLINK_USERNAME="demo",
        TECHLINK_PASSWORD="demo-password",
        CELERY_TASK_ALWAYS_EAGER="true",
        CELERY_BROKER_URL="memory://",
        EMAIL_URL="consolemail://",
        LOG_LEVEL="WARNING",
        PORTAL_LINK_RATE_LIMIT="100000/m",
    )
    return env


def fresh_database(url: str) -> None:
    """Drop and create the database named in ``url`` (connecting to the server's ``postgres`` database)."""
    import psycopg

    match = re.match(r"postgres(?:ql)?://(?P<server>[^/]+)/(?P<name>\w+)$", url)
    if not match:
        raise SystemExit(f"--database-url must be postgres://user@host:port/name, got {url}")
    with psycopg.connect(f"postgresql://{match['server']}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{match["name"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{match["name"]}"')


def empty_cache(url: str) -> None:
    """Empty the Redis database named in ``url`` (nothing to do for a per-process cache)."""
    if url.startswith("redis://"):
        import redis

        redis.Redis.from_url(url).flushdb()


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


FIXTURES = """
import json
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from portal_ui.accounts.models import User
from portal_ui.mirror.models import WorkOrderRecord
from portal_ui.mirror.services import mirror_sync_reference
from portal_ui.portal_links.services import api_key_create, portal_link_create

mirror_sync_reference()
user = User.objects.filter(username="bench").first() or User.objects.create_user(
    username="bench", password="bench-password-123", role="dispatcher"
)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
workorder = WorkOrderRecord.objects.order_by("-id").first()
key = api_key_create(name="bench", namespaces=["default"], created_by=user)
links = [portal_link_create(workorder=str(workorder.id), link_type="public", created_by=user) for _ in range(30)]
print(json.dumps({
    "session": session.session_key, "key": key.key, "link_id": links[0].link.pk,
    "customer_path": links[0].url.split("://", 1)[1].split("/", 1)[1], "workorder": workorder.id,
    "summary": workorder.summary.split()[0],
}))
"""


def targets(fixtures: dict) -> list[tuple[str, str, dict[str, str]]]:
    """(label, path, headers) for every target; the first one is the reference."""
    staff = {"Cookie": f"sessionid={fixtures['session']}"}
    api = {"X-API-Key": fixtures["key"]}
    return [
        ("static CSS file", "/static/css/app.css", {}),
        ("/login/", "/login/", {}),
        ("API: get a link", f"/api/v1/workorder-portal-links/{fixtures['link_id']}", api),
        (
            "API: list, filtered",
            "/api/v1/workorder-portal-links?is_active=true&link_type=public&per_page=25",
            api,
        ),
        ("customer page (public link)", "/" + fixtures["customer_path"], {}),
        ("staff: home", "/", staff),
        ("staff: work order list", "/workorders/", staff),
        ("staff: site search", f"/sites/?name=*{fixtures['summary'][:3].lower()}*", staff),
        ("staff: work order page", f"/workorders/{fixtures['workorder']}/", staff),
    ]


# -- measuring --------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    """A wrk latency ("812.00us", "1.20s") in milliseconds; NaN when wrk had none (no answer at all)."""
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(match[1]) * _UNITS[match[2]] if match else float("nan")


def wrk(url: str, headers: dict[str, str], *, connections: int, duration: int, threads: int = 2) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        # The latency distribution's lines ("     50%   17.20ms"), not a "+/- Stdev" column ending in "50%".
        "p50": _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)),
        "p99": _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)),
        "errors": errors,
    }


class MemoryWatch:
    """The largest resident size of each worker process of the server while it runs."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.peak: dict[int, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        import psutil

        while not self.stop.wait(0.5):
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            for process in processes:
                try:
                    self.peak[process.pid] = max(self.peak.get(process.pid, 0), process.memory_info().rss)
                except psutil.Error:
                    continue

    def worker_peaks_mb(self) -> list[float]:
        self.stop.set()
        self.thread.join()
        workers = {pid: rss for pid, rss in self.peak.items() if pid != self.root.pid} or self.peak
        return sorted(round(rss / 1024 / 1024, 1) for rss in workers.values())


def serve(command: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    binary, *rest = command.format(port=port).split()
    path = Path(sys.executable).parent / binary
    process = subprocess.Popen(
        [str(path), *rest], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{binary} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            requests.get(base + "/login/", timeout=2)
            return process, base
        except requests.RequestException:
            time.sleep(0.2)  # the server is starting
    raise SystemExit(f"{binary} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def chosen(fixtures: dict, only: str) -> list[tuple[str, str, dict[str, str]]]:
    """The targets whose label contains one of the comma separated words of `only` (all when empty), always
    with the static file and the log-in page, the references."""
    words = [word.strip().lower() for word in only.split(",") if word.strip()]
    every = targets(fixtures)
    return every[:2] + [t for t in every[2:] if not words or any(word in t[0].lower() for word in words)]


def measure(base: str, sandbox: Sandbox, fixtures: dict, args) -> list[Result]:
    results = []
    for label, path, headers in chosen(fixtures, args.only):
        wrk(base + path, headers, connections=args.connections, duration=1)  # warm up
        before = request_total(sandbox.stats())
        figures = wrk(base + path, headers, connections=args.connections, duration=args.duration)
        after = request_total(sandbox.stats())
        calls = after - before if before is not None and after is not None else None
        results.append(
            Result(
                label,
                figures["rps"],
                figures["p50"],
                figures["p99"],
                figures["errors"],
                figures["requests"],
                calls,
            )
        )
    return results


def print_table(server: str, results: list[Result], memory: list[float]) -> None:
    reference = results[0].rps or 1.0
    print(f"\n### {server}\n")
    print("| target | req/s | vs static file | p50 ms | p99 ms | errors | TechLink calls per 100 requests |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        per_100 = (
            f"{100 * r.upstream_calls / r.requests:.1f}"
            if r.upstream_calls is not None and r.requests
            else "?"
        )
        print(
            f"| {r.target} | {r.rps:,.0f} | {r.rps / reference:.2f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
            f"{r.errors} | {per_100} |"
        )
    print(f"\npeak memory per worker: {', '.join(f'{m} MB' for m in memory)}")


def soak(base: str, fixtures: dict, args, watch: MemoryWatch) -> None:
    """A steady run in slices: requests per second, p99 and memory of each slice, to see any drift."""
    mixed = [
        t for t in targets(fixtures) if t[0] in {"/login/", "API: get a link", "customer page (public link)"}
    ]
    print(f"\n### soak: {args.soak} s, {args.connections} connections, {len(mixed)} targets in turn\n")
    print("| minute | target | req/s | p99 ms | largest worker MB |")
    print("|---|---|---|---|---|")
    started, index = time.monotonic(), 0
    while time.monotonic() - started < args.soak:
        label, path, headers = mixed[index % len(mixed)]
        figures = wrk(base + path, headers, connections=args.connections, duration=min(20, args.soak))
        largest = max(watch.peak.values(), default=0) / 1024 / 1024
        minute = (time.monotonic() - started) / 60
        print(f"| {minute:.1f} | {label} | {figures['rps']:,.0f} | {figures['p99']:.1f} | {largest:.1f} |")
        index += 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--workorders", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.15, help="the sandbox's fixed latency, seconds")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument(
        "--servers", default=DEFAULT_SERVER, help=f"comma separated, or 'all': {', '.join(SERVERS)}"
    )
    parser.add_argument(
        "--soak", type=int, default=0, help="seconds of steady load after the table (0: none)"
    )
    parser.add_argument("--conn-max-age", type=int, default=60)
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="reuse the database of an earlier run with the same --sites and --workorders (no new full sync)",
    )
    parser.add_argument(
        "--only", default="", help="comma separated words of the targets to measure, e.g. 'customer,API'"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_load"),
    )
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14"),
        help="Django's cache, as docker/compose.yml gives production (a Redis database emptied first); "
        "'locmemcache://' for one cache per process",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    servers = list(SERVERS) if args.servers == "all" else [s.strip() for s in args.servers.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        tmp_path = Path(tmp)
        with Sandbox(
            tmp_path / "sandbox", sites=args.sites, workorders=args.workorders, latency=args.latency
        ) as sandbox:
            env = environment(args, sandbox)
            empty_cache(args.cache_url)
            if args.keep_database:
                manage(env, "migrate", "--noinput")
            else:
                fresh_database(args.database_url)
                manage(env, "migrate", "--noinput")
                print(f"read model: {manage(env, 'mirror_sync', '--full').strip()}")
            manage(env, "collectstatic", "--noinput")
            fixtures = json.loads(
                manage(env, "shell", "--no-imports", "-c", FIXTURES).strip().splitlines()[-1]
            )
            print(f"sandbox: {args.sites} sites, {args.workorders} work orders, {args.latency * 1000:.0f} ms latency; "
                  f"wrk: {args.connections} connections, {args.duration} s per target; cache: {args.cache_url}")  # fmt: skip
            for server in servers:
                process, base = serve(SERVERS[server], env)
                watch = MemoryWatch(process.pid)
                try:
                    results = measure(base, sandbox, fixtures, args)
                    if args.soak:
                        soak(base, fixtures, args, watch)
                    print_table(server, results, watch.worker_peaks_mb())
                finally:
                    stop(process)


if __name__ == "__main__":
    main()
