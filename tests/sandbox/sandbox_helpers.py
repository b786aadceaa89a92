"""Helpers for the sandbox tests: a thin HTTP client for a running sandbox, unique values, site fields."""

from __future__ import annotations

import itertools
import uuid

import requests

from techlink_sandbox.testing import RunningSandbox

_counter = itertools.count(1)


class Api:
    """Talks to a running sandbox the way the upstream documents it: header auth, form fields."""

    def __init__(self, sandbox: RunningSandbox, timeout: float = 10.0):
        self.sandbox = sandbox
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update(sandbox.auth_headers)

    def request(self, method: str, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", self.timeout)
        return self.session.request(method, self.sandbox.base_url + path.lstrip("/"), **kw)

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.request("POST", path, **kw)

    def delete(self, path: str, **kw) -> requests.Response:
        return self.request("DELETE", path, **kw)

    def ok(self, method: str, path: str, **kw) -> dict:
        """Call, insist on a 200 envelope, answer the envelope."""
        resp = self.request(method, path, **kw)
        body = resp.json()
        assert resp.status_code == 200, body
        assert_envelope(body, 200)
        return body

    def fails(self, method: str, path: str, code: int, **kw) -> dict:
        """Call, insist on an error envelope with ``code`` (and the same HTTP status), answer it."""
        resp = self.request(method, path, **kw)
        body = resp.json()
        assert resp.status_code == code, body
        assert_envelope(body, code)
        assert body["data"] is None
        return body

    def control(self, method: str, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", self.timeout)
        return self.session.request(method, self.sandbox.control_url + path.lstrip("/"), **kw)


def assert_envelope(body: dict, code: int) -> None:
    assert list(body) == ["code", "message", "data", "time"]
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["time"], float) and body["time"] >= 0


def unique(prefix: str = "t") -> str:
    """A value no other test uses (so tests can share one sandbox)."""
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:8]}"


def site_fields(**overrides: str) -> dict[str, str]:
    fields = {
        "name": "Joe Testers",
        "address1": "321 Main Street",
        "city": unique("City"),
        "state": "New York",
        "zip": "10021",
        "primary_contact_name": "Joe Tester",
        "primary_contact_phone": "803-555-1212",
        "primary_contact_email": "joetester@myname.com",
    }
    fields.update(overrides)
    return fields
