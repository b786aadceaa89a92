"""What customers do through a link: counted views, comments and uploads, and the staff e-mails they trigger
(sent by the ``portal_links.notify`` task once the change is committed).

Comments and uploads reach TechLink under the dashboard's shared account, so each says who sent it and that
it came through the customer portal: the visitor's proven e-mail address on a private link, else the link's
label. Each is also kept locally with its sender (``CustomerSubmission``).
"""

from collections.abc import Callable
from functools import partial

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from portal_ui.core.generations import generation_move
from portal_ui.core.uploads import upload_problem
from portal_ui.jobs import services as job_services
from portal_ui.jobs.models import UpstreamWrite
from portal_ui.portal_links.customer import view_batch
from portal_ui.portal_links.customer.access import PAGE, access_log_record
from portal_ui.portal_links.errors import PortalLinkInvalid
from portal_ui.portal_links.models import (
    PAGE_STATE,
    AccessLog,
    AccessOutcome,
    CustomerSubmission,
    PortalLink,
    SubmissionKind,
)

COMMENT_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 200
NUL_MESSAGE = "The {what} contains an invisible NUL character, which cannot be sent; remove it and try again."
VIA_PORTAL = "via the customer portal"


def _link_label(link: PortalLink) -> str:
    named = f" “{link.label}”" if link.label else ""
    return f"portal link{named} {link.pk} (work order {link.workorder})"


def _notify(link: PortalLink, event: str, *, subject: str, message: str) -> None:
    """Queue the e-mail to the link's recipients for `event` once the transaction commits. A broker that
    cannot take it is logged, never raised into the customer's page."""
    from portal_ui.portal_links.tasks import notify

    recipients = list(dict.fromkeys((link.notification_settings or {}).get(event, [])))
    if recipients:
        send = partial(
            notify.delay,
            recipients=recipients,
            subject=subject,
            message=message,
            workorder=link.workorder,
            link_id=link.pk,
        )
        transaction.on_commit(send, robust=True)


# On PostgreSQL a page view of a link without a view limit or view notifications is counted and logged in one
# statement (one round trip, one commit); the log row is written only when the link was counted.
_VIEW_SQL = """
WITH counted AS (
    UPDATE {links} SET view_count = view_count + 1, last_viewed_at = %(now)s
    WHERE id = %(link)s
    RETURNING id, view_count
)
INSERT INTO {log} (link_ref, parent_id, at, ip, outcome, what, detail)
SELECT id, NULL, %(now)s, %(ip)s::inet, %(outcome)s, %(what)s, %(detail)s FROM counted
RETURNING (SELECT view_count FROM counted)
"""


def _view_notified(link: PortalLink) -> bool:
    notifications = link.notification_settings or {}
    return bool(notifications.get("on_first_view") or notifications.get("on_each_view"))


def portal_link_view_record(*, link: PortalLink, ip: str | None, email: str = "") -> bool:
    """One page view, counted and written to the access log; False when the link's view limit is already
    reached (nothing counted or logged). A link without a view limit or view notifications has its views
    batched (``view_batch``) or, without batching, counted and logged in one statement on PostgreSQL; the
    others in one transaction in the request."""
    if link.max_views is None and not _view_notified(link) and view_batch.batching():
        view_batch.view_keep(link_ref=link.pk, ip=ip, email=email)
        return True
    if connection.vendor == "postgresql" and link.max_views is None and not _view_notified(link):
        now = timezone.now()
        sql = _VIEW_SQL.format(links=PortalLink._meta.db_table, log=AccessLog._meta.db_table)
        values = {"now": now, "link": link.pk, "ip": ip or None, "outcome": AccessOutcome.OK}
        with connection.cursor() as cursor:
            cursor.execute(sql, {**values, "what": PAGE, "detail": email[:255]})
            counted = cursor.fetchone()
        if counted is None:
            return False
        link.view_count, link.last_viewed_at = counted[0], now
        return True
    with transaction.atomic():
        if not portal_link_view_count(link=link, ip=ip):
            return False
        access_log_record(link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what=PAGE, detail=email)
    return True


def portal_link_view_count(*, link: PortalLink, ip: str | None) -> bool:
    """Count one page view; False when the link's view limit is already reached (nothing counted).
    Queues the first-view and each-view notifications."""
    now = timezone.now()
    links = PortalLink.objects.filter(pk=link.pk)
    if link.max_views is not None:
        links = links.filter(view_count__lt=link.max_views)
    if not links.update(view_count=F("view_count") + 1, last_viewed_at=now):
        return False
    if link.max_views is not None:  # the view may have used the link up: pages must read it again
        generation_move(PAGE_STATE)
    if not _view_notified(link):
        link.view_count, link.last_viewed_at = link.view_count + 1, now
        return True
    link.refresh_from_db(fields=["view_count", "last_viewed_at"])
    when = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    where = ip or "unknown"
    if link.view_count == 1:
        _notify(
            link,
            "on_first_view",
            subject=f"Portal link opened: work order {link.workorder}",
            message=f"The {_link_label(link)} was opened for the first time at {when} from {where}.",
        )
    _notify(
        link,
        "on_each_view",
        subject=f"Portal link viewed: work order {link.workorder}",
        message=f"The {_link_label(link)} was viewed at {when} from {where} (view {link.view_count}).",
    )
    return True


def customer_sender(*, link: PortalLink, email: str = "") -> str:
    """Who sent something through the link: the proven e-mail address of a private link's visitor, else
    the link's label."""
    return email or link.display_label


def customer_signature(*, link: PortalLink, email: str = "") -> str:
    """The line that ends a customer's comment in TechLink."""
    if email:
        return f"— {email} (customer, e-mail address verified, {VIA_PORTAL})"
    return f"— {link.display_label} (customer, {VIA_PORTAL})"


# What staff are told about a customer's write: the link's notification setting, the subject and the text.
WRITE_NOTICES = {
    SubmissionKind.COMMENT: (
        "on_customer_comment",
        "Customer comment: work order {workorder}",
        "{sender} commented through the {label}:\n\n{text}",
    ),
    SubmissionKind.UPLOAD: (
        "on_customer_upload",
        "Customer upload: work order {workorder}",
        "{sender} uploaded “{text}” through the {label}.",
    ),
}


def _send_for_customer(
    *,
    link: PortalLink,
    kind: str,
    field: str,
    record: Callable[..., UpstreamWrite],
    ip: str | None,
    email: str,
    text: str,
    sent_text: str,
) -> UpstreamWrite:
    """Record the durable write on the customer's behalf (a refusal becomes PortalLinkInvalid on `field`)
    with the local record of who sent it, log it and queue the staff notification, all or nothing."""
    sender = customer_sender(link=link, email=email)
    try:
        with transaction.atomic():
            write = record(
                user=None,
                workorder_id=int(link.workorder),
                actor_label=f"Customer {sender} via portal link {link.pk}",
            )
            CustomerSubmission.objects.create(
                link=link,
                link_ref=link.pk,
                link_type=link.link_type,
                workorder_id=int(link.workorder),
                kind=kind,
                text=text,
                sent_text=sent_text,
                sender_email=email,
                sender_label=sender[:200],
                write_id=write.pk,
                ip=ip or None,
            )
            access_log_record(
                link_ref=link.pk, ip=ip, outcome=AccessOutcome.OK, what=kind, detail=email or text[:200]
            )
            event, subject, message = WRITE_NOTICES[kind]
            _notify(
                link,
                event,
                subject=subject.format(workorder=link.workorder),
                message=message.format(sender=sender, label=_link_label(link), text=text),
            )
    except DjangoValidationError as exc:
        raise PortalLinkInvalid(" ".join(exc.messages), {field: exc.messages}) from None
    return write


def portal_link_customer_comment(
    *, link: PortalLink, note: str, ip: str | None, email: str = ""
) -> UpstreamWrite:
    """Send the customer's comment upstream as a work order note (durable write), signed with who sent it
    (``customer_signature``); keep it locally; notify."""
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
    sent_text = f"{note}\n\n{customer_signature(link=link, email=email)}"
    record = partial(job_services.workorder_note_add, note=sent_text)
    return _send_for_customer(
        link=link,
        kind=SubmissionKind.COMMENT,
        field="note",
        record=record,
        ip=ip,
        email=email,
        text=note,
        sent_text=sent_text,
    )


def _signed_description(description: str, sender: str) -> str:
    """The document's description in TechLink: the customer's, then who sent it, within the length limit."""
    suffix = f"(from {sender} {VIA_PORTAL})"
    room = DESCRIPTION_MAX_LENGTH - len(suffix) - 1
    if room < 1:
        return suffix[:DESCRIPTION_MAX_LENGTH]
    return f"{description[:room].rstrip()} {suffix}".strip()


def portal_link_customer_upload(
    *, link: PortalLink, upload: UploadedFile | None, description: str, ip: str | None, email: str = ""
) -> UpstreamWrite:
    """Send the customer's file upstream as a work order document (durable write), its description saying
    who sent it; keep it locally; notify. The file is checked by the one upload policy
    (``core.uploads.upload_problem``)."""
    problem = upload_problem(
        name=upload.name if upload is not None else None, size=upload.size if upload is not None else None
    )
    if problem:
        raise PortalLinkInvalid(problem, {"upload": [problem]})
    if "\x00" in description:
        message = NUL_MESSAGE.format(what="description")
        raise PortalLinkInvalid(message, {"upload": [message]})
    description = _signed_description(description.strip(), customer_sender(link=link, email=email))
    record = partial(job_services.workorder_document_upload, upload=upload, description=description)
    return _send_for_customer(
        link=link,
        kind=SubmissionKind.UPLOAD,
        field="upload",
        record=record,
        ip=ip,
        email=email,
        text=upload.name[:200],
        sent_text=description,
    )
