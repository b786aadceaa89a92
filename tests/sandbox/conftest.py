"""Fixtures for the sandbox tests (the ``sandbox`` fixtures come from ``techlink_sandbox.pytest_plugin``)."""

from __future__ import annotations

import pytest

from techlink_sandbox.testing import RunningSandbox

from .sandbox_helpers import Api, site_fields


@pytest.fixture
def api(sandbox: RunningSandbox) -> Api:
    return Api(sandbox)


@pytest.fixture
def fresh_api(sandbox_fresh: RunningSandbox) -> Api:
    return Api(sandbox_fresh)


@pytest.fixture
def new_site(api: Api):
    """Create a site through the API; answers its site object."""

    def create(**overrides: str) -> dict:
        return api.ok("POST", "site", data=site_fields(**overrides))["data"]["site"]

    return create


@pytest.fixture
def new_workorder(api: Api, new_site):
    """Create a work order (on a new site unless site_id is given); answers its work order object."""

    def create(**overrides: str) -> dict:
        fields = {"summary": "Replace the network switch", **overrides}
        fields.setdefault("site_id", str(new_site()["id"]))
        return api.ok("POST", "workorder", data=fields)["data"]["workorder"]

    return create
