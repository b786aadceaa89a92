"""The close-out's files: thumbnails made once, the original photo as a download, the close-out report (PDF,
read back with a text extractor) and the bundle (ZIP, its manifest checked against the sandbox's bytes)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile

import pytest
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from portal_ui.dispatch.closeouts import report_services
from portal_ui.dispatch.closeouts.bundle import closeout_bundle_stream
from portal_ui.dispatch.closeouts.items import Branding, CloseoutItems
from portal_ui.dispatch.closeouts.photos import photo_variant_cached
from portal_ui.dispatch.models import CloseoutReport, ReportStatus
from tests.dispatch.closeout_fixtures import add_photo, remove_file


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _report(client, workorder_id: int, capture) -> tuple[CloseoutReport, bytes]:
    with capture(execute=True):  # the worker's task runs when the request's transaction commits
        response = client.post(reverse("workorder_closeout_report", args=[workorder_id]))
    assert response.status_code == 302
    report = CloseoutReport.objects.order_by("-pk").first()
    assert report.status == ReportStatus.DONE, report.error
    download = client.get(reverse("workorder_closeout_report_download", args=[workorder_id, report.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert f'filename="closeout-report-workorder-{workorder_id}.pdf"' in download["Content-Disposition"]
    return report, b"".join(download.streaming_content)


# -- photos -----------------------------------------------------------------------------------------


def test_thumbnails_are_made_once_and_kept(viewer_client, closeout_case, upstream):
    wo, photo_id = closeout_case.workorder_id, closeout_case.photo_ids[0]
    url = reverse("workorder_photo_scaled", args=[wo, photo_id, "thumb"])
    response = viewer_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as thumb:
        assert max(thumb.size) == 400 and thumb.size == (400, 267)  # the 900x600 original, scaled
    assert photo_variant_cached(workorder_id=wo, photo_id=photo_id, size="thumb") is not None
    assert photo_variant_cached(workorder_id=wo, photo_id=photo_id, size="large") is not None  # same download
    remove_file(upstream, wo, photo_id=photo_id)  # TechLink is not asked again
    assert viewer_client.get(url).status_code == 200
    assert (
        viewer_client.get(reverse("workorder_photo_scaled", args=[wo, photo_id, "huge"])).status_code == 404
    )


def test_a_photo_that_is_no_image_shows_a_placeholder(viewer_client, closeout_case, upstream):
    broken = add_photo(
        upstream, closeout_case.workorder_id, b"\xff\xd8\xff\xe0 not really a jpeg", note="Broken"
    )
    response = viewer_client.get(
        reverse("workorder_photo_scaled", args=[closeout_case.workorder_id, broken, "thumb"])
    )
    assert response.status_code == 302 and response["Location"].endswith("dispatch/photo-unavailable.svg")


def test_the_original_photo_downloads_as_techlink_has_it(viewer_client, closeout_case):
    photo_id = closeout_case.photo_ids[1]
    response = viewer_client.get(
        reverse("workorder_photo_download", args=[closeout_case.workorder_id, photo_id])
    )
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == closeout_case.photo_bytes[photo_id]


def test_the_gallery_links_each_photo_to_the_viewer(viewer_client, closeout_case):
    wo = closeout_case.workorder_id
    html = viewer_client.get(reverse("workorder_closeout", args=[wo])).content.decode()
    assert '<ul class="gallery" data-lightbox>' in html
    for photo_id, caption in zip(closeout_case.photo_ids, closeout_case.captions, strict=True):
        assert f'href="/workorders/{wo}/photos/{photo_id}/"' in html  # without JavaScript: the photo's page
        assert f'data-large="/workorders/{wo}/photos/{photo_id}/large.jpg"' in html
        assert f'data-download="/workorders/{wo}/photos/{photo_id}/download/"' in html
        assert f'<img src="/workorders/{wo}/photos/{photo_id}/thumb.jpg" alt="{caption}"' in html


# -- the report -------------------------------------------------------------------------------------


def test_the_report_holds_every_answer_and_photo_caption(
    viewer_client, closeout_case, upstream, django_capture_on_commit_callbacks
):
    wo = closeout_case.workorder_id
    broken = add_photo(upstream, wo, b"<html>not a photo</html>", note=f"Broken upload {closeout_case.tag}")
    report, pdf = _report(viewer_client, wo, django_capture_on_commit_callbacks)
    assert pdf.startswith(b"%PDF") and len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    text = _text(pdf)
    for question, answer in closeout_case.questions.values():
        assert question in text
        assert (answer or "Not answered") in text
    assert "Reads as a No" in text
    for caption in [*closeout_case.captions, f"Broken upload {closeout_case.tag}"]:
        assert caption in text
    assert "Photo could not be shown" in text  # the broken one, never a failed report
    assert f"Signed permit {closeout_case.tag}" in text and "permit_signed.pdf" in text
    assert "66% — 4 of 7" not in text and "57% — 4 of 7" not in text  # photos count once, not per photo
    assert "66% — 4 of 6" in text and "Not reviewed yet." in text
    assert (report.photo_count, report.photos_not_shown) == (4, 1)
    assert broken not in closeout_case.photo_ids


def test_the_report_is_kept_until_the_close_out_changes(
    dispatcher_client, closeout_case, upstream, django_capture_on_commit_callbacks
):
    wo = closeout_case.workorder_id
    first, _ = _report(dispatcher_client, wo, django_capture_on_commit_callbacks)
    again = dispatcher_client.post(reverse("workorder_closeout_report", args=[wo]))
    assert again["Location"] == reverse("workorder_closeout_report_download", args=[wo, first.pk])
    assert CloseoutReport.objects.count() == 1

    add_photo(
        upstream,
        wo,
        closeout_case.photo_bytes[closeout_case.photo_ids[0]],
        note=f"Late photo {closeout_case.tag}",
    )
    second, pdf = _report(dispatcher_client, wo, django_capture_on_commit_callbacks)
    assert second.pk != first.pk and f"Late photo {closeout_case.tag}" in _text(pdf)
    assert list(CloseoutReport.objects.values_list("pk", flat=True)) == [second.pk]  # the old one is gone

    html = dispatcher_client.get(reverse("workorder_closeout", args=[wo])).content.decode()
    version = re.search(r'name="approve-version" value="([^"]+)"', html).group(1)
    dispatcher_client.post(reverse("workorder_closeout_approve", args=[wo]), {"approve-version": version})
    third, pdf = _report(dispatcher_client, wo, django_capture_on_commit_callbacks)
    assert third.pk != second.pk and "Approved by Dispatcher Tester" in _text(pdf)


def test_the_report_shows_its_progress_while_it_is_made(dispatcher_client, closeout_case):
    wo = closeout_case.workorder_id
    response = dispatcher_client.post(
        reverse("workorder_closeout_report", args=[wo])
    )  # the task is not run yet
    report = CloseoutReport.objects.get()
    assert response["Location"] == reverse("workorder_closeout_report_status", args=[wo, report.pk])
    page = dispatcher_client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in page and "<progress" in page and 'hx-trigger="every 1s"' in page
    assert '<meta http-equiv="refresh" content="2">' in page  # without JavaScript
    report_services.closeout_report_build(report_id=report.pk)
    page = dispatcher_client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="done"' in page and "Download the report (PDF)" in page and "hx-trigger" not in page


def test_a_report_that_fails_says_why_and_offers_to_try_again(dispatcher_client, closeout_case, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("layout bug")

    monkeypatch.setattr(report_services, "closeout_report_pdf", broken)
    dispatcher_client.post(reverse("workorder_closeout_report", args=[closeout_case.workorder_id]))
    report = CloseoutReport.objects.get()
    report_services.closeout_report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    page = dispatcher_client.get(
        reverse("workorder_closeout_report_status", args=[closeout_case.workorder_id, report.pk])
    )
    assert "The report could not be made" in page.content.decode() and "Try again" in page.content.decode()


def test_a_customer_report_holds_only_what_the_link_shares(
    closeout_case, dispatcher, django_capture_on_commit_callbacks
):
    items = CloseoutItems.for_link(
        permissions={"view_photos": True, "view_closeout_answers": False, "view_closeout_documents": True},
        shared_items={"photos": closeout_case.photo_ids[:1], "closeout_documents": []},
    )
    branding = Branding.from_link(
        {"company_name": f"Acme Facilities {closeout_case.tag}", "primary_color": "#884400"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.closeout_report_request(
            workorder_id=closeout_case.workorder_id, items=items, branding=branding
        )
    report.refresh_from_db()
    from portal_ui.dispatch.closeouts import selectors

    text = _text(selectors.closeout_report_file(report=report).read_bytes())
    assert f"Acme Facilities {closeout_case.tag}" in text
    assert closeout_case.captions[0] in text
    assert not any(caption in text for caption in closeout_case.captions[1:])
    assert not any(question in text for question, _ in closeout_case.questions.values())
    assert "permit_signed.pdf" not in text and "Dispatcher" not in text
    assert (
        selectors.closeout_report_for(
            report_id=report.pk, workorder_id=closeout_case.workorder_id, items=items, branding=branding
        )
        == report
    )
    assert (
        selectors.closeout_report_for(
            report_id=report.pk, workorder_id=closeout_case.workorder_id, items=None
        )
        is None
    )


# -- the bundle -------------------------------------------------------------------------------------


def _manifest(archive: zipfile.ZipFile, root: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(f"{root}/manifest.csv").decode())))


def test_the_bundle_manifest_matches_the_sandbox_bytes(viewer_client, closeout_case, upstream):
    wo = closeout_case.workorder_id
    missing = add_photo(upstream, wo, b"gone", note="Deleted upstream", filename="gone.jpg")
    remove_file(upstream, wo, photo_id=missing)
    response = viewer_client.get(reverse("workorder_closeout_bundle", args=[wo]))
    assert response.streaming and response["Content-Type"] == "application/zip"
    assert f'filename="workorder-{wo}-closeout.zip"' in response["Content-Disposition"]
    root = f"workorder-{wo}-closeout"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    rows = {row["file"]: row for row in _manifest(archive, root)}
    expected = {"documents/permit_signed.pdf": closeout_case.document_bytes[closeout_case.document_ids[0]]}
    for photo_id in closeout_case.photo_ids:
        expected[f"photos/wo_{wo}_{photo_id}.jpg"] = closeout_case.photo_bytes[photo_id]
    for path, content in expected.items():
        row = rows[path]
        assert row["status"] == "included"
        assert row["sha256"] == hashlib.sha256(content).hexdigest()
        assert int(row["size_bytes"]) == len(content)
        assert archive.read(f"{root}/{path}") == content
    assert rows["photos/gone.jpg"]["status"] == "missing" and rows["photos/gone.jpg"]["sha256"] == ""
    assert f"{root}/photos/gone.jpg" not in archive.namelist()
    assert rows["documents/permit_signed.pdf"]["description"] == f"Signed permit {closeout_case.tag}"
    sums = archive.read(f"{root}/SHA256SUMS").decode().splitlines()
    assert sorted(sums) == sorted(f"{hashlib.sha256(c).hexdigest()}  {p}" for p, c in expected.items())


def test_a_customer_bundle_holds_only_what_the_link_shares(closeout_case):
    items = CloseoutItems.for_link(
        permissions={"view_photos": True, "view_closeout_documents": True, "download_documents": False},
        shared_items={
            "photos": closeout_case.photo_ids[1:2],
            "closeout_documents": closeout_case.document_ids,
        },
        purpose="bundle",
    )
    bundle = closeout_bundle_stream(workorder_id=closeout_case.workorder_id, items=items)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(bundle.iter_bytes())))
    files = [n.split("/", 1)[1] for n in archive.namelist()]
    wo, photo_id = closeout_case.workorder_id, closeout_case.photo_ids[1]
    assert files == [
        f"photos/wo_{wo}_{photo_id}.jpg",
        "manifest.csv",
        "SHA256SUMS",
    ]  # no download right: no documents
    assert not items.questions and items.shares_anything
    assert not CloseoutItems.for_link(permissions={}, shared_items={}).shares_anything


def test_viewers_get_the_files_and_anonymous_visitors_log_in(client, client_for, viewer, closeout_case):
    wo = closeout_case.workorder_id
    for name, args in (
        ("workorder_closeout_bundle", [wo]),
        ("workorder_photo_scaled", [wo, closeout_case.photo_ids[0], "thumb"]),
        ("workorder_photo_download", [wo, closeout_case.photo_ids[0]]),
        ("closeout_queue", []),
    ):
        assert client.get(reverse(name, args=args)).status_code == 302
        assert client_for(viewer).get(reverse(name, args=args)).status_code == 200, name
    assert client.post(reverse("workorder_closeout_report", args=[wo])).status_code == 302


def test_old_reports_and_unused_thumbnails_are_forgotten(
    viewer_client, closeout_case, django_capture_on_commit_callbacks
):
    import os
    import time
    from datetime import timedelta

    from django.utils import timezone

    from portal_ui.dispatch.closeouts import photos, selectors

    wo, photo_id = closeout_case.workorder_id, closeout_case.photo_ids[0]
    report, _ = _report(viewer_client, wo, django_capture_on_commit_callbacks)
    path = selectors.closeout_report_file(report=report)
    thumb = photos.photo_variant(workorder_id=wo, photo_id=photo_id, size="thumb")
    assert report_services.closeout_reports_purge() == 0 and photos.closeout_photos_purge() == 0
    assert report_services.closeout_reports_purge(now=timezone.now() + timedelta(days=31)) == 1
    assert not path.exists() and not CloseoutReport.objects.exists()
    long_ago = time.time() - 91 * 86400
    os.utime(thumb, (long_ago, long_ago))
    assert photos.closeout_photos_purge() == 1 and not thumb.exists()
