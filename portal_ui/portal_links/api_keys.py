"""API keys as the Portal Link API checks them on every request, without a database query each time.

A small per-process cache (``cachetools.TTLCache``) remembers, by the hash of a presented key, the active key it
matched, or that it matched none, for ``PORTAL_LINK_API_KEY_CACHE_SECONDS`` (default 10). Revoking a key drops it
from the revoking process's cache at once; every other process stops accepting it within that many seconds.
The cache is bounded, so a flood of made-up keys costs one indexed query each and never grows memory. It is made
once, with the setting's lifetime, and made anew (empty) when the setting changes, so a check reads no settings.
"""

import hmac
import threading
import time
from typing import Any

from cachetools import TTLCache
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from portal_ui.portal_links.models import ApiKey
from portal_ui.portal_links.tokens import hash_token

API_KEY_PREFIX = "tlk"
CACHE_SIZE = 4096
_MISSING = object()
_lock = threading.Lock()


def _clock() -> float:
    return time.monotonic()


def _new_cache() -> TTLCache:
    # The timer looks `_clock` up on every reading, so a test can move time for a cache built before it.
    return TTLCache(
        maxsize=CACHE_SIZE, ttl=settings.PORTAL_LINK_API_KEY_CACHE_SECONDS, timer=lambda: _clock()
    )


_cache = _new_cache()


@receiver(setting_changed)
def _cache_rebuild(*, setting: str, **kwargs: Any) -> None:
    """A new, empty cache with the new lifetime when the setting changes (in tests, ``override_settings``)."""
    global _cache
    if setting == "PORTAL_LINK_API_KEY_CACHE_SECONDS":
        with _lock:
            _cache = _new_cache()


def api_key_matching(*, key: str) -> ApiKey | None:
    """The active key that `key` is, else None (from the cache while it is fresh)."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != API_KEY_PREFIX or not parts[1]:
        return None
    digest = hash_token(key)
    with _lock:
        found = _cache.get(digest, _MISSING)
    if found is not _MISSING:
        return found
    found = ApiKey.objects.filter(prefix=parts[1], revoked_at__isnull=True).first()
    if found is not None and not hmac.compare_digest(found.key_hash, digest):
        found = None
    with _lock:
        _cache[digest] = found
    return found


def api_key_forget(*, key_hash: str) -> None:
    """Drop a key from this process's cache (it was revoked)."""
    with _lock:
        _cache.pop(key_hash, None)


def api_key_cache_clear() -> None:
    with _lock:
        _cache.clear()
