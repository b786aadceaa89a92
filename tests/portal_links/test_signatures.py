"""Comments reach TechLink under the dashboard's shared account, so each is signed with who sent it: the
verified e-mail address on a private link, the link's label otherwise; and kept locally with its sender."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from portal_ui.jobs.models import UpstreamWrite
from portal_ui.portal_links.models import CustomerSubmission

from .conftest import make_link, path_of

pytestmark = pytest.mark.django_db

PORTAL = "via the customer portal"


def opened(client, issued, *, passcode=None, email=None):
    """The customer passes the link's gate and sees the page."""
    if passcode:
        client.post(path_of(issued), {"action": "passcode", "passcode": passcode})
    if email:
        client.post(path_of(issued), {"action": "send_code", "email": email})
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
        client.post(path_of(issued), {"action": "verify", "email": email, "code": code})
    assert client.get(path_of(issued)).status_code == 200


@pytest.mark.parametrize(
    "kind,fields,gate,signature",
    [
        (
            "public",
            {"label": "Front desk, Harbour Office"},
            {},
            f"— Front desk, Harbour Office (customer, {PORTAL})",
        ),
        (
            "secure",
            {"label": "Facilities manager", "access_restrictions": {"passcode": "blue-door-42"}},
            {"passcode": "blue-door-42"},
            f"— Facilities manager (customer, {PORTAL})",
        ),
        (
            "private",
            {"label": "Site contacts", "access_restrictions": {"allowed_domains": ["customer.example"]}},
            {"email": "Pat@Customer.example"},
            f"— pat@customer.example (customer, e-mail address verified, {PORTAL})",
        ),
    ],
)
def test_it_signs_a_comment_with_who_sent_it(client, fake_upstream, kind, fields, gate, signature):
    issued = make_link(link_type=kind, permissions={"add_comment": True}, **fields)
    opened(client, issued, **gate)
    assert client.post(f"{path_of(issued)}comment/", {"note": "The side gate is locked"}).status_code == 302
    write = UpstreamWrite.objects.get()
    assert write.payload["note"] == f"The side gate is locked\n\n{signature}"
    assert write.created_by is None
    sent = CustomerSubmission.objects.get()
    sender = signature.removeprefix("— ").split(" (customer")[0]
    assert (sent.kind, sent.text, sent.sender_label, sent.link_type) == (
        "comment",
        "The side gate is locked",
        sender,
        kind,
    )
    assert sent.sender_email == ("pat@customer.example" if kind == "private" else "")
    assert sent.sent_text == write.payload["note"] and sent.write_id == write.pk
    assert sent.workorder_id == 1001 and sent.ip == "127.0.0.1"


def test_it_signs_with_the_link_id_when_the_link_has_no_label(client, fake_upstream):
    issued = make_link(permissions={"add_comment": True})
    opened(client, issued)
    client.post(f"{path_of(issued)}comment/", {"note": "Hello"})
    assert (
        UpstreamWrite.objects.get()
        .payload["note"]
        .endswith(f"— portal link {issued.link.pk} (customer, {PORTAL})")
    )


def test_it_says_who_uploaded_a_file(client, fake_upstream, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    issued = make_link(
        link_type="private",
        permissions={"upload_document": True},
        access_restrictions={"allowed_emails": ["pat@customer.example"]},
    )
    opened(client, issued, email="pat@customer.example")
    upload = SimpleUploadedFile("meter.jpg", b"jpeg-bytes", content_type="image/jpeg")
    client.post(f"{path_of(issued)}upload/", {"upload": upload, "description": "x" * 300})
    description = UpstreamWrite.objects.get().payload["description"]
    assert description.endswith(f"(from pat@customer.example {PORTAL})") and len(description) <= 200
    sent = CustomerSubmission.objects.get()
    assert (sent.kind, sent.text, sent.sender_email) == ("upload", "meter.jpg", "pat@customer.example")


def test_it_shows_the_customer_the_comments_sent_through_the_page(client, fake_upstream):
    issued = make_link(label="Front desk", permissions={"add_comment": True})
    opened(client, issued)
    client.post(f"{path_of(issued)}comment/", {"note": "Please ring twice"})
    comments = re.search(r'<ul class="comments">.*?</ul>', client.get(path_of(issued)).content.decode(), re.S)
    assert "Please ring twice" in comments.group(0) and "Front desk" in comments.group(0)
    other = make_link(label="Another", permissions={"add_comment": True})
    assert "Please ring twice" not in client.get(path_of(other)).content.decode()
