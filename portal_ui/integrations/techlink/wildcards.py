"""TechLink search wildcards.

TechLink search fields match the *whole* value, case-insensitively. ``*`` stands for any run of
characters (including none); a backslash makes the next character literal, so ``\\*`` is a
literal star and ``\\\\`` a literal backslash (a backslash at the very end is itself literal).
Every other character, including ``%``, ``_`` and ``?``, is literal. A pattern without ``*`` is
therefore an exact, case-insensitive match.

Use ``escape``/``contains``/``prefix`` to turn text typed by a user into a pattern that finds
exactly that text, and ``pattern_to_regex``/``matches`` to apply a pattern locally with the same
semantics as TechLink.
"""

from __future__ import annotations

import functools
import re

__all__ = ["contains", "escape", "matches", "pattern_to_regex", "prefix"]


def escape(text: str) -> str:
    """Return a pattern matching ``text`` literally (stars and backslashes escaped)."""
    return text.replace("\\", "\\\\").replace("*", "\\*")


def contains(text: str) -> str:
    """Return a pattern matching any value containing ``text``."""
    return f"*{escape(text)}*"


def prefix(text: str) -> str:
    """Return a pattern matching any value starting with ``text``."""
    return f"{escape(text)}*"


@functools.lru_cache(maxsize=1024)
def pattern_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a TechLink wildcard pattern into an anchored, case-insensitive regex."""
    parts: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "*":
            # Collapse runs of stars: they mean the same and would only slow matching down.
            if not parts or parts[-1] != ".*":
                parts.append(".*")
        else:
            parts.append(re.escape(ch))
        i += 1
    return re.compile(r"\A" + "".join(parts) + r"\Z", re.IGNORECASE | re.DOTALL)


def matches(pattern: str, value: object) -> bool:
    """Whether ``value`` (None counts as empty) matches the TechLink wildcard ``pattern``."""
    text = "" if value is None else str(value)
    return pattern_to_regex(pattern).match(text) is not None
