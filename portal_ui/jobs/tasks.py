"""Celery tasks running the outbox."""

from celery import shared_task

from . import outbox


@shared_task(name="jobs.run_upstream_write", bind=True, acks_late=True, ignore_result=True)
def run_upstream_write(self, write_id: int) -> None:
    """Send one recorded write to TechLink. Safe to deliver twice: the write is claimed atomically."""
    outbox.run_write(write_id=write_id)


@shared_task(name="jobs.requeue_stuck_upstream_writes", acks_late=True, ignore_result=True)
def requeue_stuck_upstream_writes() -> int:
    """Periodic: queue again writes whose worker died or whose broker message was lost."""
    return outbox.requeue_stuck()


@shared_task(name="jobs.purge_finished_upstream_writes", ignore_result=True)
def purge_finished_upstream_writes() -> int:
    """Daily: forget writes that finished well long ago."""
    return outbox.purge_finished()
