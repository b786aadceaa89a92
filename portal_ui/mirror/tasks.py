"""Celery tasks keeping the read model fresh (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task
from celery.signals import worker_ready

from . import services


@shared_task(name="mirror.sync_open")
def mirror_sync_open_task() -> str:
    """New ids, status changes and a slice of open work orders (every 2 minutes)."""
    return str(services.mirror_sync_open())


@shared_task(name="mirror.sync_new")
def mirror_sync_new_task() -> str:
    """Only new ids (every minute; a few upstream calls when nothing is new)."""
    return str(services.mirror_sync_new())


@shared_task(name="mirror.sync_full")
def mirror_sync_full_task() -> str:
    """Everything, including removals upstream (hourly)."""
    return str(services.mirror_sync_full())


@shared_task(name="mirror.sync_reference")
def mirror_sync_reference_task() -> str:
    """Projects, task items and client users (every 5 minutes; three upstream calls)."""
    return str(services.mirror_sync_reference())


@shared_task(name="mirror.workorder_refresh", ignore_result=True)
def mirror_workorder_refresh_task(workorder_id: int) -> None:
    services.mirror_workorder_refresh(workorder_id=workorder_id)


@shared_task(name="mirror.site_refresh", ignore_result=True)
def mirror_site_refresh_task(site_id: int) -> None:
    services.mirror_site_refresh(site_id=site_id)


@worker_ready.connect
def _catch_up_on_start(sender=None, **kwargs) -> None:
    """When a worker starts, bring the read model up to date at once instead of at the first beat."""
    mirror_sync_open_task.delay()
    mirror_sync_reference_task.delay()
