"""Exactly once under faults, with a real Celery worker process killed (SIGKILL) and restarted mid-run.

The sandbox loses answers, times out and fails 20% of the calls; 300 queued writes of mixed kinds must all end
done and be applied exactly once upstream. The worker and this test share a database (a SQLite file here, the
pytest-django test database on PostgreSQL when DATABASE_URL is set) and a broker (CELERY_BROKER_URL: Redis in
CI, else the embedded SQLAlchemy broker in a SQLite file under tmp_path).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections

from portal_ui.accounts.models import Role, User
from portal_ui.core.upstream import reset_techlink_client, techlink_client
from portal_ui.integrations.techlink import wildcards
from portal_ui.jobs import services
from portal_ui.jobs.models import UpstreamWrite
from techlink_sandbox.testing import running_sandbox

REPO = Path(__file__).resolve().parents[2]
READ_TIMEOUT = 0.5
LEASE_SECONDS = 10
QUEUED_GRACE_SECONDS = 12
DEADLINE_SECONDS = 300  # a bound for a stuck run on a loaded machine, not a speed requirement


@pytest.fixture
def shared_database(request, tmp_path, django_db_blocker):
    """A database the worker process can open too; yields its DATABASE_URL."""
    if connections["default"].vendor == "postgresql":
        # The pytest-django test database ("test_" + NAME); the test is transactional so the worker sees rows.
        s = connections["default"].settings_dict
        yield (
            f"postgres://{quote(s['USER'] or '')}:{quote(str(s['PASSWORD'] or ''))}@{s['HOST'] or 'localhost'}"
            f":{s['PORT'] or 5432}/{s['NAME']}"
        )
        return
    from django.contrib.contenttypes.models import ContentType

    path = tmp_path / "shared.sqlite3"
    with django_db_blocker.unblock():
        original = connections["default"]
        options = {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
        shared = original.__class__(
            {**original.settings_dict, "NAME": str(path), "OPTIONS": options}, "default"
        )
        connections["default"] = shared
        try:
            call_command("migrate", verbosity=0, interactive=False)
            yield f"sqlite:///{path}"
        finally:
            shared.close()
            connections["default"] = original
            ContentType.objects.clear_cache()


class Worker:
    """``celery -A portal_ui worker`` in its own process group, so SIGKILL takes its pool children too."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.process = env, log, None

    def start(self, name: str) -> None:
        command = [sys.executable, "-m", "celery", "-A", "portal_ui", "worker", "--loglevel", "WARNING",
                   "--concurrency", "4", "--pool", "prefork", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "--hostname", f"{name}@%h"]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def status_counts() -> Counter:
    return Counter(UpstreamWrite.objects.values_list("status", flat=True))


def queue_mixed_writes(
    user: User, *, sites: list[int], workorders: list[int], taskitem: int, run: str
) -> dict:
    """300 writes of every kind; returns what each should have produced upstream, for counting."""
    expect: dict[str, list] = {key: [] for key in ("notes", "workorders", "tasks", "documents", "required",
                                                   "site_documents", "attributes", "sites", "updates")}  # fmt: skip

    def file(name: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, f"{name} {run}".encode(), content_type="text/plain")

    for i in range(70):
        wo, text = workorders[i % len(workorders)], f"Note {i} of run {run}"
        expect["notes"].append((wo, text))
        services.workorder_note_add(user=user, workorder_id=wo, note=text)
    for i in range(50):
        site, summary = sites[i % len(sites)], f"Install {i} {run}"
        fields = {"site_id": site, "summary": summary}
        if i % 2:
            fields["client_reference"] = f"REF-{run}-{i}"
        write = services.workorder_create(user=user, fields=fields)
        expect["workorders"].append((site, write.pk))
    for i in range(40):
        wo, text = workorders[i % len(workorders)], f"Task {i} {run}"
        expect["tasks"].append((wo, text))
        services.workorder_task_add(
            user=user, workorder_id=wo, taskitem_id=taskitem, description=text, rate="12.50"
        )
    for i in range(40):
        wo, name = workorders[i % len(workorders)], f"doc-{i}-{run}.txt"
        description = f"Document {i} {run}" if i % 2 else ""
        expect["documents"].append((wo, description or name))
        services.workorder_document_upload(
            user=user, workorder_id=wo, upload=file(name), description=description
        )
    for i in range(20):
        wo, description = workorders[i % len(workorders)], f"Close-out {i} {run}"
        expect["required"].append((wo, description))
        services.workorder_required_document_upload(
            user=user, workorder_id=wo, upload=file(f"req-{i}.txt"), description=description
        )
    for i in range(25):
        site, description = sites[i % len(sites)], f"Site document {i} {run}"
        expect["site_documents"].append((site, description))
        services.site_document_upload(
            user=user, site_id=site, upload=file(f"site-{i}.txt"), description=description
        )
    for i in range(25):
        site, name = sites[i % len(sites)], f"Attribute {i} {run}"
        expect["attributes"].append((site, name, f"value {i}"))
        services.site_attribute_set(user=user, site_id=site, name=name, value=f"value {i}")
    for i in range(15):
        fields = {"name": f"Branch {i} {run}", "address1": f"{i} Main St", "city": "Columbia", "state": "SC",
                  "zip": "29201", "primary_contact_name": "Pat Doe", "primary_contact_phone": "803-555-0100",
                  "primary_contact_email": "pat@example.com"}  # fmt: skip
        if i % 2:
            fields["site_id"] = f"ST-{run}-{i}"
        expect["sites"].append(services.site_create(user=user, fields=fields).pk)
    for i in range(15):
        wo, po = workorders[i], f"PO-{run}-{i}"
        expect["updates"].append((wo, po))
        services.workorder_update(user=user, workorder_id=wo, changes={"po": po})
    return expect


def assert_applied_exactly_once(client, expect: dict) -> None:
    def once(counter: Counter, keys, what: str) -> None:
        wrong = {key: counter[key] for key in keys if counter[key] != 1}
        assert not wrong, f"{what} not applied exactly once: {wrong}"

    by_wo = {wo: client.workorder_notes(wo) for wo in {wo for wo, _ in expect["notes"]}}
    once(Counter((wo, n.content) for wo, notes in by_wo.items() for n in notes), expect["notes"], "notes")

    tasks = {wo: client.workorder_tasks(wo) for wo in {wo for wo, _ in expect["tasks"]}}
    once(Counter((wo, t.description) for wo, ts in tasks.items() for t in ts), expect["tasks"], "tasks")

    docs = {wo: client.workorder_documents(wo) for wo in {wo for wo, _ in expect["documents"]}}
    seen = Counter((wo, d.description or d.filename) for wo, ds in docs.items() for d in ds)
    once(seen, expect["documents"], "work order documents")

    required = {wo: client.workorder_required_documents(wo) for wo in {wo for wo, _ in expect["required"]}}
    once(
        Counter((wo, d.description) for wo, ds in required.items() for d in ds),
        expect["required"],
        "close-out",
    )

    site_docs = {s: client.site_documents(s) for s in {s for s, _ in expect["site_documents"]}}
    seen = Counter((s, d.description) for s, ds in site_docs.items() for d in ds)
    once(seen, expect["site_documents"], "site documents")

    attributes = {s: client.site_attributes(s) for s in {s for s, _, _ in expect["attributes"]}}
    seen = Counter((s, a.name, a.value) for s, attrs in attributes.items() for a in attrs)
    once(seen, expect["attributes"], "site attributes")

    references = Counter()
    for site in {site for site, _ in expect["workorders"]}:
        references.update(
            (site, wo.client_reference) for wo in client.workorders_get(client.workorder_ids(site_id=site))
        )
    writes = UpstreamWrite.objects.in_bulk([pk for _, pk in expect["workorders"]])
    once(references, [(site, writes[pk].marker) for site, pk in expect["workorders"]], "work orders")

    for pk in expect["sites"]:
        marker = UpstreamWrite.objects.get(pk=pk).marker
        assert len(client.site_ids(site_id=wildcards.escape(marker))) == 1, f"site {marker} not created once"

    for wo, po in expect["updates"]:
        assert client.workorder_get(wo).po == po


@pytest.mark.django_db(transaction=True)
def test_it_applies_every_write_exactly_once_through_faults_and_a_killed_worker(
    shared_database, broker, settings, tmp_path, media_root
):
    settings.JOBS_LEASE_SECONDS = LEASE_SECONDS
    settings.JOBS_QUEUED_GRACE_SECONDS = QUEUED_GRACE_SECONDS
    run = uuid.uuid4().hex[:6]
    with running_sandbox(tmp_path / "sandbox", sites=6, workorders=24) as sandbox:
        settings.TECHLINK_BASE_URL = sandbox.base_url
        settings.TECHLINK_USERNAME = sandbox.username
        settings.TECHLINK_PASSWORD = sandbox.password
        reset_techlink_client()
        client = techlink_client()
        sites, workorders = client.site_ids(), client.workorder_ids()
        taskitem = client.task_items()[0].taskitem_id

        env = {
            **os.environ, **broker,
            "DJANGO_SETTINGS_MODULE": "jobs_worker_settings",
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(REPO)]),
            "DATABASE_URL": shared_database,
            "MEDIA_ROOT": str(media_root),
            "TECHLINK_BASE_URL": sandbox.base_url,
            "TECHLINK_USERNAME": sandbox.username,
            "TECHLINK_PASSWORD": sandbox.password,
            "TECHLINK_READ_TIMEOUT": str(READ_TIMEOUT),
            "TECHLINK_MAX_RETRIES": "1",
            "JOBS_MAX_ATTEMPTS": "12",
            "JOBS_RETRY_BACKOFF_SECONDS": "0.2",
            "JOBS_RETRY_BACKOFF_MAX_SECONDS": "2",
            "JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
        }  # fmt: skip
        worker = Worker(env, tmp_path / "worker.log")
        sandbox.configure(error_rate=0.1, timeout_rate=0.05, lost_answer_rate=0.05, hang_seconds=1.0)
        try:
            worker.start("first")
            user = User.objects.create_user("e2e-dispatcher", password="x", role=Role.DISPATCHER)
            expect = queue_mixed_writes(user, sites=sites, workorders=workorders, taskitem=taskitem, run=run)
            assert UpstreamWrite.objects.count() == 300

            killed, requeued = False, 0
            deadline = time.monotonic() + DEADLINE_SECONDS
            while True:
                counts = status_counts()
                if not killed and counts["done"] >= 75 and counts["running"] >= 1:
                    worker.kill()  # mid-run: some writes are being sent right now
                    killed = True
                    worker.start("second")
                if counts["done"] + counts["failed"] == 300:
                    break
                assert time.monotonic() < deadline, f"not finished in time: {dict(counts)}; see {worker.log}"
                requeued += services.upstream_write_requeue_stuck()
                time.sleep(0.25)  # polling interval while waiting on the condition above
        finally:
            worker.stop()
            sandbox.configure(error_rate=0.0, timeout_rate=0.0, lost_answer_rate=0.0)

        assert killed and requeued  # the killed worker's writes were picked up again
        failed = list(UpstreamWrite.objects.filter(status="failed").values_list("pk", "kind", "error"))
        assert failed == []
        assert UpstreamWrite.objects.filter(attempts__gt=1).exists()  # the faults did happen
        assert_applied_exactly_once(client, expect)
        reset_techlink_client()
