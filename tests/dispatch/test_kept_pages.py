"""Home, the work order list and the site search keep the parts they draw from the read model: what each
viewer may do, their own writes and the day stay theirs and current; the rows drawn in Python are the rows
the templates drew; and a page drawn afresh reads the same number of queries however many rows it shows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal_ui.dispatch.forms import WorkOrderEditForm
from portal_ui.dispatch.views.rows import wo_table_html
from portal_ui.mirror.models import WorkOrderRecord
from portal_ui.mirror.selectors.lists import workorder_rows

from .factories_board import make_site, make_workorder

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def html_of(client, url: str, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


def same_markup(html: str) -> str:
    """Markup with the white space between elements left out (it does not show)."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.fixture
def rows():
    site = make_site(name='Bar & "Grill" <Main>', city="Miami", state="Florida", stateabbr="")
    return [
        make_workorder(
            site, scheduled="2026-03-02 09:30", summary="<b>Rack</b> & 'switch'", installer_name="Ana"
        ),
        make_workorder(site, summary="Unscheduled one", installer_name=""),
        make_workorder(make_site(name="", city="", state=""), summary="No place"),
        make_workorder(make_site(name="Depot", city="Austin", state="", stateabbr=""), status_code=None),
        make_workorder(None, summary="No site at all", status="Cancelled", status_code=95),
    ]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"time_only": True},
        {"hide_scheduled": True},
        {"hide_installer": True},
        {"hide_site": True, "site_local": True},
    ],
)
def test_it_draws_the_rows_the_work_order_table_template_draws(rows, options):
    listed = workorder_rows(WorkOrderRecord.objects.order_by("id"))
    template = render_to_string("dispatch/_wo_table.html", {"rows": listed, "empty": "Nothing.", **options})
    assert same_markup(wo_table_html(listed, empty="Nothing.", **options)) == same_markup(template)
    empty = render_to_string("dispatch/_wo_table.html", {"rows": [], "empty": "Nothing.", **options})
    assert same_markup(wo_table_html([], empty="Nothing.", **options)) == same_markup(empty)


def test_it_escapes_every_value_of_the_kept_rows(viewer_client, rows):
    for url in ("/", "/workorders/", "/sites/?name=grill"):
        html = html_of(viewer_client, url)
        assert "<b>Rack</b>" not in html and "<Main>" not in html
    listed = html_of(viewer_client, "/workorders/")
    assert "&lt;b&gt;Rack&lt;/b&gt; &amp; &#x27;switch&#x27;" in listed
    assert 'title="Bar &amp; &quot;Grill&quot; &lt;Main&gt; · Miami, Florida"' in listed
    sites = html_of(viewer_client, "/sites/?name=grill")
    assert ">Bar &amp; &quot;Grill&quot; &lt;Main&gt;</a>" in sites


@pytest.mark.parametrize(
    ("url", "control"),
    [
        ("/workorders/", 'href="/workorders/new/"'),
        ("/workorders/?summary=rack", 'href="/workorders/new/"'),
        ("/sites/", 'href="/sites/new/"'),
        ("/sites/?name=grill", 'href="/sites/new/"'),
    ],
)
def test_it_never_hands_one_roles_controls_to_another(client_for, viewer, dispatcher, rows, url, control):
    as_viewer, as_dispatcher = client_for(viewer), client_for(dispatcher)
    assert control not in html_of(as_viewer, url)  # drawn for a viewer and kept
    assert control in html_of(as_dispatcher, url)
    assert control not in html_of(as_viewer, url)
    shared = "Share with the team"  # the save-view box: dispatchers may share a view
    assert shared in html_of(as_dispatcher, url) and shared not in html_of(as_viewer, url)


def test_it_shows_a_dispatchers_own_change_in_the_list_at_once(
    dispatcher_client, workorder, tl, django_capture_on_commit_callbacks
):
    url = f"/workorders/?id={workorder.id}"
    assert "Replace the rack switch 3310" not in html_of(dispatcher_client, url)  # drawn and kept
    data = {
        k: "" if v is None else v
        for k, v in WorkOrderEditForm.initial_from_workorder(tl.workorder_get(workorder.id)).items()
    }
    data["summary"] = "Replace the rack switch 3310"
    with django_capture_on_commit_callbacks(execute=True):
        response = dispatcher_client.post(reverse("workorder_edit", args=[workorder.id]), data)
    assert response.status_code == 302

    assert "Replace the rack switch 3310" in html_of(dispatcher_client, url)
    partial = html_of(dispatcher_client, url, **HTMX)
    assert "Replace the rack switch 3310" in partial and "<html" not in partial


def test_it_moves_the_home_queues_to_the_next_day(client, viewer):
    evening = timezone.localtime().replace(hour=23, minute=59, second=30)  # the dashboard's time zone
    with time_machine.travel(evening, tick=False):
        client.force_login(viewer)
        tomorrow = timezone.localdate() + timedelta(days=1)
        make_workorder(make_site(), scheduled=f"{tomorrow} 10:00", summary="Tomorrow's antenna 3310")
        assert "Nothing scheduled today." in html_of(client, "/")  # drawn and kept for today
    with time_machine.travel(evening + timedelta(seconds=40), tick=False):  # just past midnight
        html = html_of(client, "/")
    installs = html.split('id="today"', 1)[1].split("</section>", 1)[0]
    assert "Tomorrow&#x27;s antenna 3310" in installs


@pytest.mark.parametrize("url", ["/", "/workorders/", "/workorders/?queue=overdue", "/sites/?name=*a*"])
def test_it_draws_a_page_afresh_with_the_same_queries_for_5_or_50_rows(viewer_client, url):
    def cold() -> int:
        cache.clear()
        caches["fragments"].clear()
        with CaptureQueriesContext(connection) as captured:
            assert viewer_client.get(url).status_code == 200
        return len(captured)

    site = make_site(name="Acme Store")
    for n in range(5):
        make_workorder(site, summary=f"Install antenna {n}", scheduled=f"2026-01-0{n + 1} 09:00")
    few = cold()
    for n in range(45):
        make_workorder(make_site(name=f"Acme {n}"), summary=f"Install antenna {n}", installer_name="")
    assert cold() == few


@pytest.mark.parametrize(
    "url", ["/workorders/", "/workorders/?summary=rack", "/sites/", "/sites/?name=grill"]
)
def test_it_answers_htmx_with_the_kept_rows_only(viewer_client, rows, url):
    page = html_of(viewer_client, url)
    for _ in range(2):  # drawn, then kept
        part = html_of(viewer_client, url, **HTMX)
        assert "<html" not in part and "<form" not in part and "<tbody>" in part
        assert same_markup(part) in same_markup(page)


def test_it_answers_htmx_with_the_dashboard_only(viewer_client, rows):
    for _ in range(2):  # drawn, then kept
        part = html_of(viewer_client, "/", **HTMX)
        assert part.lstrip().startswith('<div id="dashboard"') and "<html" not in part
        assert 'id="review-queue"' in part and "Unscheduled one" in part
