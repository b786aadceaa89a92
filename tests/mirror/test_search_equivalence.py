"""A search on the read model finds exactly what the same search finds upstream."""

import pytest

from portal_ui.core.upstream import reset_techlink_client, techlink_client
from portal_ui.mirror import services
from portal_ui.mirror.selectors import site_search, workorder_list

from .conftest import point_client_at

pytestmark = pytest.mark.django_db

ODD_SITE_NAMES = [
    "*Star Shop",
    "Star*Shop",
    "100% Sure_Shop",
    "100x Sure-Shop",
    "back\\slash shop",
    "Backslash Shop",
    "Ends in a backslash \\",
    "Straße Shop",
    "Strasse Shopping",
    "Café Ümlaut",
    "ŁÓDŹ Depot",
]
ODD_SUMMARIES = [
    "Fix *urgent* relay",
    "Fix urgent relay",
    "50% off_install",
    "50x off-install",
    "back\\slash relay",
    "Überprüfung Straße",
]


@pytest.fixture(scope="module")
def search_upstream(tmp_path_factory):
    """A sandbox with seeded data plus records whose text holds wildcard and SQL LIKE characters."""
    from techlink_sandbox.testing import running_sandbox

    with running_sandbox(
        tmp_path_factory.mktemp("search"), sites=30, workorders=90, random_seed=11
    ) as sandbox:
        from portal_ui.integrations.techlink import TechLinkClient

        with TechLinkClient(
            base_url=sandbox.base_url, username=sandbox.username, password=sandbox.password
        ) as c:
            for n, name in enumerate(ODD_SITE_NAMES):
                site = c.site_create(
                    name=name,
                    site_id=f"ODD-{n}*",
                    address1=f"{n} Wild*Card Way",
                    city="Springfield",
                    state="Illinois",
                    zip="62701",
                    primary_contact_name="Sam Odd",
                    primary_contact_phone="555-0100",
                    primary_contact_email="sam@example.com",
                )
            for summary in ODD_SUMMARIES:
                c.workorder_create(site_id=site.id, summary=summary, po="PO*1")
        yield sandbox


@pytest.fixture
def synced(search_upstream, settings):
    point_client_at(settings, search_upstream)
    report = services.mirror_sync_full()
    assert not report.failures
    yield techlink_client()
    reset_techlink_client()


def local_site_ids(**query) -> list[int]:
    """The same search in the read model, where upstream's ``site_id`` search field is ``site_code``."""
    if "site_id" in query:
        query["site_code"] = query.pop("site_id")
    return [row.id for row in site_search(**query, per_page=10_000).object_list]


def local_workorder_ids(**query) -> list[int]:
    return [row.id for row in workorder_list(filters=query, per_page=10_000).object_list]


def site_queries(client) -> list[dict]:
    site = client.site_get(client.site_ids()[-1])
    other = client.site_get(client.site_ids()[len(client.site_ids()) // 2])
    word = site.name.split()[0]
    return [
        {"name": site.name},
        {"name": site.name.upper()},
        {"name": f"{word.lower()}*"},
        {"name": f"*{word[1:4]}*"},
        {"name": f"*{site.name[-3:]}"},
        {"name": "*"},
        {"name": "*a*e*"},
        {"name": "**"},
        {"name": "no such site"},
        {"name": "\\*Star*"},
        {"name": "*\\**"},
        {"name": "100% Sure_Shop"},
        {"name": "100% Sure*"},
        {"name": "*_*"},
        {"name": "*%*"},
        {"name": "back\\\\slash*"},
        # A backslash before an ordinary character is just that character; at the very end it is literal.
        {"name": "back\\slash*"},
        {"name": "*\\s*"},
        {"name": "\\B*"},
        {"name": "Ends in a backslash \\"},
        {"name": "*\\"},
        {"name": "*backslash \\"},
        # Non-ASCII: without a star the whole value compares case-folded (ß = ss), with one letter by letter.
        {"name": "STRASSE SHOP"},
        {"name": "straße shop"},
        {"name": "STRASSE*"},
        {"name": "STRAßE*"},
        {"name": "café ümlaut"},
        {"name": "CAFÉ*"},
        {"name": "*ümlaut"},
        {"name": "łódź depot"},
        {"name": "*ÓDŹ*"},
        {"site_id": site.siteid},
        {"site_id": "ODD-1\\*"},
        {"site_id": "odd-*"},
        {"address": f"*{site.address.street.split()[-1]}*"},
        {"address": "*wild\\*card*"},
        {"city": other.address.city.lower()},
        {"city": f"{other.address.city[:2]}*"},
        {"state": other.address.state},
        {"state": other.address.state.lower()},
        {"state": other.address.stateabbr.lower()},
        {"state": f"{other.address.state[:3]}*"},
        {"zip": other.address.zip},
        {"zip": f"{other.address.zip[:1]}*"},
        {"state": other.address.stateabbr, "city": other.address.city},
    ]


def workorder_queries(client) -> list[dict]:
    ids = client.workorder_ids()[len(ODD_SUMMARIES) :]  # the seeded ones (newest first: odd ones lead)
    sample = client.workorders_get(ids[:: max(len(ids) // 8, 1)])
    scheduled = next((wo for wo in sample if wo.scheduled_date), None)
    first = next((wo for wo in sample if wo.project_id and wo.description and wo.po), sample[0])
    word = next((w for w in first.summary.split() if len(w) > 3), first.summary)
    queries = [
        {"summary": first.summary},
        {"summary": first.summary.lower()},
        {"summary": f"{word[:3]}*"},
        {"summary": f"*{word.lower()}*"},
        {"summary": "fix \\*urgent\\* relay"},
        {"summary": "*i*e*"},
        {"summary": "fix *urgent* relay"},
        {"summary": "50% off_install"},
        {"summary": "*%*"},
        {"summary": "*_*"},
        {"summary": "back\\slash*"},
        {"summary": "back\\\\slash*"},
        {"summary": "*\\s*"},
        {"summary": "ÜBERPRÜFUNG STRASSE"},
        {"summary": "über*"},
        {"summary": "*STRAßE"},
        {"description": f"*{first.description[:4]}*"} if first.description else {"description": "*a*"},
        {"po": "PO\\*1"},
        {"po": "po*"},
        {"po": first.po} if first.po else {"po": "*1*"},
        {"status_code": str(first.status_code)},
        {"status_code": "6*"},
        {"status_code": f"0{first.status_code}"},
        {"project_id": "*"},
        {"status_code": "*0"},
        {"site_id": str(first.site_id)},
        {"site_id": str(first.site_id), "status_code": str(first.status_code)},
        {"project_id": str(first.project_id)} if first.project_id else {"project_id": "1*"},
        {"install_date": "1999-01-01"},
    ]
    if scheduled:
        queries.append({"install_date": scheduled.scheduled_date.strftime("%Y-%m-%d")})
    return queries


def test_it_finds_the_same_sites_as_upstream(synced):
    mismatches = {}
    for query in site_queries(synced):
        upstream, local = synced.site_ids(**query), local_site_ids(**query)
        if upstream != local:
            mismatches[str(query)] = (upstream, local)

    assert mismatches == {}


def test_it_finds_the_same_work_orders_as_upstream(synced):
    mismatches = {}
    for query in workorder_queries(synced):
        upstream, local = synced.workorder_ids(**query), local_workorder_ids(**query)
        if upstream != local:
            mismatches[str(query)] = (upstream, local)

    assert mismatches == {}


def test_it_searches_odd_characters_literally(synced):
    # Guards the queries above: the odd records exist and are found, so equal answers are not both empty.
    assert len(local_site_ids(name="\\*Star*")) == 1
    assert len(local_site_ids(name="100% Sure_Shop")) == 1
    assert len(local_workorder_ids(summary="fix \\*urgent\\* relay")) == 1
    assert len(local_workorder_ids(summary="fix *urgent* relay")) == 2
    assert len(local_site_ids(name="back\\slash*")) == 1  # "Backslash Shop"
    assert len(local_site_ids(name="back\\\\slash*")) == 1  # "back\\slash shop"
    assert len(local_site_ids(name="*\\")) == 1
    assert len(local_site_ids(name="STRASSE SHOP")) == 1
    assert len(local_site_ids(name="*ümlaut")) == 1
    assert len(local_workorder_ids(summary="ÜBERPRÜFUNG STRASSE")) == 1
