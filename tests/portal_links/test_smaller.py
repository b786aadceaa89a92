"""Downloads named outside Latin-1 stay attachments; answers showing a one-time URL or API key are never
cached; the link's stylesheet answers 404 wherever its page does."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal_ui.portal_links.models import PortalLink

from .conftest import SHARE_ALL, FakeRaw, make_link, mirror_workorder, path_of

pytestmark = pytest.mark.django_db

FILES = {
    "view_photos": True,
    "view_client_documents": True,
    "view_closeout_documents": True,
    "download_documents": True,
}


@pytest.mark.parametrize("name", ["报告.pdf", "Отчёт 1.pdf", "naïve—plan.pdf", "Übersicht.pdf"])
@pytest.mark.parametrize(
    "kind,reader,content_type",
    [
        ("document", "workorder_document_raw", "application/pdf"),
        ("closeout", "workorder_closeout_document_raw", "application/pdf"),
        ("photo", "workorder_photo_raw", "application/pdf"),  # not an image: downloaded, not shown
    ],
)
def test_it_keeps_attachment_for_names_outside_latin_1(
    client, fake_upstream, monkeypatch, name, kind, reader, content_type
):
    monkeypatch.setattr(
        fake_upstream, reader, lambda workorder_id, file_id: FakeRaw(b"%PDF", name, content_type)
    )
    issued = make_link(permissions=FILES, shared_items=SHARE_ALL)
    client.get(path_of(issued))
    file_id = {"document": 5, "closeout": 9, "photo": 7}[kind]
    response = client.get(f"{path_of(issued)}files/{kind}/{file_id}/")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=utf-8''" in disposition
    disposition.encode("latin-1")  # a header any server can send as it is


def test_it_never_caches_the_page_with_a_new_customer_url(dispatcher_client):
    mirror_workorder("4242")
    response = dispatcher_client.post(reverse("portal_link_new") + "?workorder=4242")
    shown = dispatcher_client.get(response["Location"])
    assert 'id="new-url"' in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    regenerated = dispatcher_client.post(
        reverse("portal_link_regenerate", args=[PortalLink.objects.get().pk]), follow=True
    )
    assert regenerated["Cache-Control"] == "no-store"


def test_it_never_caches_the_page_with_a_new_api_key(admin_client_):
    response = admin_client_.post(reverse("api_keys"), {"name": "CRM", "namespaces": "acme"}, follow=True)
    assert re.search(r'id="new-key"', response.content.decode())
    assert response["Cache-Control"] == "no-store"
    assert "no-store" not in admin_client_.get(reverse("api_keys")).get("Cache-Control", "")


def test_it_never_caches_api_answers_with_a_url(api):
    mirror_workorder("1001")
    created = api.post("/workorder-portal-links", {"workorder": "1001", "link_type": "public"})
    assert created["Cache-Control"] == "no-store"
    regenerated = api.post(f"/workorder-portal-links/{created.json()['data']['_id']}/regenerate")
    assert regenerated["Cache-Control"] == "no-store"


BRANDED = {"custom_branding": {"primary_color": "#0a7"}}


@pytest.mark.parametrize("state", ["inactive", "expired", "deleted", "outside the networks", "used up"])
def test_it_answers_404_for_the_stylesheet_wherever_the_page_does(fake_upstream, state):
    issued = make_link(access_restrictions={"ip_ranges": ["203.0.113.0/24"], "max_views": 1}, **BRANDED)
    visitor = Client(REMOTE_ADDR="203.0.113.5")
    if state == "inactive":
        PortalLink.objects.filter(pk=issued.link.pk).update(is_active=False)
    elif state == "expired":
        PortalLink.objects.filter(pk=issued.link.pk).update(expiry_date=timezone.now() - timedelta(minutes=1))
    elif state == "deleted":
        PortalLink.objects.filter(pk=issued.link.pk).delete()
    elif state == "outside the networks":
        visitor = Client(REMOTE_ADDR="198.51.100.5")
    else:
        Client(REMOTE_ADDR="203.0.113.6").get(path_of(issued))  # someone else used the one view
    assert visitor.get(path_of(issued)).status_code == 404
    assert visitor.get(f"{path_of(issued)}brand.css").status_code == 404


def test_it_serves_the_stylesheet_to_the_gate_and_to_whoever_saw_a_used_up_page(fake_upstream):
    secure = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"}, **BRANDED)
    assert Client().get(f"{path_of(secure)}brand.css").status_code == 200
    once = make_link(access_restrictions={"max_views": 1}, **BRANDED)
    viewer = Client()
    assert viewer.get(path_of(once)).status_code == 200
    assert viewer.get(f"{path_of(once)}brand.css").status_code == 200
