"""Celery tasks running the outbox. Their messages are only wake-ups: what to send, and when, is in the
outbox table (see ``portal_ui.jobs.outbox``)."""

from celery import shared_task

from . import outbox, pump


@shared_task(name="jobs.run_upstream_write", acks_late=True, ignore_result=True)
def run_upstream_write(write_id: int) -> None:
    """Send one recorded write to TechLink if it is due. Safe to deliver twice: the write is claimed
    atomically."""
    outbox.run_write(write_id=write_id)


@shared_task(name="jobs.run_due_upstream_writes", acks_late=True, ignore_result=True)
def run_due_upstream_writes() -> int:
    """Send the writes that are due, oldest first (the pump sends these wake-ups)."""
    return outbox.run_due()


@shared_task(name="jobs.pump_upstream_writes", acks_late=False, ignore_result=True)
def pump_upstream_writes() -> None:
    """Every few seconds: take over writes of stopped workers, fail writes whose time is up, wake workers
    for the writes that are due."""
    pump.pump()


@shared_task(name="jobs.purge_finished_upstream_writes", ignore_result=True)
def purge_finished_upstream_writes() -> int:
    """Daily: forget writes that finished well long ago."""
    return pump.purge_finished()
