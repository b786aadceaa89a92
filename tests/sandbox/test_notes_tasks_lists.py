import re


def test_it_adds_and_lists_notes_newest_first(api, new_workorder):
    wo_id = new_workorder()["id"]
    demo = api.ok("GET", "user", params={"username": "demo"})["data"][0]
    html = "Customer wrote: <script>alert(1)</script> & <b>bold</b>"
    body = api.ok("POST", f"workorder/{wo_id}/note", data={"note": "Please call dispatch when onsite"})
    note = body["data"]["note"]
    assert body["message"] == f"Note #{note['note_id']} added to work order #{wo_id}"
    assert list(body["data"]) == ["success", "note_id", "note"]
    assert list(note) == ["note_id", "workorder_id", "author", "content", "created_date"]
    assert (note["workorder_id"], note["author"]) == (wo_id, demo["name"])
    api.ok("POST", f"workorder/{wo_id}/note", data={"note": html})

    listing = api.ok("GET", f"workorder/{wo_id}/note")
    assert listing["message"] == "3 notes found"
    assert [n["content"] for n in listing["data"]] == [
        html,
        "Please call dispatch when onsite",
        "Status set to Created.",
    ]
    assert (
        api.ok("GET", f"workorder/{wo_id}/note", params={"search": "*dispatch*"})["message"] == "1 note found"
    )
    assert len(api.ok("GET", f"workorder/{wo_id}/note", params={"author": demo["name"]})["data"]) == 3
    assert api.fails("POST", f"workorder/{wo_id}/note", 400, data={"note": " "})["message"] == (
        "Missing required field: note"
    )


def test_it_adds_tasks_with_the_quantity_given_as_note(api, new_workorder):
    wo_id = new_workorder()["id"]
    items = api.ok("GET", "taskitem", params={"name": r"\*\*Technician Down Payment\*\*"})["data"]["tasks"]
    item_id = str(items[0]["taskitem_id"])
    body = api.ok(
        "POST",
        f"workorder/{wo_id}/task",
        data={
            "taskitem_id": item_id,
            "description": "Adding technical billing",
            "rate": "5000",
            "note": "2",
        },
    )
    task = body["data"]["task"]
    assert body["message"] == f"Client task #{task['task_id']} added to work order #{wo_id}"
    assert list(body["data"]) == ["success", "task_id", "task"]
    assert list(task) == [
        "task_id",
        "workorder_id",
        "item",
        "item_notes",
        "description",
        "description_notes",
        "quantity",
        "rate",
        "price",
        "created_date",
    ]
    assert (task["item"], task["quantity"], task["rate"], task["price"]) == (
        "**Technician Down Payment**",
        "2",
        "5,000.00",
        "10,000.00",
    )
    more = api.ok(
        "POST",
        f"workorder/{wo_id}/task",
        data={"taskitem_id": item_id, "description": "More", "rate": "1,250.50", "note": "3"},
    )["data"]["task"]
    assert (more["quantity"], more["price"]) == ("3", "3,751.50")
    default = api.ok(
        "POST", f"workorder/{wo_id}/task", data={"taskitem_id": item_id, "description": "One", "rate": "85"}
    )["data"]["task"]
    assert default["quantity"] == "1"
    # A field the upstream list does not name is not the quantity.
    undocumented = api.ok(
        "POST",
        f"workorder/{wo_id}/task",
        data={"taskitem_id": item_id, "description": "Other", "rate": "85", "quantity": "4"},
    )["data"]["task"]
    assert undocumented["quantity"] == "1"
    listing = api.ok("GET", f"workorder/{wo_id}/task")
    assert listing["message"] == "4 tasks found"
    assert api.ok("GET", f"workorder/{wo_id}/task", params={"description": "m*"})["message"] == "1 task found"


def test_it_validates_tasks(api, new_workorder):
    wo_id = new_workorder()["id"]
    body = api.fails("POST", f"workorder/{wo_id}/task", 400, data={})
    for field in ("taskitem_id", "description", "rate"):
        assert f"Missing required field: {field}" in body["message"]
    bad = api.fails(
        "POST",
        f"workorder/{wo_id}/task",
        400,
        data={"taskitem_id": "99999", "description": "x", "rate": "ten", "note": "-1"},
    )
    for message in ("Invalid taskitem_id: 99999", "Invalid rate: ten", "Invalid quantity: -1"):
        assert message in bad["message"]
    assert api.ok("GET", f"workorder/{wo_id}/task")["data"] == []


def test_it_lists_quotes_photos_and_questions_as_documented(api):
    with_quotes = next(
        w
        for w in api.ok("GET", "workorder", params={"status_code": "30"})["data"]
        if api.ok("GET", f"workorder/{w}/quote")["data"]
    )
    quote = api.ok("GET", f"workorder/{with_quotes}/quote")["data"][0]
    assert list(quote) == [
        "quote_id",
        "workorder_id",
        "item",
        "description",
        "quantity",
        "rate",
        "price",
        "created_date",
    ]
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", quote["price"])

    closed = api.ok("GET", "workorder", params={"status_code": "90"})["data"][0]
    questions = api.ok("GET", f"workorder/{closed}/question")
    assert questions["message"] == f"{len(questions['data'])} questions found"
    first = questions["data"][0]
    assert list(first) == ["question_id", "workorder_id", "question", "answer", "sort_order", "last_modified"]
    assert [q["sort_order"] for q in questions["data"]] == sorted(q["sort_order"] for q in questions["data"])
    for wo_id in api.ok("GET", "workorder", params={"status_code": "90"})["data"]:
        every = api.ok("GET", f"workorder/{wo_id}/question")["data"]
        if any(q["answer"].startswith("Yes") for q in every):
            break
    expected = [q for q in every if q["answer"].lower().startswith("yes")]
    assert api.ok("GET", f"workorder/{wo_id}/question", params={"answer": "yes*"})["data"] == expected
    assert api.ok("GET", f"workorder/{wo_id}/question", params={"question": "*sign off*"})["data"] == [
        q for q in every if "sign off" in q["question"]
    ]


def test_it_lists_projects_task_items_and_users(api):
    projects = api.ok("GET", "project")
    assert projects["message"] == f"{len(projects['data'])} projects found"
    assert list(projects["data"][0]) == ["project_id", "name"]
    assert api.ok("GET", "project", params={"name": "API Project Test"})["message"] == "1 project found"

    items = api.ok("GET", "taskitem")
    assert list(items["data"]) == ["tasks"]
    names = [t["name"] for t in items["data"]["tasks"]]
    assert {"1M Antenna", "1M Antenna w/NPRM Kit", "**Technician Down Payment**"} <= set(names)
    assert items["message"] == f"{len(names)} task items found"
    antennas = api.ok("GET", "taskitem", params={"name": "1M Antenna*"})
    assert [t["name"] for t in antennas["data"]["tasks"]] == ["1M Antenna", "1M Antenna w/NPRM Kit"]

    users = api.ok("GET", "user")
    assert list(users["data"][0]) == [
        "user_id",
        "username",
        "name",
        "email",
        "phone",
        "restricted",
        "enabled",
        "last_login",
    ]
    demo = api.ok("GET", "user", params={"username": "DEMO"})
    assert demo["message"] == "1 user found"
    assert demo["data"][0]["name"] == "Demo Dispatcher"
    assert api.ok("GET", "user", params={"name": "demo *"})["data"] == demo["data"]
