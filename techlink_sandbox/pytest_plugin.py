"""pytest fixtures for a live TechLink sandbox (``pytest_plugins = ["techlink_sandbox.pytest_plugin"]``).

* ``sandbox``: one seeded sandbox for the whole session (latency 0, no faults).  Tests that change knobs
  should do it inside ``with sandbox.configured(...):`` so the next test finds the defaults again.
* ``sandbox_fresh``: a sandbox of its own for one test, over a new data directory.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .testing import RunningSandbox, running_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("techlink-sandbox")) as running:
        yield running


@pytest.fixture
def sandbox_fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("techlink-sandbox-fresh")) as running:
        yield running
