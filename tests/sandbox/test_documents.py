import io

from PIL import Image

BINARY = bytes(range(256)) * 64 + b"\r\n--boundary-lookalike--\r\n"


def _upload(
    api, path, filename="plan.bin", content=BINARY, content_type="application/octet-stream", **fields
):
    return api.ok("POST", path, files={"file": (filename, content, content_type)}, data=fields)


def test_it_stores_a_site_document_and_serves_it_byte_for_byte(api, new_site):
    site_id = new_site()["id"]
    body = _upload(
        api,
        f"site/{site_id}/document",
        filename="site plan.pdf",
        content_type="application/pdf",
        description="Floor plan",
    )
    data = body["data"]
    doc_id = data["document_id"]
    assert body["message"] == f"Document #{doc_id} saved for site #{site_id}"
    assert data["document"] == {
        "document_id": doc_id,
        "site_id": site_id,
        "filename": "site plan.pdf",
        "description": "Floor plan",
        "url": "",
    }

    raw = api.get(f"site/{site_id}/document/{doc_id}/raw")
    assert raw.status_code == 200
    assert raw.content == BINARY
    assert raw.headers["content-type"] == "application/pdf"
    assert raw.headers["content-disposition"] == 'attachment; filename="site plan.pdf"'


def test_it_guesses_the_content_type_from_the_file_name_when_none_is_sent(api, new_site):
    site_id = new_site()["id"]
    doc_id = _upload(api, f"site/{site_id}/document", filename="notes.txt")["data"]["document_id"]
    raw = api.get(f"site/{site_id}/document/{doc_id}/raw")
    assert raw.headers["content-type"].startswith("text/plain")


def test_it_keeps_only_the_base_name_of_an_uploaded_file(api, new_site):
    site_id = new_site()["id"]
    doc = _upload(api, f"site/{site_id}/document", filename="../../etc/passwd")["data"]["document"]
    assert doc["filename"] == "passwd"


def test_it_lists_filters_and_removes_site_documents(api, new_site):
    site_id = new_site()["id"]
    first = _upload(api, f"site/{site_id}/document", filename="a.doc", description="Test File")["data"]
    _upload(api, f"site/{site_id}/document", filename="b.pdf", description="Other")
    assert api.ok("GET", f"site/{site_id}/document")["message"] == "2 documents found"
    found = api.ok("GET", f"site/{site_id}/document", params={"filename": "*.doc"})
    assert found["message"] == "1 document found"
    assert [d["document_id"] for d in found["data"]] == [first["document_id"]]
    assert api.ok("GET", f"site/{site_id}/document", params={"description": "test*"})["data"] == [
        first["document"]
    ]

    removed = api.ok("DELETE", f"site/{site_id}/document/{first['document_id']}")
    assert removed["message"] == f"Document #{first['document_id']} removed from site #{site_id}"
    assert removed["data"] == {"success": True}
    missing = api.fails("GET", f"site/{site_id}/document/{first['document_id']}/raw", 404)
    assert missing["message"] == f"Document #{first['document_id']} not found"
    assert api.ok("GET", f"site/{site_id}/document")["message"] == "1 document found"


def test_it_requires_the_document_to_be_sent_as_a_file(api, new_site):
    site_id = new_site()["id"]
    as_text = api.fails(
        "POST", f"site/{site_id}/document", 400, data={"file": "not a file", "description": "x"}
    )
    assert "Missing required field: file" in as_text["message"]
    assert api.ok("GET", f"site/{site_id}/document")["data"] == []


def test_it_handles_work_order_client_documents(api, new_workorder):
    wo_id = new_workorder()["id"]
    body = _upload(
        api, f"workorder/{wo_id}/document", filename="sampledocument1.doc", description="Sample document 1"
    )
    doc_id = body["data"]["document_id"]
    assert body["message"] == f"Client document #{doc_id} added to work order #{wo_id}"
    assert body["data"]["document"] == {
        "document_id": doc_id,
        "workorder_id": wo_id,
        "filename": "sampledocument1.doc",
        "description": "Sample document 1",
        "url": "",
    }
    listing = api.ok("GET", f"workorder/{wo_id}/document")
    assert listing["message"] == "1 work order client document found"
    assert api.get(f"workorder/{wo_id}/document/{doc_id}/raw").content == BINARY
    removed = api.ok("DELETE", f"workorder/{wo_id}/document/{doc_id}")
    assert removed["message"] == f"Client document #{doc_id} deleted from work order #{wo_id}"
    assert api.ok("GET", f"workorder/{wo_id}/document")["message"] == "0 work order client documents found"


def test_it_handles_required_close_out_documents(api, new_workorder):
    wo_id = new_workorder()["id"]
    body = _upload(api, f"workorder/{wo_id}/required", filename="w9.pdf", description="Close out test 1")
    doc_id = body["data"]["document_id"]
    assert body["message"] == f"Required close-out document #{doc_id} added to work order #{wo_id}"
    assert (
        api.ok("GET", f"workorder/{wo_id}/required")["message"]
        == "1 work order required close-out document found"
    )
    assert api.get(f"workorder/{wo_id}/required/{doc_id}/raw").content == BINARY
    api.fails("DELETE", f"workorder/{wo_id}/required/{doc_id}", 404)  # upstream has no such endpoint


def test_it_serves_completed_close_out_documents_and_photos_of_finished_work(api, sandbox):
    closed = api.ok("GET", "workorder", params={"status_code": "90"})["data"]
    with_docs = [w for w in closed if api.ok("GET", f"workorder/{w}/closeout")["data"]]
    assert with_docs, "closed work orders in the demo data have close-out documents"
    wo_id = with_docs[0]
    listing = api.ok("GET", f"workorder/{wo_id}/closeout")
    doc = listing["data"][0]
    assert listing["message"].endswith("work order close-out document found") or listing["message"].endswith(
        "work order close-out documents found"
    )
    raw = api.get(f"workorder/{wo_id}/closeout/{doc['document_id']}/raw")
    assert raw.content.startswith(b"%PDF")
    assert raw.headers["content-type"] == "application/pdf"
    api.fails("POST", f"workorder/{wo_id}/closeout", 405, files={"file": ("x.pdf", b"x")})

    with_photos = [w for w in closed if api.ok("GET", f"workorder/{w}/photo")["data"]]
    photo = api.ok("GET", f"workorder/{with_photos[0]}/photo")["data"][0]
    assert list(photo) == ["photo_id", "workorder_id", "note", "filename", "url", "created_date"]
    raw = api.get(f"workorder/{with_photos[0]}/photo/{photo['photo_id']}/raw")
    assert raw.headers["content-type"] == "image/jpeg"
    assert raw.headers["content-disposition"] == f'attachment; filename="{photo["filename"]}"'
    assert Image.open(io.BytesIO(raw.content)).format == "JPEG"
    assert photo["url"] == f"{sandbox.url}/portal/file/img/{photo['filename']}"
    assert api.session.get(photo["url"], timeout=10).content == raw.content
