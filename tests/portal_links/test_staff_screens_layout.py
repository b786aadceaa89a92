"""How the portal link staff screens read: the list's work order columns and links, one date/time format, copy
fields that work without JavaScript, the dashboard's one form layout, and the customer page's control edges."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal_ui.portal_links import selectors, services
from portal_ui.portal_links.models import PortalLink

from ..mirror.conftest import make_site, make_wo
from .conftest import make_link

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# The dashboard's one date/time format ("2026-11-23 15:00 EST", dispatch_tags.stamp).
ONE_FORMAT = re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2} [A-Z]{2,5}\b")
OTHER_FORMATS = re.compile(
    r"\b(a\.m\.|p\.m\.|(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4})"
)


class Elements(HTMLParser):
    """Every start tag of a page: (tag, attributes), attributes without a value as ``None``."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            found
            for name, found in self.tags
            if name == tag and all(found.get(key.rstrip("_")) == value for key, value in attrs.items())
        ]

    def classes(self, tag: str) -> list[set[str]]:
        return [set((found.get("class") or "").split()) for name, found in self.tags if name == tag]


def body_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def main_text(html: str) -> str:
    """The page's main content (not the header), as markup."""
    return html.split('<main id="main"', 1)[1]


# --- the list ----------------------------------------------------------------------------------------------


def test_the_list_shows_each_links_summary_and_site_and_links_to_its_work_order(viewer_client):
    site = make_site(name="Harbor Depot", city="Portland", state="Oregon", stateabbr="OR")
    wo = make_wo(site=site, summary="Mount the outdoor sign")
    issued = make_link(workorder=str(wo.id))
    html = body_of(viewer_client.get(reverse("portal_links")))
    page = Elements(html)

    assert "Mount the outdoor sign" in html
    assert page.find("span", class_="clip", title="Mount the outdoor sign")  # one line, whole text on hover
    assert page.find("a", href=reverse("workorder_detail", args=[wo.id]))
    assert page.find("a", href=reverse("site_detail", args=[site.id]))
    assert "Harbor Depot" in html and "Portland, OR" in html
    assert page.find("a", href=reverse("portal_link_detail", args=[issued.link.pk]))
    # One line a row, in a box that scrolls inside its card on a phone, as every list of the dashboard does.
    assert re.search(r'<div class="table-scroll"[^>]*>\s*<table class="one-line', html)


def unknown_to_the_read_model(workorder: str) -> PortalLink:
    """A link to a work order the read model does not hold (dropped from it since the link was made)."""
    from portal_ui.mirror.models import WorkOrderRecord

    issued = make_link(workorder=workorder)
    WorkOrderRecord.objects.filter(pk=int(workorder)).delete()
    return issued.link


def test_the_list_shows_a_link_whose_work_order_is_not_in_the_read_model(viewer_client):
    unknown_to_the_read_model("987654")
    html = body_of(viewer_client.get(reverse("portal_links")))
    assert Elements(html).find("a", href=reverse("workorder_detail", args=[987654]))
    assert ">987654<" in html


def test_the_lists_work_orders_are_read_in_one_query_for_every_link(django_assert_num_queries):
    sites = [make_site(name=f"Store {n}") for n in range(3)]
    wos = [make_wo(site=site, summary=f"Job {n}") for n, site in enumerate(sites)]
    for wo in wos:
        make_link(workorder=str(wo.id))
    unknown_to_the_read_model("555000111")
    links = list(PortalLink.objects.order_by("created_at"))
    with django_assert_num_queries(1):
        rows = selectors.portal_link_rows(links)
    assert [row.workorder.summary for row in rows[:3]] == ["Job 0", "Job 1", "Job 2"]
    assert [row.workorder.site_name for row in rows[:3]] == ["Store 0", "Store 1", "Store 2"]
    assert rows[3].workorder is None and rows[3].workorder_id == 555000111
    with django_assert_num_queries(0):
        assert selectors.portal_link_rows([]) == []


def test_the_filter_names_the_work_order_number(viewer_client):
    html = body_of(viewer_client.get(reverse("portal_links")))
    assert "Work order number" in html


# --- one date/time format --------------------------------------------------------------------------------


def test_the_portal_link_pages_write_dates_in_the_one_format(viewer_client, admin_client_):
    expiry = timezone.now() + timedelta(days=30)
    issued = make_link(expiry_date=expiry)
    PortalLink.objects.filter(pk=issued.link.pk).update(last_viewed_at=timezone.now(), view_count=1)
    key = services.api_key_create(name="CRM", namespaces=["acme"])
    services.api_key_revoke(api_key=key.api_key)

    local_expiry = expiry.astimezone(ZoneInfo(settings.TIME_ZONE))
    pages = {
        "list": body_of(viewer_client.get(reverse("portal_links"))),
        "detail": body_of(viewer_client.get(reverse("portal_link_detail", args=[issued.link.pk]))),
        "api keys": body_of(admin_client_.get(reverse("api_keys"))),
    }
    for name, html in pages.items():
        text = main_text(html)
        assert ONE_FORMAT.search(text), name
        assert not OTHER_FORMATS.search(text), (name, OTHER_FORMATS.search(text))
    for name in ("list", "detail"):
        assert local_expiry.strftime("%Y-%m-%d %H:%M %Z") in pages[name], name
    assert len(ONE_FORMAT.findall(main_text(pages["list"]))) == 3  # last viewed, expires, created
    assert len(ONE_FORMAT.findall(main_text(pages["api keys"]))) == 2  # created, revoked


def test_the_access_log_writes_when_in_the_one_format(viewer_client):
    from portal_ui.portal_links.models import AccessLog

    issued = make_link()
    view = AccessLog.objects.create(link_ref=issued.link.pk, ip="203.0.113.9", outcome="ok", what="page")
    AccessLog.objects.create(link_ref=issued.link.pk, parent=view, at=view.at, outcome="ok", what="photo 7")
    html = body_of(viewer_client.get(reverse("portal_link_detail", args=[issued.link.pk])))
    log = html.split('id="access-log"', 1)[1]
    assert len(ONE_FORMAT.findall(log)) == 1
    assert not OTHER_FORMATS.search(log)
    assert len(re.findall(r'<time datetime="\d{4}-\d{2}-\d{2}T[^"]+">', log)) == 2  # the view and its file


# --- copy fields ------------------------------------------------------------------------------------------


def assert_copy_field(html: str, element_id: str, value: str) -> None:
    page = Elements(html)
    (field,) = page.find("input", id=element_id)
    assert field["value"] == value
    assert "readonly" in field and field.get("type") == "text"
    assert "size" not in field  # sized by the stylesheet
    (button,) = page.find("button", **{"data-copy": f"#{element_id}"})
    assert "hidden" in button  # shown by app.js; without JavaScript there is no button that cannot work
    assert button.get("type") == "button"


def test_the_new_customer_url_is_a_read_only_field_with_a_hidden_copy_button(dispatcher_client):
    make_link(workorder="4242")  # the work order is in the read model
    response = dispatcher_client.post(reverse("portal_link_new") + "?workorder=4242")
    html = body_of(dispatcher_client.get(response["Location"]))
    url = re.search(r'id="new-url" type="text" value="([^"]+)"', html).group(1)
    assert_copy_field(html, "new-url", url)


def test_the_new_api_key_is_a_read_only_field_with_a_hidden_copy_button(admin_client_):
    response = admin_client_.post(reverse("api_keys"), {"name": "CRM", "namespaces": "acme"}, follow=True)
    html = body_of(response)
    key = re.search(r'id="new-key" type="text" value="([^"]+)"', html).group(1)
    assert key.startswith("tlk_")
    assert_copy_field(html, "new-key", key)


def test_the_script_reveals_the_copy_buttons():
    script = (ROOT / "static" / "js" / "app.js").read_text()
    assert re.search(r'querySelectorAll\("\[data-copy\]"\)[\s\S]{0,200}\.hidden = false', script)


def test_the_api_keys_table_scrolls_inside_its_card(admin_client_):
    services.api_key_create(name="CRM integration with a rather long name", namespaces=["acme", "globex"])
    html = body_of(admin_client_.get(reverse("api_keys")))
    assert re.search(r'<div class="table-scroll"[^>]*>\s*<table class="one-line', html)


# --- the form ---------------------------------------------------------------------------------------------


FIELD_LAYOUT = re.compile(
    r'<div class="field[^"]*">\s*<label for="id_(?P<name>\w+)"><span class="label-text">'
)


def test_the_link_form_uses_the_dashboards_form_layout(dispatcher_client):
    make_link(workorder="77")
    html = body_of(dispatcher_client.get(reverse("portal_link_new") + "?workorder=77"))
    page = Elements(html)
    assert any({"card", "form-page"} <= c for c in page.classes("form"))
    assert any({"form-grid"} <= c for c in page.classes("div"))
    assert any({"form-actions"} <= c for c in page.classes("div"))
    laid_out = set(FIELD_LAYOUT.findall(html))
    assert {
        "workorder",
        "label",
        "link_type",
        "expiry_date",
        "passcode",
        "company_name",
        "view_notes",
    } <= laid_out
    assert [legend for legend in re.findall(r"<legend>([^<]+)</legend>", html)][:2] == [
        "Link",
        "What the customer sees",
    ]
    assert re.search(r'<label for="id_workorder"><span class="label-text">Work order number', html)
    assert "Work order id" not in html
    assert not OTHER_FORMATS.search(main_text(html)), OTHER_FORMATS.search(main_text(html))


def test_the_edit_form_uses_the_same_layout_and_links_to_the_work_order(dispatcher_client):
    site = make_site()
    wo = make_wo(site=site)
    issued = make_link(workorder=str(wo.id))
    html = body_of(dispatcher_client.get(reverse("portal_link_edit", args=[issued.link.pk])))
    assert {"label", "link_type", "passcode"} <= set(FIELD_LAYOUT.findall(html))
    assert Elements(html).find("a", href=reverse("workorder_detail", args=[wo.id]))


def test_choosing_the_work_order_asks_for_its_number(dispatcher_client):
    html = body_of(dispatcher_client.get(reverse("portal_link_new")))
    assert re.search(r'<label for="id_workorder"><span class="label-text">Work order number', html)
    assert "Work order id" not in html


def test_the_detail_page_links_back_to_the_work_order(viewer_client):
    wo = make_wo()
    issued = make_link(workorder=str(wo.id))
    html = body_of(viewer_client.get(reverse("portal_link_detail", args=[issued.link.pk])))
    assert Elements(html).find("a", href=reverse("workorder_detail", args=[wo.id]))


# --- the customer page's stylesheet -----------------------------------------------------------------------


def _luminance(colour: str) -> float:
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_customer_pages_inputs_and_buttons_have_edges_of_at_least_3_to_1():
    css = (ROOT / "portal_ui" / "portal_links" / "static" / "portal_links" / "customer.css").read_text()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", css))

    def border_colour(selector: str) -> str:
        rule = re.search(rf"(?m)^{re.escape(selector)} \{{([^}}]*)\}}", css).group(1)
        colour = re.search(r"border(?:-color)?:[^;]*?(#[0-9a-fA-F]{3,6}|var\(--([\w-]+)\))", rule)
        return colour.group(1) if colour.group(1).startswith("#") else variables[colour.group(2)]

    page_background = variables["brand-secondary"]
    for selector in ("input, textarea", "button"):
        edge = border_colour(selector)
        assert contrast(edge, "#ffffff") >= 3, (selector, edge)
        assert contrast(edge, page_background) >= 3, (selector, edge)
    assert contrast(variables["brand-primary"], "#ffffff") >= 3  # the filled buttons' edge


def test_the_contrast_helper_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#7b8594", "#ffffff") == pytest.approx(3.73, abs=0.01)
