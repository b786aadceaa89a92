"""The registry of write kinds: every kind of change the outbox sends to TechLink, each declared once in one
of the modules below (see ``base.Kind`` for what a declaration says).

A new kind is one ``Kind`` in one of these modules, added to that module's ``KINDS``; the model's choices,
the outbox and the intake service ``upstream_write_record`` take it from here (``makemigrations jobs`` then
records the new choice).
"""

from __future__ import annotations

from . import documents, sites, workorders
from .base import Accepted, Kind

__all__ = ["KINDS", "Accepted", "Kind"]

KINDS: dict[str, Kind] = {kind.name: kind for kind in (*sites.KINDS, *workorders.KINDS, *documents.KINDS)}
