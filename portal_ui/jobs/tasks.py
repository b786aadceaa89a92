"""Celery tasks running the outbox of upstream writes."""

from celery import shared_task

from . import services


@shared_task(name="jobs.run_upstream_write", bind=True, acks_late=True, ignore_result=True)
def run_upstream_write(self, write_id: int) -> None:
    """Send one recorded write to TechLink. Safe to deliver twice: the row is claimed atomically."""
    services.upstream_write_run(write_id=write_id)


@shared_task(name="jobs.requeue_stuck_upstream_writes", acks_late=True, ignore_result=True)
def requeue_stuck_upstream_writes() -> int:
    """Periodic: queue again writes whose worker died or whose broker message was lost."""
    return services.upstream_write_requeue_stuck()


@shared_task(name="jobs.purge_finished_upstream_writes", ignore_result=True)
def purge_finished_upstream_writes() -> int:
    """Daily: forget writes that finished well long ago."""
    return services.upstream_write_purge_finished()
