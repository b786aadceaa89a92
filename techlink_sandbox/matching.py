"""Search-argument matching as the upstream API documents it.

'*' matches any run of characters (including none); a backslash escapes the next character, so '\\*'
is a literal asterisk.  Nothing else is special ('%', '_', '?' are literal).  Without a wildcard the whole
value must match.  Matching ignores case, like the portal's database collation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

Matcher = Callable[[object], bool]


@lru_cache(maxsize=512)
def matcher(pattern: str) -> Matcher:
    """A predicate telling whether a value (shown as text) matches ``pattern``."""
    parts: list[str] = []
    literal: list[str] = []
    has_star = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            parts.append(re.escape(pattern[i + 1]))
            literal.append(pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            has_star = True
            parts.append(".*")
        else:
            parts.append(re.escape(ch))
            literal.append(ch)
        i += 1
    if not has_star:
        return ExactMatcher("".join(literal).casefold())
    regex = re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
    return lambda value: regex.fullmatch("" if value is None else str(value)) is not None


class ExactMatcher:
    """A pattern without wildcards: the whole value, ignoring case (``key`` is what indexes look up)."""

    __slots__ = ("key",)

    def __init__(self, key: str):
        self.key = key

    def __call__(self, value: object) -> bool:
        return index_key(value) == self.key


def index_key(value: object) -> str:
    return ("" if value is None else str(value)).casefold()


def wildcard_match(pattern: str, value: object) -> bool:
    return matcher(pattern)(value)
