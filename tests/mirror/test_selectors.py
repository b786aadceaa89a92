from datetime import date, timedelta

import pytest
from django.utils import timezone

from portal_ui.mirror.selectors import InvalidFilter, site_search, workorder_list

from .conftest import make_site, make_wo

pytestmark = pytest.mark.django_db


def ids(page) -> list[int]:
    return [row.id for row in page.object_list]


def test_it_lists_newest_first_in_pages():
    made = [make_wo(summary=f"Job {n}").id for n in range(30)]

    first = workorder_list(filters={})
    second = workorder_list(filters={}, page=2)

    assert ids(first) == sorted(made, reverse=True)[:25]
    assert ids(second) == sorted(made, reverse=True)[25:]
    assert first.paginator.count == 30
    assert first.has_next() and not second.has_next()


def test_it_returns_the_last_page_for_a_page_past_the_end():
    made = [make_wo().id for _ in range(3)]

    page = workorder_list(filters={}, page=99)

    assert sorted(ids(page)) == sorted(made)


def test_it_filters_by_status_project_site_and_po():
    site = make_site(name="Target Site")
    wanted = make_wo(site=site, status_code=40, status="Assigned", project_id=7, po="PO-123")
    make_wo(site=site, status_code=60, project_id=7, po="PO-123")
    make_wo(status_code=40, project_id=7, po="PO-123")
    make_wo(site=site, status_code=40, project_id=8, po="PO-123")

    page = workorder_list(filters={"status_code": "40", "project_id": 7, "site_id": site.id, "po": "po-123"})

    assert ids(page) == [wanted.id]


def test_it_matches_status_codes_as_text_like_upstream():
    sixty = make_wo(status_code=60)
    sixty_five = make_wo(status_code=65)
    make_wo(status_code=70)

    assert sorted(ids(workorder_list(filters={"status_code": "6*"}))) == sorted([sixty.id, sixty_five.id])


def test_it_sorts_by_scheduled_date_with_unscheduled_rows_last_both_ways():
    unscheduled = make_wo()
    late = make_wo(scheduled="2026-03-02 09:00:00")
    early = make_wo(scheduled="2026-03-01 09:00:00")
    also_unscheduled = make_wo()

    ascending = ids(workorder_list(filters={}, sort="scheduled"))
    descending = ids(workorder_list(filters={}, sort="-scheduled"))

    assert ascending == [early.id, late.id, also_unscheduled.id, unscheduled.id]
    assert descending == [late.id, early.id, unscheduled.id, also_unscheduled.id]


def test_it_sorts_work_orders_never_modified_last():
    never = make_wo(last_modified=None)
    old = make_wo(last_modified=timezone.now() - timedelta(days=2))
    new = make_wo(last_modified=timezone.now())

    assert ids(workorder_list(filters={}, sort="modified")) == [old.id, new.id, never.id]
    assert ids(workorder_list(filters={}, sort="-modified")) == [new.id, old.id, never.id]


def test_it_falls_back_to_newest_first_for_an_unknown_sort():
    older, newer = make_wo(), make_wo()

    assert ids(workorder_list(filters={}, sort="drop table"))[:2] == [newer.id, older.id]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("test*", {"testing", "TEST"}),
        ("*test*", {"testing", "greatest", "*test", "TEST"}),
        ("TEST", {"TEST"}),
        ("\\*test", {"*test"}),
        ("*\\**", {"*test", "50*off"}),
        ("100%", {"100%"}),
        ("a_c", {"a_c"}),
        ("*.*", {"v1.2"}),
        ("g*t*t", {"greatest"}),
    ],
)
def test_it_applies_upstream_wildcard_rules_to_summary(pattern, expected):
    values = [
        "testing",
        "greatest",
        "*test",
        "TEST",
        "50*off",
        "100%",
        "100 percent",
        "a_c",
        "abc",
        "v1.2",
        "v12",
    ]
    by_id = {make_wo(summary=value).id: value for value in values}

    found = {by_id[i] for i in ids(workorder_list(filters={"summary": pattern}, per_page=100))}

    assert found == expected


def test_it_compares_a_search_without_a_star_case_folded_like_upstream():
    street = make_site(name="Straße Shop")
    spelled_out = make_site(name="Strasse Shopping")

    assert ids(site_search(name="STRASSE SHOP")) == [street.id]
    assert ids(site_search(name="straße shop")) == [street.id]
    assert ids(site_search(name="STRASSE*")) == [spelled_out.id]  # with a star, letter by letter


def test_it_takes_a_backslash_before_any_character_as_that_character():
    plain = make_wo(summary="backslash job")
    slashed = make_wo(summary="back\\slash job")
    trailing = make_wo(summary="ends in \\")

    assert ids(workorder_list(filters={"summary": "back\\slash*"})) == [plain.id]
    assert ids(workorder_list(filters={"summary": "back\\\\slash*"})) == [slashed.id]
    assert ids(workorder_list(filters={"summary": "ends in \\"})) == [trailing.id]


def test_it_matches_non_ascii_text_without_regard_to_case():
    wo = make_wo(summary="ÉCOLE Saint-Jean")
    make_wo(summary="Ecole")

    assert ids(workorder_list(filters={"summary": "école*"})) == [wo.id]


def test_it_filters_by_install_date_on_the_site_local_date():
    wanted = make_wo(scheduled="2026-04-10 23:30:00")
    make_wo(scheduled="2026-04-11 00:30:00")
    make_wo()

    assert ids(workorder_list(filters={"install_date": "2026-04-10"})) == [wanted.id]
    assert ids(workorder_list(filters={"install_date": date(2026, 4, 10)})) == [wanted.id]


def test_it_refuses_a_malformed_install_date_with_a_clear_message():
    with pytest.raises(InvalidFilter, match="YYYY-MM-DD"):
        workorder_list(filters={"install_date": "10/04/2026"})


def test_it_ignores_empty_filters():
    made = make_wo()

    assert ids(workorder_list(filters={"summary": "", "po": None, "status_code": " "})) == [made.id]


def test_it_searches_sites_by_state_name_or_abbreviation():
    illinois = make_site(state="Illinois", stateabbr="IL")
    make_site(state="Indiana", stateabbr="IN")

    assert ids(site_search(state="il")) == [illinois.id]
    assert ids(site_search(state="illinois")) == [illinois.id]
    assert ids(site_search(state="Ill*")) == [illinois.id]


def test_it_searches_sites_on_any_street_line():
    second_line = make_site(street="1 Main St", street2="Suite 200")
    make_site(street="2 Oak Ave", street2="")

    assert ids(site_search(address="suite*")) == [second_line.id]


def test_it_combines_site_filters():
    wanted = make_site(name="Acme North", siteid="ST-00042", city="Boston", zip="02108")
    make_site(name="Acme North", siteid="ST-00043", city="Boston", zip="02108")
    make_site(name="Acme South", siteid="ST-00042", city="Boston", zip="02108")

    page = site_search(name="acme n*", site_code="st-00042", city="boston", zip="021*")

    assert ids(page) == [wanted.id]


def test_it_returns_site_rows_newest_first():
    older, newer = make_site(), make_site()

    page = site_search()

    assert ids(page) == [newer.id, older.id]
    assert page.object_list[0].name == newer.name


def test_it_matches_across_line_breaks_like_upstream():
    two_lines = make_wo(description="First line\nsecond line")
    make_wo(description="First line\nsecond line\n")  # upstream does not ignore the final line break
    make_wo(description="second line\nFirst line")

    assert ids(workorder_list(filters={"description": "first*second*line"})) == [two_lines.id]


def test_it_compares_numbers_as_text_like_upstream():
    sixty = make_wo(status_code=60)

    assert ids(workorder_list(filters={"status_code": "060"})) == []
    assert ids(workorder_list(filters={"status_code": "60"})) == [sixty.id]
    assert ids(workorder_list(filters={"project_id": "*"})) == [sixty.id]  # even without a project
