"""Run a seeded sandbox in a background thread, for tests and local tools.

with running_sandbox(tmp_path) as sb:
    requests.get(sb.base_url + "site", headers=sb.auth_headers)
    sb.configure(error_rate=1.0)
    sb.stats()["objects"]["workorders"]
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from .app import SandboxApp, create_app
from .demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo
from .knobs import Knobs
from .store import Store, md5_hex

__all__ = ["RunningSandbox", "running_sandbox"]


@dataclass
class RunningSandbox:
    """A live sandbox: ``base_url`` ends in ``/api/light/``; ``username``/``password`` are the demo login."""

    url: str
    data_dir: Path
    app: SandboxApp
    username: str = DEMO_USERNAME
    password: str = DEMO_PASSWORD

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/light/"

    @property
    def control_url(self) -> str:
        return f"{self.url}/_sandbox/"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"X-Authorization": f"{self.username}:{md5_hex(self.password)}"}

    @property
    def store(self) -> Store:
        return self.app.state.store

    @property
    def knobs(self) -> Knobs:
        return self.app.state.knobs

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Change fault knobs now (same names as ``POST /_sandbox/config``); answers the new settings."""
        self.app.state.knobs = self.app.state.knobs.updated(knobs)
        return self.app.state.knobs.to_json()

    @contextlib.contextmanager
    def configured(self, **knobs: Any) -> Iterator[RunningSandbox]:
        """Change knobs for the duration of a ``with`` block, then put the previous ones back."""
        before = self.app.state.knobs
        self.configure(**knobs)
        try:
            yield self
        finally:
            self.app.state.knobs = before

    def stats(self) -> dict[str, Any]:
        """Object counts per kind, request counts and knobs (as ``GET /_sandbox/stats``)."""
        return self.app.state.stats()


@contextlib.contextmanager
def running_sandbox(
    data_dir: Path | str,
    *,
    sites: int = 20,
    workorders: int = 60,
    random_seed: int = 1,
    latency: float | str = 0.0,
    startup_timeout: float = 15.0,
    **knobs: Any,
) -> Iterator[RunningSandbox]:
    """Seed ``data_dir`` (only when it holds no data, so a second run over it is a restart), serve it on a
    free port of 127.0.0.1 in a background thread, and stop it on leaving the block."""
    data_dir = Path(data_dir)
    store = Store(data_dir)
    if store.is_empty():
        seed_demo(store, sites=sites, workorders=workorders, random_seed=random_seed)
    app = create_app(
        data_dir, store=store, knobs=Knobs().updated({"latency": latency, **knobs}), random_seed=random_seed
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"techlink-sandbox-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the TechLink sandbox stopped while starting")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the TechLink sandbox did not start within {startup_timeout}s")
            time.sleep(0.01)
        yield RunningSandbox(url=f"http://127.0.0.1:{port}", data_dir=data_dir, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        store.close()
