"""Celery tasks of portal links: staff notification and one-time code e-mails, background refreshes of the
customer pages' copy of a work order (on the read model's "mirror" queue), and the daily housekeeping
(scheduled in ``CELERY_BEAT_SCHEDULE``)."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from portal_ui.core.pages import page_url
from portal_ui.core.upstream import UpstreamError
from portal_ui.portal_links.customer import access
from portal_ui.portal_links.customer.gates import code_mail_text
from portal_ui.portal_links.sharing import services as sharing_services

logger = logging.getLogger(__name__)

NOTIFY_MAX_RETRIES = 5
# Refreshes of the customer pages' copy are read-model work: they share the read model's queue.
SNAPSHOT_QUEUE = "mirror"
MAIL_RETRY = {
    "autoretry_for": (OSError,),
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "max_retries": NOTIFY_MAX_RETRIES,
}


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if path else ""


@shared_task(name="portal_links.notify", ignore_result=True, **MAIL_RETRY)
def notify(*, recipients: list[str], subject: str, message: str, workorder: str, link_id: str) -> None:
    """Tell staff about customer activity on a link (a view, comment or upload), in a text and an HTML body
    with links to the work order and the portal link; a mail server that does not answer is tried again
    later."""
    context = {
        "message": message,
        "workorder": workorder,
        "workorder_url": _absolute(page_url("workorder", workorder_id=int(workorder))),
        "link_url": _absolute(reverse("portal_link_detail", kwargs={"pk": link_id})),
    }
    mail = EmailMultiAlternatives(
        subject, render_to_string("portal_links/email/notification.txt", context), None, recipients
    )
    mail.attach_alternative(render_to_string("portal_links/email/notification.html", context), "text/html")
    mail.send()


@shared_task(name="portal_links.code_mail", ignore_result=True, **MAIL_RETRY)
def code_mail(*, email: str, code: str, minutes: int) -> None:
    """E-mail a one-time code to a private link's visitor."""
    subject, body = code_mail_text(code=code, minutes=minutes)
    send_mail(subject, body, None, [email])


@shared_task(name="portal_links.snapshot_refresh", ignore_result=True)
def snapshot_refresh(*, workorder_id: int) -> str:
    """Refresh the customer pages' copy of one work order from TechLink. When TechLink cannot answer, the
    copy stays as it was; the next page view after the max age asks again."""
    try:
        snapshot = sharing_services.workorder_snapshot_refresh(workorder_id=workorder_id)
    except UpstreamError as exc:
        logger.warning("Could not refresh the copy of work order %s: %s", workorder_id, exc)
        return f"work order {workorder_id}: not refreshed ({exc})"
    return f"work order {workorder_id}: {'refreshed' if snapshot.found else 'not found upstream'}"


def snapshot_refresh_queue(*, workorder_id: int) -> None:
    """Queue a refresh of one work order's copy on the read model's queue."""
    snapshot_refresh.apply_async(kwargs={"workorder_id": workorder_id}, queue=SNAPSHOT_QUEUE)


@shared_task(name="portal_links.housekeeping", ignore_result=True)
def portal_link_housekeeping() -> str:
    """Daily: drop expired one-time codes, idle gate counters, and access-log rows past their keeping time."""
    codes, logs = access.portal_link_housekeeping()
    return f"{codes} one-time codes and {logs} access-log rows removed"
