"""The registry of write kinds: one declaration per kind gives the model's choices, the target a write lines
up on, the summary staff read, and where its result and its change form are."""

import pytest
from django.core.management import call_command

from portal_ui.jobs.kinds import KINDS
from portal_ui.jobs.models import UpstreamWrite, WriteKind

pytestmark = pytest.mark.django_db

# Stored with every write: a change would let an old write and a new one to the same object run side by side.
TARGETS = {
    "site_create": ({"fields": {"name": " Corner Deli ", "zip": "12207 "}}, "site-create:12207:corner deli"),
    "site_update": ({"site_id": 7, "changes": {"notes": "x"}}, "site:7"),
    "site_attribute_set": ({"site_id": 7, "name": " Rack ", "value": "2"}, "site:7:attribute:rack"),
    "site_attribute_remove": ({"site_id": 7, "name": "RACK"}, "site:7:attribute:rack"),
    "site_document_upload": ({"site_id": 7, "description": ""}, "site:7:documents"),
    "site_document_delete": ({"site_id": 7, "document_id": 3}, "site:7:documents"),
    "workorder_create": ({"fields": {"site_id": "7", "summary": "Install"}}, "site:7:workorders"),
    "workorder_update": ({"workorder_id": 42, "changes": {"po": "1"}}, "workorder:42"),
    "workorder_note_add": ({"workorder_id": 42, "note": "hi"}, "workorder:42:notes"),
    "workorder_task_add": ({"workorder_id": 42, "description": "Mount"}, "workorder:42:tasks"),
    "workorder_document_upload": ({"workorder_id": 42, "description": ""}, "workorder:42:documents"),
    "workorder_document_delete": ({"workorder_id": 42, "document_id": 3}, "workorder:42:documents"),
    "workorder_required_document_upload": ({"workorder_id": 42, "description": ""}, "workorder:42:required"),
}

SUMMARIES = {
    "site_create": "Create site “Corner Deli”",
    "site_update": "Update site #7 (name, notes)",
    "site_attribute_set": "Set attribute “Rack” on site #7",
    "site_attribute_remove": "Remove attribute “Rack” from site #7",
    "site_document_upload": "Upload “plan.pdf” to site #7",
    "site_document_delete": "Delete document #3 from site #7",
    "workorder_create": "Create work order “Install” at site #7",
    "workorder_update": "Update work order #42 (description, po)",
    "workorder_note_add": "Add note to work order #42",
    "workorder_task_add": "Add task “Mount” to work order #42",
    "workorder_document_upload": "Upload “plan.pdf” to work order #42",
    "workorder_document_delete": "Delete document #3 from work order #42",
    "workorder_required_document_upload": "Upload close-out document “plan.pdf” to work order #42",
}
PAYLOADS = {
    "site_create": {"fields": {"name": "Corner Deli"}},
    "site_update": {"site_id": 7, "changes": {"notes": "x", "name": "y"}},
    "site_attribute_set": {"site_id": 7, "name": "Rack", "value": "2"},
    "site_attribute_remove": {"site_id": 7, "name": "Rack"},
    "workorder_create": {"fields": {"site_id": "7", "summary": "Install"}},
    "workorder_update": {"workorder_id": 42, "changes": {"po": "1", "description": "d"}},
    "workorder_task_add": {"workorder_id": 42, "description": "Mount"},
}


def test_it_declares_each_kind_once_and_makes_the_choices_from_them():
    assert set(KINDS) == set(TARGETS)
    assert WriteKind.choices == [(name, kind.label) for name, kind in KINDS.items()]
    assert WriteKind.SITE_CREATE == "site_create"
    assert WriteKind.WORKORDER_REQUIRED_DOCUMENT_UPLOAD.label == "Upload close-out document"


def test_it_has_a_migration_for_the_choices():
    call_command("makemigrations", "jobs", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_it_lines_each_kind_up_on_the_same_target_as_before(name):
    payload, target = TARGETS[name]
    assert KINDS[name].target(payload) == target


@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_it_says_what_each_write_does(name):
    payload = PAYLOADS.get(name) or {**TARGETS[name][0], "document_id": 3}
    write = UpstreamWrite(kind=name, payload=payload, filename="plan.pdf")
    assert write.summary == SUMMARIES[name]


def test_it_names_the_page_of_the_result_and_the_form_of_a_refused_create():
    write = UpstreamWrite.objects.create(
        kind="workorder_create", payload={"fields": {"site_id": "7", "summary": "x"}}, actor_label="t"
    )
    assert KINDS["workorder_create"].result_url({"workorder_id": 9001}) == "/workorders/9001/"
    assert KINDS["site_document_delete"].result_url({"site_id": 7, "document_id": 3}) == "/sites/7/"
    assert KINDS["workorder_note_add"].result_url({}) == ""
    assert write.change_url == ""  # only once TechLink refused it
    write.status = "failed"
    assert write.change_url == f"/workorders/new/?from_write={write.pk}"
    assert KINDS["site_create"].change_url(write) == f"/sites/new/?from_write={write.pk}"
    assert KINDS["workorder_note_add"].change_url(write) == ""
