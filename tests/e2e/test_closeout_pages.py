"""The close-out review's own pages in a browser: accessible (axe-core, no serious or critical violation) on a
working screen and a phone, nothing scrolling sideways on a 360 px phone, the photo viewer included."""

from __future__ import annotations

import pytest

from tests.dispatch.closeout_fixtures import make_closeout_case
from tests.e2e.pages import (
    PHONE,
    SMALL_PHONE,
    WIDE,
    axe_violations,
    failing,
    logged_in,
    open_page,
    screenshot_dir,
    sideways_overflow,
)


@pytest.fixture
def world(live, techlink, upstream, dispatcher, settings, tmp_path, monkeypatch):
    from portal_ui.dispatch.closeouts import report_services, services
    from portal_ui.mirror.services import mirror_workorder_refresh

    settings.MEDIA_ROOT = tmp_path / "media"
    case = make_closeout_case(techlink, upstream)
    mirror_workorder_refresh(workorder_id=case.workorder_id)
    services.closeout_scan(budget=5000)
    monkeypatch.setattr(report_services, "_enqueue", lambda report: None)  # queued: its progress page
    report = report_services.closeout_report_request(workorder_id=case.workorder_id, user=dispatcher)
    return {"wo": case.workorder_id, "report": report.pk}


PAGES = [
    ("closeout-queue", "/closeouts/"),
    ("closeout-review", "/workorders/{wo}/closeout/"),
    ("closeout-remind", "/workorders/{wo}/closeout/remind/"),
    ("closeout-report", "/workorders/{wo}/closeout/report/{report}/"),
]


def _problems(page) -> list[str]:
    found = []
    for width, height in (WIDE, PHONE):
        page.set_viewport_size({"width": width, "height": height})
        for violation in failing(axe_violations(page)):
            found.append(
                f"{width}px axe {violation['impact']} {violation['id']}: {violation['help']} {violation['nodes']}"
            )
    for width, height in (PHONE, SMALL_PHONE):
        page.set_viewport_size({"width": width, "height": height})
        overflow = sideways_overflow(page)
        if overflow["overflow"] > 0:
            found.append(f"{width}px scrolls sideways by {overflow['overflow']} px: {overflow['offenders']}")
    return found


@pytest.mark.parametrize("name,path", PAGES, ids=[p[0] for p in PAGES])
def test_each_closeout_page_is_accessible_and_fits_a_phone(name, path, new_context, live, world, dispatcher):
    context = logged_in(
        new_context, live, dispatcher, viewport={"width": WIDE[0], "height": WIDE[1]}, bypass_csp=True
    )
    page, response = open_page(context, live.url + path.format(**world))
    assert response is not None and response.status == 200, (name, response and response.status)
    page.screenshot(path=str(screenshot_dir() / f"{name}-{WIDE[0]}.png"), full_page=True)
    problems = _problems(page)
    assert not problems, "\n".join([name, *problems])


def test_the_photo_viewer_is_accessible(new_context, live, world, viewer):
    context = logged_in(
        new_context, live, viewer, viewport={"width": PHONE[0], "height": PHONE[1]}, bypass_csp=True
    )
    page, _ = open_page(context, f"{live.url}/workorders/{world['wo']}/closeout/")
    page.locator("#photos a.gallery-link").first.click()
    page.get_by_role("dialog", name="Photo viewer").wait_for()
    page.screenshot(path=str(screenshot_dir() / f"closeout-viewer-{PHONE[0]}.png"))
    problems = _problems(page)
    assert not problems, "\n".join(["viewer", *problems])
