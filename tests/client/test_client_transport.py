"""Transport behaviour over real HTTP against a scripted local server: retries, timeouts, broken
connections, streaming downloads, streaming uploads and the bounded concurrent fetch."""

import hashlib
import io
import json
import socket
import threading

import pytest

from portal_ui.integrations.techlink import errors


def test_it_retries_a_get_over_http_until_it_succeeds(stub, make_client):
    stub.script(
        stub.envelope(500, "Server error"),
        stub.answer(status=502, body=b"<html>bad gateway</html>", headers={"Content-Type": "text/html"}),
        stub.envelope(200, "1 project found", [{"project_id": 389, "name": "API Project Test"}]),
    )
    client = make_client(stub.base_url, max_retries=3)
    projects = client.projects()
    assert [p.name for p in projects] == ["API Project Test"]
    assert [r.method for r in stub.requests] == ["GET", "GET", "GET"]


def test_it_sends_the_auth_header_on_every_call(stub, make_client):
    stub.always(stub.envelope(200, "0 sites found", []))
    client = make_client(stub.base_url)
    client.site_ids(name="test*")
    client.site_ids(city="Shelbyville")
    expected = "demo:" + hashlib.md5(b"demo-password").hexdigest()
    assert [r.headers["X-Authorization"] for r in stub.requests] == [expected, expected]
    assert stub.requests[0].path == "/api/light/site?name=test%2A"


def test_it_does_not_retry_a_post_answered_with_500(stub, make_client):
    stub.always(stub.envelope(500, "Server error"))
    client = make_client(stub.base_url, max_retries=3)
    with pytest.raises(errors.TechLinkServerError) as info:
        client.workorder_create(site_id=3, summary="Replace switch")
    assert info.value.maybe_applied is False  # a valid envelope said it failed
    assert len(stub.requests) == 1


def test_it_reports_a_write_whose_answer_never_came_as_maybe_applied(stub, make_client):
    release = threading.Event()

    def hang(handler):
        release.wait(10)

    stub.always(stub.answer(body=hang))
    client = make_client(stub.base_url, read_timeout=0.2, max_retries=3)
    try:
        with pytest.raises(errors.TechLinkTimeout) as info:
            client.workorder_note_add(8, note="On my way")
    finally:
        release.set()
    assert info.value.maybe_applied is True
    assert len(stub.requests) == 1


def test_it_retries_a_get_that_timed_out(stub, make_client):
    release = threading.Event()

    def hang(handler):
        release.wait(10)

    stub.script(stub.answer(body=hang), stub.envelope(200, "1 work order found", [42]))
    client = make_client(stub.base_url, read_timeout=0.2, max_retries=2)
    try:
        assert client.workorder_ids() == [42]
    finally:
        release.set()
    assert len(stub.requests) == 2


def test_it_reports_a_connection_dropped_mid_answer_as_maybe_applied(stub, make_client):
    def drop(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "500")
        handler.end_headers()
        handler.wfile.write(b'{"code": 200, "mess')
        handler.wfile.flush()
        handler.close_connection = True

    stub.always(stub.answer(body=drop))
    client = make_client(stub.base_url, max_retries=3)
    with pytest.raises(errors.TechLinkConnectionError) as info:
        client.site_update(4, notes="gate code 1234")
    assert info.value.maybe_applied is True
    assert len(stub.requests) == 1


def test_it_reports_an_unreachable_server_as_not_applied(make_client):
    with socket.socket() as sock:  # a port nobody listens on once this socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(f"http://127.0.0.1:{port}/api/light/", max_retries=1)
    with pytest.raises(errors.TechLinkConnectionError) as info:
        client.workorder_note_add(8, note="hello")
    assert info.value.maybe_applied is False
    assert info.value.transient is True


def test_it_streams_a_large_download_without_reading_it_whole(stub, make_client):
    half = 512 * 1024
    first, second = b"a" * half, b"b" * half
    client_has_first_chunk = threading.Event()

    def send_in_two_halves(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/pdf")
        handler.send_header("Content-Disposition", 'attachment; filename="big report.pdf"')
        handler.send_header("Content-Length", str(2 * half))
        handler.end_headers()
        handler.wfile.write(first)
        handler.wfile.flush()
        # The second half is only sent once the client has consumed data: a client that
        # buffered the whole body first would never get there and the test would fail.
        client_has_first_chunk.wait(10)
        handler.wfile.write(second)

    stub.always(stub.answer(body=send_in_two_halves))
    client = make_client(stub.base_url)
    chunks = []
    with client.workorder_closeout_document_raw(5, 6) as raw:
        assert raw.filename == "big report.pdf"
        assert raw.content_type == "application/pdf"
        assert raw.content_length == 2 * half
        for chunk in raw.iter_bytes(chunk_size=64 * 1024):
            chunks.append(chunk)
            client_has_first_chunk.set()
    assert client_has_first_chunk.is_set()
    assert len(chunks) >= 16
    assert max(len(c) for c in chunks) <= 64 * 1024
    assert b"".join(chunks) == first + second
    assert stub.requests[0].path == "/api/light/workorder/5/closeout/6/raw"


def test_it_maps_an_error_answer_to_a_raw_download(stub, make_client):
    stub.always(stub.envelope(404, "Document #7 not found"))
    client = make_client(stub.base_url)
    with pytest.raises(errors.TechLinkNotFound, match="Document #7 not found"):
        client.site_document_raw(3, 7)


def test_it_maps_an_envelope_error_on_http_200_to_a_raw_download(stub, make_client):
    stub.always(stub.envelope(404, "Photo #7 not found", status=200))
    client = make_client(stub.base_url)
    with pytest.raises(errors.TechLinkNotFound):
        client.workorder_photo_raw(3, 7)


def test_it_downloads_a_json_document_served_without_an_attachment_header(stub, make_client):
    document = b'{"rack": 5, "units": [24, 25]}'
    stub.always(stub.answer(status=200, body=document, headers={"Content-Type": "application/json"}))
    client = make_client(stub.base_url)
    with client.workorder_document_raw(3, 7) as raw:
        assert b"".join(raw.iter_bytes()) == document
        assert raw.content_type == "application/json"


def test_it_streams_an_upload_as_multipart_with_filename_and_type(stub, make_client):
    payload = bytes(range(256)) * 1024
    stub.always(
        stub.envelope(
            200,
            "Document #16167 saved for site #49947",
            {
                "success": True,
                "document_id": 16167,
                "document": {
                    "document_id": 16167,
                    "site_id": 49947,
                    "filename": "plan.pdf",
                    "description": "Floor plan",
                    "url": "",
                },
            },
        )
    )
    client = make_client(stub.base_url)
    document = client.site_document_upload(
        49947, file=io.BytesIO(payload), filename="plan.pdf", description="Floor plan"
    )
    assert (document.document_id, document.site_id, document.filename) == (16167, 49947, "plan.pdf")
    sent = stub.requests[0]
    assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert int(sent.headers["Content-Length"]) == len(sent.body)
    assert b'name="file"; filename="plan.pdf"' in sent.body
    assert b"Content-Type: application/pdf" in sent.body
    assert b'name="description"\r\n\r\nFloor plan' in sent.body
    assert payload in sent.body


def test_it_uploads_from_a_stream_of_unknown_size(stub, make_client):
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def read(self, size=-1):
            return self._data.read(size)

    stub.always(
        stub.envelope(200, "ok", {"document": {"document_id": 1, "workorder_id": 9, "filename": "x.txt"}})
    )
    client = make_client(stub.base_url)
    client.workorder_document_upload(9, file=Pipe(b"hello pipe"), filename="x.txt", content_type="text/plain")
    sent = stub.requests[0]
    assert sent.headers.get("Transfer-Encoding") == "chunked"
    assert b"hello pipe" in sent.body
    assert b"Content-Type: text/plain" in sent.body


def test_it_fetches_concurrently_keeping_order_and_bounding_workers(make_client):
    client = make_client("http://127.0.0.1:9/api/light/", max_workers=3)
    lock = threading.Lock()
    active = peak = 0
    pool_full = threading.Event()
    others_done = threading.Event()
    finished = []
    items = list(range(10))

    def work(item):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            if active == 3:
                pool_full.set()
        pool_full.wait(10)
        if item == 0:
            others_done.wait(10)  # the first item finishes last
        with lock:
            active -= 1
            finished.append(item)
            if len(finished) == len(items) - 1:
                others_done.set()
        if item == 5:
            raise errors.TechLinkNotFound(f"Work order #{item} not found")
        return item * 10

    results = client.fetch_many(work, items)
    assert peak == 3
    assert finished[-1] == 0
    assert results[:5] == [0, 10, 20, 30, 40]
    assert isinstance(results[5], errors.TechLinkNotFound)
    assert results[6:] == [60, 70, 80, 90]


def test_it_raises_the_first_failure_from_a_batch_get(stub, make_client):
    site = {"id": 1, "name": "One"}
    stub.script(stub.envelope(200, "Site #1 found", site), stub.envelope(404, "Site #2 not found"))
    client = make_client(stub.base_url, max_workers=1)
    with pytest.raises(errors.TechLinkNotFound, match="Site #2 not found"):
        client.sites_get([1, 2])


def test_it_reports_a_download_cut_off_midway(stub, make_client):
    def cut_off(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Content-Disposition", 'attachment; filename="wo.jpg"')
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        handler.wfile.write(b"\xff\xd8" + b"x" * 998)
        handler.wfile.flush()
        handler.close_connection = True

    stub.always(stub.answer(body=cut_off))
    client = make_client(stub.base_url)
    with client.workorder_photo_raw(5, 6) as raw, pytest.raises(errors.TechLinkConnectionError) as info:
        for _chunk in raw.iter_bytes(chunk_size=256):
            pass
    assert info.value.path == "workorder/5/photo/6/raw"
    assert info.value.transient is True


def answer_workorder(handler) -> None:
    """Answer a stubbed ``GET workorder/<id>`` with that work order."""
    wo_id = int(handler.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1])
    body = json.dumps(
        {"code": 200, "message": "found", "data": {"workorder": {"id": wo_id}}, "time": 0}
    ).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_it_sends_batch_requests_in_parallel_up_to_max_workers(stub, make_client):
    lock = threading.Lock()
    in_flight = peak = 0
    three_in_flight = threading.Event()

    def answer_when_three_wait(handler):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
            if in_flight == 3:
                three_in_flight.set()
        three_in_flight.wait(5)
        with lock:
            in_flight -= 1
        answer_workorder(handler)

    stub.always(stub.answer(body=answer_when_three_wait))
    client = make_client(stub.base_url, max_workers=3)
    ids = [17, 3, 12, 8, 1, 30, 4, 22, 9]
    assert [wo.id for wo in client.workorders_get(ids)] == ids
    assert peak == 3
    assert sorted(int(r.path.rsplit("/", 1)[-1]) for r in stub.requests) == sorted(ids)


def test_it_keeps_to_its_bound_whichever_threads_send(stub, make_client):
    """Two batch fetches at once (two page requests, say) still have at most max_workers calls in flight."""
    lock = threading.Lock()
    in_flight = peak = 0
    too_many = threading.Event()

    def answer(handler):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
            if in_flight > 3:
                too_many.set()
        too_many.wait(0.3)  # hold each call a moment, so that any call beyond the bound shows up together
        with lock:
            in_flight -= 1
        answer_workorder(handler)

    stub.always(stub.answer(body=answer))
    client = make_client(stub.base_url, max_workers=3)
    batches = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]]
    results: dict[int, list[int]] = {}

    def fetch(index: int) -> None:
        results[index] = [wo.id for wo in client.workorders_get(batches[index])]

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {0: batches[0], 1: batches[1]}
    assert peak == 3
