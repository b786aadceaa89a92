"""Limits on how long and how many callers may wait for TechLink, for one unit of work (a web request).

A web page must never wait on TechLink longer than its deadline, retries included, and only a few requests
of a process may wait on TechLink at once (a bulkhead): the others are answered at once with
``TechLinkBusy`` and fall back to what the dashboard already knows. Work without limits (background tasks)
keeps the client's own timeouts and retries.

    with request_limits(seconds=4.0, bulkhead=semaphore):
        client.workorder_get(12)        # at most 4 s in all, or TechLinkBusy / TechLinkTimeout

The limits live in a context variable, so the calls a request makes in parallel (``fetch_many``) share
them and count once against the bulkhead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from . import errors

__all__ = ["Limits", "current_limits", "request_limits"]


class Limits:
    """One unit of work's deadline and its place in the bulkhead (taken at its first call to TechLink)."""

    def __init__(self, *, seconds: float | None, bulkhead: threading.Semaphore | None) -> None:
        self.deadline = time.monotonic() + seconds if seconds is not None else None
        self.bulkhead = bulkhead
        self._holding = False
        self._lock = threading.Lock()

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def admit(self, method: str, path: str) -> float | None:
        """Let one call through: the seconds it may take (None: no deadline). Raises ``TechLinkBusy`` when the
        bulkhead is full and ``TechLinkTimeout`` when the deadline has passed; nothing was sent then."""
        with self._lock:
            if self.bulkhead is not None and not self._holding:
                if not self.bulkhead.acquire(blocking=False):
                    raise errors.TechLinkBusy(
                        "Too many pages are waiting for TechLink right now", method=method, path=path
                    )
                self._holding = True
        remaining = self.remaining()
        if remaining is not None and remaining <= 0:
            raise errors.TechLinkTimeout(
                "TechLink did not answer within the page's time",
                method=method,
                path=path,
                maybe_applied=False,
            )
        return remaining

    def release(self) -> None:
        with self._lock:
            if self._holding and self.bulkhead is not None:
                self.bulkhead.release()
            self._holding = False


_current: ContextVar[Limits | None] = ContextVar("techlink_limits", default=None)


def current_limits() -> Limits | None:
    return _current.get()


@contextmanager
def request_limits(*, seconds: float | None, bulkhead: threading.Semaphore | None = None) -> Iterator[Limits]:
    """Run the block under a deadline of ``seconds`` for all its TechLink calls together, holding one place
    of ``bulkhead`` from its first call to its end."""
    limits = Limits(seconds=seconds, bulkhead=bulkhead)
    token = _current.set(limits)
    try:
        yield limits
    finally:
        _current.reset(token)
        limits.release()
