"""Benchmark of the close-out report and bundle: prints a table of figures.

    .venv/bin/python bench/closeout.py                      # 30 photos of 12 MP, a 200 MB bundle
    .venv/bin/python bench/closeout.py --photos 30 --bundle-mb 200 --latency seed

Seeds a small TechLink sandbox, gives one work order 30 phone-sized photos (4032x3024 JPEG) and another
200 MB of close-out photos and documents (written into the sandbox's store, as the technician's uploads),
starts the sandbox in its own process (TechLink's latency by default), then, each in a process of its own:

* the worker: the close-out report of the first work order, as the Celery task makes it (its wall and CPU
  time, the PDF's size and pages), then the same report asked for again (served from the cache);
* the web: the bundle of the second work order streamed through the Django test client to a file, with the
  process's resident memory sampled every 10 ms (baseline after a warm-up bundle); the ZIP's manifest is then
  checked against the sandbox's bytes.

Targets (the issue): the report in under 10 s of worker time; the web process growing under 30 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import Sandbox, django_env  # noqa: E402 - the read-model bench's sandbox and environment

TARGET_REPORT_S = 10.0
TARGET_GROWTH_MB = 30.0


# -- data ------------------------------------------------------------------------------------------


def phone_photo(seed: int, size: tuple[int, int] = (4032, 3024)) -> bytes:
    """A JPEG the size of a phone camera's, with enough texture to weigh like one (about 3-4 MB)."""
    from PIL import Image, ImageDraw

    noise = Image.effect_noise(size, 40 + seed).convert("RGB")
    base = Image.linear_gradient("L").resize(size).convert("RGB")
    tint = Image.new("RGB", size, ((seed * 70) % 255, (seed * 130) % 255, (seed * 40 + 90) % 255))
    image = Image.blend(Image.blend(base, tint, 0.5), noise, 0.35)
    ImageDraw.Draw(image).rectangle(
        (200, 200, size[0] - 200, size[1] - 200), outline=(255, 255, 255), width=30
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def prepare(data_dir: Path, *, photos: int, bundle_mb: int) -> dict:
    """Seed the sandbox's data dir, then add the close-outs to two work orders through its store."""
    from techlink_sandbox.demo import seed_demo
    from techlink_sandbox.store import Document, Photo, Question, Store

    store = Store(data_dir)
    seed_demo(store, sites=5, workorders=20, random_seed=7)
    report_wo, bundle_wo = sorted(store.workorders)[:2]
    sources = [phone_photo(i) for i in range(3)]
    relative = []
    for i, content in enumerate(sources):
        path = f"uploads/bench-photo-{i}.jpg"
        store.file_path(path).write_bytes(content)
        relative.append((path, len(content)))
    expected: dict[str, str] = {}
    with store.lock:
        wo = store.workorders[report_wo]
        wo.photos, wo.questions = [], []
        for n in range(photos):
            path, size = relative[n % len(relative)]
            pid = store.next_id("photo")
            wo.photos.append(
                Photo(
                    pid,
                    wo.id,
                    f"Bench photo {n + 1}",
                    f"bench_{pid}.jpg",
                    path,
                    "image/jpeg",
                    store.now(),
                    size,
                )
            )
        for n in range(5):
            answer = "No - bench answer" if n == 1 else ("" if n == 4 else "Yes, done.")
            wo.questions.append(
                Question(
                    store.next_id("question"), wo.id, f"Bench question {n + 1}?", answer, n + 1, store.now()
                )
            )
        wo.status_code = 80
        store._save(wo)

        wo = store.workorders[bundle_wo]
        wo.photos, wo.closeout_documents = [], []
        total, n = 0, 0
        doc = os.urandom(10 * 1024 * 1024)  # two 10 MB documents that do not compress
        store.file_path("uploads/bench-doc.bin").write_bytes(doc)
        for k in range(2):
            did = store.next_id("document")
            wo.closeout_documents.append(
                Document(
                    did,
                    "workorder_id",
                    wo.id,
                    f"bench_doc_{k}.pdf",
                    f"Bench document {k}",
                    "uploads/bench-doc.bin",
                    "application/pdf",
                    len(doc),
                )
            )
            expected[f"documents/bench_doc_{k}.pdf"] = hashlib.sha256(doc).hexdigest()
            total += len(doc)
        while total < bundle_mb * 1024 * 1024:
            path, size = relative[n % len(relative)]
            pid = store.next_id("photo")
            wo.photos.append(
                Photo(
                    pid,
                    wo.id,
                    f"Bundle photo {n + 1}",
                    f"bundle_{pid}.jpg",
                    path,
                    "image/jpeg",
                    store.now(),
                    size,
                )
            )
            expected[f"photos/bundle_{pid}.jpg"] = hashlib.sha256(sources[n % len(sources)]).hexdigest()
            total += size
            n += 1
        store._save(wo)
        warmup_wo = sorted(store.workorders)[2]
    store.close()
    return {
        "report_wo": report_wo,
        "bundle_wo": bundle_wo,
        "bundle_bytes": total,
        "expected": expected,
        "warmup_wo": warmup_wo,
        "photo_mb": sum(s for _, s in relative) / len(relative) / 2**20,
    }


# -- children --------------------------------------------------------------------------------------


def _setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def child_report(workorder_id: int) -> None:
    """The worker: the report made by the task (eager), then asked for again."""
    _setup()
    from pypdf import PdfReader

    from portal_ui.dispatch.closeouts import report_services, selectors

    cpu, wall = time.process_time(), time.perf_counter()
    report = report_services.closeout_report_request(workorder_id=workorder_id)  # queues; eager: makes it
    report.refresh_from_db()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    path = selectors.closeout_report_file(report=report)
    again = time.perf_counter()
    cached = report_services.closeout_report_request(workorder_id=workorder_id)
    again = time.perf_counter() - again
    pages = len(PdfReader(str(path)).pages) if path else 0
    print(
        json.dumps(
            {
                "status": report.status,
                "error": report.error,
                "task_seconds": report.seconds,
                "wall": wall,
                "cpu": cpu,
                "size": report.size,
                "pages": pages,
                "photos": report.photo_count,
                "not_shown": report.photos_not_shown,
                "cached_same": cached.pk == report.pk and cached.is_ready,
                "cached_seconds": again,
            }
        )
    )


def child_bundle(bundle_wo: int, warmup_wo: int, out: str) -> None:
    """The web process: stream the bundle through the test client to a file, sampling memory."""
    import psutil

    _setup()
    from django.test import Client
    from django.urls import reverse

    from portal_ui.accounts.models import Role, User

    user = User.objects.create(username="bench", role=Role.VIEWER)
    client = Client()
    client.force_login(user)
    process = psutil.Process()

    def stream(workorder_id: int, sink) -> tuple[int, float]:
        started = time.perf_counter()
        response = client.get(reverse("workorder_closeout_bundle", args=[workorder_id]))
        assert response.status_code == 200 and response.streaming, response.status_code
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            sink.write(chunk)
        response.close()
        return size, time.perf_counter() - started

    with open(os.devnull, "wb") as devnull:
        stream(warmup_wo, devnull)  # imports, connections, templates: warm
    baseline = process.memory_info().rss
    peak, done = baseline, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with open(out, "wb") as sink:
        size, seconds = stream(bundle_wo, sink)
    done.set()
    sampler.join()
    print(json.dumps({"bytes": size, "seconds": seconds, "baseline": baseline, "peak": peak}))


def _child(mode: str, env: dict, *args: str) -> dict:
    command = [sys.executable, __file__, "--child", mode, *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_manifest(path: Path, expected: dict[str, str], workorder_id: int) -> tuple[int, int]:
    import csv
    import zipfile

    root = f"workorder-{workorder_id}-closeout"
    with zipfile.ZipFile(path) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{root}/manifest.csv").decode())))
        good = 0
        for row in rows:
            digest = hashlib.sha256()
            with archive.open(f"{root}/{row['file']}") as member:
                for block in iter(lambda: member.read(1 << 20), b""):
                    digest.update(block)
            good += row["sha256"] == expected[row["file"]] == digest.hexdigest()
    return good, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=30)
    parser.add_argument("--bundle-mb", type=int, default=200)
    parser.add_argument(
        "--latency", default="seed", help="sandbox latency: 'seed' (TechLink's timings) or seconds"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, *rest = args.child
        if mode == "report":
            child_report(int(rest[0]))
        else:
            child_bundle(int(rest[0]), int(rest[1]), rest[2])
        return

    with tempfile.TemporaryDirectory(prefix="bench-closeout-") as tmp:
        tmp_path = Path(tmp)
        data_dir = tmp_path / "sandbox"
        data_dir.mkdir()
        print(
            f"Preparing the sandbox: {args.photos} photos of 4032x3024, a {args.bundle_mb} MB bundle…",
            flush=True,
        )
        plan = prepare(data_dir, photos=args.photos, bundle_mb=args.bundle_mb)
        sandbox = Sandbox(data_dir, sites=0, workorders=0, latency=0.0)  # seeded above: only served here
        serve = [
            sys.executable,
            "-m",
            "techlink_sandbox",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(sandbox.port),
            "--data-dir",
            str(data_dir),
            "--latency",
            str(args.latency),
        ]
        sandbox.log = open(data_dir / "serve.log", "wb")
        sandbox.process = subprocess.Popen(serve, cwd=ROOT, stdout=sandbox.log, stderr=subprocess.STDOUT)
        try:
            sandbox._wait_ready()
            env = django_env(tmp_path / "db.sqlite3", sandbox.base_url, 8)
            env.update(MEDIA_ROOT=str(tmp_path / "media"), DJANGO_ENV_FILE=str(tmp_path / "no.env"))
            print("Making the report (worker process)…", flush=True)
            report = _child("report", env, str(plan["report_wo"]))
            print("Streaming the bundle (web process)…", flush=True)
            zip_path = tmp_path / "bundle.zip"
            bundle = _child("bundle", env, str(plan["bundle_wo"]), str(plan["warmup_wo"]), str(zip_path))
            good, rows = check_manifest(zip_path, plan["expected"], plan["bundle_wo"])
        finally:
            sandbox.__exit__(None, None, None)

    growth = (bundle["peak"] - bundle["baseline"]) / 2**20
    mb = bundle["bytes"] / 2**20
    lines = [
        ("sandbox latency", f"{args.latency}"),
        (
            "report: photos",
            f"{report['photos']} of {plan['photo_mb']:.1f} MB each (4032x3024), {report['not_shown']} not shown",
        ),
        (
            "report: worker time (task)",
            f"{report['task_seconds']:.2f} s wall, {report['cpu']:.2f} s CPU (target < {TARGET_REPORT_S:.0f} s)",
        ),
        ("report: PDF", f"{report['pages']} pages, {report['size'] / 2**20:.1f} MB"),
        (
            "report: asked again",
            f"{report['cached_seconds'] * 1000:.0f} ms, served from the cache: {report['cached_same']}",
        ),
        ("bundle: streamed", f"{mb:.1f} MB in {bundle['seconds']:.1f} s ({mb / bundle['seconds']:.0f} MB/s)"),
        (
            "bundle: web process memory",
            f"{bundle['baseline'] / 2**20:.0f} MB before, peak {bundle['peak'] / 2**20:.0f} MB: grew {growth:.1f} MB (target < {TARGET_GROWTH_MB:.0f} MB)",
        ),
        ("bundle: manifest", f"{good} of {rows} files' SHA-256 match the sandbox's bytes"),
    ]
    width = max(len(name) for name, _ in lines)
    print()
    print(f"| {'what'.ljust(width)} | result |")
    print(f"| {'-' * width} | --- |")
    for name, value in lines:
        print(f"| {name.ljust(width)} | {value} |")
    ok = report["status"] == "done" and report["task_seconds"] < TARGET_REPORT_S and growth < TARGET_GROWTH_MB
    ok = ok and good == rows
    print("\nAll targets met." if ok else "\nSome target was missed.")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
