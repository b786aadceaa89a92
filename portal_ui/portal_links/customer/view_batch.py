"""Page views counted and logged in batches, off the customer's request.

A view of a link without a view limit or view notifications needs no answer from the database: the web
process keeps it for at most ``PORTAL_LINK_VIEW_FLUSH_SECONDS`` and then writes every view it kept in one
transaction (the access-log rows in one insert, one count update per link), from a timer thread, when the
batch is full, before a file fetched through a link is logged (so it nests under its view), and when the
process exits. A batch the database refuses is kept for the next try (up to ``MAX_KEPT`` views).

What staff see of such views (view counts, the access log, the API's ``view_count``) is at most that many
seconds late; a crash of the process loses at most that many seconds of them. Links with a view limit or
view notifications are counted in the request, where the limit is enforced.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from portal_ui.portal_links.customer.access import PAGE
from portal_ui.portal_links.models import AccessLog, AccessOutcome, PortalLink

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_KEPT = 50_000


@dataclass(frozen=True, slots=True)
class View:
    link_ref: str
    ip: str | None
    email: str
    at: datetime


_lock = threading.Lock()
_kept: list[View] = []
_timer: threading.Timer | None = None


def batching() -> bool:
    """Whether views are batched at all (``PORTAL_LINK_VIEW_FLUSH_SECONDS`` above 0)."""
    return settings.PORTAL_LINK_VIEW_FLUSH_SECONDS > 0


def view_keep(*, link_ref: str, ip: str | None, email: str = "") -> None:
    """Keep one page view for the next batch (written within ``PORTAL_LINK_VIEW_FLUSH_SECONDS``)."""
    view = View(link_ref=link_ref, ip=ip or None, email=email[:255], at=timezone.now())
    with _lock:
        _kept.append(view)
        full = len(_kept) >= BATCH_SIZE
        if not full:
            _start_timer(settings.PORTAL_LINK_VIEW_FLUSH_SECONDS)
    if full:
        views_flush()


def views_pending(*, link_ref: str | None = None) -> int:
    """How many views this process keeps (of one link, or of all)."""
    with _lock:
        return sum(1 for view in _kept if link_ref is None or view.link_ref == link_ref)


def views_flush_for(*, link_ref: str) -> None:
    """Write the kept views when one of them is of this link (before a file fetched through it is logged,
    so that it nests under its view); a refusal is logged, not raised."""
    if not views_pending(link_ref=link_ref):
        return
    try:
        views_flush()
    except Exception:
        logger.exception("Could not write the page views of portal links; kept for the next try")


def _take() -> list[View]:
    global _timer
    with _lock:
        batch = _kept[:]
        _kept.clear()
        if _timer is not None:
            _timer.cancel()
            _timer = None
    return batch


def _write(batch: list[View]) -> None:
    counts = Counter(view.link_ref for view in batch)
    latest: dict[str, datetime] = {}
    for view in batch:
        latest[view.link_ref] = max(latest.get(view.link_ref, view.at), view.at)
    with transaction.atomic():
        AccessLog.objects.bulk_create(
            AccessLog(
                link_ref=view.link_ref,
                ip=view.ip,
                at=view.at,
                outcome=AccessOutcome.OK,
                what=PAGE,
                detail=view.email,
            )
            for view in batch
        )
        for link_ref, count in sorted(counts.items()):  # one order everywhere: no lock waits in a circle
            PortalLink.objects.filter(pk=link_ref).update(
                view_count=F("view_count") + count, last_viewed_at=latest[link_ref]
            )


def views_flush() -> int:
    """Write every view this process keeps, in one transaction; how many were written. When the database
    refuses, they are kept for the next try (the oldest dropped beyond ``MAX_KEPT``) and the error raised."""
    batch = _take()
    if not batch:
        return 0
    try:
        _write(batch)
    except Exception:
        with _lock:
            _kept[:0] = batch[-MAX_KEPT:]
            del _kept[MAX_KEPT:]
        raise
    return len(batch)


def _flush_in_background() -> None:
    global _timer
    with _lock:
        _timer = None
    try:
        views_flush()
    except Exception:
        logger.exception(
            "Could not write %d page views of portal links; kept for the next try", views_pending()
        )
        with _lock:
            if _kept:
                _start_timer(max(settings.PORTAL_LINK_VIEW_FLUSH_SECONDS, 5))
    finally:
        connection.close()  # this thread's own connection, not left open until the process ends


def _start_timer(seconds: float) -> None:
    """Write the kept views in `seconds`, unless a write is already due (call with ``_lock`` held)."""
    global _timer
    if _timer is None:
        _timer = threading.Timer(seconds, _flush_in_background)
        _timer.daemon = True
        _timer.start()


def _flush_at_exit() -> None:
    try:
        views_flush()
    except Exception:
        logger.exception("Could not write the last page views of portal links at exit")


atexit.register(_flush_at_exit)
