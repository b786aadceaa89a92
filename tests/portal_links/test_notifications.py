"""Staff notifications and one-time codes are e-mailed by Celery tasks, never inside the customer's request;
notifications have a text and an HTML body with links to the work order and the portal link."""

from unittest.mock import Mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from portal_ui.core.pages import page_url
from portal_ui.portal_links import tasks

from .conftest import make_link, path_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "event,act",
    [
        ("on_first_view", lambda client, path: client.get(path)),
        ("on_each_view", lambda client, path: client.get(path)),
        ("on_customer_comment", lambda client, path: client.post(f"{path}comment/", {"note": "Ring twice"})),
        ("on_customer_upload", lambda client, path: client.post(f"{path}upload/", {"upload": _file()})),
    ],
)
def test_it_queues_each_notification_for_a_task(
    client, fake_upstream, monkeypatch, django_capture_on_commit_callbacks, settings, tmp_path, event, act
):
    settings.MEDIA_ROOT = str(tmp_path)
    issued = make_link(
        permissions={"add_comment": True, "upload_document": True},
        notification_settings={event: ["dispatch@acme.test"]},
    )
    if event.startswith("on_customer"):
        client.get(path_of(issued))  # comments and uploads come from a page seen before
    queued = Mock()
    monkeypatch.setattr(tasks.notify, "delay", queued)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert act(client, path_of(issued)).status_code in (200, 302)
    assert mail.outbox == [] and not queued.called  # nothing mailed, nothing queued before the commit
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    queued.assert_called_once()
    assert queued.call_args.kwargs["recipients"] == ["dispatch@acme.test"]


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("meter.jpg", b"jpeg", content_type="image/jpeg")


def test_it_mails_text_and_html_with_links_to_the_work_order_and_the_link(settings):
    settings.SITE_URL = "https://dispatch.example.com"
    tasks.notify.run(
        recipients=["dispatch@acme.test"],
        subject="Customer comment: work order 1001",
        message="pat@customer.example commented through the portal link:\n\nRing <twice>",
        workorder="1001",
        link_id="abc123",
    )
    (sent,) = mail.outbox
    assert isinstance(sent, EmailMultiAlternatives)
    workorder_url = "https://dispatch.example.com" + page_url("workorder", workorder_id=1001)
    assert page_url("workorder", workorder_id=1001)  # the dashboard shows work orders
    assert "Ring <twice>" in sent.body and workorder_url in sent.body
    assert "https://dispatch.example.com/portal-links/abc123/" in sent.body
    html, kind = sent.alternatives[0]
    assert kind == "text/html"
    assert f'href="{workorder_url}"' in html and "Ring &lt;twice&gt;" in html


def test_it_sends_the_one_time_code_from_a_task(client, fake_upstream, monkeypatch):
    queued = Mock()
    monkeypatch.setattr(tasks.code_mail, "delay", queued)
    issued = make_link(link_type="private", access_restrictions={"allowed_emails": ["pat@customer.example"]})
    client.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example"})
    assert mail.outbox == []
    kwargs = queued.call_args.kwargs
    assert kwargs["email"] == "pat@customer.example" and len(kwargs["code"]) == 6 and kwargs["minutes"] == 10


def test_it_mails_the_code_itself_when_the_queue_is_down(client, fake_upstream, monkeypatch):
    from kombu.exceptions import OperationalError

    monkeypatch.setattr(tasks.code_mail, "delay", Mock(side_effect=OperationalError("broker down")))
    issued = make_link(link_type="private", access_restrictions={"allowed_emails": ["pat@customer.example"]})
    client.post(path_of(issued), {"action": "send_code", "email": "pat@customer.example"})
    assert mail.outbox[-1].to == ["pat@customer.example"]
