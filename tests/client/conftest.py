"""Fixtures for the TechLink client tests: a scriptable local HTTP server.

The stub server speaks real HTTP on 127.0.0.1 so the client's urllib3 retries, timeouts and
streaming are exercised for real; each test scripts the answers it needs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from portal_ui.integrations.techlink import TechLinkClient


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes | Callable[[BaseHTTPRequestHandler], None] = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def envelope(
        cls, code: int = 200, message: str = "OK", data: Any = None, status: int | None = None
    ) -> Answer:
        payload = {"code": code, "message": message, "data": data, "time": 0.01}
        return cls(
            status=code if status is None else status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )


class StubServer:
    answer = Answer
    envelope = staticmethod(Answer.envelope)

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._answers: list[Answer] = []
        self._fallback: Answer | None = None
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = self._read_chunked()
                else:
                    body = self.rfile.read(length) if length else b""
                with stub._lock:
                    stub.requests.append(Recorded(self.command, self.path, dict(self.headers.items()), body))
                    answer = stub._answers.pop(0) if stub._answers else stub._fallback
                if answer is None:
                    answer = Answer.envelope(500, "No scripted answer")
                if callable(answer.body):
                    answer.body(self)
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def _read_chunked(self) -> bytes:
                data = b""
                while True:
                    size = int(self.rfile.readline().strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()

            do_GET = do_POST = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/light/"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def script(self, *answers: Answer) -> None:
        with self._lock:
            self._answers.extend(answers)

    def always(self, answer: Answer) -> None:
        self._fallback = answer

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    server = StubServer()
    yield server
    server.close()


@pytest.fixture
def make_client():
    clients: list[TechLinkClient] = []

    def factory(base_url: str, **options: Any) -> TechLinkClient:
        defaults: dict[str, Any] = {
            "username": "demo",
            "password": "demo-password",
            "backoff_factor": 0,
            "connect_timeout": 2,
            "read_timeout": 5,
        }
        client = TechLinkClient(base_url=base_url, **{**defaults, **options})
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()
