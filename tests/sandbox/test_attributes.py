def test_it_sets_lists_updates_and_removes_attributes_by_name(api, new_site):
    site_id = new_site()["id"]
    body = api.ok("POST", f"site/{site_id}/attribute", data={"name": "Gate code", "value": "#4512"})
    assert body["message"] == f"Site #{site_id} attribute successfully set"
    data = body["data"]
    assert list(data) == ["success", "attribute_id", "attribute"]
    assert data["attribute"] == {
        "attribute_id": data["attribute_id"],
        "site_id": site_id,
        "name": "Gate code",
        "value": "#4512",
    }
    api.ok("POST", f"site/{site_id}/attribute", data={"name": "Parking", "value": "Rear lot"})

    again = api.ok("POST", f"site/{site_id}/attribute", data={"name": "gate CODE", "value": "*0099#"})["data"]
    assert again["attribute_id"] == data["attribute_id"]  # referenced by name, not created twice

    listing = api.ok("GET", f"site/{site_id}/attribute")
    assert listing["message"] == f"2 attributes for site #{site_id} found"
    assert [(a["name"], a["value"]) for a in listing["data"]] == [
        ("Gate code", "*0099#"),
        ("Parking", "Rear lot"),
    ]
    assert api.ok("GET", f"site/{site_id}")["data"]["attributes"] == listing["data"]

    removed = api.ok("DELETE", f"site/{site_id}/attribute", params={"name": "Parking"})
    assert removed["message"] == f"Site #{site_id} attribute successfully deleted"
    assert removed["data"] == {"success": True}
    api.ok("DELETE", f"site/{site_id}/attribute", data={"name": "Gate code"})  # a form body works too
    assert api.ok("GET", f"site/{site_id}/attribute")["message"] == f"0 attributes for site #{site_id} found"


def test_it_allows_an_empty_attribute_value(api, new_site):
    site_id = new_site()["id"]
    data = api.ok("POST", f"site/{site_id}/attribute", data={"name": "Notes", "value": ""})["data"]
    assert data["attribute"]["value"] == ""


def test_it_validates_attribute_requests(api, new_site):
    site_id = new_site()["id"]
    assert api.fails("POST", f"site/{site_id}/attribute", 400, data={"value": "x"})["message"] == (
        "Missing required field: name"
    )
    assert api.fails("POST", f"site/{site_id}/attribute", 400, data={"name": "x"})["message"] == (
        "Missing required field: value"
    )
    assert (
        "not found"
        in api.fails("DELETE", f"site/{site_id}/attribute", 404, params={"name": "nope"})["message"]
    )
    assert api.fails("GET", "site/3/attribute", 404)["message"] == "Site #3 not found"
