"""The access log of customer pages: one row per page view with the files fetched from it nested under it,
rows for gates passed, codes sent, comments and uploads; refused and rate-limited requests are only counted,
per link, day and outcome (``AccessRefusal``), so a flood of them never grows the log."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from portal_ui.portal_links.models import AccessLog, AccessOutcome, AccessRefusal, EmailCode, GateCounter

PAGE = "page"


def access_log_record(
    *, link_ref: str, ip: str | None, outcome: str, what: str, detail: str = ""
) -> AccessLog:
    """One row of the access log: a page view, gate passed, code sent, comment or upload (`outcome` OK
    or CODE_SENT; refusals go to ``access_refusal_count``)."""
    return AccessLog.objects.create(
        link_ref=link_ref or "", ip=ip or None, outcome=outcome, what=what[:100], detail=detail[:255]
    )


def access_download_record(*, link_ref: str, ip: str | None, what: str) -> None:
    """A file fetched through the link: nested under the latest page view from the same address, once per
    view and file (fetching it again adds nothing); a row of its own when there is no such view."""
    view = (
        AccessLog.objects.filter(
            link_ref=link_ref, ip=ip or None, outcome=AccessOutcome.OK, what=PAGE, parent__isnull=True
        )
        .order_by("-at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if view is None:
        access_log_record(link_ref=link_ref, ip=ip, outcome=AccessOutcome.OK, what=what)
        return
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                link_ref=link_ref, parent_id=view, ip=ip or None, outcome=AccessOutcome.OK, what=what[:100]
            )
        ],
        ignore_conflicts=True,
    )


def access_refusal_count(*, link_ref: str, outcome: str) -> None:
    """Count one refused request to a link (`outcome`: rate limited, deactivated, wrong passcode, …).
    Requests for no link at all are not counted anywhere."""
    if not link_ref:
        return
    rows = AccessRefusal.objects.filter(link_ref=link_ref, day=timezone.localdate(), outcome=outcome)
    if rows.update(count=F("count") + 1):
        return
    AccessRefusal.objects.bulk_create(
        [AccessRefusal(link_ref=link_ref, day=timezone.localdate(), outcome=outcome, count=0)],
        ignore_conflicts=True,
    )
    rows.update(count=F("count") + 1)


def portal_link_housekeeping(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete one-time codes a day after they expired, gate counters idle for a day, and access-log rows
    and refusal counts older than ``PORTAL_LINK_ACCESS_LOG_DAYS``. Returns (codes, log rows) removed."""
    now = now or timezone.now()
    codes, _ = EmailCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    GateCounter.objects.filter(window_started_at__lt=now - timedelta(days=1)).delete()
    keep_since = now - timedelta(days=settings.PORTAL_LINK_ACCESS_LOG_DAYS)
    AccessRefusal.objects.filter(day__lt=timezone.localdate(keep_since)).delete()
    _, removed = AccessLog.objects.filter(at__lt=keep_since).delete()
    return codes, removed.get(AccessLog._meta.label, 0)
