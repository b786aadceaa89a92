"""Staff screens for portal links and API keys."""

import re

import pytest
from django.urls import reverse

from portal_ui.portal_links import services
from portal_ui.portal_links.models import AccessLog, ApiKey, PortalLink

from .conftest import ApiClient, make_link, mirror_workorder

pytestmark = pytest.mark.django_db


def url_in(html: str) -> str:
    import re

    return re.search(r'id="new-url" type="text" value="([^"]+)"', html).group(1)


def test_it_lists_links_with_filters(viewer_client):
    make_link(workorder="1001")
    make_link(workorder="2002", is_active=False)
    html = viewer_client.get(reverse("portal_links")).content.decode()
    assert ">1001<" in html and ">2002<" in html
    html = viewer_client.get(reverse("portal_links"), {"is_active": "no"}).content.decode()
    assert ">1001<" not in html and ">2002<" in html
    html = viewer_client.get(
        reverse("portal_links"), {"workorder": "1001", "link_type": "public"}
    ).content.decode()
    assert ">1001<" in html and ">2002<" not in html
    html = viewer_client.get(reverse("portal_links"), {"namespace": "elsewhere"}).content.decode()
    assert ">1001<" not in html and "No portal links match" in html


def test_it_answers_htmx_with_the_results_only(viewer_client):
    make_link(workorder="1001")
    response = viewer_client.get(reverse("portal_links"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert ">1001<" in html
    assert "<html" not in html and "<form" not in html
    assert "HX-Request" in response["Vary"]
    page = viewer_client.get(reverse("portal_links"))
    assert "HX-Request" in page["Vary"] and "<form" in page.content.decode()


def test_it_answers_an_htmx_history_restore_with_the_whole_page(viewer_client):
    make_link(workorder="1001")
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    html = viewer_client.get(reverse("portal_links"), headers=headers).content.decode()
    assert ">1001<" in html and "<form" in html


def test_it_needs_a_login(client):
    response = client.get(reverse("portal_links"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lets_viewers_look_but_not_change(viewer_client):
    issued = make_link()
    assert viewer_client.get(reverse("portal_link_detail", args=[issued.link.pk])).status_code == 200
    assert viewer_client.post(reverse("portal_link_new") + "?workorder=1001").status_code == 403
    assert viewer_client.post(reverse("portal_link_deactivate", args=[issued.link.pk])).status_code == 403
    assert viewer_client.post(reverse("portal_link_delete", args=[issued.link.pk])).status_code == 403
    assert PortalLink.objects.get(pk=issued.link.pk).is_active


def test_it_creates_a_link_in_one_step_from_a_work_order(dispatcher_client, settings):
    settings.PORTAL_LINK_DEFAULT_NAMESPACE = "dispatch-east"
    mirror_workorder("4242")
    response = dispatcher_client.post(reverse("portal_link_new") + "?workorder=4242")
    link = PortalLink.objects.get()
    assert response["Location"] == reverse("portal_link_detail", args=[link.pk])
    assert link.workorder == "4242"
    assert link.link_type == "public"
    assert link.company_namespace == ["dispatch-east"]
    assert link.expiry_date is not None
    first = dispatcher_client.get(response["Location"]).content.decode()
    url = url_in(first)
    assert url.startswith("http://127.0.0.1:8000/p/")
    assert 'data-copy="#new-url"' in first
    assert url not in dispatcher_client.get(response["Location"]).content.decode()


def test_it_refuses_a_one_step_link_without_a_work_order(dispatcher_client):
    response = dispatcher_client.post(reverse("portal_link_new") + "?workorder=abc", follow=True)
    assert "No link was created" in response.content.decode()
    assert PortalLink.objects.count() == 0


def test_it_creates_a_link_with_the_form(dispatcher_client, dispatcher):
    mirror_workorder("77")
    form = dispatcher_client.get(reverse("portal_link_new") + "?workorder=77").content.decode()
    assert 'value="77"' in form
    response = dispatcher_client.post(
        reverse("portal_link_new"),
        {
            "workorder": "77",
            "link_type": "secure",
            "is_active": "on",
            "passcode": "swordfish-9",
            "view_schedule": "on",
            "view_notes": "on",
            "company_name": "Acme",
            "primary_color": "#123abc",
            "on_customer_comment": "a@acme.test, b@acme.test",
        },
    )
    assert response.status_code == 302
    link = PortalLink.objects.get()
    assert link.link_type == "secure" and link.has_passcode
    assert link.permissions["view_notes"] is True and link.permissions["view_photos"] is False
    assert link.custom_branding == {"company_name": "Acme", "primary_color": "#123abc"}
    assert link.notification_settings["on_customer_comment"] == ["a@acme.test", "b@acme.test"]
    assert link.created_by == dispatcher


def test_it_shows_what_is_wrong_with_the_form_and_keeps_the_input(dispatcher_client):
    mirror_workorder("77")
    response = dispatcher_client.post(
        reverse("portal_link_new"),
        {
            "workorder": "77",
            "link_type": "private",
            "is_active": "on",
            "primary_color": "blue",
            "company_name": "Keep me",
            "allowed_emails": "not-an-address",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "primary_color" in html and "Keep me" in html and "not-an-address" in html
    assert PortalLink.objects.count() == 0


def test_it_edits_a_link_and_keeps_the_passcode(dispatcher_client):
    issued = make_link(link_type="secure", access_restrictions={"passcode": "swordfish-9"})
    old_hash = issued.link.passcode_hash
    form = dispatcher_client.get(reverse("portal_link_edit", args=[issued.link.pk])).content.decode()
    assert "swordfish" not in form
    response = dispatcher_client.post(
        reverse("portal_link_edit", args=[issued.link.pk]),
        {
            "link_type": "secure",
            "is_active": "on",
            "view_schedule": "on",
            "view_photos": "on",
            "max_views": "5",
        },
    )
    assert response.status_code == 302
    link = PortalLink.objects.get(pk=issued.link.pk)
    assert link.passcode_hash == old_hash
    assert link.permissions["view_photos"] is True
    assert link.max_views == 5


def test_it_deactivates_activates_regenerates_and_deletes(dispatcher_client):
    issued = make_link()
    pk = issued.link.pk
    dispatcher_client.post(reverse("portal_link_deactivate", args=[pk]))
    assert PortalLink.objects.get(pk=pk).is_active is False
    dispatcher_client.post(reverse("portal_link_activate", args=[pk]))
    assert PortalLink.objects.get(pk=pk).is_active is True
    response = dispatcher_client.post(reverse("portal_link_regenerate", args=[pk]), follow=True)
    new_url = url_in(response.content.decode())
    assert new_url != issued.url
    assert PortalLink.objects.get(pk=pk).token_version == 2
    dispatcher_client.post(reverse("portal_link_delete", args=[pk]))
    assert not PortalLink.objects.filter(pk=pk).exists()


def test_it_shows_views_and_the_access_log(viewer_client, fake_upstream):
    from django.test import Client

    issued = make_link()
    customer = Client()
    customer.get("/" + issued.url.split("/", 3)[3])
    customer.get("/p/wrong/")
    html = viewer_client.get(reverse("portal_link_detail", args=[issued.link.pk])).content.decode()
    assert "<dt>Views</dt><dd>1</dd>" in html
    assert "127.0.0.1" in html and ">OK<" in html


def test_it_previews_without_gate_count_or_log(viewer_client, fake_upstream):
    issued = make_link(
        link_type="secure",
        access_restrictions={"passcode": "swordfish-9"},
        permissions={"view_notes": True, "view_photos": True, "add_comment": True},
        shared_items={"notes": [1], "photos": [7]},
    )
    response = viewer_client.get(reverse("portal_link_preview", args=[issued.link.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Gate code is 4711" in html and "Preview as the customer sees it" in html
    assert "Enter the passcode" not in html
    photo = viewer_client.get(reverse("portal_link_preview_file", args=[issued.link.pk, "photo", 7]))
    assert b"".join(photo.streaming_content) == b"\x89PNG-photo"
    link = PortalLink.objects.get(pk=issued.link.pk)
    assert link.view_count == 0
    assert AccessLog.objects.count() == 0


# --- API keys ----------------------------------------------------------------------------------------------


def test_it_lets_only_admins_manage_api_keys(dispatcher_client):
    assert dispatcher_client.get(reverse("api_keys")).status_code == 403
    assert dispatcher_client.post(reverse("api_keys"), {"name": "x", "namespaces": "acme"}).status_code == 403
    assert ApiKey.objects.count() == 0


def test_it_creates_a_key_and_shows_it_once(admin_client_, client):
    import re

    response = admin_client_.post(
        reverse("api_keys"), {"name": "CRM", "namespaces": "acme, globex"}, follow=True
    )
    html = response.content.decode()
    key = re.search(r'id="new-key" type="text" value="([^"]+)"', html).group(1)
    stored = ApiKey.objects.get()
    assert stored.namespaces == ["acme", "globex"]
    assert key not in stored.key_hash
    assert key not in admin_client_.get(reverse("api_keys")).content.decode()
    assert ApiClient(client, key).get("/workorder-portal-links").status_code == 200


def test_it_refuses_a_key_without_namespaces(admin_client_):
    response = admin_client_.post(reverse("api_keys"), {"name": "CRM", "namespaces": "bad namespace!"})
    assert response.status_code == 400
    assert ApiKey.objects.count() == 0


def test_it_revokes_a_key(admin_client_, client, admin_user):
    issued = services.api_key_create(name="CRM", namespaces=["acme"])
    admin_client_.post(reverse("api_key_revoke", args=[issued.api_key.pk]))
    stored = ApiKey.objects.get()
    assert stored.is_revoked and stored.revoked_by == admin_user
    assert ApiClient(client, issued.key).get("/workorder-portal-links").status_code == 401


def test_it_edits_an_expired_link_without_touching_the_expiry(dispatcher_client):
    from datetime import timedelta

    from django.utils import timezone

    issued = make_link()
    past = timezone.now() - timedelta(days=2)
    PortalLink.objects.filter(pk=issued.link.pk).update(expiry_date=past)
    form = dispatcher_client.get(reverse("portal_link_edit", args=[issued.link.pk])).content.decode()
    shown = re.search(r'name="expiry_date" value="([^"]+)"', form).group(1)
    response = dispatcher_client.post(
        reverse("portal_link_edit", args=[issued.link.pk]),
        {
            "link_type": "public",
            "is_active": "on",
            "view_schedule": "on",
            "view_notes": "on",
            "expiry_date": shown,
        },
    )
    assert response.status_code == 302
    link = PortalLink.objects.get(pk=issued.link.pk)
    assert link.permissions["view_notes"] is True
    assert link.expiry_date == past
    response = dispatcher_client.post(
        reverse("portal_link_edit", args=[issued.link.pk]),
        {"link_type": "public", "is_active": "on", "expiry_date": "2001-01-01T10:00"},
    )
    assert response.status_code == 400
    assert "must be in the future" in response.content.decode()


# --- the work order must exist -------------------------------------------------------------------------------


def test_it_refuses_a_one_step_link_to_a_work_order_that_does_not_exist(dispatcher_client, upstream):
    response = dispatcher_client.post(reverse("portal_link_new"), {"workorder": "987654321"}, follow=True)
    html = response.content.decode()
    assert "No link was created: Work order 987654321 does not exist." in html
    assert PortalLink.objects.count() == 0


def test_it_shows_on_the_form_that_the_work_order_does_not_exist(dispatcher_client, upstream):
    response = dispatcher_client.post(
        reverse("portal_link_new"),
        {"workorder": "987654321", "link_type": "public", "is_active": "on", "company_name": "Keep me"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is no work order 987654321 in TechLink." in html
    assert 'value="987654321"' in html and "Keep me" in html
    assert PortalLink.objects.count() == 0


def test_it_says_when_the_work_order_cannot_be_checked(dispatcher_client, upstream):
    with upstream.configured(error_rate=1.0):
        response = dispatcher_client.post(
            reverse("portal_link_new"), {"workorder": "987654321", "link_type": "public", "is_active": "on"}
        )
    assert response.status_code == 503
    html = response.content.decode()
    assert "could not be checked" in html and "Try again" in html
    assert 'value="987654321"' in html
    assert PortalLink.objects.count() == 0


# --- passcodes, deleting, odd ids ------------------------------------------------------------------------------


def test_it_removes_the_passcode_when_staff_make_a_link_public(dispatcher_client):
    issued = make_link(link_type="secure", access_restrictions={"passcode": "swordfish-9"})
    response = dispatcher_client.post(
        reverse("portal_link_edit", args=[issued.link.pk]),
        {"link_type": "public", "is_active": "on", "view_schedule": "on"},
    )
    assert response.status_code == 302
    assert PortalLink.objects.get(pk=issued.link.pk).has_passcode is False
    response = dispatcher_client.post(
        reverse("portal_link_edit", args=[issued.link.pk]),
        {"link_type": "secure", "is_active": "on", "view_schedule": "on"},
    )
    assert response.status_code == 400
    assert "A secure link needs a passcode." in response.content.decode()


def test_it_asks_before_deleting_a_link(dispatcher_client):
    issued = make_link()
    pk = issued.link.pk
    detail = dispatcher_client.get(reverse("portal_link_detail", args=[pk])).content.decode()
    delete_url = reverse("portal_link_delete", args=[pk])
    assert f'href="{delete_url}"' in detail
    assert f'action="{delete_url}"' not in detail  # no one-click delete on the detail page
    confirm = dispatcher_client.get(delete_url)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Delete the portal link for work order 1001?" in html
    assert re.search(rf'<form method="post" action="{re.escape(delete_url)}"', html)
    assert PortalLink.objects.filter(pk=pk).exists()
    response = dispatcher_client.post(delete_url, follow=True)
    assert "Portal link for work order 1001 deleted." in response.content.decode()
    assert not PortalLink.objects.filter(pk=pk).exists()


def test_it_does_not_offer_viewers_the_delete_confirmation(viewer_client):
    issued = make_link()
    assert viewer_client.get(reverse("portal_link_delete", args=[issued.link.pk])).status_code == 403


@pytest.mark.parametrize("suffix", ["", "edit/", "delete/", "preview/"])
def test_it_answers_404_for_a_nul_byte_link_id(dispatcher_client, suffix):
    assert dispatcher_client.get(f"/portal-links/%00/{suffix}").status_code == 404
