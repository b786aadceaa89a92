from datetime import timedelta

import pytest
from django.utils import timezone

from portal_ui.jobs import pump
from portal_ui.jobs.models import UpstreamWrite, WriteKind, WriteStatus

pytestmark = pytest.mark.django_db


def write(status: str, finished_days_ago: float | None) -> UpstreamWrite:
    finished = timezone.now() - timedelta(days=finished_days_ago) if finished_days_ago is not None else None
    return UpstreamWrite.objects.create(
        kind=WriteKind.WORKORDER_NOTE_ADD,
        payload={"workorder_id": 1, "note": "x"},
        actor_label="test",
        status=status,
        finished_at=finished,
    )


def test_it_forgets_only_writes_that_finished_well_long_ago(settings):
    settings.JOBS_KEEP_DONE_DAYS = 90
    old_done = write(WriteStatus.DONE, 91)
    recent_done = write(WriteStatus.DONE, 89)
    old_failed = write(WriteStatus.FAILED, 200)
    queued = write(WriteStatus.QUEUED, None)

    assert pump.purge_finished() == 1

    remaining = set(UpstreamWrite.objects.values_list("pk", flat=True))
    assert remaining == {recent_done.pk, old_failed.pk, queued.pk}
    assert old_done.pk not in remaining
