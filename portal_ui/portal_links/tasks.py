"""Celery tasks of portal links: staff notification e-mails, and the daily housekeeping (scheduled in
``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task
from django.core.mail import send_mail

from portal_ui.portal_links.customer import services as customer_services

NOTIFY_MAX_RETRIES = 5


@shared_task(
    name="portal_links.notify",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=15 * 60,
    max_retries=NOTIFY_MAX_RETRIES,
)
def notify(*, recipients: list[str], subject: str, body: str) -> None:
    """Tell staff about customer activity on a link (a view, comment or upload); a mail server that does not
    answer is tried again later."""
    send_mail(subject, body, None, recipients)


@shared_task(name="portal_links.housekeeping", ignore_result=True)
def portal_link_housekeeping() -> str:
    """Daily: drop expired one-time codes and access-log rows past their keeping time."""
    codes, logs = customer_services.portal_link_housekeeping()
    return f"{codes} one-time codes and {logs} access-log rows removed"
