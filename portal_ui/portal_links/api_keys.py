"""API keys as the Portal Link API checks them on every request, without a database query each time.

A small per-process cache (``cachetools.TTLCache``) remembers, by the hash of a presented key, the active key it
matched, or that it matched none, for ``PORTAL_LINK_API_KEY_CACHE_SECONDS`` (default 10). Revoking a key drops it
from the revoking process's cache at once; every other process stops accepting it within that many seconds.
The cache is bounded, so a flood of made-up keys costs one indexed query each and never grows memory.
"""

import hmac
import threading
import time

from cachetools import TTLCache
from django.conf import settings

from portal_ui.portal_links.models import ApiKey
from portal_ui.portal_links.tokens import hash_token

API_KEY_PREFIX = "tlk"
CACHE_SIZE = 4096
_MISSING = object()
_lock = threading.Lock()
_cache: TTLCache | None = None


def _clock() -> float:
    return time.monotonic()


def _keys() -> TTLCache:
    global _cache
    if _cache is None or _cache.ttl != settings.PORTAL_LINK_API_KEY_CACHE_SECONDS:
        _cache = TTLCache(
            maxsize=CACHE_SIZE, ttl=settings.PORTAL_LINK_API_KEY_CACHE_SECONDS, timer=lambda: _clock()
        )
    return _cache


def api_key_matching(*, key: str) -> ApiKey | None:
    """The active key that `key` is, else None (from the cache while it is fresh)."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != API_KEY_PREFIX or not parts[1]:
        return None
    digest = hash_token(key)
    with _lock:
        found = _keys().get(digest, _MISSING)
    if found is not _MISSING:
        return found
    found = ApiKey.objects.filter(prefix=parts[1], revoked_at__isnull=True).first()
    if found is not None and not hmac.compare_digest(found.key_hash, digest):
        found = None
    with _lock:
        _keys()[digest] = found
    return found


def api_key_forget(*, key_hash: str) -> None:
    """Drop a key from this process's cache (it was revoked)."""
    with _lock:
        _keys().pop(key_hash, None)


def api_key_cache_clear() -> None:
    with _lock:
        _keys().clear()
