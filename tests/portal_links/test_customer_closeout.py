"""The close-out report (PDF) and bundle (ZIP) through a portal link: offered on the customer page when the
link grants a close-out section, holding only the items it shares, behind the page's gates, logged under the
page view; and the same in the staff preview. Against the TechLink sandbox (a close-out of its own)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from portal_ui.core.upstream import techlink_client
from portal_ui.dispatch.closeouts import report_services
from portal_ui.dispatch.models import CloseoutReport, ReportStatus
from portal_ui.portal_links.models import AccessLog, PortalLink
from tests.dispatch.closeout_fixtures import closeout_case

from .conftest import make_link, path_of, refusals

__all__ = ["closeout_case"]

pytestmark = pytest.mark.django_db

CLOSEOUT_PERMISSIONS = {
    "view_photos": True,
    "view_closeout_answers": True,
    "view_closeout_documents": True,
    "download_documents": True,
}
REPORT_ACTION = "Close-out report (PDF)"
BUNDLE_ACTION = "Download everything (ZIP)"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tl(upstream):
    return techlink_client()


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _link(case, **overrides):
    """A link to the case's work order sharing its first photo and its close-out document."""
    fields = {
        "workorder": str(case.workorder_id),
        "permissions": CLOSEOUT_PERMISSIONS,
        "shared_items": {"photos": case.photo_ids[:1], "closeout_documents": case.document_ids},
        "custom_branding": {"company_name": f"Acme Facilities {case.tag}", "primary_color": "#884400"},
    }
    fields.update(overrides)
    return make_link(**fields)


def _opened(client, issued) -> str:
    """Open the customer page (the files need it), returning its HTML."""
    response = client.get(path_of(issued))
    assert response.status_code == 200
    return response.content.decode()


def _report_pdf(client, base: str, capture) -> tuple[CloseoutReport, bytes]:
    """Ask for the report, let the worker make it, follow the progress page to the PDF."""
    with capture(execute=True):
        asked = client.get(f"{base}closeout/report/")
    report = CloseoutReport.objects.order_by("-pk").first()
    assert asked.status_code == 302 and asked["Location"] == f"{base}closeout/report/{report.pk}/"
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    status = client.get(asked["Location"])
    html = status.content.decode()
    assert 'data-status="done"' in html and "Download the report (PDF)" in html
    assert 'http-equiv="refresh"' not in html
    download_url = f"{base}closeout/report/{report.pk}/pdf/"
    assert f'action="{download_url}"' in html
    download = client.get(download_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "no-store"
    return report, b"".join(download.streaming_content)


def _bundle(response, workorder_id: int) -> tuple[zipfile.ZipFile, dict[str, dict]]:
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert f'filename="workorder-{workorder_id}-closeout.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    root = f"workorder-{workorder_id}-closeout"
    rows = csv.DictReader(io.StringIO(archive.read(f"{root}/manifest.csv").decode()))
    return archive, {row["file"]: row for row in rows}


# --- the page offers them ------------------------------------------------------------------------------


def test_the_page_offers_the_report_and_bundle_only_when_the_link_grants_close_out(closeout_case):
    html = _opened(Client(), _link(closeout_case))
    section = re.search(r'<section class="panel" id="closeout-files">.*?</section>', html, re.S).group(0)
    assert REPORT_ACTION in section and BUNDLE_ACTION in section
    assert re.search(r'action="/p/[^"]+/closeout/report/"', section)
    assert re.search(r'action="/p/[^"]+/closeout/bundle/"', section)

    photos_only = _link(closeout_case, permissions={"view_photos": True})
    html = _opened(Client(), photos_only)
    assert REPORT_ACTION not in html and BUNDLE_ACTION not in html and "closeout-files" not in html

    # Answers only: a report, but no file to put in a bundle.
    answers = _link(closeout_case, permissions={"view_closeout_answers": True}, shared_items={})
    html = _opened(Client(), answers)
    assert REPORT_ACTION in html and BUNDLE_ACTION not in html


# --- the report ----------------------------------------------------------------------------------------


def test_the_customer_downloads_a_report_of_only_what_the_link_shares(
    closeout_case, django_capture_on_commit_callbacks
):
    case = closeout_case
    client = Client()
    issued = _link(case)
    _opened(client, issued)
    report, pdf = _report_pdf(client, path_of(issued), django_capture_on_commit_callbacks)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert f"Acme Facilities {case.tag}" in text
    assert case.captions[0] in text
    assert not any(caption in text for caption in case.captions[1:])  # not shared
    for question, answer in case.questions.values():
        assert question in text and (answer or "Not answered") in text
    assert "permit_signed.pdf" in text
    assert "Dispatcher" not in text
    assert report.photo_count == 1

    # Kept until the close-out changes: asked again, the same report downloads at once.
    again = client.get(f"{path_of(issued)}closeout/report/")
    assert again.status_code == 302
    assert again["Location"] == f"{path_of(issued)}closeout/report/{report.pk}/pdf/"
    assert CloseoutReport.objects.count() == 1

    # The download is logged under the page view.
    link = PortalLink.objects.get(pk=issued.link.pk)
    view = AccessLog.objects.get(link_ref=link.pk, what="page")
    assert list(AccessLog.objects.filter(parent=view).values_list("what", flat=True)) == ["closeout report"]


def test_a_report_being_prepared_shows_a_page_that_refreshes_itself(closeout_case):
    client = Client()
    issued = _link(closeout_case)
    _opened(client, issued)
    base = path_of(issued)
    asked = client.get(f"{base}closeout/report/")  # the worker has not run yet
    report = CloseoutReport.objects.get()
    assert asked["Location"] == f"{base}closeout/report/{report.pk}/"
    page = client.get(asked["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and 'data-status="queued"' in html
    assert '<meta http-equiv="refresh" content="3">' in html and "being prepared" in html
    assert "<script" not in html and "Download the report" not in html
    # The PDF is not there yet: back to the progress page.
    early = client.get(f"{base}closeout/report/{report.pk}/pdf/")
    assert early.status_code == 302 and early["Location"] == asked["Location"]

    report_services.closeout_report_build(report_id=report.pk)
    html = client.get(asked["Location"]).content.decode()
    assert 'data-status="done"' in html and "Download the report (PDF)" in html


def test_a_report_made_for_staff_or_another_link_is_not_served(
    closeout_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff = report_services.closeout_report_request(workorder_id=closeout_case.workorder_id)
    client = Client()
    issued = _link(closeout_case)
    _opened(client, issued)
    base = path_of(issued)
    assert client.get(f"{base}closeout/report/{staff.pk}/").status_code == 404
    assert client.get(f"{base}closeout/report/{staff.pk}/pdf/").status_code == 404
    assert client.get(f"{base}closeout/report/999999/").status_code == 404


# --- the bundle ----------------------------------------------------------------------------------------


def test_the_customer_downloads_a_bundle_of_only_what_the_link_shares(closeout_case):
    case, wo = closeout_case, closeout_case.workorder_id
    client = Client()
    issued = _link(case)
    _opened(client, issued)
    archive, rows = _bundle(client.get(f"{path_of(issued)}closeout/bundle/"), wo)
    shared_photo = case.photo_ids[0]
    expected = {
        "documents/permit_signed.pdf": case.document_bytes[case.document_ids[0]],
        f"photos/wo_{wo}_{shared_photo}.jpg": case.photo_bytes[shared_photo],
    }
    assert set(rows) == set(expected)
    root = f"workorder-{wo}-closeout"
    for path, content in expected.items():
        assert rows[path]["status"] == "included"
        assert rows[path]["sha256"] == hashlib.sha256(content).hexdigest()
        assert int(rows[path]["size_bytes"]) == len(content)
        assert archive.read(f"{root}/{path}") == content
    for unshared in case.photo_ids[1:]:
        assert f"{root}/photos/wo_{wo}_{unshared}.jpg" not in archive.namelist()
    assert len(archive.namelist()) == len(expected) + 2  # and the manifest and SHA256SUMS
    sums = archive.read(f"{root}/SHA256SUMS").decode().splitlines()
    assert sorted(sums) == sorted(f"{hashlib.sha256(c).hexdigest()}  {p}" for p, c in expected.items())
    view = AccessLog.objects.get(link_ref=issued.link.pk, what="page")
    assert list(AccessLog.objects.filter(parent=view).values_list("what", flat=True)) == ["closeout bundle"]


def test_the_bundle_leaves_out_documents_the_link_does_not_let_download(closeout_case):
    wo = closeout_case.workorder_id
    client = Client()
    issued = _link(closeout_case, permissions={**CLOSEOUT_PERMISSIONS, "download_documents": False})
    _opened(client, issued)
    _, rows = _bundle(client.get(f"{path_of(issued)}closeout/bundle/"), wo)
    assert list(rows) == [f"photos/wo_{wo}_{closeout_case.photo_ids[0]}.jpg"]


# --- refusals ------------------------------------------------------------------------------------------


def _closeout_urls(base: str) -> list[str]:
    return [
        f"{base}closeout/report/",
        f"{base}closeout/report/1/",
        f"{base}closeout/report/1/pdf/",
        f"{base}closeout/bundle/",
    ]


def test_a_link_without_close_out_answers_404(closeout_case):
    client = Client()
    issued = _link(closeout_case, permissions={"view_photos": True, "download_documents": True})
    _opened(client, issued)
    for url in _closeout_urls(path_of(issued)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "This link is not available" in response.content.decode()
    assert refusals(issued.link) == {"denied": 4}
    assert not CloseoutReport.objects.exists()

    answers_only = _link(closeout_case, permissions={"view_closeout_answers": True}, shared_items={})
    _opened(client, answers_only)
    assert client.get(f"{path_of(answers_only)}closeout/bundle/").status_code == 404


def test_a_gated_link_serves_nothing_before_its_gate_is_passed(closeout_case):
    client = Client()
    issued = _link(closeout_case, link_type="secure", access_restrictions={"passcode": "blue-door-42"})
    base = path_of(issued)
    for url in _closeout_urls(base):
        assert client.get(url).status_code == 404, url
    assert not CloseoutReport.objects.exists()
    assert refusals(issued.link) == {"denied": 4}

    client.post(base, {"action": "passcode", "passcode": "blue-door-42"})
    html = _opened(client, issued)
    assert REPORT_ACTION in html
    assert client.get(f"{base}closeout/report/").status_code == 302
    assert client.get(f"{base}closeout/bundle/").status_code == 200


def test_an_expired_or_deactivated_link_serves_nothing(closeout_case):
    client = Client()
    issued = _link(closeout_case)
    _opened(client, issued)
    base = path_of(issued)
    PortalLink.objects.filter(pk=issued.link.pk).update(expiry_date=timezone.now() - timedelta(seconds=1))
    for url in _closeout_urls(base):
        response = client.get(url)
        assert response.status_code == 404 and "This link is not available" in response.content.decode()
    assert refusals(issued.link) == {"expired": 4}

    inactive = _link(closeout_case)
    _opened(client, inactive)
    PortalLink.objects.filter(pk=inactive.link.pk).update(is_active=False)
    assert client.get(f"{path_of(inactive)}closeout/bundle/").status_code == 404
    assert not CloseoutReport.objects.exists()


def test_a_close_out_techlink_cannot_give_now_shows_the_unavailable_page(closeout_case, monkeypatch):
    from portal_ui.core.upstream import UpstreamUnavailable
    from portal_ui.portal_links.customer import closeout_views

    def down(**kwargs):
        raise UpstreamUnavailable("TechLink is down")

    monkeypatch.setattr(closeout_views.report_services, "closeout_report_request", down)
    monkeypatch.setattr(closeout_views, "closeout_bundle_stream", down)
    client = Client()
    issued = _link(closeout_case)
    _opened(client, issued)
    for url in (f"{path_of(issued)}closeout/report/", f"{path_of(issued)}closeout/bundle/"):
        response = client.get(url)
        assert response.status_code == 503 and "Temporarily unavailable" in response.content.decode()
    assert refusals(issued.link) == {"unavailable": 2}


# --- the staff preview ---------------------------------------------------------------------------------


def test_the_staff_preview_offers_the_same(viewer_client, closeout_case, django_capture_on_commit_callbacks):
    case, wo = closeout_case, closeout_case.workorder_id
    issued = _link(case)
    base = reverse("portal_link_preview", args=[issued.link.pk])
    html = viewer_client.get(base).content.decode()
    assert f'action="{base}closeout/report/"' in html and f'action="{base}closeout/bundle/"' in html
    assert REPORT_ACTION in html and BUNDLE_ACTION in html

    _, pdf = _report_pdf(viewer_client, base, django_capture_on_commit_callbacks)
    text = _text(pdf)
    assert case.captions[0] in text and not any(c in text for c in case.captions[1:])
    _, rows = _bundle(viewer_client.get(f"{base}closeout/bundle/"), wo)
    assert set(rows) == {"documents/permit_signed.pdf", f"photos/wo_{wo}_{case.photo_ids[0]}.jpg"}
    assert not AccessLog.objects.exists() and refusals(issued.link) == {}

    # The customer is served the very report the preview made (the same items and branding).
    client = Client()
    _opened(client, issued)
    again = client.get(f"{path_of(issued)}closeout/report/")
    assert again["Location"].endswith(f"/closeout/report/{CloseoutReport.objects.get().pk}/pdf/")

    without = _link(case, permissions={"view_photos": True})
    preview = reverse("portal_link_preview", args=[without.link.pk])
    assert BUNDLE_ACTION not in viewer_client.get(preview).content.decode()
    for url in _closeout_urls(preview):
        assert viewer_client.get(url).status_code == 404, url


def test_the_preview_needs_a_login(client, closeout_case):
    issued = _link(closeout_case)
    base = reverse("portal_link_preview", args=[issued.link.pk])
    for url in _closeout_urls(base):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
