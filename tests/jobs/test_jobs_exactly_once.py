"""Exactly once under faults, with a real Celery worker process killed (SIGKILL) and restarted mid-run.

The sandbox loses answers, times out and fails 20% of the calls; 300 queued writes of mixed kinds must all end
done and be applied exactly once upstream. The worker and this test share a database (a SQLite file here, the
pytest-django test database on PostgreSQL when DATABASE_URL is set) and a broker (CELERY_BROKER_URL: Redis in
CI, else the embedded SQLAlchemy broker in a SQLite file under tmp_path).
"""

import io
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
from portal_ui.jobs import outbox, services
from portal_ui.jobs.models import UpstreamWrite
from techlink_sandbox.testing import running_sandbox

REPO = Path(__file__).resolve().parents[2]
READ_TIMEOUT = 0.5
LEASE_SECONDS = 10
QUEUED_GRACE_SECONDS = 30  # longer than a message waits in the broker's queue on a loaded machine
MAX_ATTEMPTS = 12
DEADLINE_SECONDS = 270  # a bound for a stuck run on a loaded machine, not a speed requirement


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


def unfinished() -> list[tuple]:
    fields = (
        "pk",
        "kind",
        "target",
        "status",
        "attempts",
        "in_doubt",
        "error",
        "next_attempt_at",
        "enqueued_at",
    )
    return list(UpstreamWrite.objects.exclude(status="done").order_by("pk").values_list(*fields))


def status_counts() -> Counter:
    return Counter(UpstreamWrite.objects.values_list("status", flat=True))


def queue_mixed_writes(
    user: User, client, *, sites: list[int], workorders: list[int], taskitem: int, run: str
) -> dict:
    """300 writes of all 13 kinds; returns what each should have produced upstream, for counting."""
    expect: dict[str, list] = {key: [] for key in ("notes", "workorders", "tasks", "documents", "required",
                                                   "site_documents", "attributes", "removed_attributes",
                                                   "sites", "updates", "site_updates", "deleted")}  # fmt: skip

    def file(name: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, f"{name} {run}".encode(), content_type="text/plain")

    # Documents to delete, put there before the faults start.
    doomed_site_docs = [
        (
            site,
            client.site_document_upload(site, file=io.BytesIO(b"old"), filename=f"old-{i}.txt").document_id,
        )
        for i, site in enumerate(sites[:5])
    ]
    doomed_wo_docs = [
        (
            wo,
            client.workorder_document_upload(
                wo, file=io.BytesIO(b"old"), filename=f"old-{i}.txt"
            ).document_id,
        )
        for i, wo in enumerate(workorders[:10])
    ]

    for i in range(70):
        wo = workorders[i % len(workorders)]
        # Ten of them come in pairs: the same text twice on one work order, as staff asked twice.
        text = f"Called the customer {i // 2} of run {run}" if i < 10 else f"Note {i} of run {run}"
        wo = workorders[(i // 2) % len(workorders)] if i < 10 else wo
        expect["notes"].append((wo, text))
        services.workorder_note_add(user=user, workorder_id=wo, note=text)
    for i in range(40):
        site, summary = sites[i % len(sites)], f"Install {i} {run}"
        fields = {"site_id": site, "summary": summary}
        if i % 2:
            fields["client_reference"] = f"REF-{run}-{i}"
        services.workorder_create(user=user, fields=fields)
        expect["workorders"].append((site, summary))
    for i in range(35):
        wo, text = workorders[i % len(workorders)], f"Task {i} {run}"
        expect["tasks"].append((wo, text))
        services.workorder_task_add(
            user=user, workorder_id=wo, taskitem_id=taskitem, description=text, rate="12.50"
        )
    for i in range(30):
        wo, name = workorders[i % len(workorders)], f"doc-{i}-{run}.txt"
        description = f"Document {i} {run}" if i % 2 else ""
        expect["documents"].append((wo, name, description))
        services.workorder_document_upload(
            user=user, workorder_id=wo, upload=file(name), description=description
        )
    for i in range(15):
        wo, description = workorders[i % len(workorders)], f"Close-out {i} {run}"
        expect["required"].append((wo, description))
        services.workorder_required_document_upload(
            user=user, workorder_id=wo, upload=file(f"req-{i}.txt"), description=description
        )
    for i in range(20):
        site, description = sites[i % len(sites)], f"Site document {i} {run}"
        expect["site_documents"].append((site, description))
        services.site_document_upload(
            user=user, site_id=site, upload=file(f"site-{i}.txt"), description=description
        )
    for i in range(25):
        site, name = sites[i % len(sites)], f"Attribute {i} {run}"
        services.site_attribute_set(user=user, site_id=site, name=name, value=f"value {i}")
        expect["attributes" if i >= 10 else "removed_attributes"].append((site, name, f"value {i}"))
    for site, name, _value in expect["removed_attributes"]:  # after their set, on the same site
        services.site_attribute_remove(user=user, site_id=site, name=name)
    for i in range(15):
        name = f"Branch {i} {run}"
        fields = {"name": name, "address1": f"{i} Main St", "city": "Columbia", "state": "SC",
                  "zip": "29201", "primary_contact_name": "Pat Doe", "primary_contact_phone": "803-555-0100",
                  "primary_contact_email": "pat@example.com"}  # fmt: skip
        if i % 2:
            fields["site_id"] = f"ST-{run}-{i}"
        services.site_create(user=user, fields=fields)
        expect["sites"].append(name)
    for i in range(15):
        wo, po = workorders[i], f"PO-{run}-{i}"
        expect["updates"].append((wo, po))
        services.workorder_update(user=user, workorder_id=wo, changes={"po": po})
    for i in range(10):
        site, notes = sites[i % len(sites)], f"Gate code {i} {run}"
        services.site_update(user=user, site_id=site, changes={"notes": notes})
        expect["site_updates"].append((site, notes))  # the last one per site is what stays
    for site, document_id in doomed_site_docs:
        services.site_document_delete(user=user, site_id=site, document_id=document_id)
    for wo, document_id in doomed_wo_docs:
        services.workorder_document_delete(user=user, workorder_id=wo, document_id=document_id)
    expect["deleted"] = [("site", *pair) for pair in doomed_site_docs] + [
        ("wo", *pair) for pair in doomed_wo_docs
    ]
    return expect


def assert_applied_exactly_once(client, expect: dict) -> None:
    def exactly(counter: Counter, wanted: Counter, what: str) -> None:
        wrong = {key: (counter[key], times) for key, times in wanted.items() if counter[key] != times}
        assert not wrong, f"{what} not applied as often as asked (found, asked): {wrong}"

    def once(counter: Counter, keys, what: str) -> None:
        exactly(counter, Counter(keys), what)

    by_wo = {wo: client.workorder_notes(wo) for wo in {wo for wo, _ in expect["notes"]}}
    seen = Counter((wo, n.content) for wo, notes in by_wo.items() for n in notes)
    exactly(seen, Counter(expect["notes"]), "notes")  # the pairs twice, the others once

    tasks = {wo: client.workorder_tasks(wo) for wo in {wo for wo, _ in expect["tasks"]}}
    once(Counter((wo, t.description) for wo, ts in tasks.items() for t in ts), expect["tasks"], "tasks")

    docs = {wo: client.workorder_documents(wo) for wo in {wo for wo, _, _ in expect["documents"]}}
    seen = Counter((wo, d.filename, d.description) for wo, ds in docs.items() for d in ds)
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
    left = {(s, a.name) for s, attrs in attributes.items() for a in attrs}
    assert not {(s, name) for s, name, _ in expect["removed_attributes"]} & left, "removed attributes remain"

    created = Counter()
    for site in {site for site, _ in expect["workorders"]}:
        created.update((site, wo.summary) for wo in client.workorders_get(client.workorder_ids(site_id=site)))
    once(created, expect["workorders"], "work orders")

    once(
        Counter(name for name in expect["sites"] for _ in client.site_ids(name=wildcards.escape(name))),
        expect["sites"],
        "sites",
    )

    for wo, po in expect["updates"]:
        assert client.workorder_get(wo).po == po
    final_notes = dict(expect["site_updates"])  # later updates of a site overwrite earlier ones, in order
    for site, notes in final_notes.items():
        assert client.site_get(site).notes == notes

    for owner, parent, document_id in expect["deleted"]:
        listed = client.site_documents(parent) if owner == "site" else client.workorder_documents(parent)
        assert document_id not in {d.document_id for d in listed}, f"document {document_id} not deleted"


@pytest.mark.django_db(transaction=True)
def test_it_applies_every_write_exactly_once_through_faults_and_a_killed_worker(
    shared_database, broker, settings, tmp_path, media_root
):
    settings.JOBS_LEASE_SECONDS = LEASE_SECONDS
    settings.JOBS_QUEUED_GRACE_SECONDS = QUEUED_GRACE_SECONDS
    settings.JOBS_MAX_ATTEMPTS = MAX_ATTEMPTS  # this process re-queues stuck writes by the worker's rules
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
            "JOBS_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            "JOBS_RETRY_BACKOFF_SECONDS": "0.2",
            "JOBS_RETRY_BACKOFF_MAX_SECONDS": "2",
            "JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
        }  # fmt: skip
        worker = Worker(env, tmp_path / "worker.log")
        user = User.objects.create_user("e2e-dispatcher", password="x", role=Role.DISPATCHER)
        expect = queue_mixed_writes(
            user, client, sites=sites, workorders=workorders, taskitem=taskitem, run=run
        )
        assert UpstreamWrite.objects.count() == 300
        # A little latency keeps each send in flight long enough for the kill to land in the middle of some.
        sandbox.configure(
            latency=0.05, error_rate=0.1, timeout_rate=0.05, lost_answer_rate=0.05, hang_seconds=1.0
        )
        try:
            worker.start("first")
            killed, stranded = False, set()
            deadline = time.monotonic() + DEADLINE_SECONDS
            while True:
                counts = status_counts()
                if not killed and counts["done"] >= 75 and counts["running"] >= 1:
                    worker.kill()  # mid-run: some writes are being sent right now
                    killed = True
                    # What the dead worker left mid-send; nobody else can finish these but a new attempt.
                    stranded = set(
                        UpstreamWrite.objects.filter(status="running").values_list("pk", flat=True)
                    )
                    worker.start("second")
                if counts["done"] + counts["failed"] == 300:
                    break
                assert time.monotonic() < deadline, f"not finished in time: {dict(counts)}: {unfinished()}"
                outbox.requeue_stuck()
                time.sleep(0.25)  # polling interval while waiting on the condition above
        finally:
            worker.stop()
            sandbox.configure(latency=0.0, error_rate=0.0, timeout_rate=0.0, lost_answer_rate=0.0)

        assert killed and stranded, "the worker was not killed in the middle of a send"
        # The writes the killed worker was sending were taken up again and ended done.
        again = dict(UpstreamWrite.objects.filter(pk__in=stranded).values_list("pk", "attempts"))
        assert all(attempts >= 2 for attempts in again.values()), again
        failed = list(UpstreamWrite.objects.filter(status="failed").values_list("pk", "kind", "error"))
        assert failed == []
        assert UpstreamWrite.objects.filter(attempts__gt=1).exists()  # the faults did happen
        assert_applied_exactly_once(client, expect)
        reset_techlink_client()
