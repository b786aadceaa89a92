"""Every client endpoint over real HTTP against the TechLink sandbox (latency 0)."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest

from portal_ui.integrations.techlink import TechLinkClient, errors, types, wildcards


@pytest.fixture
def tl(sandbox):
    client = TechLinkClient(
        base_url=sandbox.base_url,
        username=sandbox.username,
        password=sandbox.password,
        backoff_factor=0,
        read_timeout=10,
    )
    yield client
    client.close()


def marker() -> str:
    return f"ST-{uuid.uuid4().hex[:10].upper()}"


def new_site(tl: TechLinkClient, **overrides) -> types.Site:
    fields = {
        "name": "Joe Testers",
        "site_id": marker(),
        "phone": "803-555-1212",
        "address1": "321 Main Street",
        "city": "New York",
        "state": "NY",
        "zip": "10021",
        "primary_contact_name": "Joe Tester",
        "primary_contact_phone": "803-555-1212",
        "primary_contact_email": "joetester@example.com",
        "notes": "Created by the client tests",
    }
    fields.update(overrides)
    return tl.site_create(**fields)


@pytest.fixture
def site(tl) -> types.Site:
    return new_site(tl)


@pytest.fixture
def workorder(tl, site) -> types.WorkOrder:
    return tl.workorder_create(site_id=site.id, summary="Replace the network switch", po="PO-1")


def find_workorder(tl: TechLinkClient, want) -> types.WorkOrder:
    """A seeded work order (fetched with every include) for which ``want(workorder)`` holds."""
    for wo in tl.workorders_get(tl.workorder_ids(), include_all=True):
        if want(wo):
            return wo
    pytest.fail("The seeded sandbox has no work order with the wanted data")


# -- sites ---------------------------------------------------------------------------------------


def test_it_creates_gets_and_finds_a_site(tl):
    created = new_site(tl, name="Greatest Testers", state="New York")
    assert created.id > 0
    assert created.name == "Greatest Testers"
    assert created.address.stateabbr == "NY"
    assert created.contact1.email == "joetester@example.com"

    fetched = tl.site_get(created.id)
    assert fetched.siteid == created.siteid
    assert fetched.last_modified is not None and fetched.last_modified.tzinfo is not None

    assert tl.site_ids(site_id=created.siteid) == [created.id]
    assert tl.site_ids(site_id=created.siteid.lower()) == [created.id]
    assert created.id in tl.site_ids(name="*test*", state="NY")
    assert created.id not in tl.site_ids(name="test*")


def test_it_lists_site_ids_newest_first(tl):
    prefix = marker()
    first = new_site(tl, site_id=prefix + "-A")
    second = new_site(tl, site_id=prefix + "-B")
    assert tl.site_ids(site_id=wildcards.prefix(prefix)) == [second.id, first.id]


def test_it_updates_only_the_given_site_fields(tl, site):
    updated = tl.site_update(site.id, phone="", notes="Gate code 1234")
    assert updated.phone == ""
    assert updated.notes == "Gate code 1234"
    assert updated.name == site.name
    assert updated.address.street == site.address.street
    assert tl.site_get(site.id).notes == "Gate code 1234"


def test_it_fetches_many_sites_in_order(tl):
    sites = [new_site(tl) for _ in range(4)]
    wanted = [sites[2].id, sites[0].id, sites[3].id, sites[1].id]
    assert [s.id for s in tl.sites_get(wanted)] == wanted


def test_it_reports_site_validation_errors_with_upstream_message(tl):
    with pytest.raises(errors.TechLinkValidationError) as info:
        new_site(tl, zip="1234")
    assert info.value.code == 400
    assert "zip" in info.value.message.lower()
    with pytest.raises(errors.TechLinkValidationError, match="city"):
        tl.site_create(
            name="No city",
            address1="1 Main St",
            state="NY",
            zip="10021",
            primary_contact_name="A",
            primary_contact_phone="1",
            primary_contact_email="a@example.com",
        )


def test_it_reports_a_missing_site(tl):
    with pytest.raises(errors.TechLinkNotFound) as info:
        tl.site_get(987654321)
    assert info.value.message == "Site #987654321 not found"
    assert info.value.http_status == 404


def test_it_sets_lists_and_removes_site_attributes(tl, site):
    attribute = tl.site_attribute_set(site.id, name="Gate code", value="1234")
    assert (attribute.site_id, attribute.name, attribute.value) == (site.id, "Gate code", "1234")
    tl.site_attribute_set(site.id, name="Gate code", value="4321")
    tl.site_attribute_set(site.id, name="Dock", value="B")
    listed = {a.name: a.value for a in tl.site_attributes(site.id)}
    assert listed == {"Gate code": "4321", "Dock": "B"}
    assert tl.site_get(site.id).attribute("dock") == "B"

    tl.site_attribute_remove(site.id, name="Gate code")
    assert [a.name for a in tl.site_attributes(site.id)] == ["Dock"]


def test_it_uploads_lists_downloads_and_removes_site_documents(tl, site):
    content = b"%PDF-1.4\n" + bytes(range(256)) * 300
    document = tl.site_document_upload(
        site.id, file=io.BytesIO(content), filename="floor plan.pdf", description="Floor plan"
    )
    assert (document.site_id, document.filename, document.description) == (
        site.id,
        "floor plan.pdf",
        "Floor plan",
    )

    assert [d.document_id for d in tl.site_documents(site.id)] == [document.document_id]
    assert [d.document_id for d in tl.site_documents(site.id, filename="*.PDF")] == [document.document_id]
    assert tl.site_documents(site.id, description="plan") == []

    with tl.site_document_raw(site.id, document.document_id) as raw:
        assert raw.filename == "floor plan.pdf"
        assert raw.content_type.startswith("application/pdf")
        assert b"".join(raw.iter_bytes(chunk_size=8192)) == content

    accented = tl.site_document_upload(site.id, file=io.BytesIO(b"plan"), filename="façade №2.pdf")
    with tl.site_document_raw(site.id, accented.document_id) as raw:
        assert raw.filename == "façade №2.pdf"

    tl.site_document_remove(site.id, document.document_id)
    assert [d.document_id for d in tl.site_documents(site.id)] == [accented.document_id]
    with pytest.raises(errors.TechLinkNotFound):
        tl.site_document_raw(site.id, document.document_id)


# -- reference lists -----------------------------------------------------------------------------


def test_it_lists_projects_task_items_and_users(tl):
    projects = tl.projects()
    assert projects and all(p.project_id > 0 and p.name for p in projects)
    assert tl.projects(name=wildcards.escape(projects[0].name)) == [projects[0]]

    antennas = {item.name for item in tl.task_items(name="1M Antenna*")}
    assert antennas >= {"1M Antenna", "1M Antenna w/NPRM Kit"}
    assert "**Technician Down Payment**" in {item.name for item in tl.task_items(name=r"\*\*Tech*")}

    users = tl.users(username="demo")
    assert [u.username for u in users] == ["demo"]
    assert users[0].user_id > 0 and users[0].enabled


# -- work orders ---------------------------------------------------------------------------------


def test_it_creates_gets_and_updates_a_work_order(tl, site):
    project = tl.projects()[0]
    created = tl.workorder_create(
        site_id=site.id,
        summary="Go onsite and replace the network switch",
        type="Site Survey",
        description="In building 2",
        po="PO12345",
        client_reference="#8675309",
        project_id=project.project_id,
        requested_install="2018/06/12 09:00:00",
    )
    assert created.site_id == site.id
    assert created.type == "Site Survey"
    assert (created.status_code, created.status) == (10, "Created")
    assert created.requested_time == "2018/06/12 09:00:00"
    assert created.project_id == project.project_id
    assert not created.is_scheduled and not created.is_assigned
    assert created.created_date is not None and created.created_date.tzinfo is not None

    updated = tl.workorder_update(created.id, summary="Replace switch in rack 5", description="")
    assert updated.summary == "Replace switch in rack 5"
    assert updated.description == ""
    assert updated.po == "PO12345"

    assert tl.workorder_get(created.id).summary == "Replace switch in rack 5"
    assert tl.workorder_ids(site_id=site.id) == [created.id]


def test_it_lists_work_order_ids_newest_first_with_filters(tl, site):
    first = tl.workorder_create(site_id=site.id, summary="first job", po="PO-A")
    second = tl.workorder_create(site_id=site.id, summary="second job", po="PO-B")
    assert tl.workorder_ids(site_id=site.id) == [second.id, first.id]
    assert tl.workorder_ids(site_id=site.id, summary="*JOB") == [second.id, first.id]
    assert tl.workorder_ids(site_id=site.id, po="PO-A") == [first.id]
    assert tl.workorder_ids(site_id=site.id, status_code=90) == []


def test_it_reports_work_order_validation_errors(tl):
    with pytest.raises(errors.TechLinkValidationError, match="Missing required field: summary"):
        tl.workorder_create(site_id=1, summary="")


def test_it_fetches_includes_on_request_only(tl, site, workorder):
    plain = tl.workorder_get(workorder.id)
    assert plain.site is None and plain.notes is None and plain.tasks is None

    full = tl.workorder_get(workorder.id, include_all=True)
    assert full.site is not None and full.site.id == site.id
    for name in ("questions", "tasks", "quotes", "notes", "photos", "client_documents", "closeout_documents"):
        assert isinstance(getattr(full, name), list), name

    only_notes = tl.workorder_get(workorder.id, include_notes=True)
    assert only_notes.notes is not None and only_notes.tasks is None


def test_it_fetches_many_work_orders_in_order(tl, site):
    created = [tl.workorder_create(site_id=site.id, summary=f"job {i}") for i in range(5)]
    wanted = [created[3].id, created[0].id, created[4].id, created[1].id, created[2].id]
    fetched = tl.workorders_get(wanted, include_notes=True)
    assert [wo.id for wo in fetched] == wanted
    assert all(wo.notes is not None for wo in fetched)


def test_it_adds_and_searches_notes(tl, workorder):
    note = tl.workorder_note_add(workorder.id, note="Please call dispatch when <b>onsite</b>")
    assert note.workorder_id == workorder.id
    assert note.content == "Please call dispatch when <b>onsite</b>"
    assert note.created_date is not None

    found = tl.workorder_notes(workorder.id, search="*call dispatch*")
    assert [n.note_id for n in found] == [note.note_id]
    assert tl.workorder_notes(workorder.id, search="call dispatch") == []


def test_it_adds_tasks_with_quantity_and_money(tl, workorder):
    item = tl.task_items(name="1M Antenna")[0]
    task = tl.workorder_task_add(
        workorder.id, taskitem_id=item.taskitem_id, description="Mount antenna", rate="1,250.50", quantity=2
    )
    assert task.item == "1M Antenna"
    assert task.quantity == Decimal(2)
    assert task.rate == Decimal("1250.50")
    assert task.price == Decimal("2501.00")
    assert [t.task_id for t in tl.workorder_tasks(workorder.id, item="1m antenna")] == [task.task_id]
    assert tl.workorder_tasks(workorder.id, description="Mount*") != []
    default_quantity = tl.workorder_task_add(
        workorder.id, taskitem_id=item.taskitem_id, description="Second", rate=10
    )
    assert default_quantity.quantity == Decimal(1)


def test_it_uploads_and_downloads_work_order_client_documents(tl, workorder):
    content = b"site access instructions\n" * 100
    document = tl.workorder_document_upload(
        workorder.id, file=io.BytesIO(content), filename="access.txt", description="Access"
    )
    assert document.workorder_id == workorder.id
    listed = tl.workorder_documents(workorder.id, description="acc*")
    assert [d.document_id for d in listed] == [document.document_id]
    with tl.workorder_document_raw(workorder.id, document.document_id) as raw:
        assert raw.filename == "access.txt"
        assert raw.content_type.startswith("text/plain")
        assert b"".join(raw.iter_bytes()) == content
    tl.workorder_document_remove(workorder.id, document.document_id)
    assert tl.workorder_documents(workorder.id) == []


def test_it_uploads_and_downloads_required_closeout_documents(tl, workorder):
    content = b"%PDF-1.4 W-9 form"
    document = tl.workorder_required_document_upload(
        workorder.id, file=io.BytesIO(content), filename="w9.pdf", description="W-9"
    )
    listed = tl.workorder_required_documents(workorder.id, filename="W9.PDF")
    assert [d.document_id for d in listed] == [document.document_id]
    with tl.workorder_required_document_raw(workorder.id, document.document_id) as raw:
        assert raw.filename == "w9.pdf"
        assert b"".join(raw.iter_bytes()) == content


def test_it_lists_and_downloads_photos(tl):
    wo = find_workorder(tl, lambda w: w.photos)
    photos = tl.workorder_photos(wo.id)
    assert {p.photo_id for p in photos} == {p.photo_id for p in wo.photos}
    assert all(p.workorder_id == wo.id and p.created_date is not None for p in photos)
    with tl.workorder_photo_raw(wo.id, photos[0].photo_id) as raw:
        assert raw.content_type.startswith("image/jpeg")
        assert raw.filename == photos[0].filename
        assert b"".join(raw.iter_bytes()).startswith(b"\xff\xd8")
    if photos[0].note:
        found = tl.workorder_photos(wo.id, search=wildcards.escape(photos[0].note))
        assert photos[0].photo_id in {p.photo_id for p in found}


def test_it_lists_and_downloads_completed_closeout_documents(tl):
    wo = find_workorder(tl, lambda w: w.closeout_documents)
    documents = tl.workorder_closeout_documents(wo.id)
    assert {d.document_id for d in documents} == {d.document_id for d in wo.closeout_documents}
    assert all(d.workorder_id == wo.id for d in documents)
    with tl.workorder_closeout_document_raw(wo.id, documents[0].document_id) as raw:
        assert raw.filename == documents[0].filename
        assert b"".join(raw.iter_bytes())
    by_name = tl.workorder_closeout_documents(wo.id, filename=wildcards.escape(documents[0].filename))
    assert documents[0].document_id in {d.document_id for d in by_name}


def test_it_lists_closeout_questions(tl):
    wo = find_workorder(tl, lambda w: any(q.is_answered for q in w.questions))
    questions = tl.workorder_questions(wo.id)
    assert [q.question_id for q in questions] == [q.question_id for q in wo.questions]
    assert all(isinstance(q.sort_order, int) and q.workorder_id == wo.id for q in questions)
    answered = next(q for q in questions if q.is_answered)
    found = tl.workorder_questions(wo.id, answer=wildcards.escape(answered.answer))
    assert answered.question_id in {q.question_id for q in found}
    assert tl.workorder_questions(wo.id, question=wildcards.contains("no such question text")) == []


def test_it_lists_quotes_with_money(tl):
    wo = find_workorder(tl, lambda w: w.quotes)
    quotes = tl.workorder_quotes(wo.id)
    assert {q.quote_id for q in quotes} == {q.quote_id for q in wo.quotes}
    assert all(isinstance(q.price, Decimal) and isinstance(q.rate, Decimal) for q in quotes)
    assert all(q.quantity * q.rate == q.price for q in quotes)
    found = tl.workorder_quotes(wo.id, item=wildcards.escape(quotes[0].item))
    assert quotes[0].quote_id in {q.quote_id for q in found}


def test_it_reports_a_missing_work_order(tl):
    with pytest.raises(errors.TechLinkNotFound, match="Work order #987654321 not found"):
        tl.workorder_get(987654321)
    with pytest.raises(errors.TechLinkNotFound):
        tl.workorder_note_add(987654321, note="lost")


def test_it_reports_wrong_credentials(sandbox):
    bad = TechLinkClient(base_url=sandbox.base_url, username=sandbox.username, password="wrong")
    with bad, pytest.raises(errors.TechLinkAuthError) as info:
        bad.site_ids()
    assert info.value.message == "Authentication failed"
    assert info.value.transient is False


# -- faults ------------------------------------------------------------------------------------------


def requests_made(sandbox, action) -> tuple[int, BaseException | None]:
    """How many API requests ``action()`` sent to the sandbox, and what it raised."""
    before = sandbox.stats()["requests"]["total"]
    raised = None
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - returned for the test to inspect
        raised = exc
    return sandbox.stats()["requests"]["total"] - before, raised


def test_it_retries_reads_but_never_writes_when_the_server_fails(sandbox, tl, site):
    with sandbox.configured(error_rate=1.0):
        count, raised = requests_made(sandbox, lambda: tl.site_get(site.id))
        assert isinstance(raised, errors.TechLinkServerError) and raised.transient
        assert count == 1 + tl.max_retries

        count, raised = requests_made(sandbox, lambda: tl.workorder_create(site_id=site.id, summary="x"))
        assert isinstance(raised, errors.TechLinkServerError)
        assert raised.maybe_applied is False
        assert count == 1
    assert tl.workorder_ids(site_id=site.id) == []


def test_it_retries_envelope_failures_on_http_200_for_reads_only(sandbox, tl, site):
    with sandbox.configured(error_rate=1.0, always_http_200=True):
        count, raised = requests_made(sandbox, lambda: tl.site_attributes(site.id))
        assert isinstance(raised, errors.TechLinkServerError)
        assert (raised.code, raised.http_status) == (500, 200)
        assert count == 1 + tl.max_retries

        count, raised = requests_made(sandbox, lambda: tl.site_attribute_set(site.id, name="a", value="b"))
        assert isinstance(raised, errors.TechLinkServerError)
        assert count == 1
    assert tl.site_attributes(site.id) == []


def test_it_trusts_the_envelope_code_when_the_server_always_answers_http_200(sandbox, tl):
    with sandbox.configured(always_http_200=True):
        with pytest.raises(errors.TechLinkNotFound) as info:
            tl.site_get(987654321)
        assert (info.value.code, info.value.http_status) == (404, 200)
        with pytest.raises(errors.TechLinkValidationError, match="Missing required field: summary"):
            tl.workorder_create(site_id=1, summary="")


def test_it_flags_a_lost_answer_to_a_write_as_maybe_applied(sandbox, tl, workorder):
    with sandbox.configured(lost_answer_rate=1.0, lost_answer_mode="502"):
        count, raised = requests_made(
            sandbox, lambda: tl.workorder_note_add(workorder.id, note="lost answer")
        )
    assert isinstance(raised, errors.TechLinkServerError)
    assert raised.maybe_applied is True and raised.http_status == 502
    assert count == 1
    # The write went through although its answer was lost.
    assert [n.content for n in tl.workorder_notes(workorder.id, search="lost answer")] == ["lost answer"]


def test_it_flags_a_write_that_timed_out_as_maybe_applied(sandbox, workorder):
    impatient = TechLinkClient(
        base_url=sandbox.base_url, username=sandbox.username, password=sandbox.password, read_timeout=0.3
    )
    with impatient, sandbox.configured(lost_answer_rate=1.0, lost_answer_mode="hang", hang_seconds=2):
        count, raised = requests_made(
            sandbox, lambda: impatient.workorder_update(workorder.id, po="PO-after-timeout")
        )
    assert isinstance(raised, errors.TechLinkTimeout)
    assert raised.maybe_applied is True
    assert count == 1
    assert impatient.workorder_get(workorder.id).po == "PO-after-timeout"


def test_it_retries_a_read_that_timed_out(sandbox):
    impatient = TechLinkClient(
        base_url=sandbox.base_url,
        username=sandbox.username,
        password=sandbox.password,
        read_timeout=0.3,
        max_retries=1,
        backoff_factor=0,
    )
    with impatient, sandbox.configured(timeout_rate=1.0, hang_seconds=2):
        count, raised = requests_made(sandbox, impatient.projects)
    assert isinstance(raised, errors.TechLinkTimeout)
    assert raised.maybe_applied is False
    assert count == 2


def test_it_round_trips_a_large_document_in_chunks(tl, workorder):
    content = bytes(range(256)) * (12 * 1024)  # 3 MiB
    document = tl.workorder_document_upload(
        workorder.id, file=io.BytesIO(content), filename="survey.bin", content_type="application/octet-stream"
    )
    sizes = []
    received = bytearray()
    with tl.workorder_document_raw(workorder.id, document.document_id) as raw:
        assert raw.content_length == len(content)
        for chunk in raw.iter_bytes(chunk_size=64 * 1024):
            sizes.append(len(chunk))
            received += chunk
    assert len(sizes) > 1 and max(sizes) <= 64 * 1024
    assert bytes(received) == content
