"""Schedule board, map, search and CSV export at size: prints figures (not a timed test).

    .venv/bin/python bench/board.py                              # 5,000 sites, 20,000 work orders
    .venv/bin/python bench/board.py --sites 500 --workorders 2000 --runs 20

Fills a fresh SQLite read model (in a temporary folder; or ``--database-url``) with generated sites and work
orders (a quarter unscheduled, a week of installs spread over 60 installers, coordinates on most sites), then
times the pages through Django's test client as a logged-in viewer: the board's week view, the map's data,
find-anything searches and the work order list, each p50 / p95 over ``--runs`` requests with the number of
SQL queries per page; then streams the CSV export of every work order and reports its peak memory growth
(tracemalloc) and time.

"cold" is the first request after the sync stored a change (a work order's ``synced_at`` moves before each
request, so the read model's version is new and the board's and the map's caches miss); "empty cache" clears
every cache (the shared one and the process's fragments) before each request (the reference lists and the
freshness line are then read again too).
Each figure is printed with its ratio to a reference measured in the same run (the log-in page, before and
after the others), so runs on a busy machine compare.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database_url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal_ui.settings.test",
        DATABASE_URL=database_url,
        DJANGO_ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


CITIES = [
    ("Miami", "FL", "America/New_York", 25.76, -80.19),
    ("Denver", "CO", "America/Denver", 39.74, -104.99),
    ("Portland", "OR", "America/Los_Angeles", 45.52, -122.68),
    ("Chicago", "IL", "America/Chicago", 41.88, -87.63),
    ("Boston", "MA", "America/New_York", 42.36, -71.06),
    ("Austin", "TX", "America/Chicago", 30.27, -97.74),
]
WORDS = [
    "Switch",
    "Router",
    "Camera",
    "POS",
    "Kiosk",
    "Cabling",
    "Survey",
    "Firewall",
    "Access point",
    "Sensor",
]


def fill(sites: int, workorders: int) -> None:
    from django.utils import timezone

    from portal_ui.mirror.models import SiteRecord, WorkOrderRecord

    rng = random.Random(7)
    now = timezone.now()
    site_rows = []
    for i in range(1, sites + 1):
        city, state, zone, lat, lng = CITIES[i % len(CITIES)]
        placed = i % 20 != 0
        site = SiteRecord(
            id=40_000 + i, name=f"{rng.choice(['Acme', 'Cascade', 'Harbor', 'Summit'])} {city} {i}",
            siteid=f"ST-{i:05d}", street=f"{i} Main Street", city=city, state=state, stateabbr=state,
            zip=f"{10000 + i}", timezone=zone, synced_at=now,
            latitude=Decimal(f"{lat + rng.uniform(-0.5, 0.5):.6f}") if placed else None,
            longitude=Decimal(f"{lng + rng.uniform(-0.5, 0.5):.6f}") if placed else None,
        )  # fmt: skip
        site.fill_folded()
        site_rows.append(site)
    SiteRecord.objects.bulk_create(site_rows, batch_size=1000)
    today = timezone.localdate()
    wo_rows = []
    for i in range(1, workorders + 1):
        site = site_rows[rng.randrange(sites)]
        scheduled = rng.random() > 0.25
        status = rng.choice([10, 30, 40, 50, 60, 60, 60, 70, 80, 90])
        values = {}
        if scheduled:
            local = datetime.combine(today + timedelta(days=rng.randint(-120, 60)), datetime.min.time())
            local = local.replace(hour=rng.randint(7, 17))
            values = {
                "scheduled_date": local.strftime("%Y-%m-%d %H:%M:%S"),
                "install_date": local.date(),
                "scheduled_at": local.replace(tzinfo=ZoneInfo(site.timezone)),
                "installer_name": f"Installer {rng.randint(1, 60)}",
                "planned_tech_name": f"Tech {rng.randint(1, 80)}",
                "is_assigned": True,
            }
        elif rng.random() < 0.3:
            values["requested_time"] = f"{today + timedelta(days=rng.randint(1, 30))} morning"
        wo = WorkOrderRecord(
            id=100_000 + i, status=str(status), status_code=status, type="Work Order", site_id=site.id,
            site_name=site.name, site_city=site.city, site_state=site.state, site_stateabbr=site.stateabbr,
            site_timezone=site.timezone, project_id=rng.randint(1, 8), po=f"PO-{40000 + i}",
            client_reference=f"REF-{i}", summary=f"{rng.choice(WORDS)} install {i}",
            description=f"{rng.choice(WORDS)} work at {site.name}", synced_at=now, created_date=now,
            last_modified=now, **values,
        )  # fmt: skip
        wo.fill_folded()
        wo_rows.append(wo)
    WorkOrderRecord.objects.bulk_create(wo_rows, batch_size=1000)
    # Table statistics for the query planner, as PostgreSQL's autovacuum gathers after a bulk load (SQLite
    # keeps none until asked, and then plans the map's per-site counts without its covering index).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(client, url: str, params: dict, runs: int, *, cold: str = "") -> tuple[float, float, int, int]:
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from portal_ui.mirror.models import WorkOrderRecord

    client.get(url, params)  # warm up
    touched = WorkOrderRecord.objects.order_by("id").values_list("id", flat=True).first()
    times = []
    for _ in range(runs):
        if cold == "sync":  # the sync stores a change: a new read model version
            WorkOrderRecord.objects.filter(pk=touched).update(synced_at=timezone.now())
        elif cold == "empty":
            for alias in ("default", "fragments"):
                caches[alias].clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
    assert response.status_code in (200, 302), (url, response.status_code, response.content[:300])
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return statistics.median(times), p95, len(queries), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--workorders", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-board-"))
    setup(args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}")

    from django.test import Client
    from django.utils import timezone

    from portal_ui.accounts.models import Role, User

    started = time.perf_counter()
    fill(args.sites, args.workorders)
    print(
        f"filled {args.sites:,} sites and {args.workorders:,} work orders in {time.perf_counter() - started:.1f} s"
    )
    user = User.objects.create(username="bench-viewer", role=Role.VIEWER)
    client = Client()
    client.force_login(user)
    week = timezone.localdate().isoformat()
    pages = [
        (
            "/schedule/ week view, cold (after a sync change)",
            "/schedule/",
            {"date": week, "view": "week"},
            "sync",
        ),
        ("/schedule/ week view, empty cache", "/schedule/", {"date": week, "view": "week"}, "empty"),
        ("/map/data.json, cold (after a sync change)", "/map/data.json", {}, "sync"),
        ("/map/data.json, empty cache", "/map/data.json", {}, "empty"),
        ("/schedule/ week view", "/schedule/", {"date": week, "view": "week"}),
        ("/schedule/ week, planned tech lanes", "/schedule/", {"date": week, "lane": "planned"}),
        ("/map/data.json (open work orders)", "/map/data.json", {}),
        ("/map/data.json?when=all", "/map/data.json", {"when": "all"}),
        ("/map/ page", "/map/", {}),
        ("/search/?q=cascade (contains)", "/search/", {"q": "cascade"}),
        ("/search/?q=PO-40301", "/search/", {"q": "PO-40301"}),
        ("/search/?q=switch* (wildcard)", "/search/", {"q": "switch*"}),
        ("/search/?q=102951 (number jump)", "/search/", {"q": str(100_000 + args.workorders // 2)}),
    ]
    anonymous = Client()
    before = timed(anonymous, "/login/", {}, args.runs)
    results = [
        (label, timed(client, url, params, args.runs, cold=cold[0] if cold else ""))
        for label, url, params, *cold in pages
    ]
    after = timed(anonymous, "/login/", {}, args.runs)
    ref50, ref95 = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
    print(f"\n| page ({args.runs} runs) | p50 ms (x reference) | p95 ms (x reference) | SQL queries |")
    print("| --- | --- | --- | --- |")
    print(
        f"| reference: /login/ (before / after) | {ref50:.1f} ({before[0]:.1f} / {after[0]:.1f}) "
        f"| {ref95:.1f} ({before[1]:.1f} / {after[1]:.1f}) | {before[2]} |"
    )
    for label, (p50, p95, queries, _) in results:
        print(f"| {label} | {p50:.1f} ({p50 / ref50:.1f}x) | {p95:.1f} ({p95 / ref95:.1f}x) | {queries} |")

    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    response = client.get("/workorders/export.csv")
    rows = size = 0
    for chunk in response.streaming_content:
        rows += 1
        size += len(chunk)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\nCSV export: {rows - 2:,} rows, {size / 1e6:.1f} MB in {elapsed:.2f} s, "
        f"peak memory growth {(peak - base) / 1e6:.1f} MB (tracemalloc)"
    )


if __name__ == "__main__":
    main()
