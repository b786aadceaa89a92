"""Saved views (own or shared, the role matrix) and CSV exports (every matching row, the list's rows)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from portal_ui.dispatch.models import SavedView

from .factories_board import make_site, make_workorder

pytestmark = pytest.mark.django_db


def save(client, **fields):
    data = {"page": "workorders", "query": "summary=switch&page=3", "name": "Switches"} | fields
    return client.post(reverse("saved_view_save"), data)


def test_a_viewer_saves_their_own_view_and_finds_it_in_the_navigation(viewer_client, viewer):
    response = save(viewer_client)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('workorders')}?summary=switch"  # the page number is not kept
    view = SavedView.objects.get()
    assert (view.owner, view.shared, view.query) == (viewer, False, "summary=switch")
    html = viewer_client.get(reverse("workorders")).content.decode()
    assert "Switches" in html and view.query in html
    assert "Switches" in viewer_client.get(reverse("saved_views")).content.decode()


def test_a_viewer_cannot_share_but_a_dispatcher_can(viewer_client, dispatcher, client_for):
    save(viewer_client, shared="on")
    assert SavedView.objects.get().shared is False
    save(client_for(dispatcher), shared="on", name="Team switches")
    assert SavedView.objects.get(name="Team switches").shared is True


def test_own_views_are_private_and_shared_ones_seen_by_all(viewer, dispatcher, admin_user, client_for):
    mine = client_for(viewer)
    save(mine, name="Private")
    save(client_for(dispatcher), name="Team", shared="on")
    private, team = SavedView.objects.get(name="Private"), SavedView.objects.get(name="Team")
    other = client_for(dispatcher)
    assert other.get(reverse("saved_view_open", args=[private.pk])).status_code == 404
    assert mine.get(reverse("saved_view_open", args=[team.pk])).status_code == 302
    # Only the owner (or an admin) removes a view.
    assert mine.post(reverse("saved_view_delete", args=[team.pk])).status_code == 403
    assert client_for(admin_user).post(reverse("saved_view_delete", args=[team.pk])).status_code == 302
    assert mine.post(reverse("saved_view_delete", args=[private.pk])).status_code == 302
    assert not SavedView.objects.exists()


def test_saving_again_under_the_same_name_updates_it(viewer_client):
    save(viewer_client)
    save(viewer_client, query="summary=router")
    assert SavedView.objects.get().query == "summary=router"


@pytest.mark.parametrize("fields", [{"name": ""}, {"page": "nowhere"}])
def test_bad_saves_are_refused_with_a_message(viewer_client, fields):
    response = save(viewer_client, **fields)
    assert response.status_code == 302
    assert not SavedView.objects.exists()


def test_saved_views_need_a_log_in(client):
    assert client.get(reverse("saved_views")).status_code == 302
    assert client.post(reverse("saved_view_save"), {}).status_code == 302


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_work_order_export_has_every_row_the_list_has(viewer_client):
    site = make_site()
    made = [make_workorder(site, summary=f"Switch {i}") for i in range(60)]
    make_workorder(site, summary="Router")
    params = {"summary": "switch", "sort": "id"}
    listed = []
    for page in (1, 2, 3):
        rows = viewer_client.get(reverse("workorders"), {**params, "page": page}).context["page"].object_list
        listed += [r.id for r in rows]
    response = viewer_client.get(reverse("workorders_csv"), params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming
    rows = read_csv(response)
    assert [int(r["Number"]) for r in rows] == listed == sorted(w.id for w in made)


def test_site_board_map_and_saved_view_exports(viewer_client, viewer):
    site = make_site()
    make_site(name="=HYPERLINK(evil)")
    wo = make_workorder(site, scheduled="2026-03-03 10:00", installer_name="Ana")
    names = [r["Name"] for r in read_csv(viewer_client.get(reverse("sites_csv")))]
    assert "'=HYPERLINK(evil)" in names and site.name in names  # no formula reaches a spreadsheet
    rows = read_csv(viewer_client.get(reverse("schedule_csv"), {"date": "2026-03-03"}))
    assert [int(r["Number"]) for r in rows] == [wo.id]
    rows = read_csv(viewer_client.get(reverse("map_csv"), {"when": "all"}))
    assert [int(r["Number"]) for r in rows] == [wo.id]
    view = SavedView.objects.create(
        owner=viewer, name="Ana", page="schedule", query="date=2026-03-03&installer=ana"
    )
    response = viewer_client.get(reverse("saved_view_csv", args=[view.pk]))
    assert response.status_code == 302
    assert [int(r["Number"]) for r in read_csv(viewer_client.get(response["Location"]))] == [wo.id]


def test_bad_export_filters_go_back_to_the_page(viewer_client):
    response = viewer_client.get(reverse("workorders_csv"), {"scheduled_from": "2026-99-99"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("workorders"))
    response = viewer_client.get(reverse("schedule_csv"), {"date": "soon"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("schedule"))


def test_export_query_count_is_constant(viewer_client, django_assert_max_num_queries):
    site = make_site()
    for _ in range(50):
        make_workorder(site)
    with django_assert_max_num_queries(6):
        response = viewer_client.get(reverse("workorders_csv"))
        assert len(read_csv(response)) == 50
