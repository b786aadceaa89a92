"""Generations: one number per kind of shared state, kept in the shared cache, that moves with every change of
that state. What a process read from the database is kept in its own "fragments" cache under the generation it
read *before* reading the database; any later change moves the generation, so every process stops using what
it kept at once, with no message to each process and nothing to forget one by one.

Readers call ``kept(kind, key, build)``: one round trip to the shared cache (``generations`` reads several
kinds in that one trip), then the process's own copy or ``build()``. Writers call ``generation_move(kind)``
after writing: it moves the generation at once and again when the transaction commits, so a reader that read
the old rows between the two keeps them under a generation no one will ask for again.

A generation starts at the clock's nanoseconds, so after the shared cache lost it (a restart) it never comes
back to a value a process still holds. When the default cache is each process's own (``settings.CACHE_SHARED``
false: a move in the worker would not reach the web processes) or cannot be reached, readers build every time.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

logger = logging.getLogger(__name__)

# What a process keeps is found again only under the current generation; the timeout bounds the memory an
# idle key holds, not how fresh it is.
KEPT_SECONDS = 300
_MISSING = object()


_warned_at = 0.0
WARN_EVERY_SECONDS = 60


def _warn(message: str, *args: str) -> None:
    """Log that the shared cache failed, once a minute per process at most (not once per request)."""
    global _warned_at
    now = time.monotonic()
    if now - _warned_at >= WARN_EVERY_SECONDS:
        _warned_at = now
        logger.warning(message, *args, exc_info=True)


def _key(kind: str) -> str:
    return f"generation:{kind}"


def generations(*kinds: str) -> dict[str, int] | None:
    """The current generation of each kind, in one round trip; None when the default cache is not shared by
    every process (``settings.CACHE_SHARED``) or cannot be read: then nothing is kept."""
    if not settings.CACHE_SHARED:
        return None
    cache = caches["default"]
    try:
        found = cache.get_many([_key(kind) for kind in kinds])
        missing = [kind for kind in kinds if _key(kind) not in found]
        for kind in missing:
            cache.add(_key(kind), time.time_ns(), timeout=None)
        if missing:
            found.update(cache.get_many([_key(kind) for kind in missing]))
        return {kind: found[_key(kind)] for kind in kinds}
    except Exception:  # noqa: BLE001 (any failure of the shared cache: read the database instead)
        _warn("generations of %s could not be read", ", ".join(kinds))
        return None


def _move(kind: str) -> None:
    cache = caches["default"]
    try:
        try:
            cache.incr(_key(kind))
        except ValueError:  # not there (never read, or the cache was emptied): a new start
            cache.add(_key(kind), time.time_ns(), timeout=None)
    except Exception:  # noqa: BLE001 (the shared cache failed: kept values then last KEPT_SECONDS at most)
        _warn("generation of %s could not be moved", kind)


def generation_move(*kinds: str) -> None:
    """Mark every kind as changed: now, and again when the current transaction commits (at once outside one)."""
    for kind in kinds:
        _move(kind)
        transaction.on_commit(lambda kind=kind: _move(kind))


def kept[T](
    kind: str, key: str, build: Callable[[], T], *, current: dict[str, int] | object | None = _MISSING
) -> T:
    """``build()``'s answer, kept by this process until the generation of `kind` moves (None, "nothing
    found", is never kept: asking again costs a build, not memory). `current`: the generations already read
    for this request (``generations``), else they are read now."""
    if current is _MISSING:
        current = generations(kind)
    if current is None or kind not in current:
        return build()
    return kept_by_process(f"kept:{kind}:{current[kind]}", (key,), build)


def kept_by_process[T](
    prefix: str, parts: Iterable[object], build: Callable[[], T], *, timeout: int = KEPT_SECONDS
) -> T:
    """``build()``'s answer kept in this process's "fragments" cache under `prefix` and a short hash of
    `parts` (everything the answer depends on), for `timeout` seconds at most. None is never kept."""
    stamp = "|".join(map(str, parts))
    key = f"{prefix}:" + hashlib.blake2b(stamp.encode(), digest_size=16).hexdigest()
    fragments = caches["fragments"]
    value = fragments.get(key)
    if value is None:
        value = build()
        if value is not None:
            fragments.set(key, value, timeout=timeout)
    return value


def generation_moved_by(kind: str, models: Iterable[type]) -> None:
    """Move `kind` whenever one of `models` is saved or deleted (``post_save``/``post_delete``); writes that
    bypass the signals (``QuerySet.update``) call ``generation_move`` themselves."""
    from django.db.models.signals import post_delete, post_save

    def moved(sender, **kwargs) -> None:
        generation_move(kind)

    for model in models:
        post_save.connect(
            moved, sender=model, weak=False, dispatch_uid=f"generation:{kind}:{model._meta.label}"
        )
        post_delete.connect(
            moved, sender=model, weak=False, dispatch_uid=f"generation:{kind}:{model._meta.label}:delete"
        )
