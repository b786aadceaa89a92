"""Close-out reports: asked for (a report already made for the close-out as it is now is served again), made
by a Celery task that shows its progress, and forgotten after ``CLOSEOUT_REPORT_KEEP_DAYS``.

A report is made for one audience: staff (``items=None``) or what a portal link shares, in its branding
(``CloseoutItems.for_link``, ``Branding.from_link``). Its key covers the close-out's content, the latest
decision and the audience, so it is cached until the close-out changes.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal_ui.accounts.models import User
from portal_ui.core.upstream import UpstreamError, upstream_banner
from portal_ui.dispatch.models import CloseoutDecision, CloseoutReport, ReportStatus

from . import selectors
from .content import CloseoutContent, closeout_content_get
from .items import STAFF_BRANDING, Branding, CloseoutItems, options_key
from .photos import PhotoUnreadable, photo_variant
from .report_pdf import PhotoFile, closeout_report_pdf

__all__ = ["closeout_report_build", "closeout_report_request", "closeout_reports_purge"]

logger = logging.getLogger(__name__)

REPORT_FORMAT = "1"  # bump when the layout changes: every report is made again


def _reports_dir(workorder_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "closeout" / "reports" / str(int(workorder_id))


def _key(content: CloseoutContent, variant: str) -> str:
    latest = (
        CloseoutDecision.objects.filter(workorder_id=content.workorder_id)
        .values_list("pk", flat=True)
        .first()
    )
    text = f"{REPORT_FORMAT}:{content.workorder_id}:{variant}:{content.fingerprint}:{latest or 0}"
    return hashlib.sha256(text.encode()).hexdigest()


def _is_stuck(report: CloseoutReport) -> bool:
    """Queued or being made for too long: its worker died, or its message was lost."""
    age = timezone.now() - report.updated_at
    return not report.is_final and age > timedelta(seconds=settings.CLOSEOUT_REPORT_STUCK_SECONDS)


def _enqueue(report: CloseoutReport) -> None:
    from portal_ui.dispatch.tasks import closeout_report_build_task

    transaction.on_commit(lambda: closeout_report_build_task.delay(report.pk))


def closeout_report_request(
    *,
    workorder_id: int,
    items: CloseoutItems | None = None,
    branding: Branding | None = None,
    user: User | None = None,
) -> CloseoutReport:
    """The report of the close-out as TechLink shows it now, for this audience: the one already made (or
    being made), else a new one queued. Reads TechLink (two calls) to know the close-out's state; raises the
    boundary's exceptions when it cannot."""
    content = closeout_content_get(workorder_id=workorder_id, items=items)
    variant = options_key(items, branding)
    key = _key(content, variant)
    report = CloseoutReport.objects.filter(key=key).first()
    if report is not None:
        ready = report.is_ready and selectors.closeout_report_file(report=report) is not None
        if ready or (not report.is_final and not _is_stuck(report)):
            return report
        CloseoutReport.objects.filter(pk=report.pk).update(
            status=ReportStatus.QUEUED,
            progress=0,
            stage="Waiting for a worker",
            error="",
            updated_at=timezone.now(),
        )
        report.refresh_from_db()
        _enqueue(report)
        return report
    options = {
        "items": (items or CloseoutItems()).as_json(),
        "branding": (branding or STAFF_BRANDING).as_json(),
    }
    try:
        with transaction.atomic():
            report = CloseoutReport.objects.create(
                workorder_id=workorder_id,
                key=key,
                variant=variant,
                options=options,
                stage="Waiting for a worker",
                requested_by=user,
            )
            _enqueue(report)
    except IntegrityError:  # asked for at the same moment by someone else
        report = CloseoutReport.objects.get(key=key)
    return report


def _progress(report_id: int, percent: int, stage: str) -> None:
    CloseoutReport.objects.filter(pk=report_id).update(
        progress=max(0, min(100, percent)), stage=stage[:200], updated_at=timezone.now()
    )


def _photo_files(content: CloseoutContent, report_id: int) -> list[PhotoFile]:
    """Each photo's print copy (made now from TechLink's original when it was not made before), several
    at once; progress from 10% to 80%."""
    photos = content.photos
    if not photos:
        return []
    results: dict[int, PhotoFile] = {}

    def make(photo) -> PhotoFile:
        try:
            path = photo_variant(workorder_id=content.workorder_id, photo_id=photo.photo_id, size="print")
        except PhotoUnreadable as exc:
            return PhotoFile(photo, problem=str(exc)[:200])
        except UpstreamError:
            return PhotoFile(photo, problem="TechLink did not give the file")
        return PhotoFile(photo, path=path)

    workers = max(1, min(settings.TECHLINK_MAX_WORKERS, len(photos)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="closeout-photo") as pool:
        futures = {pool.submit(contextvars.copy_context().run, make, p): p for p in photos}
        for done, future in enumerate(as_completed(futures), start=1):
            photo = futures[future]
            try:
                results[photo.photo_id] = future.result()
            except Exception as exc:
                logger.warning("Photo #%s could not be prepared", photo.photo_id, exc_info=True)
                results[photo.photo_id] = PhotoFile(
                    photo, problem=f"it could not be prepared ({type(exc).__name__})"
                )
            _progress(report_id, 10 + 70 * done // len(photos), f"Photos: {done} of {len(photos)} ready")
    return [results[p.photo_id] for p in photos]


def _claim(report_id: int) -> bool:
    """Take the report for this worker: it is queued, or stuck with a worker that died."""
    stuck_before = timezone.now() - timedelta(seconds=settings.CLOSEOUT_REPORT_STUCK_SECONDS)
    claimable = Q(status=ReportStatus.QUEUED) | Q(status=ReportStatus.RUNNING, updated_at__lt=stuck_before)
    return bool(
        CloseoutReport.objects.filter(claimable, pk=report_id).update(
            status=ReportStatus.RUNNING,
            progress=2,
            stage="Reading the close-out from TechLink",
            updated_at=timezone.now(),
        )
    )


def closeout_report_build(*, report_id: int) -> CloseoutReport | None:
    """Make the report (the Celery task): read the close-out from TechLink, prepare its photos, lay out the
    PDF, and replace the audience's older report. A failure is kept on the report with its reason."""
    if not _claim(report_id):
        return None
    report = CloseoutReport.objects.get(pk=report_id)
    started = time.perf_counter()
    items = CloseoutItems.from_json(report.options.get("items"))
    branding = Branding(**(report.options.get("branding") or STAFF_BRANDING.as_json()))
    try:
        content = closeout_content_get(workorder_id=report.workorder_id, items=items, write_back=True)
        _progress(report_id, 10, "Reading the photos")
        photos = _photo_files(content, report_id)
        _progress(report_id, 85, "Laying out the PDF")
        folder = _reports_dir(report.workorder_id)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{report.key}.pdf"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as out:
                closeout_report_pdf(
                    content=content,
                    history=selectors.closeout_history(workorder_id=report.workorder_id),
                    photos=photos,
                    branding=branding,
                    out=out,
                    generated_at=timezone.localtime(),
                )
            os.replace(tmp, final)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except Exception as exc:
        message = upstream_banner(exc) if isinstance(exc, UpstreamError) else "The report could not be made."
        logger.exception("Close-out report #%s of work order #%s failed", report_id, report.workorder_id)
        CloseoutReport.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, stage="Failed", error=message[:1000], updated_at=timezone.now()
        )
        return CloseoutReport.objects.get(pk=report_id)
    CloseoutReport.objects.filter(pk=report_id).update(
        status=ReportStatus.DONE,
        progress=100,
        stage="Ready",
        file=str(final.relative_to(settings.MEDIA_ROOT)),
        size=final.stat().st_size,
        photo_count=len(photos),
        photos_not_shown=sum(1 for p in photos if p.path is None),
        seconds=round(time.perf_counter() - started, 3),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    older = CloseoutReport.objects.filter(
        workorder_id=report.workorder_id,
        variant=report.variant,
        status__in=(ReportStatus.DONE, ReportStatus.FAILED),
        created_at__lt=report.created_at,
    )
    _forget(older)
    return CloseoutReport.objects.get(pk=report_id)


def _forget(reports) -> int:
    count = 0
    for old in list(reports):
        if old.file:
            (Path(settings.MEDIA_ROOT) / old.file).unlink(missing_ok=True)
        old.delete()
        count += 1
    return count


def closeout_reports_purge(*, now=None) -> int:
    """Daily: forget reports older than ``CLOSEOUT_REPORT_KEEP_DAYS`` (and their files)."""
    before = (now or timezone.now()) - timedelta(days=settings.CLOSEOUT_REPORT_KEEP_DAYS)
    return _forget(CloseoutReport.objects.filter(updated_at__lt=before))
