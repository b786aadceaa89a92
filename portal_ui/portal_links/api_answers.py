"""Read answers of the Portal Link API (a list, a link) kept in the web process's "fragments" cache under a
stamp of what they depend on, with a fingerprint of the links they show (``selectors.portal_links_fingerprint``,
``selectors.portal_link_fingerprint``): the same question about unchanged links is answered from there, and a
change of any link moves the stamp, so nothing needs invalidating."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import caches

# The stamp changes with the links; the timeout only bounds what an idle answer keeps.
ANSWER_CACHE_SECONDS = 300


def answer_body(stamp: Any, render: Callable[[], bytes]) -> bytes:
    """The body kept under `stamp`, or ``render()``'s, kept from now on."""
    key = "api-answer:" + hashlib.sha256(repr(stamp).encode()).hexdigest()
    body = caches["fragments"].get(key)
    if body is None:
        body = render()
        caches["fragments"].set(key, body, timeout=ANSWER_CACHE_SECONDS)
    return body
