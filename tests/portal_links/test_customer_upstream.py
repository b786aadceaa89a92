"""The customer page against the TechLink sandbox through the real client."""

import pytest

from portal_ui.core.upstream import techlink_client

from .conftest import make_link

pytestmark = pytest.mark.django_db


def test_it_shows_a_sandbox_work_order_with_its_photos(client, upstream):
    api = techlink_client()
    workorder = None
    for workorder_id in api.workorder_ids()[:40]:
        candidate = api.workorder_get(workorder_id, include_photos=True, include_notes=True)
        if candidate.photos and candidate.notes:
            workorder = candidate
            break
    if workorder is None:
        pytest.skip("the sandbox has no work order with photos and notes")
    issued = make_link(workorder=str(workorder.id), permissions={"view_notes": True, "view_photos": True})
    path = "/" + issued.url.split("/", 3)[3]
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Work order {workorder.id}" in html
    assert workorder.status in html
    photo = workorder.photos[0]
    raw = client.get(f"{path}files/photo/{photo.photo_id}/")
    assert raw.status_code == 200
    assert len(b"".join(raw.streaming_content)) > 0


def test_it_says_not_available_for_an_unknown_work_order(client, upstream):
    issued = make_link(workorder="987654321")
    response = client.get("/" + issued.url.split("/", 3)[3])
    assert response.status_code == 200
    assert "details of this work order are not available" in response.content.decode()
