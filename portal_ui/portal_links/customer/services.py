"""What customers do through a link: the access log, counted views, comments and uploads, and the staff
e-mails they trigger (sent by the ``portal_links.notify`` task once the change is committed)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal_ui.core.uploads import upload_problem
from portal_ui.jobs import services as job_services
from portal_ui.jobs.models import UpstreamWrite
from portal_ui.portal_links.models import AccessLog, AccessOutcome, EmailCode, PortalLink
from portal_ui.portal_links.services import PortalLinkInvalid

COMMENT_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 200
NUL_MESSAGE = "The {what} contains an invisible NUL character, which cannot be sent; remove it and try again."


def access_log_record(
    *, link_ref: str, ip: str | None, outcome: str, what: str, detail: str = ""
) -> AccessLog:
    """One line of the access log: a view, gate attempt, download, comment or upload (`outcome`)."""
    return AccessLog.objects.create(
        link_ref=link_ref or "", ip=ip or None, outcome=outcome, what=what[:100], detail=detail[:255]
    )


def _link_label(link: PortalLink) -> str:
    return f"portal link {link.pk} (work order {link.workorder})"


def _notify(link: PortalLink, event: str, *, subject: str, body: str) -> None:
    """Queue the e-mail to the link's recipients for `event` once the transaction commits. A broker that
    cannot take it is logged, never raised into the customer's page."""
    from portal_ui.portal_links.tasks import notify

    recipients = list(dict.fromkeys((link.notification_settings or {}).get(event, [])))
    if recipients:
        transaction.on_commit(
            partial(notify.delay, recipients=recipients, subject=subject, body=body), robust=True
        )


def portal_link_view_count(*, link: PortalLink, ip: str | None) -> bool:
    """Count one page view; False when the link's view limit is already reached (nothing counted).
    Queues the first-view and each-view notifications."""
    now = timezone.now()
    links = PortalLink.objects.filter(pk=link.pk)
    if link.max_views is not None:
        links = links.filter(view_count__lt=link.max_views)
    if not links.update(view_count=F("view_count") + 1, last_viewed_at=now):
        return False
    link.refresh_from_db(fields=["view_count", "last_viewed_at"])
    when = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    where = ip or "unknown"
    if link.view_count == 1:
        _notify(
            link,
            "on_first_view",
            subject=f"Portal link opened: work order {link.workorder}",
            body=f"The {_link_label(link)} was opened for the first time at {when} from {where}.",
        )
    _notify(
        link,
        "on_each_view",
        subject=f"Portal link viewed: work order {link.workorder}",
        body=f"The {_link_label(link)} was viewed at {when} from {where} (view {link.view_count}).",
    )
    return True


def _customer_note_prefix(*, email: str = "") -> str:
    """How a customer's comment starts in the work order's notes."""
    return f"Customer comment (via portal link, {email}):" if email else "Customer comment (via portal link):"


# What staff are told about a customer's write: the link's notification setting, the subject and the body.
WRITE_NOTICES = {
    "comment": (
        "on_customer_comment",
        "Customer comment: work order {workorder}",
        "A customer{who} commented through the {label}:\n\n{text}",
    ),
    "upload": (
        "on_customer_upload",
        "Customer upload: work order {workorder}",
        "A customer{who} uploaded “{text}” through the {label}.",
    ),
}


def _send_for_customer(
    *,
    link: PortalLink,
    what: str,
    field: str,
    record: Callable[..., UpstreamWrite],
    ip: str | None,
    email: str,
    detail: str,
    text: str,
) -> UpstreamWrite:
    """Record the durable write on the customer's behalf (a refusal becomes PortalLinkInvalid on `field`),
    log it and queue the staff notification."""
    try:
        write = record(
            user=None, workorder_id=int(link.workorder), actor_label=f"Customer via portal link {link.pk}"
        )
    except DjangoValidationError as exc:
        raise PortalLinkInvalid(" ".join(exc.messages), {field: exc.messages}) from None
    access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what=what, detail=detail)
    event, subject, body = WRITE_NOTICES[what]
    who = f" ({email})" if email else ""
    _notify(
        link,
        event,
        subject=subject.format(workorder=link.workorder),
        body=body.format(who=who, label=_link_label(link), text=text),
    )
    return write


def portal_link_customer_comment(
    *, link: PortalLink, note: str, ip: str | None, email: str = ""
) -> UpstreamWrite:
    """Send the customer's comment upstream as a work order note (durable write); notify.

    The note is sent under the dashboard's TechLink account, so its text starts with "Customer comment (via
    portal link[, the visitor's proven e-mail address]):" to tell staff and technicians who wrote it."""
    note = note.strip()
    if not note:
        raise PortalLinkInvalid("Write a comment first.", {"note": ["Write a comment first."]})
    if len(note) > COMMENT_MAX_LENGTH:
        raise PortalLinkInvalid(
            "The comment is too long.", {"note": [f"At most {COMMENT_MAX_LENGTH} characters."]}
        )
    if "\x00" in note:
        message = NUL_MESSAGE.format(what="comment")
        raise PortalLinkInvalid(message, {"note": [message]})
    # The final text is what the durable write records and later matches upstream.
    record = partial(job_services.workorder_note_add, note=f"{_customer_note_prefix(email=email)} {note}")
    return _send_for_customer(
        link=link, what="comment", field="note", record=record, ip=ip, email=email, detail=email, text=note
    )


def portal_link_customer_upload(
    *, link: PortalLink, upload: UploadedFile | None, description: str, ip: str | None, email: str = ""
) -> UpstreamWrite:
    """Send the customer's file upstream as a work order document (durable write); notify.

    The file is checked by the one upload policy (``core.uploads.upload_problem``)."""
    problem = upload_problem(
        name=upload.name if upload is not None else None, size=upload.size if upload is not None else None
    )
    if problem:
        raise PortalLinkInvalid(problem, {"upload": [problem]})
    if "\x00" in description:
        message = NUL_MESSAGE.format(what="description")
        raise PortalLinkInvalid(message, {"upload": [message]})
    description = description.strip()[:DESCRIPTION_MAX_LENGTH]
    record = partial(job_services.workorder_document_upload, upload=upload, description=description)
    name = upload.name
    return _send_for_customer(
        link=link,
        what="upload",
        field="upload",
        record=record,
        ip=ip,
        email=email,
        detail=name[:200],
        text=name,
    )


def portal_link_housekeeping(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete one-time codes a day after they expired, and access-log rows older than
    ``PORTAL_LINK_ACCESS_LOG_DAYS``. Returns (codes, log rows) removed."""
    now = now or timezone.now()
    codes, _ = EmailCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    logs, _ = AccessLog.objects.filter(
        at__lt=now - timedelta(days=settings.PORTAL_LINK_ACCESS_LOG_DAYS)
    ).delete()
    return codes, logs
