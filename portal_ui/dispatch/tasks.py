"""Celery tasks of the close-out review: reports, the scan that fills the review queue, photo thumbnails, and
housekeeping (scheduled in ``CELERY_BEAT_SCHEDULE``, routed to the ``mirror`` queue: they read TechLink)."""

from celery import shared_task

from portal_ui.dispatch.closeouts import photos, report_services, services


@shared_task(name="dispatch.closeout_report_build", acks_late=True, ignore_result=True)
def closeout_report_build_task(report_id: int) -> None:
    """Make one close-out report (safe to deliver twice: the report is claimed first)."""
    report_services.closeout_report_build(report_id=report_id)


@shared_task(name="dispatch.closeout_scan", ignore_result=True)
def closeout_scan_task() -> int:
    """Every few minutes: look for close-outs that technicians delivered (the review queue)."""
    return services.closeout_scan()


@shared_task(name="dispatch.closeout_photos_prepare", ignore_result=True)
def closeout_photos_prepare_task(workorder_id: int) -> int:
    """Make the thumbnails of a work order's photos that are not made yet."""
    return photos.closeout_photos_prepare(workorder_id=workorder_id)


@shared_task(name="dispatch.closeout_reports_purge", ignore_result=True)
def closeout_reports_purge_task() -> int:
    """Daily: forget old close-out reports and scaled photos no one looked at for long."""
    return report_services.closeout_reports_purge() + photos.closeout_photos_purge()
