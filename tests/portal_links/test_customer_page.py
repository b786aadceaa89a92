"""The customer page /p/<token>/: token lifecycle, gates, permissions, files, comments, headers, access log."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from portal_ui.jobs.models import UpstreamWrite
from portal_ui.portal_links import services, tasks
from portal_ui.portal_links.models import AccessLog, EmailCode, PortalLink
from portal_ui.portal_links.tokens import hash_token

from .conftest import ALL_PERMISSIONS, SHARE_ALL, make_link, path_of, refusals

pytestmark = pytest.mark.django_db


def outcomes(link) -> list[tuple[str, str]]:
    return [
        (entry.what, entry.outcome)
        for entry in AccessLog.objects.filter(link_ref=link.pk).order_by("at", "id")
    ]


def test_it_opens_a_public_link_and_counts_the_view(client, fake_upstream):
    issued = make_link()
    response = client.get(path_of(issued))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Work order 1001" in html
    assert "Scheduled" in html
    assert "Harbour Office, Portland" in html
    link = PortalLink.objects.get(pk=issued.link.pk)
    assert link.view_count == 1 and link.last_viewed_at is not None
    assert outcomes(link) == [("page", "ok")]


def test_it_stores_only_a_hash_of_the_token(fake_upstream):
    issued = make_link()
    token = issued.url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    row = PortalLink.objects.filter(pk=issued.link.pk).values().get()
    assert token not in str(row)
    assert row["token_hash"] == hash_token(token)


def test_it_shows_the_same_plain_page_for_every_unusable_link(client, fake_upstream):
    expired = make_link(custom_branding={"company_name": "Acme Brand"})
    PortalLink.objects.filter(pk=expired.link.pk).update(expiry_date=timezone.now() - timedelta(seconds=1))
    inactive = make_link(is_active=False, custom_branding={"company_name": "Acme Brand"})
    deleted = make_link()
    services.portal_link_delete(link=deleted.link)
    pages = []
    for issued in (expired, inactive, deleted):
        response = client.get(path_of(issued))
        assert response.status_code == 404
        pages.append(response.content)
    unknown = client.get("/p/not-a-real-token-at-all/")
    assert unknown.status_code == 404
    assert len({*pages, unknown.content}) == 1
    assert b"Acme Brand" not in unknown.content and b"1001" not in unknown.content
    assert refusals(expired.link) == {"expired": 1}
    assert refusals(inactive.link) == {"inactive": 1}
    assert AccessLog.objects.count() == 0
    assert fake_upstream.calls == []


def test_it_ends_the_link_after_max_views(client, fake_upstream):
    issued = make_link(access_restrictions={"max_views": 2})
    assert client.get(path_of(issued)).status_code == 200
    assert client.get(path_of(issued)).status_code == 200
    assert client.get(path_of(issued)).status_code == 404
    link = PortalLink.objects.get(pk=issued.link.pk)
    assert link.view_count == 2
    assert refusals(link) == {"exhausted": 1}
    assert outcomes(link) == [("page", "ok"), ("page", "ok")]


def test_it_kills_the_old_url_on_regenerate(client, fake_upstream):
    issued = make_link()
    assert client.get(path_of(issued)).status_code == 200
    renewed = services.portal_link_regenerate(link=issued.link)
    assert client.get(path_of(issued)).status_code == 404
    assert client.get(path_of(renewed)).status_code == 200


def test_it_ends_sessions_opened_before_a_regenerate(client, fake_upstream):
    issued = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    client.post(path_of(issued), {"action": "passcode", "passcode": "blue-door-42"})
    assert "Install fibre router" in client.get(path_of(issued)).content.decode()
    renewed = services.portal_link_regenerate(link=issued.link)
    response = client.get(path_of(renewed))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the passcode" in html and "Install fibre router" not in html
    # The files of the old session are refused as well.
    assert client.get(f"{path_of(renewed)}files/photo/7/").status_code == 404


# --- a stricter gate ends the sessions opened before ---------------------------------------------------------


def link_api(client, api_key):
    from .conftest import ApiClient

    return ApiClient(client, api_key.key)


def opened(browser, issued) -> bool:
    return "Install fibre router" in browser.get(path_of(issued)).content.decode()


def test_it_gates_an_open_session_when_a_public_link_becomes_secure(client, api_key, fake_upstream):
    customer = Client()
    issued = make_link(permissions={"view_photos": True}, shared_items=SHARE_ALL)
    assert opened(customer, issued)
    response = link_api(client, api_key).put(
        f"/workorder-portal-links/{issued.link.pk}",
        {"link_type": "secure", "access_restrictions": {"passcode": "blue-door-42"}},
    )
    assert response.status_code == 200
    page = customer.get(path_of(issued)).content.decode()
    assert "Enter the passcode" in page and "Install fibre router" not in page
    assert customer.get(f"{path_of(issued)}files/photo/7/").status_code == 404
    customer.post(path_of(issued), {"action": "passcode", "passcode": "blue-door-42"})
    assert opened(customer, issued)


def test_it_gates_open_sessions_again_when_the_passcode_changes(client, api_key, fake_upstream):
    customer = Client()
    issued = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    customer.post(path_of(issued), {"action": "passcode", "passcode": "blue-door-42"})
    assert opened(customer, issued)
    link_api(client, api_key).put(
        f"/workorder-portal-links/{issued.link.pk}", {"access_restrictions": {"passcode": "green-gate-7"}}
    )
    assert "Enter the passcode" in customer.get(path_of(issued)).content.decode()
    assert (
        customer.post(path_of(issued), {"action": "passcode", "passcode": "blue-door-42"}).status_code == 403
    )
    customer.post(path_of(issued), {"action": "passcode", "passcode": "green-gate-7"})
    assert opened(customer, issued)


def test_it_gates_an_open_session_when_a_secure_link_becomes_private(client, api_key, fake_upstream):
    customer = Client()
    issued = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    customer.post(path_of(issued), {"action": "passcode", "passcode": "blue-door-42"})
    assert opened(customer, issued)
    link_api(client, api_key).put(
        f"/workorder-portal-links/{issued.link.pk}",
        {"link_type": "private", "access_restrictions": {"allowed_emails": ["pat@customer.example"]}},
    )
    page = customer.get(path_of(issued)).content.decode()
    assert "Confirm your e-mail address" in page and "Install fibre router" not in page


def test_it_gates_an_open_session_when_the_allowed_addresses_change(client, api_key, fake_upstream):
    customer = Client()
    issued = private_link()
    customer.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example"})
    customer.post(
        path_of(issued), {"action": "verify", "email": "pat@customer.example", "code": emailed_code()}
    )
    assert opened(customer, issued)
    link_api(client, api_key).put(
        f"/workorder-portal-links/{issued.link.pk}",
        {"access_restrictions": {"allowed_emails": ["sam@customer.example"]}},
    )
    assert "Confirm your e-mail address" in customer.get(path_of(issued)).content.decode()


def test_it_keeps_open_sessions_when_the_gate_stays_the_same(client, api_key, fake_upstream):
    customer = Client()
    issued = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    customer.post(path_of(issued), {"action": "passcode", "passcode": "blue-door-42"})
    link_api(client, api_key).put(
        f"/workorder-portal-links/{issued.link.pk}",
        {
            "link_type": "secure",
            "permissions": {"view_notes": True},
            "shared_items": {"notes": [1]},
            "access_restrictions": {"max_views": 9},
        },
    )
    page = customer.get(path_of(issued)).content.decode()
    assert "Install fibre router" in page and "Gate code is 4711" in page


def test_it_stops_a_deactivated_link_and_its_open_session(client, fake_upstream):
    issued = make_link(permissions={"view_photos": True}, shared_items=SHARE_ALL)
    assert client.get(path_of(issued)).status_code == 200
    services.portal_link_deactivate(link=issued.link)
    assert client.get(path_of(issued)).status_code == 404
    assert client.get(f"{path_of(issued)}files/photo/7/").status_code == 404


# --- gates -----------------------------------------------------------------------------------------------


def test_it_asks_for_the_passcode_of_a_secure_link(client, fake_upstream):
    issued = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    response = client.get(path_of(issued))
    assert response.status_code == 200
    assert "Enter the passcode" in response.content.decode()
    assert "Install fibre router" not in response.content.decode()
    assert fake_upstream.calls == []
    wrong = client.post(path_of(issued), {"action": "passcode", "passcode": "red-door"})
    assert wrong.status_code == 403
    assert "not right" in wrong.content.decode()
    right = client.post(path_of(issued), {"action": "passcode", "passcode": "blue-door-42"})
    assert right.status_code == 302
    assert "Install fibre router" in client.get(path_of(issued)).content.decode()
    assert outcomes(issued.link) == [("passcode", "ok"), ("page", "ok")]
    assert refusals(issued.link) == {"bad_passcode": 1}
    assert PortalLink.objects.get(pk=issued.link.pk).view_count == 1


def test_it_locks_out_after_five_wrong_passcodes(client, fake_upstream):
    issued = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    for attempt in range(5):
        assert (
            client.post(path_of(issued), {"action": "passcode", "passcode": f"guess-{attempt}"}).status_code
            == 403
        )
    locked = client.post(path_of(issued), {"action": "passcode", "passcode": "blue-door-42"})
    assert locked.status_code == 429
    assert "Too many wrong passcodes" in locked.content.decode()
    assert "Install fibre router" not in client.get(path_of(issued)).content.decode()
    # Another address is not locked out.
    other = client.post(
        path_of(issued), {"action": "passcode", "passcode": "blue-door-42"}, REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 302


def test_it_lets_the_lockout_expire(client, fake_upstream, time_machine):
    issued = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    time_machine.move_to(timezone.now(), tick=False)
    for attempt in range(5):
        client.post(path_of(issued), {"action": "passcode", "passcode": f"guess-{attempt}"})
    time_machine.shift(timedelta(minutes=16))
    assert client.post(path_of(issued), {"action": "passcode", "passcode": "blue-door-42"}).status_code == 302


def private_link(**overrides):
    fields = {
        "link_type": "private",
        "access_restrictions": {"allowed_emails": ["pat@customer.example"], "allowed_domains": ["acme.test"]},
    }
    fields.update(overrides)
    return make_link(**fields)


def emailed_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_it_opens_a_private_link_with_an_emailed_code(client, fake_upstream):
    issued = private_link()
    page = client.get(path_of(issued)).content.decode()
    assert "Confirm your e-mail address" in page and "Install fibre router" not in page
    response = client.post(path_of(issued), {"action": "send_code", "email": "Pat@Customer.example"})
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["pat@customer.example"]
    code = emailed_code()
    stored = EmailCode.objects.values().get()
    assert code not in [str(value) for value in stored.values()]
    assert re.fullmatch(r"[0-9a-f]{64}", stored["code_hash"])
    assert stored["code_hash"] != hashlib.sha256(code.encode()).hexdigest()  # keyed, not a plain hash
    response = client.post(
        path_of(issued), {"action": "verify", "email": "pat@customer.example", "code": code}
    )
    assert response.status_code == 302
    assert "Install fibre router" in client.get(path_of(issued)).content.decode()


def test_it_accepts_an_address_of_an_allowed_domain(client, fake_upstream):
    issued = private_link()
    client.post(path_of(issued), {"action": "send_code", "email": "sam@acme.test"})
    assert (
        client.post(
            path_of(issued), {"action": "verify", "email": "sam@acme.test", "code": emailed_code()}
        ).status_code
        == 302
    )


def test_it_sends_no_code_to_other_addresses_and_does_not_say_so(client, fake_upstream):
    issued = private_link()

    def answer(email):
        response = client.post(path_of(issued), {"action": "send_code", "email": email})
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        return response.status_code, html.replace(email, "ADDRESS")

    assert answer("pat@customer.example") == answer("eve@evil.example")
    assert len(mail.outbox) == 1
    assert outcomes(issued.link) == [("code", "code_sent")]
    assert refusals(issued.link) == {"denied": 1}


def test_it_refuses_a_wrong_code_and_uses_up_the_code_after_five_tries(client, fake_upstream):
    issued = private_link()
    client.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example"})
    code = emailed_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert (
            client.post(
                path_of(issued), {"action": "verify", "email": "pat@customer.example", "code": wrong}
            ).status_code
            == 403
        )
    response = client.post(
        path_of(issued), {"action": "verify", "email": "pat@customer.example", "code": code}
    )
    assert response.status_code == 403
    assert "Install fibre router" not in client.get(path_of(issued)).content.decode()


def test_it_refuses_an_expired_code(client, fake_upstream, time_machine):
    issued = private_link()
    time_machine.move_to(timezone.now(), tick=False)
    client.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example"})
    time_machine.shift(timedelta(minutes=11))
    response = client.post(
        path_of(issued), {"action": "verify", "email": "pat@customer.example", "code": emailed_code()}
    )
    assert response.status_code == 403
    assert "expired" in response.content.decode()


def test_it_keeps_private_sessions_per_browser(client, fake_upstream, django_user_model):
    from django.test import Client

    issued = private_link()
    client.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example"})
    client.post(
        path_of(issued), {"action": "verify", "email": "pat@customer.example", "code": emailed_code()}
    )
    assert "Install fibre router" in client.get(path_of(issued)).content.decode()
    assert "Install fibre router" not in Client().get(path_of(issued)).content.decode()


def test_it_refuses_addresses_outside_the_ip_ranges(client, fake_upstream):
    issued = make_link(access_restrictions={"ip_ranges": ["203.0.113.0/24"]})
    assert client.get(path_of(issued), REMOTE_ADDR="198.51.100.1").status_code == 404
    assert client.get(path_of(issued), REMOTE_ADDR="203.0.113.9").status_code == 200
    assert outcomes(issued.link) == [("page", "ok")]
    assert refusals(issued.link) == {"denied": 1}


# --- what the page shows -----------------------------------------------------------------------------------

SECTIONS = {
    "view_schedule": "Ivy Installer",
    "view_notes": "Gate code is 4711",
    "view_photos": "Rack photo",
    "view_client_documents": "floorplan.pdf",
    "view_closeout_answers": "Yes, all ports",
    "view_closeout_documents": "signoff.pdf",
    "add_comment": "Add a comment",
    "upload_document": "Send a document",
}


@pytest.mark.parametrize("permission", list(SECTIONS))
def test_it_shows_each_section_only_when_granted(client, fake_upstream, permission):
    denied = {**dict.fromkeys(ALL_PERMISSIONS, False), "download_documents": True}
    html_without = client.get(path_of(make_link(permissions=denied, shared_items=SHARE_ALL))).content.decode()
    granted = make_link(permissions={**denied, permission: True}, shared_items=SHARE_ALL)
    html_with = client.get(path_of(granted)).content.decode()
    assert SECTIONS[permission] not in html_without
    assert SECTIONS[permission] in html_with


def test_it_keeps_one_copy_of_the_work_order_for_every_link_and_shows_each_only_its_part(
    client, fake_upstream
):
    notes_only = make_link(permissions={"view_notes": True}, shared_items=SHARE_ALL)
    photos_only = make_link(permissions={"view_schedule": False, "view_photos": True}, shared_items=SHARE_ALL)
    notes_page = client.get(path_of(notes_only)).content.decode()
    photos_page = client.get(path_of(photos_only)).content.decode()
    assert [call[1] for call in fake_upstream.calls] == [1001]  # one call brought every section
    assert all(fake_upstream.calls[0][2].values())
    assert "Gate code is 4711" in notes_page and "Rack photo" not in notes_page
    assert "Rack photo" in photos_page and "Gate code is 4711" not in photos_page


def test_it_links_documents_only_when_downloads_are_allowed(client, fake_upstream):
    base = {"view_client_documents": True}
    no_download = client.get(path_of(make_link(permissions=base, shared_items=SHARE_ALL))).content.decode()
    assert "floorplan.pdf" in no_download and "files/document/5/" not in no_download
    issued = make_link(permissions={**base, "download_documents": True}, shared_items=SHARE_ALL)
    assert "files/document/5/" in client.get(path_of(issued)).content.decode()


def test_it_says_when_upstream_is_unavailable(client, fake_upstream):
    fake_upstream.down = True
    issued = make_link()
    response = client.get(path_of(issued))
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.content.decode()
    assert refusals(issued.link) == {"unavailable": 1}
    assert outcomes(issued.link) == []
    assert PortalLink.objects.get(pk=issued.link.pk).view_count == 0


def test_it_applies_the_branding_through_a_stylesheet(client, fake_upstream):
    issued = make_link(
        custom_branding={
            "company_name": "Acme Fibre",
            "primary_color": "#0a7",
            "welcome_text": "Hello from Acme",
            "logo_url": "https://cdn.acme.test/l.png",
        }
    )
    response = client.get(path_of(issued))
    html = response.content.decode()
    assert "Acme Fibre" in html and "Hello from Acme" in html
    assert "style=" not in html and "<style" not in html
    assert "https://cdn.acme.test" in response["Content-Security-Policy"]
    css = client.get(f"{path_of(issued)}brand.css")
    assert css["Content-Type"].startswith("text/css")
    assert "--brand-primary: #0a7;" in css.content.decode()


# --- files ---------------------------------------------------------------------------------------------------


def test_it_proxies_photos_and_documents_through_the_link(client, fake_upstream):
    issued = make_link(permissions=ALL_PERMISSIONS, shared_items=SHARE_ALL)
    client.get(path_of(issued))
    photo = client.get(f"{path_of(issued)}files/photo/7/")
    assert photo.status_code == 200
    assert b"".join(photo.streaming_content) == b"\x89PNG-photo"
    assert photo["Content-Type"] == "image/jpeg"
    document = client.get(f"{path_of(issued)}files/document/5/")
    assert b"".join(document.streaming_content) == b"%PDF-floorplan"
    assert document["Content-Disposition"] == 'attachment; filename="floorplan.pdf"'
    closeout = client.get(f"{path_of(issued)}files/closeout/9/")
    assert b"".join(closeout.streaming_content) == b"%PDF-signoff"
    assert ("photo", 1001, 7) in fake_upstream.calls
    view = AccessLog.objects.get(link_ref=issued.link.pk, parent__isnull=True)
    assert view.what == "page"
    assert [d.what for d in view.downloads.order_by("id")] == ["photo 7", "document 5", "closeout 9"]


def test_it_sandboxes_photos_and_documents(client, fake_upstream):
    issued = make_link(permissions=ALL_PERMISSIONS, shared_items=SHARE_ALL)
    client.get(path_of(issued))
    for path in ("files/photo/7/", "files/document/5/"):
        response = client.get(f"{path_of(issued)}{path}")
        directives = [d.strip() for d in response["Content-Security-Policy"].split(";")]
        assert "sandbox" in directives, directives
        assert "default-src 'none'" in directives


def test_it_refuses_files_the_permissions_do_not_grant(client, fake_upstream):
    issued = make_link(
        permissions={"view_photos": True, "view_client_documents": True}, shared_items=SHARE_ALL
    )
    client.get(path_of(issued))
    assert client.get(f"{path_of(issued)}files/document/5/").status_code == 404
    assert client.get(f"{path_of(issued)}files/closeout/9/").status_code == 404
    assert client.get(f"{path_of(issued)}files/photo/7/").status_code == 200


def test_it_refuses_files_before_the_gate_is_passed(client, fake_upstream):
    issued = make_link(
        link_type="secure",
        access_restrictions={"passcode": "blue-door-42"},
        permissions=ALL_PERMISSIONS,
        shared_items=SHARE_ALL,
    )
    assert client.get(f"{path_of(issued)}files/photo/7/").status_code == 404
    assert all(call[0] != "photo" for call in fake_upstream.calls)


# --- comments and uploads -----------------------------------------------------------------------------------


def test_it_sends_a_customer_comment_upstream_and_notifies(client, fake_upstream, after_commit):
    issued = make_link(
        permissions={"add_comment": True},
        notification_settings={"on_customer_comment": ["dispatch@acme.test"]},
    )
    client.get(path_of(issued))
    with after_commit():
        response = client.post(f"{path_of(issued)}comment/", {"note": "Please call before arriving"})
    assert response.status_code == 302
    write = UpstreamWrite.objects.get()
    assert write.payload == {
        "workorder_id": 1001,
        "note": f"Please call before arriving\n\n— portal link {issued.link.pk} (customer, via the customer portal)",
    }
    assert write.created_by is None
    assert write.actor_label == f"Customer portal link {issued.link.pk} via portal link {issued.link.pk}"
    assert mail.outbox[-1].to == ["dispatch@acme.test"]
    assert "Please call before arriving" in mail.outbox[-1].body
    assert "Thank you, your comment was sent" in client.get(response["Location"]).content.decode()


def test_it_marks_a_private_visitors_comment_with_their_address(client, fake_upstream):
    issued = private_link(permissions={"add_comment": True})
    client.post(path_of(issued), {"action": "send_code", "email": "Pat@Customer.example"})
    client.post(
        path_of(issued), {"action": "verify", "email": "pat@customer.example", "code": emailed_code()}
    )
    client.get(path_of(issued))
    response = client.post(f"{path_of(issued)}comment/", {"note": "The side gate is locked"})
    assert response.status_code == 302
    assert UpstreamWrite.objects.get().payload["note"] == (
        "The side gate is locked\n\n— pat@customer.example (customer, e-mail address verified, via the customer portal)"
    )


def test_it_refuses_a_comment_with_a_nul_character(client, fake_upstream):
    issued = make_link(permissions={"add_comment": True})
    client.get(path_of(issued))
    response = client.post(f"{path_of(issued)}comment/", {"note": "call me\x00"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be sent" in html and "call me" in html
    assert UpstreamWrite.objects.count() == 0


def test_it_asks_again_for_an_address_with_a_nul_character(client, fake_upstream):
    issued = private_link()
    response = client.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example\x00"})
    assert response.status_code == 400
    assert "Enter your e-mail address" in response.content.decode()
    assert mail.outbox == []


def test_it_refuses_comments_when_not_permitted(client, fake_upstream):
    issued = make_link()
    client.get(path_of(issued))
    assert client.post(f"{path_of(issued)}comment/", {"note": "hello"}).status_code == 404
    assert UpstreamWrite.objects.count() == 0


def test_it_keeps_an_empty_comment_off_upstream(client, fake_upstream):
    issued = make_link(permissions={"add_comment": True})
    client.get(path_of(issued))
    response = client.post(f"{path_of(issued)}comment/", {"note": "   "})
    assert response.status_code == 400
    assert "Write a comment first" in response.content.decode()
    assert UpstreamWrite.objects.count() == 0


def test_it_sends_a_customer_upload_upstream(client, fake_upstream, settings, tmp_path, after_commit):
    settings.MEDIA_ROOT = str(tmp_path)
    issued = make_link(
        permissions={"upload_document": True},
        notification_settings={"on_customer_upload": ["dispatch@acme.test"]},
    )
    client.get(path_of(issued))
    upload = SimpleUploadedFile("meter.jpg", b"jpeg-bytes", content_type="image/jpeg")
    with after_commit():
        response = client.post(
            f"{path_of(issued)}upload/", {"upload": upload, "description": "Meter reading"}
        )
    assert response.status_code == 302
    write = UpstreamWrite.objects.get()
    assert write.filename == "meter.jpg"
    assert write.actor_label == f"Customer portal link {issued.link.pk} via portal link {issued.link.pk}"
    assert write.payload["description"] == (
        f"Meter reading (from portal link {issued.link.pk} via the customer portal)"
    )
    assert mail.outbox[-1].to == ["dispatch@acme.test"]
    assert outcomes(issued.link)[-1] == ("upload", "ok")


def test_it_refuses_an_upload_description_with_a_nul_character(client, fake_upstream):
    issued = make_link(permissions={"upload_document": True})
    client.get(path_of(issued))
    upload = SimpleUploadedFile("meter.jpg", b"jpeg-bytes", content_type="image/jpeg")
    response = client.post(f"{path_of(issued)}upload/", {"upload": upload, "description": "Meter\x00"})
    assert response.status_code == 400
    assert "cannot be sent" in response.content.decode()
    assert UpstreamWrite.objects.count() == 0


def test_it_refuses_a_too_large_upload(client, fake_upstream, settings):
    settings.UPLOAD_MAX_BYTES = 10
    issued = make_link(permissions={"upload_document": True})
    client.get(path_of(issued))
    upload = SimpleUploadedFile("big.bin", b"x" * 11)
    response = client.post(f"{path_of(issued)}upload/", {"upload": upload})
    assert response.status_code == 400
    assert "files can be at most 10" in response.content.decode()
    assert UpstreamWrite.objects.count() == 0


@pytest.mark.parametrize(
    "files,message",
    [
        ({}, "Choose a file to upload."),
        ({"upload": SimpleUploadedFile("empty.txt", b"")}, "is empty."),
    ],
)
def test_it_refuses_a_missing_or_empty_upload(client, fake_upstream, files, message):
    issued = make_link(permissions={"upload_document": True})
    client.get(path_of(issued))
    response = client.post(f"{path_of(issued)}upload/", {"description": "Meter", **files})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert UpstreamWrite.objects.count() == 0


# --- notifications, headers, rate limit ----------------------------------------------------------------------


def test_it_notifies_on_first_and_each_view(client, fake_upstream, after_commit):
    issued = make_link(
        notification_settings={"on_first_view": ["first@acme.test"], "on_each_view": ["each@acme.test"]}
    )
    with after_commit():
        client.get(path_of(issued))
        client.get(path_of(issued))
    recipients = [m.to for m in mail.outbox]
    assert recipients == [["first@acme.test"], ["each@acme.test"], ["each@acme.test"]]


def test_it_queues_the_notification_instead_of_mailing_in_the_request(
    client, fake_upstream, django_capture_on_commit_callbacks, monkeypatch
):
    from unittest.mock import Mock

    queued = Mock()
    monkeypatch.setattr(tasks.notify, "delay", queued)
    issued = make_link(notification_settings={"on_first_view": ["first@acme.test", "first@acme.test"]})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.get(path_of(issued)).status_code == 200
    assert not queued.called  # queued only once the view is committed
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    queued.assert_called_once()
    kwargs = queued.call_args.kwargs
    assert kwargs["recipients"] == ["first@acme.test"]
    assert kwargs["subject"] == "Portal link opened: work order 1001"
    assert (
        f"portal link {issued.link.pk} (work order 1001) was opened for the first time" in kwargs["message"]
    )
    assert "from 127.0.0.1" in kwargs["message"]
    assert kwargs["workorder"] == "1001" and kwargs["link_id"] == issued.link.pk


@pytest.mark.parametrize("kind", ["page", "gone", "gate"])
def test_it_sends_the_privacy_headers(client, fake_upstream, kind):
    if kind == "page":
        path = path_of(make_link())
    elif kind == "gate":
        path = path_of(make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"}))
    else:
        path = "/p/unknown-token/"
    response = client.get(path)
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'none'" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.parametrize("kind", ["redirect", "forged", "method"])
def test_it_sends_the_customer_policy_with_every_other_answer(fake_upstream, kind):
    browser = Client(enforce_csrf_checks=kind == "forged")
    issued = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    if kind == "method":
        response = browser.head(path_of(issued))
        assert response.status_code == 405
    else:
        response = browser.post(path_of(issued), {"action": "passcode", "passcode": "blue-door-42"})
        assert response.status_code == (302 if kind == "redirect" else 403)
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "script-src 'none'" in response["Content-Security-Policy"]


# The rate limit counts in clock windows; a stopped clock keeps each test inside one window.
A_MINUTE_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_it_rate_limits_per_address(client, fake_upstream, settings, time_machine):
    time_machine.move_to(A_MINUTE_START, tick=False)
    settings.PORTAL_LINK_RATE_LIMIT = "3/m"
    issued = make_link()
    for _ in range(3):
        assert client.get(path_of(issued)).status_code == 200
    limited = client.get(path_of(issued))
    assert limited.status_code == 429
    assert limited["Cache-Control"] == "no-store"
    assert client.get(path_of(issued), REMOTE_ADDR="198.51.100.3").status_code == 200
    assert refusals(issued.link) == {"rate_limited": 1}
    assert outcomes(issued.link) == [("page", "ok")] * 4


def test_it_counts_photos_apart_from_pages(client, fake_upstream, settings, time_machine):
    time_machine.move_to(A_MINUTE_START, tick=False)
    settings.PORTAL_LINK_RATE_LIMIT = "2/m"
    issued = make_link(permissions={"view_photos": True}, shared_items=SHARE_ALL)
    client.get(path_of(issued))
    for _ in range(5):
        assert client.get(f"{path_of(issued)}files/photo/7/").status_code == 200
    assert client.get(path_of(issued)).status_code == 200
    assert client.get(path_of(issued)).status_code == 429


# --- forms under Referrer-Policy: no-referrer ----------------------------------------------------------


def csrf_form_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_it_accepts_the_gate_form_from_a_browser_that_sends_origin_null(fake_upstream):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    issued = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    gate = browser.get(path_of(issued))
    assert gate["Referrer-Policy"] == "no-referrer"
    token = csrf_form_token(gate.content.decode())
    response = browser.post(
        path_of(issued),
        {"action": "passcode", "passcode": "blue-door-42", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
    )
    assert response.status_code == 302
    assert "Install fibre router" in browser.get(path_of(issued)).content.decode()


@pytest.mark.parametrize(
    "origin,with_token",
    [("null", False), ("https://attacker.example", True), ("https://attacker.example", False)],
)
def test_it_refuses_forged_gate_posts(fake_upstream, origin, with_token):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    issued = make_link(link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    token = csrf_form_token(browser.get(path_of(issued)).content.decode())
    data = {"action": "passcode", "passcode": "blue-door-42"}
    if with_token:
        data["csrfmiddlewaretoken"] = token
    response = browser.post(path_of(issued), data, HTTP_ORIGIN=origin)
    assert response.status_code == 403
    assert "Install fibre router" not in browser.get(path_of(issued)).content.decode()


def test_it_says_an_empty_section_is_empty_in_a_sentence_not_a_list(client, fake_upstream):
    fake_upstream.photos, fake_upstream.documents, fake_upstream.closeout = [], [], []
    issued = make_link(permissions=ALL_PERMISSIONS, shared_items=SHARE_ALL)
    response = client.get(path_of(issued))
    assert response.status_code == 200
    shown = response.content.decode()
    for sentence in ("No photos yet.", "No documents.", "No close-out documents yet."):
        assert f'<p class="muted">{sentence}</p>' in shown
    assert '<li class="muted">' not in shown and '<div class="photos">' not in shown
