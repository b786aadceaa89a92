"""TechLink's wildcard search rules compiled into database lookups of the read model.

A search here finds the same records as the same search upstream: the whole value is matched,
case-insensitively; ``*`` is any run of characters and a backslash makes the next character literal
(``\\*`` a literal star, ``\\\\`` a backslash, ``\\s`` just ``s``; a backslash at the very end is itself
literal); every other character (``%``, ``_``, ``?``...) is literal. The pattern is read by the client's
``wildcards.segments`` (the one reading of the syntax); this module only turns its parts into lookups.

Case: a search without ``*`` compares case-folded text, as upstream does ("STRASSE SHOP" finds "Straße
Shop"); the folded copies are stored next to the fields (``models.SITE_FOLDED``). A search with ``*``
ignores case letter by letter, as upstream's pattern matching does ("STRASSE*" does not find "Straße").
One known difference remains: for a pattern with ``*`` whose text is plain ASCII, SQL's LIKE decides, and
it does not take the Kelvin sign, the long s, the dotless i or the dotted capital I for "k", "s" and "i"
as upstream does.
"""

from __future__ import annotations

import re

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from portal_ui.integrations.techlink.wildcards import contains, has_wildcard, literal_text, matches, segments

__all__ = [
    "has_wildcard",
    "literal_text",
    "picker_pattern",
    "typed_pattern",
    "wildcard_int_filter",
    "wildcard_q",
]


def typed_pattern(query: str) -> str:
    """The staff search rule, the one translation of what staff type into a TechLink pattern: plain text
    means "contains", ignoring case; a ``*`` keeps TechLink's meaning (any characters, the whole value
    matched), and ``\\*`` a literal star. Every filter box, the site finder and the find-anything search use
    this; the read model then matches the pattern exactly as TechLink would."""
    query = query.strip()
    if not query:
        return ""
    if has_wildcard(query):
        return query
    return contains(literal_text(query))


# The site picker's name for the same rule.
picker_pattern = typed_pattern


def _regex(parts: list[str | None]) -> str:
    # Escape only what is special in both Python's and PostgreSQL's regular expressions.
    body = "".join(".*" if p is None else re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", p) for p in parts)
    # (?s): "." also matches line breaks; \A and \Z anchor at the very ends (Python's "$" would allow a final
    # line break). Both spellings mean the same in Python's and PostgreSQL's regular expressions.
    return rf"(?s)\A{body}\Z"


def wildcard_q(field_name: str, pattern: str, *, folded: str | None = None) -> Q:
    """A ``Q`` matching ``field_name`` against a TechLink wildcard pattern, on SQLite and PostgreSQL alike.

    ``folded``: the column holding the field's case-folded copy; a pattern without ``*`` is compared with it.
    """
    parts = segments(pattern)
    if not parts:
        return Q(**{f"{folded or field_name}__exact": ""})
    if parts == [None]:
        return Q(**{f"{field_name}__isnull": False})
    literals = [p for p in parts if p is not None]
    if parts == literals and folded:
        return Q(**{folded: literals[0].casefold()})
    if len(literals) == 1:
        text = literals[0]
        starts, ends = parts[0] is None, parts[-1] is None
        lookup = {
            (False, False): "iexact",
            (False, True): "istartswith",
            (True, False): "iendswith",
            (True, True): "icontains",
        }[(starts, ends)]
        if text.isascii():
            return Q(**{f"{field_name}__{lookup}": text})
    # Several literal parts, or text whose case folding SQL LIKE would get wrong: a regular expression,
    # behind cheap LIKE tests on the plain-ASCII parts so that few rows reach the regular expression.
    narrow = Q()
    for text in literals:
        if text.isascii():
            narrow &= Q(**{f"{field_name}__icontains": text})
    return narrow & Q(**{f"{field_name}__iregex": _regex(parts)})


def wildcard_int_filter(qs: QuerySet, field_name: str, pattern: str) -> QuerySet:
    """Upstream matches numeric fields as text (``status_code=6*``); plain numbers use the index."""
    if pattern.isascii() and pattern.isdigit() and str(int(pattern)) == pattern:
        return qs.filter(**{field_name: int(pattern)})
    alias = f"{field_name}_text"
    qs = qs.alias(**{alias: Cast(field_name, CharField())})
    if segments(pattern) and all(p is None for p in segments(pattern)):
        return qs  # "*" matches everything, even an empty value
    # A missing value is compared as empty text upstream.
    return qs.filter(
        wildcard_q(alias, pattern) | (Q(**{f"{field_name}__isnull": True}) & _empty_matches(pattern))
    )


def _empty_matches(pattern: str) -> Q:
    return Q() if matches(pattern, "") else Q(pk__in=[])
