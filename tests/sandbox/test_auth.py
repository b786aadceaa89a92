import hashlib

import pytest
import requests

from techlink_sandbox import md5_hex

FAILED = {"code": 401, "message": "Authentication failed", "data": None}


def _site_list(sandbox, header: str | None) -> requests.Response:
    headers = {} if header is None else {"X-Authorization": header}
    return requests.get(sandbox.base_url + "site", headers=headers, timeout=10)


def _failed(resp: requests.Response) -> bool:
    body = resp.json()
    return resp.status_code == 401 and {k: body[k] for k in ("code", "message", "data")} == FAILED


@pytest.mark.parametrize("transform", [str.lower, str.upper])
def test_it_accepts_the_md5_of_the_password_in_either_case(sandbox, transform):
    digest = transform(hashlib.md5(b"demo-password").hexdigest())
    resp = _site_list(sandbox, f"demo:{digest}")
    assert resp.status_code == 200
    assert resp.json()["message"].endswith("sites found")


def test_it_rejects_a_plain_text_password(sandbox):
    assert _failed(_site_list(sandbox, "demo:demo-password"))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "demo",
        f"demo:{md5_hex('wrong-password')}",
        f"nobody:{md5_hex('demo-password')}",
        f":{md5_hex('demo-password')}",
    ],
)
def test_it_rejects_missing_or_wrong_credentials(sandbox, header):
    assert _failed(_site_list(sandbox, header))


def test_it_rejects_a_disabled_account(api):
    users = api.ok("GET", "user")["data"]
    disabled = [u for u in users if not u["enabled"]]
    assert disabled, "the demo data has a disabled user"
    username = disabled[0]["username"]
    resp = _site_list(api.sandbox, f"{username}:{md5_hex(username + '-password')}")
    assert _failed(resp)


def test_it_authenticates_every_endpoint_including_raw_files_and_controls(sandbox):
    for path in ("workorder/1/photo/2/raw", "project", "taskitem"):
        resp = requests.get(sandbox.base_url + path, timeout=10)
        assert _failed(resp), path
    resp = requests.get(sandbox.control_url + "stats", timeout=10)
    assert _failed(resp)
