"""Project, task item and client user names come from the read model, so they survive restarts and outages."""

from __future__ import annotations

import re

from django.core.cache import cache, caches
from django.urls import reverse
from django.utils.html import escape

from portal_ui.mirror.models import ProjectRecord, WorkOrderRecord
from portal_ui.mirror.services import mirror_sync_reference


def _row_of(client, workorder_id: int) -> tuple[str, str]:
    """The work order's row on the list (newest first; other tests add work orders to the shared sandbox, so
    it may be on a later page), and that page."""
    for page in range(1, 11):
        html = client.get(reverse("workorders"), {"page": page}).content.decode()
        found = re.search(rf'<td><a href="/workorders/{workorder_id}/">.*?</tr>', html, re.S)
        if found:
            return found.group(0), html
    raise AssertionError(f"work order #{workorder_id} is not on the first ten pages of the list")


def _with_project(tl):
    record = WorkOrderRecord.objects.exclude(project_id=None).order_by("-id").first()
    assert record is not None, "the sandbox seed has work orders with a project"
    name = next(p.name for p in tl.projects() if p.project_id == record.project_id)
    return record, name


def test_it_names_projects_on_the_list_after_a_restart_with_techlink_down(
    viewer_client, synced, tl, upstream_down
):
    # The sync stored the lists; the cache is gone (restart) and TechLink does not answer.
    cache.clear()
    caches["fragments"].clear()
    record, name = _with_project(tl)

    row, html = _row_of(viewer_client, record.id)
    assert (
        f'<td data-label="Project"><span class="clip cap" title="{escape(name)}">{escape(name)}</span></td>'
        in row
    )
    assert f"<td>{record.project_id}</td>" not in row
    assert '<select name="project_id"' in html  # a picker of names, not a box for a number
    assert f'<option value="{record.project_id}">{escape(name)}</option>' in html


def test_it_asks_techlink_for_the_lists_when_they_were_never_synced_and_keeps_them(
    viewer_client, tl, workorder, monkeypatch
):
    assert not ProjectRecord.objects.exists()
    _, name = _with_project(tl)

    assert escape(name) in viewer_client.get(reverse("workorders")).content.decode()
    assert ProjectRecord.objects.count() == len(tl.projects())  # stored for the next page

    def not_again(**kwargs):
        raise AssertionError("the stored lists are used")

    monkeypatch.setattr(tl, "projects", not_again)
    assert escape(name) in viewer_client.get(reverse("workorders")).content.decode()


def test_it_keeps_the_name_of_a_project_techlink_no_longer_lists(viewer_client, synced, tl, monkeypatch):
    record, name = _with_project(tl)
    listed = tl.__class__.projects
    monkeypatch.setattr(
        tl, "projects", lambda **kw: [p for p in listed(tl) if p.project_id != record.project_id]
    )
    mirror_sync_reference()

    assert not ProjectRecord.objects.get(pk=record.project_id).listed
    row, html = _row_of(viewer_client, record.id)
    assert (
        f'<td data-label="Project"><span class="clip cap" title="{escape(name)}">{escape(name)}</span></td>'
        in row
    )
    assert f"{escape(name)} (no longer listed)</option>" in html
    detail = viewer_client.get(reverse("workorder_detail", args=[record.id])).content.decode()
    assert f"<dt>Project</dt><dd>{escape(name)}</dd>" in detail


def test_it_shows_a_project_never_known_as_a_numbered_project(viewer_client, synced):
    record = WorkOrderRecord.objects.order_by("-id").first()
    WorkOrderRecord.objects.filter(pk=record.pk).update(project_id=987123)

    row, _ = _row_of(viewer_client, record.id)
    assert "Project #987123" in row


def test_it_offers_project_submitter_and_task_item_pickers_with_techlink_down(
    dispatcher_client, synced, tl, workorder, upstream_down
):
    project = ProjectRecord.objects.filter(listed=True).order_by("name").first()
    new = dispatcher_client.get(reverse("workorder_new")).content.decode()
    assert f'<option value="{project.id}">{escape(project.name)}</option>' in new
    detail = dispatcher_client.get(reverse("workorder_detail", args=[workorder.id])).content.decode()
    assert '<select name="taskitem_id"' in detail


def test_it_shows_when_the_reference_lists_were_synced(viewer_client, synced):
    html = viewer_client.get(reverse("reference")).content.decode()
    assert "As synced" in html and "Fetched from TechLink just now" not in html
