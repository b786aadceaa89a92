"""Real processes for the outbox's end-to-end tests: Celery workers and beat (each in its own process group,
so SIGKILL takes its pool children too), a redis-server of the test's own, and the environment they share with
the test (database, media, broker, TechLink sandbox)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def wait_for(condition: Callable[[], object], *, seconds: float, what: str, every: float = 0.1) -> object:
    """Poll ``condition`` until it is true (returned) or ``seconds`` pass (AssertionError naming ``what``)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(every)  # polling interval of a condition bounded by the deadline above


def worker_env(
    *, broker_url: str, database_url: str, media_root: Path, sandbox, **extra: str
) -> dict[str, str]:
    """The environment of a worker or beat process sharing this test's database, media, broker and sandbox."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobs_worker_settings",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(REPO)]),
        "CELERY_BROKER_URL": broker_url,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "TECHLINK_BASE_URL": sandbox.base_url,
        "TECHLINK_USERNAME": sandbox.username,
        "TECHLINK_PASSWORD": sandbox.password,
        "TECHLINK_MAX_RETRIES": "1",
        **extra,
    }


class CeleryProcess:
    """``celery -A portal_ui worker`` (consuming every queue the deployment's workers consume) or ``beat``."""

    QUEUES = "writes,mirror,pump"

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        *,
        beat: bool = False,
        concurrency: int = 4,
        loglevel: str = "WARNING",
    ) -> None:
        self.env, self.log, self.beat, self.concurrency, self.loglevel = env, log, beat, concurrency, loglevel
        self.process: subprocess.Popen | None = None

    def start(self, name: str) -> CeleryProcess:
        if self.beat:
            command = [
                "beat",
                "--loglevel",
                self.loglevel,
                "--schedule",
                str(self.log.with_suffix(".schedule")),
            ]
        else:
            command = ["worker", "--loglevel", self.loglevel, "-Q", self.QUEUES, "--concurrency", str(self.concurrency),
                       "--pool", "prefork", "--without-gossip", "--without-mingle", "--without-heartbeat",
                       "--hostname", f"{name}@%h"]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal_ui", *command],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        stop_all(self)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def stop_all(*processes: CeleryProcess) -> None:
    """Ask each main process to shut down (it ends its pool), then kill what is left after a while."""
    for each in processes:
        if each.alive:
            each.process.terminate()
    deadline = time.monotonic() + 15
    for each in processes:
        if each.process is None:
            continue
        try:
            each.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(each.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        each.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of the caller's own on a spare port: without persistence (killing it loses every
    message), or with ``persistent`` an append-only file synced every second (as docker/compose.yml runs it)."""

    def __init__(self, workdir: Path, *, persistent: bool = False) -> None:
        self.port, self.workdir, self.persistent = free_port(), workdir, persistent
        self.process: subprocess.Popen | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "yes" if self.persistent else "no", "--appendfsync", "everysec",
                   "--dir", str(self.workdir)]  # fmt: skip
        with (self.workdir / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(self.answers, seconds=20, what="redis-server started")
        return self

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
