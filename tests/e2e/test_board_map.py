"""The find-anything box, the schedule board's drag to ask for a date, and the map with its tiles blocked."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, make_site


def test_slash_focuses_search_and_a_number_jumps_to_the_work_order(page, live, viewer):
    from portal_ui.mirror.models import WorkOrderRecord

    workorder_id = WorkOrderRecord.objects.order_by("id").values_list("id", flat=True).first()
    log_in(page, live, viewer)
    page.goto(f"{live.url}/workorders/")  # any staff page: the box is in the top bar
    page.locator("h1").first.click()
    page.keyboard.press("/")
    box = page.locator("#topbar-search-q")
    expect(box).to_be_focused()
    page.keyboard.type(str(workorder_id))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/workorders/{workorder_id}/$"))


def test_a_card_dragged_onto_a_day_asks_techlink_for_that_date(new_context, live, techlink, dispatcher, tag):
    from portal_ui.mirror.services import mirror_workorder_refresh

    site = make_site(techlink, f"Board {tag} Depot")
    workorder = techlink.workorder_create(site_id=site.id, summary=f"Needs a date {tag}")
    mirror_workorder_refresh(workorder_id=workorder.id)
    start = timezone.localdate() + timedelta(days=7)
    start -= timedelta(days=start.weekday())
    day = start + timedelta(days=2)
    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    log_in(page, live, dispatcher)
    page.goto(f"{live.url}/schedule/?date={start.isoformat()}&view=week")
    card = page.locator(f"#card-{workorder.id}")
    expect(card).to_be_visible()
    target = page.locator(f'#board thead th[data-day="{day.isoformat()}"]')
    card.scroll_into_view_if_needed()
    card.locator(".summary").drag_to(target)
    status = card.locator(".write-status")
    expect(status).to_have_attribute("data-status", "done")
    requested = techlink.workorder_get(workorder.id).requested_time
    assert day.isoformat() in requested or day.strftime("%Y/%m/%d") in requested, requested


def test_the_map_shows_a_marker_or_cluster_count_per_site_with_tiles_blocked(new_context, live, viewer):
    from portal_ui.mirror.selectors import map_data

    expected = len(map_data({"when": "all"}).placed)
    assert expected > 1
    context = new_context(viewport={"width": 1440, "height": 900})
    context.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    page = context.new_page()
    log_in(page, live, viewer)
    page.goto(f"{live.url}/map/?when=all")
    expect(page.locator("#map")).to_have_attribute("data-ready", "1")
    assert page.locator("#map").get_attribute("data-markers") == str(expected)
    page.wait_for_timeout(300)  # clustering is drawn in chunks
    singles = page.locator(".leaflet-marker-icon.map-pin").count()
    clusters = [int(t) for t in page.locator(".marker-cluster span").all_inner_texts()]
    assert singles + sum(clusters) == expected
    expect(page.get_by_role("button", name="Show")).to_be_visible()  # the filters work without tiles
