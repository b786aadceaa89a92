"""Downloads stream from TechLink with the right bytes, file name and content type."""

from __future__ import annotations

import io

from django.urls import reverse


def _body(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_it_streams_a_site_document(viewer_client, site, tl):
    data = b"gate code 4411\n" * 5000
    doc = tl.site_document_upload(
        site.id,
        file=io.BytesIO(data),
        filename="access notes.txt",
        description="Access",
        content_type="text/plain",
    )
    response = viewer_client.get(reverse("site_document_download", args=[site.id, doc.document_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"] == 'attachment; filename="access notes.txt"'
    assert _body(response) == data


def test_it_streams_a_work_order_document(viewer_client, workorder, tl):
    data = bytes(range(256)) * 64
    doc = tl.workorder_document_upload(
        workorder.id, file=io.BytesIO(data), filename="plan.pdf", content_type="application/pdf"
    )
    response = viewer_client.get(reverse("workorder_document_download", args=[workorder.id, doc.document_id]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert _body(response) == data


def test_it_streams_required_close_out_documents(viewer_client, workorder, tl):
    data = b"%PDF-1.4 permit form"
    doc = tl.workorder_required_document_upload(
        workorder.id, file=io.BytesIO(data), filename="permit.pdf", description="Permit"
    )
    response = viewer_client.get(reverse("workorder_required_download", args=[workorder.id, doc.document_id]))
    assert response["Content-Disposition"] == 'attachment; filename="permit.pdf"'
    assert _body(response) == data


def test_it_shows_photos_inline_through_the_dashboard(viewer_client, completed_workorder, tl):
    photo = tl.workorder_photos(completed_workorder.id)[0]
    response = viewer_client.get(
        reverse("workorder_photo_raw", args=[completed_workorder.id, photo.photo_id])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    body = _body(response)
    with tl.workorder_photo_raw(completed_workorder.id, photo.photo_id) as raw:
        assert body == b"".join(raw.iter_bytes())
    assert body[:2] == b"\xff\xd8"


def test_it_answers_404_for_a_missing_document(viewer_client, workorder):
    response = viewer_client.get(reverse("workorder_document_download", args=[workorder.id, 987654]))
    assert response.status_code == 404


def test_it_releases_the_upstream_connection_after_streaming(viewer_client, site, tl, monkeypatch):
    doc = tl.site_document_upload(
        site.id, file=io.BytesIO(b"abc"), filename="a.txt", content_type="text/plain"
    )
    closed = []
    original = tl.site_document_raw

    def tracking(*args, **kwargs):
        raw = original(*args, **kwargs)
        real_close = raw.close
        raw.close = lambda: (closed.append(True), real_close())
        return raw

    monkeypatch.setattr(tl, "site_document_raw", tracking)
    response = viewer_client.get(reverse("site_document_download", args=[site.id, doc.document_id]))
    assert _body(response) == b"abc"
    response.close()
    assert closed
