"""Celery tasks of portal links (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from portal_ui.portal_links import services


@shared_task(name="portal_links.housekeeping", ignore_result=True)
def portal_link_housekeeping() -> str:
    """Daily: drop expired one-time codes and access-log rows past their keeping time."""
    codes, logs = services.portal_link_housekeeping()
    return f"{codes} one-time codes and {logs} access-log rows removed"
