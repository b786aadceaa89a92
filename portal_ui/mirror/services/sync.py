"""The sync cycles that keep the read model in step with TechLink.

* ``mirror_sync_new``: list work order and site ids, fetch the details of ids not seen yet, newest first.
* ``mirror_sync_open``: new ids, then status changes and removals (one id list per status instead of one
  call per work order), then a budget of open work orders, least recently synced first (every 2 minutes).
* ``mirror_sync_full``: refresh everything, and remove records that no longer exist upstream (hourly).
* ``mirror_sync_reference``: projects, task items and client users (every few minutes; three calls).

Work orders are fetched with ``include_site`` so every call also brings the current state of its site;
only sites no work order points at are fetched on their own. Details are fetched concurrently with at
most ``TECHLINK_MAX_WORKERS`` calls in flight, and written in batches with bulk upserts.
Each cycle takes its own lease (``SyncLease``), so two runs of one cycle never overlap (from any process)
while the quick cycles keep running during a long full sync. A lease lasts a few minutes and the running
sync renews it as it makes progress, so a worker killed mid-run holds that cycle up only briefly.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal_ui.core.upstream import techlink_client
from portal_ui.integrations.techlink import errors, types

from ..generation import read_model_moved
from ..models import SiteRecord, SyncLease, SyncState, WorkOrderRecord
from ..rows import store_sites, store_workorders
from .records import mirror_reference_store

logger = logging.getLogger(__name__)

BATCH_SIZE = 400
# How long each cycle's lease lasts without a renewal: a few times its period (the full sync, hourly, is
# renewed as it goes), and longer than the slowest single upstream call with its retries.
LEASE_SECONDS = {"new": 180, "open": 300, "full": 600, "reference": 180}


@dataclass
class SyncReport:
    kind: str
    sites_upserted: int = 0
    workorders_upserted: int = 0
    sites_deleted: int = 0
    workorders_deleted: int = 0
    upstream_calls: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False
    reference_stored: int = 0

    def __str__(self) -> str:
        if self.skipped:
            return f"{self.kind}: skipped, another sync is running"
        if self.kind == "reference":
            return (
                f"reference: {self.reference_stored} projects, task items and client users stored, "
                f"{self.upstream_calls} upstream calls, {len(self.failures)} failures, {self.seconds:.1f} s"
            )
        return (
            f"{self.kind}: {self.workorders_upserted} work orders and {self.sites_upserted} sites stored, "
            f"{self.workorders_deleted} work orders and {self.sites_deleted} sites removed, "
            f"{self.upstream_calls} upstream calls, {len(self.failures)} failures, {self.seconds:.1f} s"
        )


# -- leases ---------------------------------------------------------------------------------------


class LeaseLost(Exception):
    """The running sync's lease ran out and another run of the same cycle took it over."""


class _Lease:
    """One run's hold on its cycle's ``SyncLease`` row (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.owner = uuid.uuid4().hex
        self.seconds = LEASE_SECONDS[name]
        self._renewed = 0.0

    def acquire(self) -> bool:
        try:
            with transaction.atomic():
                SyncLease.objects.get_or_create(name=self.name)
        except IntegrityError:  # another process created it at the same moment
            pass
        now = timezone.now()
        taken = (
            SyncLease.objects.filter(name=self.name)
            .filter(Q(until__isnull=True) | Q(until__lt=now))
            .update(owner=self.owner, until=now + timedelta(seconds=self.seconds))
        )
        read_model_moved()  # pages say a sync is running
        self._renewed = time.monotonic()
        return taken == 1

    def beat(self) -> None:
        """Renew the lease when a quarter of it has passed; raises ``LeaseLost`` if another run took it."""
        if time.monotonic() - self._renewed < self.seconds / 4:
            return
        kept = SyncLease.objects.filter(name=self.name, owner=self.owner).update(
            until=timezone.now() + timedelta(seconds=self.seconds)
        )
        self._renewed = time.monotonic()
        read_model_moved()
        if not kept:
            raise LeaseLost(f"the {self.name} sync's lease was taken over by another run")

    def release(self) -> None:
        SyncLease.objects.filter(name=self.name, owner=self.owner).update(until=None, owner="")
        read_model_moved()


_current_lease: ContextVar[_Lease | None] = ContextVar("mirror_sync_lease", default=None)


def _heartbeat() -> None:
    """Called as a sync makes progress (each upstream answer): keeps the running cycle's lease alive."""
    lease = _current_lease.get()
    if lease is not None:
        lease.beat()


def _run_cycle(kind: str, body: Callable[[SyncReport], None]) -> SyncReport:
    """Run one cycle under its lease; skipped when another run of the same cycle holds it."""
    report, started = SyncReport(kind=kind), time.monotonic()
    lease = _Lease(kind)
    if not lease.acquire():
        report.skipped = True
        return report
    SyncState.get()  # the row each cycle records its progress on
    token = _current_lease.set(lease)
    try:
        body(report)
    except errors.TechLinkError as exc:
        report.failures.append(f"Listing ids failed: {exc}")
    except LeaseLost as exc:
        report.failures.append(f"Stopped: {exc}")
    finally:
        _current_lease.reset(token)
        lease.release()
    return _finish(report, started)


def _record_error(message: str) -> None:
    logger.warning("Read model sync: %s", message)
    SyncState.objects.filter(pk=1).update(last_error=message[:2000], last_error_at=timezone.now())
    read_model_moved()


def _update_counts(**fields: object) -> None:
    SyncState.objects.filter(pk=1).update(
        site_count=SiteRecord.objects.count(), workorder_count=WorkOrderRecord.objects.count(), **fields
    )
    read_model_moved()


# -- fetching in batches --------------------------------------------------------------------------


def _max_workers() -> int:
    return max(1, min(techlink_client().max_workers, settings.TECHLINK_MAX_WORKERS))


def _fetch_stream[T](
    fetch: Callable[[int], T], ids: Sequence[int]
) -> Iterator[list[tuple[int, T | Exception]]]:
    """Fetch ``ids`` with at most ``TECHLINK_MAX_WORKERS`` calls in flight; yields results in batches, in order.

    Calls keep running while the caller stores a batch (a bounded window of calls is queued ahead),
    so writing to the database does not leave upstream capacity unused.
    """
    workers = _max_workers()
    window = workers * 4

    def call(item: int) -> T | Exception:
        try:
            return fetch(item)
        except Exception as exc:  # noqa: BLE001 - handed back per record
            return exc

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mirror-sync") as pool:
        pending: deque[tuple[int, Future]] = deque()
        batch: list[tuple[int, T | Exception]] = []
        for item in ids:
            pending.append((item, pool.submit(call, item)))
            if len(pending) >= window:
                done_item, future = pending.popleft()
                batch.append((done_item, future.result()))
                _heartbeat()
                if len(batch) >= BATCH_SIZE:
                    yield batch
                    batch = []
        while pending:
            done_item, future = pending.popleft()
            batch.append((done_item, future.result()))
            _heartbeat()
        if batch:
            yield batch


def _sorted_out[T](
    batch: list[tuple[int, T | Exception]], what: str, report: SyncReport
) -> tuple[list[T], list[int]]:
    """A batch's answers: the objects found, and the ids TechLink no longer has; failures are reported."""
    report.upstream_calls += len(batch)
    found, gone = [], []
    for object_id, result in batch:
        if isinstance(result, errors.TechLinkNotFound):
            gone.append(object_id)
        elif isinstance(result, Exception):
            report.failures.append(f"{what} #{object_id}: {result}")
        else:
            found.append(result)
    return found, gone


def _fetch_workorders(ids: Sequence[int], report: SyncReport) -> set[int]:
    """Fetch and store work orders (with their sites) in batches; returns the site ids that came along."""
    client = techlink_client()
    seen_sites: set[int] = set()
    stored_sites: set[int] = set()
    for batch in _fetch_stream(lambda wo_id: client.workorder_get(wo_id, include_site=True), ids):
        found, gone = _sorted_out(batch, "Work order", report)
        seen_sites.update(wo.site.id for wo in found if wo.site is not None)
        store_workorders(found, stored_sites=stored_sites)
        _heartbeat()
        if gone:
            WorkOrderRecord.objects.filter(pk__in=gone).delete()
            read_model_moved()
        report.workorders_upserted += len(found)
        report.workorders_deleted += len(gone)
    return seen_sites


def _fetch_sites(ids: Sequence[int], report: SyncReport) -> None:
    client = techlink_client()
    for batch in _fetch_stream(client.site_get, ids):
        found, gone = _sorted_out(batch, "Site", report)
        store_sites(found)
        _heartbeat()
        if gone:
            SiteRecord.objects.filter(pk__in=gone).delete()
            read_model_moved()
        report.sites_upserted += len(found)
        report.sites_deleted += len(gone)


def _finish(report: SyncReport, started: float) -> SyncReport:
    report.seconds = time.monotonic() - started
    if report.failures:
        more = f" (and {len(report.failures) - 1} more)" if len(report.failures) > 1 else ""
        _record_error(f"{report.failures[0]}{more}")
    elif not report.skipped:
        # A clean run of any cycle means the last problem is over; staff should not keep seeing it.
        SyncState.objects.filter(pk=1).update(last_error="")
        read_model_moved()
    logger.info("Read model sync %s", report)
    return report


def _delete_missing(
    model: type[SiteRecord | WorkOrderRecord], upstream_ids: set[int], *, before: datetime
) -> int:
    gone = [
        i
        for i in model.objects.filter(synced_at__lt=before).values_list("id", flat=True)
        if i not in upstream_ids
    ]
    for start in range(0, len(gone), 500):
        model.objects.filter(pk__in=gone[start : start + 500]).delete()
    if gone:
        read_model_moved()
    return len(gone)


# -- the cycles -----------------------------------------------------------------------------------


def _sync_new(report: SyncReport) -> None:
    client = techlink_client()
    upstream_wo_ids = client.workorder_ids()
    report.upstream_calls += 1
    local_wo_ids = set(WorkOrderRecord.objects.values_list("id", flat=True))
    new_wo_ids = sorted((i for i in upstream_wo_ids if i not in local_wo_ids), reverse=True)
    seen_sites = _fetch_workorders(new_wo_ids, report)

    upstream_site_ids = client.site_ids()
    report.upstream_calls += 1
    local_site_ids = set(SiteRecord.objects.values_list("id", flat=True)) | seen_sites
    _fetch_sites(sorted((i for i in upstream_site_ids if i not in local_site_ids), reverse=True), report)


def mirror_sync_new() -> SyncReport:
    """Fetch work orders and sites that are not in the read model yet, newest first."""

    def body(report: SyncReport) -> None:
        _sync_new(report)
        _update_counts(new_scan_at=timezone.now())

    return _run_cycle("new", body)


def _status_changes(report: SyncReport) -> list[int]:
    """Ids to refetch, found with one id-list call per status instead of one call per work order.

    That is work orders whose upstream status differs from the local one, and local ones no status
    list mentions (deleted upstream, or moved to a status not seen before): refetching tells which.
    """
    client = techlink_client()
    local = dict(WorkOrderRecord.objects.values_list("id", "status_code"))
    codes = sorted(set(types.WORKORDER_STATUSES) | {c for c in local.values() if c is not None})
    changed: list[int] = []
    listed: set[int] = set()
    for code in codes:
        ids = client.workorder_ids(status_code=code)
        _heartbeat()
        report.upstream_calls += 1
        listed.update(ids)
        changed.extend(i for i in ids if i in local and local[i] != code)
    changed.extend(i for i in local if i not in listed)
    return sorted(changed, reverse=True)


def mirror_sync_open(*, budget: int | None = None) -> SyncReport:
    """Pick up new records and status changes, then refresh open work orders, least recently synced first.

    At most ``budget`` (default ``MIRROR_OPEN_REFRESH_BUDGET``) open work orders are refreshed per run, so a
    run stays short however many are open; the next runs carry on where this one stopped.
    """
    if budget is None:
        budget = settings.MIRROR_OPEN_REFRESH_BUDGET

    def body(report: SyncReport) -> None:
        _sync_new(report)
        now = timezone.now()
        SyncState.objects.filter(pk=1).update(new_scan_at=now)
        read_model_moved()
        changed = _status_changes(report)
        _fetch_workorders(changed, report)
        stale_ids = list(
            WorkOrderRecord.objects.filter(status_code__in=types.OPEN_STATUS_CODES, synced_at__lt=now)
            .order_by("synced_at", "-id")
            .values_list("id", flat=True)[: max(budget - len(changed), 0)]
        )
        _fetch_workorders(stale_ids, report)
        _update_counts(open_refresh_at=now)

    return _run_cycle("open", body)


def mirror_sync_full() -> SyncReport:
    """Refresh every work order and site, newest first, and remove what upstream no longer has."""

    def body(report: SyncReport) -> None:
        started, started_at = time.monotonic(), timezone.now()
        SyncState.objects.filter(pk=1).update(full_sync_started_at=started_at)
        read_model_moved()
        client = techlink_client()
        wo_ids = sorted(client.workorder_ids(), reverse=True)
        site_ids = sorted(client.site_ids(), reverse=True)
        report.upstream_calls += 2
        seen_sites = _fetch_workorders(wo_ids, report)
        _fetch_sites([i for i in site_ids if i not in seen_sites], report)
        # Whatever upstream did not list any more is gone (created since the listing: kept).
        report.workorders_deleted += _delete_missing(WorkOrderRecord, set(wo_ids), before=started_at)
        report.sites_deleted += _delete_missing(SiteRecord, set(site_ids), before=started_at)
        finished = timezone.now()
        _update_counts(
            full_sync_finished_at=finished,
            new_scan_at=finished,
            open_refresh_at=finished,
            last_full_sync_seconds=time.monotonic() - started,
            last_full_sync_calls=report.upstream_calls,
        )

    return _run_cycle("full", body)


def mirror_sync_reference() -> SyncReport:
    """Fetch projects, task items and client users (concurrently) and store them."""

    def body(report: SyncReport) -> None:
        client = techlink_client()
        results = client.fetch_many(lambda call: call(), [client.projects, client.task_items, client.users])
        report.upstream_calls += 3
        lists = []
        for name, result in zip(("Projects", "Task items", "Client users"), results, strict=True):
            if isinstance(result, Exception):
                report.failures.append(f"{name}: {result}")
                lists.append(None)
            else:
                lists.append(result)
        projects, task_items, users = lists
        report.reference_stored = mirror_reference_store(
            projects=projects, task_items=task_items, users=users
        )

    return _run_cycle("reference", body)
