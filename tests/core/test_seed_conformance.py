"""Every kind of write sends TechLink only the fields API light documents for its endpoint, and the field
rules the dashboard holds (``integrations/techlink/fields.py``) are the document's own."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal_ui.core.upstream import techlink_client
from portal_ui.integrations.techlink import fields
from portal_ui.jobs import services
from portal_ui.jobs.kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]
# The API light document lies in shared/ beside the project's folder (as in CI); TECHLINK_SEED names another place.
SEED = Path(os.environ.get("TECHLINK_SEED", ROOT.parent / "shared" / "seeds" / "techlink-api-light.txt"))


def documented_fields() -> dict[tuple[str, str], set[str]]:
    """(method, path pattern) -> the field names of its "Query Fields" table, read from the seed."""
    text = SEED.read_text(encoding="utf-8").replace("\xa0", " ")
    found = {}
    for block in text.split("URL: http://portal.techlinksvc.net/api/light/")[1:]:
        path, _, rest = block.partition("\n")
        method = re.match(r"Method: (\w+)", rest).group(1)
        names: set[str] = set()
        if "Query Fields:" in rest.split("The response")[0]:
            table = rest.split("Query Fields:", 1)[1].split("\n")[2:]
            for line in table:
                if not line.strip() or line.startswith(("Note:", "The response")):
                    break
                names.add(line.split()[0])
        pattern = re.sub(r"\{\w+\}", r"\\d+", path.strip())
        found[(method, pattern)] = names
    return found


@pytest.fixture(scope="module")
def documented(require_service):
    require_service("The API light document", SEED.exists(), f"it is not at {SEED}")
    return documented_fields()


def allowed(documented, method: str, path: str) -> set[str]:
    matches = [
        names for (m, pattern), names in documented.items() if m == method and re.fullmatch(pattern, path)
    ]
    assert matches, f"{method} {path} is not an API light endpoint"
    return matches[0]


def test_it_holds_the_documents_field_rules(documented):
    assert allowed(documented, "POST", "site") == fields.SITE_FIELDS
    assert allowed(documented, "POST", "site/5") == fields.SITE_FIELDS
    assert allowed(documented, "POST", "workorder") == fields.WORKORDER_CREATE_FIELDS
    assert allowed(documented, "POST", "workorder/5") == fields.WORKORDER_UPDATE_FIELDS
    assert allowed(documented, "POST", "workorder/5/note") == fields.NOTE_FIELDS
    assert allowed(documented, "POST", "workorder/5/task") == fields.TASK_FIELDS
    assert allowed(documented, "POST", "site/5/attribute") == fields.SITE_ATTRIBUTE_FIELDS
    assert allowed(documented, "POST", "workorder/5/document") == fields.UPLOAD_FIELDS
    flags = allowed(documented, "GET", "workorder/5")
    assert flags == {f"include_{flag}" for flag in fields.INCLUDE_FLAGS}


def recorded_requests(monkeypatch) -> list[tuple[str, str, set[str]]]:
    """Every request the dashboard's client sends: (method, path, the field names it carries)."""
    client = techlink_client()
    sent = []
    for session in (client._session, client._session_once):
        original = session.request

        def recording(method, url, *, params=None, data=None, original=original, **kwargs):
            names = set(params or {})
            if isinstance(data, dict):
                names |= set(data)
            elif data is not None:  # a multipart body: its text fields and the file field
                body = data.read() if hasattr(data, "read") else b""
                names |= {name.decode() for name in re.findall(rb'(?<!file)name="([^"]+)"', body)}
                data = io.BytesIO(body)
            sent.append((method, url.split("/api/light/", 1)[1], names))
            return original(method, url, params=params, data=data, **kwargs)

        monkeypatch.setattr(session, "request", recording)
    return sent


def every_kind_recorded(dispatcher, workorder_id: int, site_id: int, taskitem_id: int) -> list:
    upload = lambda name: SimpleUploadedFile(name, b"%PDF-1.4 plan", content_type="application/pdf")  # noqa: E731
    site_fields = {
        "name": "Seed Check Deli", "site_id": "ST-SEED-1", "address1": "1 Elm St", "city": "Albany", "state": "NY",
        "zip": "12207", "primary_contact_name": "Ann", "primary_contact_phone": "518-555-0100",
        "primary_contact_email": "ann@example.com",
    }  # fmt: skip
    return [
        services.site_create(user=dispatcher, fields=site_fields),
        services.site_update(user=dispatcher, site_id=site_id, changes={"phone": "518-555-0199"}),
        services.site_attribute_set(user=dispatcher, site_id=site_id, name="Gate", value="4411"),
        services.site_attribute_remove(user=dispatcher, site_id=site_id, name="Gate"),
        services.site_document_upload(
            user=dispatcher, site_id=site_id, upload=upload("plan.pdf"), description="Plan"
        ),
        services.workorder_create(
            user=dispatcher, fields={"site_id": site_id, "summary": "Seed check", "po": "PO-1"}
        ),
        services.workorder_update(
            user=dispatcher, workorder_id=workorder_id, changes={"summary": "Seed check 2"}
        ),
        services.workorder_note_add(user=dispatcher, workorder_id=workorder_id, note="Seed check note"),
        services.workorder_task_add(
            user=dispatcher,
            workorder_id=workorder_id,
            taskitem_id=taskitem_id,
            description="Antenna",
            rate="10.00",
            quantity="2",
        ),
        services.workorder_document_upload(
            user=dispatcher, workorder_id=workorder_id, upload=upload("wo.pdf"), description="Scope"
        ),
        services.workorder_required_document_upload(
            user=dispatcher, workorder_id=workorder_id, upload=upload("signoff.pdf"), description="Sign-off"
        ),
    ]


@pytest.mark.django_db
def test_it_sends_only_documented_fields_for_every_kind_of_write(
    documented, upstream, dispatcher, monkeypatch
):
    client = techlink_client()
    workorder_id = min(client.workorder_ids())
    site_id = client.workorder_get(workorder_id).site_id
    taskitem_id = client.task_items()[0].taskitem_id
    writes = every_kind_recorded(dispatcher, workorder_id, site_id, taskitem_id)
    sent = recorded_requests(monkeypatch)
    for write in writes:
        kind = KINDS[write.kind]
        if write.file:
            with write.file.open("rb") as handle:
                kind.send(client, write, handle)
        else:
            kind.send(client, write, None)
    writes_sent = [(m, p, names) for m, p, names in sent if m != "GET"]
    assert {m for m, _, _ in writes_sent} <= {"POST", "DELETE"}
    for method, path, names in writes_sent:
        assert names <= allowed(documented, method, path), (
            f"{method} {path} sent {names - allowed(documented, method, path)}"
        )
    # The two document deletes send no fields at all (the document is named in the path).
    kinds_covered = {write.kind for write in writes}
    assert kinds_covered | {"site_document_delete", "workorder_document_delete"} == set(KINDS)
