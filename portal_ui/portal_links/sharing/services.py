"""Writes about a link's work order: the checks made when a link is saved, the customer pages' copy of the
work order, and the notes marked visible to the customer.

The copy (``WorkOrderSnapshot``) is what every customer page renders, so a page view asks TechLink nothing
while a copy exists: a copy older than ``PORTAL_LINK_SNAPSHOT_MAX_AGE`` seconds is still shown, and one
background refresh (the ``portal_links.snapshot_refresh`` task) is queued for it.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal_ui.accounts.models import User
from portal_ui.core.generations import generation_move
from portal_ui.core.upstream import UpstreamError, UpstreamNotFound, techlink_client, translated
from portal_ui.integrations.techlink.types import WORKORDER_STATUSES
from portal_ui.jobs.models import UpstreamWrite, WriteStatus
from portal_ui.mirror import selectors as mirror_selectors
from portal_ui.mirror import services as mirror_services
from portal_ui.mirror.models import SiteRecord, WorkOrderRecord
from portal_ui.portal_links.errors import PortalLinkInvalid, WorkOrderUncheckable
from portal_ui.portal_links.models import PAGE_STATE, NoteShare, WorkOrderSnapshot

logger = logging.getLogger(__name__)

CONTACT_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
# Everything a customer page can show; one TechLink call brings all of it.
SNAPSHOT_SECTIONS = {
    "include_site": True,
    "include_notes": True,
    "include_photos": True,
    "include_client_documents": True,
    "include_closeout_documents": True,
    "include_questions": True,
}


# --- checks made when a link is saved ------------------------------------------------------------------


def workorder_check(*, workorder: str) -> None:
    """Refuse a work order that does not exist: the read model is asked first, then TechLink (which also
    brings the work order into the read model). Raises WorkOrderUncheckable when neither can say."""
    workorder_id = int(workorder)
    if mirror_selectors.workorder_get(workorder_id=workorder_id) is not None:
        return
    try:
        with translated():
            record = mirror_services.mirror_workorder_refresh(workorder_id=workorder_id)
    except UpstreamError:
        logger.warning("Could not check whether work order %s exists", workorder, exc_info=True)
        raise WorkOrderUncheckable(workorder) from None
    if record is None:
        raise PortalLinkInvalid(
            f"Work order {workorder} does not exist.",
            {"workorder": [f"There is no work order {workorder} in TechLink."]},
        )


def _contact_emails(site: SiteRecord | None) -> list[str]:
    if site is None:
        return []
    found = [(site.contact1_email or "").strip().lower(), (site.contact2_email or "").strip().lower()]
    return list(dict.fromkeys(email for email in found if CONTACT_EMAIL.fullmatch(email)))


def _site_of(workorder_id: int) -> SiteRecord | None:
    record = WorkOrderRecord.objects.filter(pk=workorder_id).only("site_id").first()
    if record is None or not record.site_id:
        return None
    return SiteRecord.objects.filter(pk=record.site_id).first()


def workorder_site_contact_emails(*, workorder: str) -> list[str]:
    """The e-mail addresses TechLink has for the work order's site contacts (contact 1 and 2): the read
    model's when it has some, else TechLink's (which refreshes the read model). Raises WorkOrderUncheckable
    when TechLink cannot be asked and the read model knows no site for the work order."""
    workorder_id = int(workorder)
    site = _site_of(workorder_id)
    emails = _contact_emails(site)
    if emails:
        return emails
    try:
        with translated():
            mirror_services.mirror_workorder_refresh(workorder_id=workorder_id)
    except UpstreamError:
        if site is not None:
            return []
        logger.warning("Could not read the site contacts of work order %s", workorder, exc_info=True)
        raise WorkOrderUncheckable(workorder) from None
    return _contact_emails(_site_of(workorder_id))


# --- the customer pages' copy of a work order ----------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def _status_label(workorder: Any) -> str:
    if isinstance(getattr(workorder, "status", None), str) and workorder.status:
        return workorder.status
    code = getattr(workorder, "status_code", None)
    try:
        return WORKORDER_STATUSES.get(int(code), str(code or ""))
    except (TypeError, ValueError):
        return str(code or "")


def _documents(documents: Any) -> list[dict[str, Any]]:
    return [
        {"id": d.document_id, "filename": d.filename or "", "description": d.description or ""}
        for d in documents or []
    ]


def _snapshot_data(workorder: Any) -> dict[str, Any]:
    """What customer pages may show of a work order TechLink sent, as stored in the copy."""
    site = getattr(workorder, "site", None)
    address = getattr(site, "address", None)
    installer = getattr(workorder, "installer", None)
    questions = sorted(getattr(workorder, "questions", None) or [], key=lambda q: q.sort_order or 0)
    return {
        "status": _status_label(workorder),
        "summary": workorder.summary or "",
        "site_name": getattr(site, "name", "") or "",
        "site_city": getattr(address, "city", "") or "",
        "requested": workorder.requested_time or "",
        "scheduled": _iso(workorder.scheduled_date),
        "installer": getattr(installer, "name", "") or "",
        "notes": [
            {
                "id": n.note_id,
                "author": n.author or "",
                "content": n.content or "",
                "created": _iso(n.created_date),
            }
            for n in workorder.notes or []
        ],
        "photos": [
            {
                "id": p.photo_id,
                "note": p.note or "",
                "filename": p.filename or "",
                "created": _iso(p.created_date),
            }
            for p in workorder.photos or []
        ],
        "client_documents": _documents(workorder.client_documents),
        "closeout_documents": _documents(workorder.closeout_documents),
        "questions": [{"question": q.question or "", "answer": q.answer or ""} for q in questions],
    }


def workorder_snapshot_refresh(*, workorder_id: int) -> WorkOrderSnapshot:
    """Fetch the work order from TechLink (one call) and store it as the customer pages' copy; a work order
    TechLink does not know is stored as not found. Raises UpstreamUnavailable (the copy stays as it was)."""
    try:
        with translated():
            workorder = techlink_client().workorder_get(workorder_id, **SNAPSHOT_SECTIONS)
    except UpstreamNotFound:
        found, data = False, {}
    else:
        found, data = True, _snapshot_data(workorder)
    snapshot, _ = WorkOrderSnapshot.objects.update_or_create(
        workorder_id=workorder_id,
        defaults={"found": found, "data": data, "fetched_at": timezone.now(), "refresh_requested_at": None},
    )
    if found:
        note_shares_resolve(workorder_id=workorder_id, notes=data["notes"])
    return snapshot


def _max_age() -> timedelta:
    return timedelta(seconds=settings.PORTAL_LINK_SNAPSHOT_MAX_AGE)


def workorder_snapshot_for_page(*, workorder_id: int) -> WorkOrderSnapshot:
    """The copy a customer page renders. The stored copy is returned without asking TechLink; when it is
    older than the max age, one background refresh is queued (``workorder_snapshot_refresh_request``).
    Without a copy, one is fetched now. Raises UpstreamUnavailable when there is no copy and TechLink
    cannot answer."""
    snapshot = WorkOrderSnapshot.objects.filter(pk=workorder_id).first()
    if snapshot is None:
        return workorder_snapshot_refresh(workorder_id=workorder_id)
    workorder_snapshot_refresh_if_due(
        workorder_id=workorder_id,
        fetched_at=snapshot.fetched_at,
        refresh_requested_at=snapshot.refresh_requested_at,
    )
    return snapshot


def workorder_snapshot_refresh_if_due(
    *, workorder_id: int, fetched_at: datetime, refresh_requested_at: datetime | None
) -> None:
    """Queue a background refresh of a copy fetched at `fetched_at` when it is older than the max age and no
    refresh was asked for within it (nothing is written while one is pending)."""
    cutoff = timezone.now() - _max_age()
    claimed = refresh_requested_at is not None and refresh_requested_at >= cutoff
    if fetched_at < cutoff and not claimed:
        workorder_snapshot_refresh_request(workorder_id=workorder_id)


def workorder_snapshot_refresh_request(*, workorder_id: int) -> bool:
    """Queue a background refresh of a stale copy, once: the copy is claimed with a conditional update, so
    parallel page views queue one refresh, and a lost one is asked for again after the max age."""
    now = timezone.now()
    cutoff = now - _max_age()
    claimed = (
        WorkOrderSnapshot.objects.filter(pk=workorder_id, fetched_at__lt=cutoff)
        .filter(Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lt=cutoff))
        .update(refresh_requested_at=now)
    )
    if claimed:
        from portal_ui.portal_links.tasks import snapshot_refresh_queue

        generation_move(PAGE_STATE)

        transaction.on_commit(partial(snapshot_refresh_queue, workorder_id=workorder_id), robust=True)
    return bool(claimed)


# --- notes visible to the customer ---------------------------------------------------------------------


def _staff_name(user: User | None) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.username)[:150]


def portal_link_note_visibility_set(
    *,
    workorder_id: int,
    visible: bool,
    user: User | None,
    note_id: int | None = None,
    write: UpstreamWrite | None = None,
) -> NoteShare:
    """Mark a work order note visible to the customer (or internal again), remembered locally. Name the note
    by its TechLink id (`note_id`) or, for a note just written in the dashboard, by the outbox write that adds
    it (`write`, as ``jobs.services.workorder_note_add`` returns it); such a note is matched to its TechLink
    id once the write is done. Links sharing "customer-visible notes" show it from then on."""
    if (note_id is None) == (write is None):
        raise ValueError("Name the note by note_id or by write, not both.")
    if write is not None:
        defaults = {
            "workorder_id": workorder_id,
            "note_text": str(write.payload.get("note", "")),
            "author_name": _staff_name(write.created_by) or _staff_name(user),
            "visible": visible,
            "set_by": user,
        }
        share, _ = NoteShare.objects.update_or_create(write_id=write.pk, defaults=defaults)
        note_shares_resolve(workorder_id=workorder_id)
        share.refresh_from_db()
        return share
    note_shares_resolve(workorder_id=workorder_id)
    try:
        with transaction.atomic():
            share, _ = NoteShare.objects.update_or_create(
                workorder_id=workorder_id, note_id=note_id, defaults={"visible": visible, "set_by": user}
            )
    except IntegrityError:  # set at the same moment elsewhere: this call's choice is the latest
        share = NoteShare.objects.get(workorder_id=workorder_id, note_id=note_id)
        share.visible, share.set_by = visible, user
        share.save(update_fields=["visible", "set_by", "updated_at"])
    return share


def _claim(share: NoteShare, note_id: int) -> None:
    """Give a pending share its TechLink note id; a share already made for that id keeps its own choice."""
    if NoteShare.objects.filter(workorder_id=share.workorder_id, note_id=note_id).exists():
        share.delete()
        return
    if NoteShare.objects.filter(pk=share.pk, note_id__isnull=True).update(note_id=note_id):
        generation_move(PAGE_STATE)


def note_shares_resolve(*, workorder_id: int, notes: list[dict[str, Any]] | None = None) -> int:
    """Match the work order's shares of notes written in the dashboard to their TechLink note ids: by the
    outbox write's result once it is done, else (the write is gone) by the note's text among `notes` (the
    copy's). Returns how many were matched."""
    pending = list(NoteShare.objects.filter(workorder_id=workorder_id, note_id__isnull=True))
    if not pending:
        return 0
    results = dict(
        UpstreamWrite.objects.filter(
            pk__in=[s.write_id for s in pending if s.write_id], status=WriteStatus.DONE
        ).values_list("pk", "result")
    )
    present = set(
        UpstreamWrite.objects.filter(pk__in=[s.write_id for s in pending if s.write_id]).values_list(
            "pk", flat=True
        )
    )
    taken = set(
        NoteShare.objects.filter(workorder_id=workorder_id, note_id__isnull=False).values_list(
            "note_id", flat=True
        )
    )
    matched = 0
    for share in pending:
        note_id = (results.get(share.write_id) or {}).get("note_id")
        if note_id is None and share.write_id not in present and notes:
            text = share.note_text.strip()
            candidates = [n["id"] for n in notes if n["content"].strip() == text and n["id"] not in taken]
            note_id = max(candidates) if candidates else None
        if note_id is not None:
            _claim(share, int(note_id))
            taken.add(int(note_id))
            matched += 1
    return matched
