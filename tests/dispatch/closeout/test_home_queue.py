"""The home page's close-out review queue follows staff decisions at once, whatever the page keeps of the
read model around it."""

from __future__ import annotations

import re

from django.urls import reverse

from portal_ui.dispatch.closeouts import services


def _version(client, workorder_id: int) -> str:
    html = client.get(reverse("workorder_closeout", args=[workorder_id])).content.decode()
    return re.search(r'name="approve-version" value="([^"]+)"', html).group(1)


def _review_queue(client) -> str:
    home = client.get(reverse("home")).content.decode()
    return home.split('id="review-queue"', 1)[1].split("</section>", 1)[0]


def test_it_takes_an_approved_close_out_off_the_home_page_at_once(
    client_for, dispatcher, viewer, closeout_case
):
    wo_id = closeout_case.workorder_id
    dispatcher_client, viewer_client = client_for(dispatcher), client_for(viewer)
    assert services.closeout_scan(budget=5000) > 0
    for client in (viewer_client, dispatcher_client):  # the rest of the page is drawn and kept
        queue = _review_queue(client)
        assert f"/workorders/{wo_id}/closeout/" in queue and ">1</span>" in queue

    url = reverse("workorder_closeout_approve", args=[wo_id])
    response = dispatcher_client.post(url, {"approve-version": _version(dispatcher_client, wo_id)})
    assert response.status_code == 302

    for client in (dispatcher_client, viewer_client):
        queue = _review_queue(client)
        assert f"/workorders/{wo_id}/closeout/" not in queue
        assert "No close-out is waiting for a decision." in queue and ">0</span>" in queue
