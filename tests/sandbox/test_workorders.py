import re

import pytest

WORKORDER_KEYS = [
    "id",
    "status",
    "status_code",
    "type",
    "submitter_id",
    "po",
    "client_reference",
    "summary",
    "description",
    "requested_time",
    "scheduled_date",
    "site_id",
    "project_id",
    "installer",
    "planned_tech",
    "url",
    "created_date",
    "last_modified",
]
INCLUDES = [
    "site",
    "questions",
    "tasks",
    "quotes",
    "notes",
    "photos",
    "client_documents",
    "closeout_documents",
]
LOCAL_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (EST|EDT|CST|CDT|MST|MDT|PST|PDT|UTC)")


def test_it_creates_a_work_order_as_documented(api, sandbox, new_site):
    site = new_site(state="IL", zip="60603", city="Chicago")
    demo = api.ok("GET", "user", params={"username": "demo"})["data"][0]
    body = api.ok(
        "POST",
        "workorder",
        data={
            "site_id": str(site["id"]),
            "summary": "Go onsite and replace the network switch",
            "description": "In building 2 replace the switch in rack 5 at U24",
            "po": "PO12345",
            "client_reference": " #8675309 ",
            "requested_install": "2018/06/12 09:00:00",
        },
    )
    data = body["data"]
    wo = data["workorder"]
    assert body["message"] == f"Work order #{wo['id']} successfully created"
    assert list(data) == ["success", "workorder_id", "url", "workorder"]
    assert data["success"] is True and data["workorder_id"] == wo["id"]
    assert data["url"] == f"{sandbox.url}/portal/index.php?sp=orders&act=detail&id={wo['id']}" == wo["url"]
    assert list(wo) == WORKORDER_KEYS
    assert (wo["status"], wo["status_code"], wo["type"]) == ("Created", 10, "Work Order")
    assert wo["submitter_id"] == demo["user_id"]
    assert wo["client_reference"] == " #8675309 "  # kept as given
    assert wo["requested_time"] == "2018/06/12 09:00:00"
    assert wo["scheduled_date"] == "0000-00-00 00:00:00"
    assert wo["installer"] == {"name": "", "phone": "", "email": ""}
    assert wo["planned_tech"] == {"name": "", "phone": ""}
    assert wo["project_id"] is None
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} C[SD]T", wo["created_date"])  # the site's zone
    assert wo["last_modified"].endswith(" UTC")

    notes = api.ok("GET", f"workorder/{wo['id']}/note")["data"]
    assert [(n["author"], n["content"]) for n in notes] == [(demo["name"], "Status set to Created.")]


def test_it_creates_site_surveys_with_a_project_and_a_submitter(api, new_site):
    project = api.ok("GET", "project")["data"][0]
    other = next(u for u in api.ok("GET", "user")["data"] if u["username"] != "demo")
    wo = api.ok(
        "POST",
        "workorder",
        data={
            "site_id": str(new_site()["id"]),
            "summary": "Survey",
            "type": "SITE SURVEY",
            "project_id": str(project["project_id"]),
            "submitter_id": str(other["user_id"]),
        },
    )["data"]["workorder"]
    assert (wo["type"], wo["project_id"], wo["submitter_id"]) == (
        "Site Survey",
        project["project_id"],
        other["user_id"],
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"site_id": "{site}"}, "Missing required field: summary"),
        ({"summary": "x"}, "Missing required field: site_id"),
        ({"summary": "x", "site_id": "12"}, "Invalid site_id: 12"),
        ({"summary": "x", "site_id": "{site}", "type": "repair"}, "Invalid type"),
        ({"summary": "x", "site_id": "{site}", "project_id": "999999"}, "Invalid project_id: 999999"),
        ({"summary": "x", "site_id": "{site}", "submitter_id": "abc"}, "Invalid submitter_id: abc"),
        ({"summary": "   ", "site_id": "{site}"}, "Missing required field: summary"),
    ],
)
def test_it_validates_new_work_orders_and_stores_nothing(api, new_site, fields, message):
    site_id = str(new_site()["id"])
    before = api.ok("GET", "workorder")["data"]
    body = api.fails(
        "POST", "workorder", 400, data={k: v.replace("{site}", site_id) for k, v in fields.items()}
    )
    assert message in body["message"]
    assert api.ok("GET", "workorder")["data"] == before


def test_it_updates_only_the_fields_passed(api, new_workorder):
    wo = new_workorder(po="PO-1", client_reference="REF-1", description="Old")
    body = api.ok("POST", f"workorder/{wo['id']}", data={"description": "", "summary": "New summary"})
    assert body["message"] == f"Work order #{wo['id']} successfully updated"
    assert list(body["data"]) == ["success", "workorder_id", "url", "workorder"]
    updated = body["data"]["workorder"]
    assert (updated["description"], updated["summary"]) == ("", "New summary")
    same = {k for k in WORKORDER_KEYS if k not in ("description", "summary", "last_modified")}
    assert {k: updated[k] for k in same} == {k: wo[k] for k in same}


def test_it_refuses_to_empty_a_required_work_order_field(api, new_workorder):
    wo = new_workorder(po="PO-1")
    body = api.fails("POST", f"workorder/{wo['id']}", 400, data={"po": "", "summary": "changed"})
    assert body["message"] == "Missing required field: po"
    assert api.ok("GET", f"workorder/{wo['id']}")["data"]["workorder"]["summary"] == wo["summary"]


def test_it_answers_404_for_an_unknown_work_order(api):
    assert api.fails("GET", "workorder/5", 404)["message"] == "Work order #5 not found"
    for path in ("note", "task", "quote", "photo", "question", "document", "required", "closeout"):
        assert api.fails("GET", f"workorder/5/{path}", 404)["message"] == "Work order #5 not found"


def test_it_lists_work_order_ids_newest_first_and_filters_them(api, new_site, new_workorder):
    body = api.ok("GET", "workorder")
    assert body["data"] == sorted(body["data"], reverse=True)
    assert body["message"] == f"{len(body['data'])} work orders found"

    site_id = str(new_site()["id"])
    first = new_workorder(site_id=site_id, po="PO-ALPHA-1", summary="Alpha")
    second = new_workorder(site_id=site_id, po="PO-BETA-2", summary="Beta")
    assert api.ok("GET", "workorder", params={"site_id": site_id})["data"] == [second["id"], first["id"]]
    assert api.ok("GET", "workorder", params={"site_id": site_id, "po": "po-alpha*"})["data"] == [first["id"]]
    assert api.ok("GET", "workorder", params={"site_id": site_id, "summary": "Beta"})["data"] == [
        second["id"]
    ]
    one = api.ok("GET", "workorder", params={"site_id": site_id, "status_code": "1*", "description": "*"})
    assert one["data"] == [second["id"], first["id"]]
    assert api.ok("GET", "workorder", params={"site_id": site_id, "status_code": "60"})["message"] == (
        "0 work orders found"
    )


def test_it_filters_by_install_date(api):
    scheduled = api.ok("GET", "workorder", params={"status_code": "60"})["data"]
    wo = api.ok("GET", f"workorder/{scheduled[0]}")["data"]["workorder"]
    day = wo["scheduled_date"][:10]
    found = api.ok("GET", "workorder", params={"install_date": day})["data"]
    assert scheduled[0] in found
    for wo_id in found[:10]:
        assert api.ok("GET", f"workorder/{wo_id}")["data"]["workorder"]["scheduled_date"].startswith(day)
    assert api.fails("GET", "workorder", 400, params={"install_date": "06/13/2018"})["message"] == (
        "Invalid install_date: use YYYY-MM-DD"
    )


def test_it_includes_each_requested_section(api):
    finished = api.ok("GET", "workorder", params={"status_code": "90"})["data"][0]
    plain = api.ok("GET", f"workorder/{finished}")
    assert plain["message"] == f"Work order #{finished} found"
    assert list(plain["data"]) == ["workorder"]
    assert list(plain["data"]["workorder"]) == WORKORDER_KEYS
    for flag in INCLUDES:
        for value in ("1", "true", "YES"):
            wo = api.ok("GET", f"workorder/{finished}", params={f"include_{flag}": value})["data"][
                "workorder"
            ]
            assert list(wo) == [*WORKORDER_KEYS[:15], flag, *WORKORDER_KEYS[15:]], (flag, value)
        wo = api.ok("GET", f"workorder/{finished}", params={f"include_{flag}": "0"})["data"]["workorder"]
        assert flag not in wo

    everything = api.ok("GET", f"workorder/{finished}", params={f"include_{f}": "1" for f in INCLUDES})
    wo = everything["data"]["workorder"]
    assert list(wo) == [*WORKORDER_KEYS[:15], *INCLUDES, *WORKORDER_KEYS[15:]]
    assert wo["site"] == api.ok("GET", f"site/{wo['site_id']}")["data"]
    for flag, path in [
        ("questions", "question"),
        ("tasks", "task"),
        ("quotes", "quote"),
        ("notes", "note"),
        ("photos", "photo"),
        ("client_documents", "document"),
        ("closeout_documents", "closeout"),
    ]:
        assert wo[flag] == api.ok("GET", f"workorder/{finished}/{path}")["data"], flag


def test_it_gives_dates_in_the_documented_formats(api):
    finished = api.ok("GET", "workorder", params={"status_code": "90"})["data"][0]
    params = {f"include_{f}": "1" for f in INCLUDES}
    wo = api.ok("GET", f"workorder/{finished}", params=params)["data"]["workorder"]
    assert LOCAL_STAMP.fullmatch(wo["created_date"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", wo["last_modified"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", wo["scheduled_date"])
    for note in wo["notes"]:
        assert LOCAL_STAMP.fullmatch(note["created_date"])
    for question in wo["questions"]:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", question["last_modified"])
    for task in wo["tasks"]:
        assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", task["rate"])
        assert re.fullmatch(r"\d+", task["quantity"])
