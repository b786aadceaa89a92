"""The generations a staff request reads (``core.generations``), in one round trip per request.

``role_required`` reads them before the request's user is looked up and makes them the request's own
(``request_generations``); while the view runs they are also ``current()``, so that the user lookup (the
authentication backend, which is not given the request) and the reads behind the page keep their values
under the same generations without asking the shared cache again. Only reading requests (GET, HEAD) hold
their generations: a request that writes may move them while it runs, so each of its reads reads them anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from portal_ui.core.generations import generations, kept

# Every kind of state a staff page keeps: users (accounts), outbox (jobs), closeouts and saved_views
# (dispatch), read_model (mirror: the records, the sync's state and its leases).
STAFF_KINDS = ("users", "outbox", "closeouts", "saved_views", "read_model")

READING_METHODS = frozenset({"GET", "HEAD"})
_UNREAD = object()
_ATTRIBUTE = "_staff_generations"
_current: ContextVar[Any] = ContextVar("staff_generations", default=_UNREAD)


def request_generations(request: Any) -> dict[str, int] | None:
    """The generations of ``STAFF_KINDS`` for this request, read once (None when the shared cache cannot be
    read: then every read goes to the database); ``_UNREAD`` for a request that may write."""
    if request.method not in READING_METHODS:
        return _UNREAD
    value = getattr(request, _ATTRIBUTE, _UNREAD)
    if value is _UNREAD:
        value = generations(*STAFF_KINDS)
        setattr(request, _ATTRIBUTE, value)
    return value


@contextmanager
def reading_for(request: Any) -> Iterator[None]:
    """Make the request's generations ``current()`` while the block runs."""
    token = _current.set(request_generations(request))
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Any:
    """The generations of the request being served (``reading_for``), or ``_UNREAD`` outside one."""
    return _current.get()


def kept_now[T](kind: str, key: str, build: Callable[[], T], *, request: Any = None) -> T:
    """``core.generations.kept`` under the request's generations (``request``'s, else the one being served);
    outside a staff request the generation of `kind` is read now."""
    found = request_generations(request) if request is not None else current()
    if found is _UNREAD:
        return kept(kind, key, build)
    return kept(kind, key, build, current=found)
