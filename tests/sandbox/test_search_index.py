"""Searches answer exactly what a plain scan with the documented wildcard rules answers."""

import pytest

from techlink_sandbox.matching import wildcard_match
from techlink_sandbox.testing import running_sandbox

from .sandbox_helpers import Api

SITE_QUERIES = [
    {"state": "TX"},
    {"state": "texas"},
    {"state": "T*"},
    {"city": "Dallas"},
    {"city": "dallas", "state": "TX"},
    {"zip": "75201"},
    {"zip": "75201*"},
    {"site_id": "ST-00001"},
    {"name": "*Pharmacy*"},
    {"name": "*bank*", "state": "CA"},
    {"address": "*Main St"},
    {"state": "GA", "city": "Savannah"},
    {"state": "ga", "zip": "3*"},
    {"state": "Nowhere"},
]
WORKORDER_QUERIES = [
    {"status_code": "60"},
    {"status_code": "6*"},
    {"status_code": "60", "po": "PO-*"},
    {"project_id": "301"},
    {"project_id": "301", "status_code": "90"},
    {"summary": "*switch*"},
    {"description": "*closet*", "status_code": "1*"},
    {"po": ""},
]


def _site_values(site: dict) -> dict:
    address = site["address"]
    return {
        "site_id": [site["siteid"]],
        "name": [site["name"]],
        "city": [address["city"]],
        "zip": [address["zip"]],
        "state": [address["state"], address["stateabbr"]],
        "address": [v for v in (address["street"], address["street2"], address["street3"]) if v],
    }


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    with running_sandbox(tmp_path_factory.mktemp("search"), sites=400, workorders=600, random_seed=3) as sb:
        yield sb


@pytest.fixture(scope="module")
def everything(big):
    api = Api(big)
    sites = {i: api.ok("GET", f"site/{i}")["data"] for i in api.ok("GET", "site")["data"]}
    orders = {
        i: api.ok("GET", f"workorder/{i}")["data"]["workorder"] for i in api.ok("GET", "workorder")["data"]
    }
    return sites, orders


@pytest.mark.parametrize("query", SITE_QUERIES)
def test_it_finds_the_same_sites_as_a_scan(big, everything, query):
    sites, _ = everything
    expected = [
        i
        for i in sorted(sites, reverse=True)
        if all(any(wildcard_match(p, v) for v in _site_values(sites[i])[k]) for k, p in query.items() if p)
    ]
    assert bool(expected) is (query != {"state": "Nowhere"})
    assert Api(big).ok("GET", "site", params=query)["data"] == expected


@pytest.mark.parametrize("query", WORKORDER_QUERIES)
def test_it_finds_the_same_work_orders_as_a_scan(big, everything, query):
    _, orders = everything
    expected = [
        i
        for i in sorted(orders, reverse=True)
        if all(wildcard_match(p, "" if orders[i][k] is None else orders[i][k]) for k, p in query.items() if p)
    ]
    assert expected
    assert Api(big).ok("GET", "workorder", params=query)["data"] == expected


def test_it_sees_changes_in_later_searches(api, new_site, new_workorder):
    site = new_site(state="TX", city="Dallas", zip="75201")
    assert site["id"] in api.ok("GET", "site", params={"state": "TX", "city": "Dallas"})["data"]
    api.ok("POST", f"site/{site['id']}", data={"state": "OK", "zip": "73102", "city": "Oklahoma City"})
    assert site["id"] not in api.ok("GET", "site", params={"state": "TX"})["data"]
    assert site["id"] in api.ok("GET", "site", params={"state": "OK"})["data"]

    wo = new_workorder(site_id=str(site["id"]))
    assert wo["id"] in api.ok("GET", "workorder", params={"status_code": "10"})["data"]
    project = api.ok("GET", "project")["data"][-1]["project_id"]
    api.ok("POST", f"workorder/{wo['id']}", data={"project_id": str(project)})
    assert wo["id"] in api.ok("GET", "workorder", params={"project_id": str(project)})["data"]
    api.control(
        "POST", f"workorder/{wo['id']}/status", data={"status_code": "60", "scheduled_date": "2031-01-02"}
    )
    assert wo["id"] not in api.ok("GET", "workorder", params={"status_code": "10"})["data"]
    assert api.ok("GET", "workorder", params={"status_code": "60", "install_date": "2031-01-02"})["data"] == [
        wo["id"]
    ]
