"""When TechLink is down, pages render what the read model knows with a banner, never a 500."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape

BANNER = "TechLink is not answering right now"


def test_it_shows_a_work_order_from_the_read_model(viewer_client, workorder, upstream_down):
    response = viewer_client.get(reverse("workorder_detail", args=[workorder.id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert BANNER in html
    assert escape(workorder.summary) in html
    assert "Shown from the dashboard's copy" in html


def test_it_shows_a_site_from_the_read_model(viewer_client, site, upstream_down):
    response = viewer_client.get(reverse("site_detail", args=[site.id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert BANNER in html and escape(site.name) in html


def test_it_explains_when_nothing_is_known(viewer_client, db, upstream_down):
    response = viewer_client.get(reverse("workorder_detail", args=[424242]))
    assert response.status_code == 503
    assert BANNER in response.content.decode()


def test_it_keeps_lists_and_forms_working(client_for, viewer, dispatcher, workorder, upstream_down):
    viewer_client = client_for(viewer)
    assert viewer_client.get(reverse("home")).status_code == 200
    assert viewer_client.get(reverse("workorders")).status_code == 200
    reference = viewer_client.get(reverse("reference"))
    assert reference.status_code == 200 and BANNER in reference.content.decode()
    closeout = viewer_client.get(reverse("workorder_closeout", args=[workorder.id]))
    assert closeout.status_code == 200 and "cannot be scored" in closeout.content.decode()
    new = client_for(dispatcher).get(reverse("workorder_new"))
    assert new.status_code == 200
    assert 'name="project_id"' in new.content.decode() and BANNER in new.content.decode()


def test_it_answers_a_download_with_a_banner(viewer_client, workorder, upstream_down):
    response = viewer_client.get(reverse("workorder_document_download", args=[workorder.id, 1]))
    assert response.status_code == 502
    assert BANNER in response.content.decode()


def test_it_still_queues_writes(dispatcher_client, workorder, upstream_down):
    from portal_ui.jobs.models import UpstreamWrite

    response = dispatcher_client.post(
        reverse("workorder_note_add", args=[workorder.id]), {"note": "Gate is locked"}
    )
    assert response.status_code == 302
    assert UpstreamWrite.objects.get().payload["note"] == "Gate is locked\n\n— Dispatcher Tester (dispatch)"


def test_it_explains_when_nothing_is_known_of_a_site_or_a_photo(
    client_for, viewer, dispatcher, db, upstream_down
):
    for client, name, args in (
        (client_for(viewer), "site_detail", [424242]),
        (client_for(viewer), "workorder_photo", [424242, 1]),
        (client_for(dispatcher), "site_edit", [424242]),
        (client_for(dispatcher), "workorder_edit", [424242]),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 503, name
        assert BANNER in response.content.decode(), name
