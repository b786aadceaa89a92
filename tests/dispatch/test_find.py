"""Find anything (/search/), the one staff search rule in every filter box, and the new list filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal_ui.mirror.search import typed_pattern

from .factories_board import make_site, make_workorder

pytestmark = pytest.mark.django_db


def test_the_staff_rule_turns_plain_text_into_contains_and_keeps_stars():
    assert typed_pattern("switch") == "*switch*"
    assert typed_pattern("  switch ") == "*switch*"
    assert typed_pattern("switch*") == "switch*"  # a star keeps TechLink's meaning
    assert typed_pattern("50\\*") == "*50\\**"  # an escaped star is a literal star, contained
    assert typed_pattern("") == ""


@pytest.fixture
def rows():
    site = make_site()
    other = make_site(name="Denver Yard", siteid="ST-9", city="Denver", stateabbr="CO", zip="80202")
    wo = make_workorder(site, summary="Switch install", po="PO-40301")
    make_workorder(other, summary="Router swap", po="PO-1", client_reference="X-1", description="")
    star = make_workorder(other, summary="Promo 50* off", po="PO-2", client_reference="", description="")
    return site, other, wo, star


def test_a_work_order_number_jumps_to_it(viewer_client, rows):
    wo = rows[2]
    response = viewer_client.get(reverse("search"), {"q": str(wo.id)})
    assert response.status_code == 302
    assert response["Location"] == reverse("workorder_detail", args=[wo.id])
    assert viewer_client.get(reverse("search"), {"q": f"#{wo.id}"})["Location"].endswith(f"/{wo.id}/")


def test_plain_text_means_contains_ignoring_case(viewer_client, rows):
    site, other, wo, _ = rows
    response = viewer_client.get(reverse("search"), {"q": "SWITCH"})
    assert response.status_code == 200
    assert [w.id for w in response.context["result"].workorders] == [wo.id]
    response = viewer_client.get(reverse("search"), {"q": "40301"})
    assert [w.id for w in response.context["result"].workorders] == [wo.id]
    response = viewer_client.get(reverse("search"), {"q": "miami cascade"})
    assert [s.id for s in response.context["result"].sites] == [site.id]
    response = viewer_client.get(reverse("search"), {"q": "8020"})  # ZIP
    assert [s.id for s in response.context["result"].sites] == [other.id]


def test_wildcards_keep_techlinks_meaning(viewer_client, rows):
    _, _, wo, _ = rows
    response = viewer_client.get(reverse("search"), {"q": "switch*"})
    assert [w.id for w in response.context["result"].workorders] == [wo.id]
    response = viewer_client.get(reverse("search"), {"q": "install*"})  # whole value: must start with it
    assert response.context["result"].workorders == []


def test_an_escaped_star_is_a_literal_star(viewer_client, rows):
    star = rows[3]
    response = viewer_client.get(reverse("search"), {"q": "50\\*"})
    assert [w.id for w in response.context["result"].workorders] == [star.id]
    response = viewer_client.get(reverse("search"), {"q": "%"})  # SQL's wildcard is literal
    assert response.context["result"].workorders == []


@pytest.mark.parametrize("query", ["x" * 10_000, "swi\x00tch"])
def test_huge_or_nul_searches_are_refused_cleanly(viewer_client, rows, query):
    response = viewer_client.get(reverse("search"), {"q": query})
    assert response.status_code == 400  # a NUL is refused before the view (core.middleware), a long one here
    assert b"NUL" in response.content or b"at most 200 characters" in response.content


def test_search_needs_a_log_in(client, rows):
    assert client.get(reverse("search"), {"q": "x"}).status_code == 302


def test_search_query_count_is_constant(viewer_client, rows, django_assert_max_num_queries):
    site = rows[0]
    for _ in range(30):
        make_workorder(site)
    with django_assert_max_num_queries(12):
        viewer_client.get(reverse("search"), {"q": "switch"})


def test_filter_boxes_use_the_same_rule(viewer_client, rows):
    _, other, wo, _ = rows
    page = viewer_client.get(reverse("workorders"), {"summary": "switch"}).context["page"]
    assert [w.id for w in page.object_list] == [wo.id]
    page = viewer_client.get(reverse("workorders"), {"summary": "*switch*"}).context["page"]
    assert [w.id for w in page.object_list] == [wo.id]
    page = viewer_client.get(reverse("sites"), {"name": "denver"}).context["page"]
    assert [s.id for s in page.object_list] == [other.id]


def test_site_list_takes_a_site_code_or_number_in_one_field(viewer_client, rows):
    site, other, *_ = rows
    page = viewer_client.get(reverse("sites"), {"site_code": "ST-9"}).context["page"]
    assert [s.id for s in page.object_list] == [other.id]
    page = viewer_client.get(reverse("sites"), {"site_code": str(site.id)}).context["page"]
    assert [s.id for s in page.object_list] == [site.id]


def test_new_work_order_filters(viewer_client, rows):
    _, other, wo, _ = rows
    wo.installer_name, wo.planned_tech_name = "Ana Lopez", "Ben Ito"
    wo.save()
    get = lambda **q: [w.id for w in viewer_client.get(reverse("workorders"), q).context["page"].object_list]  # noqa: E731
    assert get(id=str(wo.id)) == [wo.id]
    assert get(installer_name="lopez") == [wo.id]
    assert get(planned_tech_name="ito") == [wo.id]
    assert len(get(client_reference="x-1")) == 1
    assert get(site_id="ST-00123") == [wo.id]
    assert sorted(get(site_id=str(other.id))) == sorted(w for w in get() if w != wo.id)


def test_date_range_filters(viewer_client):
    site = make_site()
    early = make_workorder(site, scheduled="2026-03-02 09:00")
    late = make_workorder(site, scheduled="2026-03-20 09:00")
    make_workorder(site)
    get = lambda **q: [w.id for w in viewer_client.get(reverse("workorders"), q).context["page"].object_list]  # noqa: E731
    assert get(scheduled_from="2026-03-01", scheduled_to="2026-03-10") == [early.id]
    assert get(scheduled_from="2026-03-10") == [late.id]
    today = early.created_date.date().isoformat()
    assert len(get(created_from=today, created_to=today)) == 3


@pytest.mark.parametrize("params", [{"scheduled_from": "2026-13-45"}, {"id": "abc"}])
def test_bad_filters_answer_with_the_page_and_a_message(viewer_client, params):
    response = viewer_client.get(reverse("workorders"), params)
    assert response.status_code == 400
    assert response.context["form"].errors
