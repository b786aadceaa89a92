from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal_ui.integrations.techlink import types

SEED_SITE = {
    "id": 49947,
    "name": "Joe Testers",
    "siteid": "",
    "phone": "803-555-1212",
    "notes": "This is an API test",
    "timezone": "America/New_York",
    "last_modified": "2018-06-04 13:02:04 UTC",
    "contact1": {"name": "Joe Tester", "phone": "803-555-1212", "email": "joetester@myname.com"},
    "contact2": {"name": "Tom Tester", "phone": "706-555-1212", "email": "tomtester@myname.com"},
    "address": {
        "street": "321 Main Street",
        "street2": "",
        "street3": "",
        "city": "New York",
        "state": "New York",
        "stateabbr": "NY",
        "zip": "10021",
        "country": "",
        "latitude": "41.505069",
        "longitude": "-73.970327",
    },
    "attributes": [{"attribute_id": 63865, "site_id": 49947, "name": "Gate code", "value": "1234"}],
}

SEED_WORKORDER = {
    "id": 111981,
    "status": "Scheduled",
    "status_code": 60,
    "type": "Work Order",
    "submitter_id": 7693,
    "po": "PO12345",
    "client_reference": "#8675309",
    "summary": "Go onsite and replace the network switch",
    "description": "In building 2 replace the switch in rack 5 at U24",
    "requested_time": "2018/06/12 09:00:00",
    "scheduled_date": "2017-10-20 15:00:00",
    "site_id": 49947,
    "project_id": 12345,
    "installer": {"name": "AAA Installers Ltd.", "phone": "123-456-7890", "email": "installers@nowhere.com"},
    "planned_tech": {"name": "Tony McAnthony", "phone": "987-654-3210"},
    "url": "http://portal.techlinksvc.net/portal/index.php?sp=orders&act=detail&id=111981",
    "created_date": "2018-06-11 16:31:22 EDT",
    "last_modified": "2018-06-11 16:31:22 UTC",
}


def test_it_parses_a_site_from_the_seed_example():
    site = types.Site.from_api(SEED_SITE)
    assert site.id == 49947
    assert site.contact2.email == "tomtester@myname.com"
    assert site.address.stateabbr == "NY"
    assert site.address.latitude == Decimal("41.505069")
    assert site.address.longitude == Decimal("-73.970327")
    assert site.last_modified == datetime(2018, 6, 4, 13, 2, 4, tzinfo=UTC)
    assert site.attributes[0].name == "Gate code"
    assert site.attribute("gate CODE") == "1234"


def test_it_tolerates_missing_optional_and_unknown_fields():
    site = types.Site.from_api({"id": "12", "name": "Bare", "brand_new_field": {"x": 1}})
    assert site.id == 12
    assert site.address.latitude is None
    assert site.contact1.name == ""
    assert site.attributes == []
    assert site.last_modified is None


def test_it_rejects_objects_without_an_id():
    with pytest.raises(ValueError):
        types.Site.from_api({"name": "no id"})


def test_it_parses_a_work_order_with_zone_aware_and_site_local_dates():
    wo = types.WorkOrder.from_api(SEED_WORKORDER)
    edt = timezone(timedelta(hours=-4))
    assert wo.created_date == datetime(2018, 6, 11, 16, 31, 22, tzinfo=edt)
    assert wo.created_date.utcoffset() == timedelta(hours=-4)
    assert wo.scheduled_date == datetime(2017, 10, 20, 15, 0)
    assert wo.scheduled_date.tzinfo is None
    assert wo.requested_time == "2018/06/12 09:00:00"
    assert wo.is_scheduled and wo.is_assigned and wo.is_open
    assert wo.installer.name == "AAA Installers Ltd."
    assert wo.planned_tech.phone == "987-654-3210"
    # Related lists were not requested: None, not empty.
    assert wo.site is None and wo.notes is None and wo.closeout_documents is None


def test_it_recognises_unscheduled_and_unassigned_work_orders():
    data = dict(
        SEED_WORKORDER,
        status_code=30,
        scheduled_date="0000-00-00 00:00:00",
        installer={"name": "", "phone": "", "email": ""},
        planned_tech={"name": "", "phone": ""},
    )
    wo = types.WorkOrder.from_api(data)
    assert wo.scheduled_date is None
    assert not wo.is_scheduled
    assert not wo.is_assigned


@pytest.mark.parametrize("value", ["", None, "0000-00-00 00:00:00", "0000-00-00"])
def test_it_reads_empty_or_zero_dates_as_none(value):
    assert types.parse_datetime(value) is None


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("EST", -5),
        ("EDT", -4),
        ("CST", -6),
        ("CDT", -5),
        ("MST", -7),
        ("MDT", -6),
        ("PST", -8),
        ("PDT", -7),
        ("UTC", 0),
    ],
)
def test_it_reads_us_zone_abbreviations(text, offset):
    parsed = types.parse_datetime(f"2018-06-13 09:14:18 {text}")
    assert parsed.utcoffset() == timedelta(hours=offset)
    assert (parsed.hour, parsed.minute, parsed.second) == (9, 14, 18)


@pytest.mark.parametrize(
    "zone",
    [
        "America/New_York",
        "America/Puerto_Rico",
        "America/St_Thomas",
        "America/Halifax",
        "America/St_Johns",
        "America/Anchorage",
        "Pacific/Honolulu",
        "Pacific/Guam",
        "Pacific/Saipan",
        "Pacific/Pago_Pago",
    ],
)
@pytest.mark.parametrize("month", [1, 7])
def test_it_reads_the_zone_of_every_us_and_canadian_site(zone, month):
    # TechLink writes local times with the site zone's abbreviation, summer and winter alike.
    moment = datetime(2026, month, 15, 9, 30, tzinfo=ZoneInfo(zone))
    parsed = types.parse_datetime(moment.strftime("%Y-%m-%d %H:%M:%S %Z"))
    assert parsed == moment
    assert parsed.utcoffset() == moment.utcoffset()


def test_it_parses_money_and_quantities_as_decimals():
    task = types.Task.from_api(
        {
            "task_id": "411970",
            "workorder_id": 111981,
            "item": "**Technician Down Payment**",
            "item_notes": ["also item notes if exist"],
            "description": "Adding technical billing",
            "description_notes": ["updated Jun 13 by admin"],
            "quantity": "2",
            "rate": "5,000.00",
            "price": "10,000.00",
            "created_date": "2018-06-13 10:10:18 EDT",
        }
    )
    assert task.task_id == 411970
    assert task.quantity == Decimal(2)
    assert task.rate == Decimal("5000.00")
    assert task.price == Decimal("10000.00")
    assert task.quantity * task.rate == task.price
    assert task.item_notes == ["also item notes if exist"]


def test_it_reads_unusable_money_as_none():
    assert types.parse_decimal("") is None
    assert types.parse_decimal("n/a") is None
    assert types.parse_decimal("1,234,567.89") == Decimal("1234567.89")


def test_it_parses_work_order_includes():
    data = dict(
        SEED_WORKORDER,
        site=SEED_SITE,
        notes=[{"note_id": 1, "author": "Robert Saylor", "content": "<b>hi</b>", "created_date": ""}],
        tasks=[],
        quotes=[{"quote_id": 2, "item": "Survey", "quantity": "1", "rate": "7,000.00", "price": "7,000.00"}],
        photos=[{"photo_id": 3, "note": "Front", "filename": "wo.jpg"}],
        questions=[{"question_id": 4, "question": "Clean?", "answer": " ", "sort_order": "2"}],
        client_documents=[{"document_id": 5, "filename": "a.pdf"}],
        closeout_documents=[],
    )
    wo = types.WorkOrder.from_api(data)
    assert wo.site.id == 49947
    assert wo.notes[0].workorder_id == 111981
    assert wo.notes[0].content == "<b>hi</b>"
    assert wo.tasks == []
    assert wo.quotes[0].price == Decimal("7000.00")
    assert wo.photos[0].workorder_id == 111981
    assert wo.questions[0].sort_order == 2
    assert not wo.questions[0].is_answered
    assert wo.client_documents[0].parent_id == 111981
    assert wo.closeout_documents == []


def test_it_parses_users_and_questions():
    user = types.User.from_api(
        {
            "user_id": "1234",
            "username": "testuser",
            "name": "Firstname Lastname",
            "restricted": False,
            "enabled": "1",
            "last_login": "2018-06-07 15:14:26 EDT",
        }
    )
    assert user.user_id == 1234 and user.enabled and not user.restricted
    assert user.last_login.utcoffset() == timedelta(hours=-4)
    question = types.Question.from_api(
        {
            "question_id": 654321,
            "workorder_id": 123456,
            "question": "Q?",
            "answer": "Yes.",
            "sort_order": "1",
            "last_modified": "2018-06-13 20:24:55",
        }
    )
    assert question.is_answered
    assert question.last_modified == datetime(2018, 6, 13, 20, 24, 55)


def test_it_knows_every_work_order_status():
    assert types.WORKORDER_STATUSES[60] == "Scheduled"
    assert types.WORKORDER_STATUSES[99] == "On Hold"
    assert 90 not in types.OPEN_STATUS_CODES and 95 not in types.OPEN_STATUS_CODES
    assert 10 in types.OPEN_STATUS_CODES


def test_it_keeps_documents_linked_to_their_parent():
    doc = types.Document.from_api({"document_id": 16168, "site_id": 49946, "filename": "t.doc"})
    assert (doc.document_id, doc.site_id, doc.parent_id, doc.workorder_id) == (16168, 49946, 49946, None)


class FakeStreamedResponse:
    def __init__(self, headers):
        self.headers = headers
        self.closed = False

    def iter_content(self, chunk_size):
        yield b"data"

    def close(self):
        self.closed = True


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        ('attachment; filename="floor plan.pdf"', "floor plan.pdf"),
        ("attachment; filename=plain.txt", "plain.txt"),
        ("attachment; filename=\"fa?ade.pdf\"; filename*=utf-8''fa%C3%A7ade.pdf", "façade.pdf"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ("attachment", None),
        (None, None),
    ],
)
def test_it_reads_the_download_filename(disposition, filename):
    headers = {"Content-Type": "application/pdf", "Content-Length": "4"}
    if disposition:
        headers["Content-Disposition"] = disposition
    response = FakeStreamedResponse(headers)
    with types.RawFile(response) as raw:
        assert raw.filename == filename
        assert (raw.content_type, raw.content_length) == ("application/pdf", 4)
    assert response.closed
