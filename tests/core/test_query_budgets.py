"""Every list page and API operation answers with a fixed number of SQL queries, however many rows there
are: a page that starts asking once per row (an N+1) fails here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal_ui.jobs.models import UpstreamWrite
from portal_ui.portal_links import services as link_services
from portal_ui.portal_links.models import PortalLink

from ..mirror.conftest import make_site, make_wo

pytestmark = pytest.mark.django_db

# The most queries each page may make on a repeat view. The session (the tests keep sessions in the database),
# then for the lists kept under generations (the user, the freshness line, the outbox banner, the close-out
# queue, the saved views, the rows) nothing more.
STAFF_PAGES = {
    "/": 1,
    "/workorders/": 1,
    "/workorders/?queue=unscheduled&sort=-scheduled": 1,
    "/sites/?name=*a*": 1,
    "/reference/": 12,
    "/jobs/": 8,
    "/portal-links/": 8,
}
API_BUDGET = 5


def queries(client, url: str, **headers: str) -> int:
    # Once before, so that what is done once a minute (recording a key's last use) is not counted.
    client.get(url, headers=headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def add_rows(count: int, *, user) -> None:
    """Work orders at their own sites, writes in the outbox and portal links, ``count`` of each."""
    for n in range(count):
        site = make_site(name=f"Acme Store {n}", siteid=f"ST-{n:05d}")
        make_wo(site=site, summary=f"Install antenna {n}", status_code=50 if n % 2 else 60)
        UpstreamWrite.objects.create(
            kind="workorder_note_add", payload={"workorder_id": n + 1, "note": "x"}, created_by=user
        )
        link_services.portal_link_create(
            workorder=str(site.workorders.first().id), link_type="public", created_by=user
        )


@pytest.mark.parametrize("url", list(STAFF_PAGES))
def test_it_reads_a_staff_list_with_the_same_queries_for_5_or_50_rows(dispatcher_client, dispatcher, url):
    from portal_ui.mirror.services import mirror_reference_store

    mirror_reference_store(projects=[], task_items=[], users=[])
    add_rows(5, user=dispatcher)
    few = queries(dispatcher_client, url)
    add_rows(45, user=dispatcher)
    many = queries(dispatcher_client, url)
    print(f"\n{url}: {few} queries with 5 rows, {many} with 50")
    assert many == few
    assert many <= STAFF_PAGES[url]


def test_it_answers_the_api_with_the_same_queries_for_5_or_50_links(client, dispatcher):
    key = link_services.api_key_create(name="budget", namespaces=["default"], created_by=dispatcher)
    add_rows(5, user=dispatcher)
    link = PortalLink.objects.order_by("created_at").first()
    urls = [
        "/api/v1/workorder-portal-links?per_page=25",
        "/api/v1/workorder-portal-links?is_active=true&link_type=public",
        f"/api/v1/workorder-portal-links/{link.pk}",
    ]
    few = [queries(client, url, **{"X-API-Key": key.key}) for url in urls]
    add_rows(45, user=dispatcher)
    many = [queries(client, url, **{"X-API-Key": key.key}) for url in urls]
    print(f"\nAPI: {few} queries with 5 links, {many} with 50")
    assert many == few
    assert max(many) <= API_BUDGET
