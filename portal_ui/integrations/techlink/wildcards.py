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

__all__ = [
    "contains",
    "escape",
    "has_wildcard",
    "literal_text",
    "matches",
    "pattern_to_regex",
    "prefix",
    "segments",
]


def escape(text: str) -> str:
    """Return a pattern matching ``text`` literally (stars and backslashes escaped)."""
    return text.replace("\\", "\\\\").replace("*", "\\*")


def contains(text: str) -> str:
    """Return a pattern matching any value containing ``text``."""
    return f"*{escape(text)}*"


def prefix(text: str) -> str:
    """Return a pattern matching any value starting with ``text``."""
    return f"{escape(text)}*"


def segments(pattern: str) -> list[str | None]:
    """Split a pattern into its literal text (escapes resolved) and ``None`` for each ``*`` (runs collapsed).

    This is the one reading of TechLink's wildcard syntax: ``pattern_to_regex`` here and the read model's
    database lookups are both built from it.
    """
    parts: list[str | None] = []
    literal: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:  # any escaped character is itself; a final backslash is literal
            literal.append(pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            if literal:
                parts.append("".join(literal))
                literal = []
            if not parts or parts[-1] is not None:
                parts.append(None)
        else:
            literal.append(ch)
        i += 1
    if literal:
        parts.append("".join(literal))
    return parts


def has_wildcard(pattern: str) -> bool:
    """Whether ``pattern`` holds a ``*`` that is not escaped (so it is more than an exact value)."""
    return None in segments(pattern)


def literal_text(pattern: str) -> str:
    """The literal text of a pattern, its escapes resolved and its stars left out (``a\\*b`` -> ``a*b``)."""
    return "".join(part for part in segments(pattern) if part is not None)


@functools.lru_cache(maxsize=1024)
def pattern_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a TechLink wildcard pattern into an anchored, case-insensitive regex."""
    body = "".join(".*" if part is None else re.escape(part) for part in segments(pattern))
    return re.compile(r"\A" + body + r"\Z", re.IGNORECASE | re.DOTALL)


def matches(pattern: str, value: object) -> bool:
    """Whether ``value`` (None counts as empty) matches the TechLink wildcard ``pattern``."""
    text = "" if value is None else str(value)
    return pattern_to_regex(pattern).match(text) is not None
