"""Which parts of a close-out one audience sees: staff see everything (``items=None``); a portal link's
customer sees only the sections its permissions open and the items it shares."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STAFF_BRANDING", "Branding", "CloseoutItems", "options_key"]


def _ids(values: Iterable[Any] | None) -> frozenset[int] | None:
    return None if values is None else frozenset(int(v) for v in values)


@dataclass(frozen=True)
class CloseoutItems:
    """What a report or bundle holds.

    * ``photos`` / ``documents``: the photo and completed close-out document ids included (None: all of them);
    * ``questions``: the close-out questions and answers;
    * ``schedule``: the schedule, installer and planned tech;
    * ``internal``: what only staff see: who decided and why, contact numbers, the required documents'
      matching, reminders.
    """

    photos: frozenset[int] | None = None
    documents: frozenset[int] | None = None
    questions: bool = True
    schedule: bool = True
    internal: bool = True

    @classmethod
    def for_link(
        cls,
        *,
        permissions: Mapping[str, bool],
        shared_items: Mapping[str, Any],
        purpose: str = "report",
    ) -> CloseoutItems:
        """The items a portal link shares, from its permissions (``link_permissions(link)``) and shared items
        (``shared_items_of(link.shared_items)``). For the bundle (``purpose="bundle"``), documents are included
        only when the link also lets its customer download documents."""
        photos: frozenset[int] = frozenset()
        if permissions.get("view_photos"):
            photos = None if shared_items.get("all_photos") else _ids(shared_items.get("photos", []))
        documents: frozenset[int] = frozenset()
        may_list = permissions.get("view_closeout_documents")
        if may_list and (purpose != "bundle" or permissions.get("download_documents")):
            documents = _ids(shared_items.get("closeout_documents", [])) or frozenset()
        return cls(
            photos=photos,
            documents=documents,
            questions=bool(permissions.get("view_closeout_answers")) and purpose != "bundle",
            schedule=bool(permissions.get("view_schedule", True)),
            internal=False,
        )

    @property
    def shares_anything(self) -> bool:
        """Whether there is a close-out section to show at all (else a customer gets nothing: 404)."""
        return self.photos != frozenset() or self.documents != frozenset() or self.questions

    def photo_shared(self, photo_id: int) -> bool:
        return self.photos is None or photo_id in self.photos

    def document_shared(self, document_id: int) -> bool:
        return self.documents is None or document_id in self.documents

    def as_json(self) -> dict[str, Any]:
        return {
            "photos": None if self.photos is None else sorted(self.photos),
            "documents": None if self.documents is None else sorted(self.documents),
            "questions": self.questions,
            "schedule": self.schedule,
            "internal": self.internal,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> CloseoutItems:
        data = data or {}
        return cls(
            photos=_ids(data.get("photos")),
            documents=_ids(data.get("documents")),
            questions=bool(data.get("questions", True)),
            schedule=bool(data.get("schedule", True)),
            internal=bool(data.get("internal", True)),
        )


STAFF = CloseoutItems()


@dataclass(frozen=True)
class Branding:
    """How a report looks: the company named at its top and its colours (hex), as a portal link's branding."""

    company_name: str = "TechLink Dispatch"
    primary_color: str = "#14233c"
    secondary_color: str = "#1f5fbf"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_link(cls, custom_branding: Mapping[str, Any] | None) -> Branding:
        """A portal link's ``custom_branding`` (unset values fall back to the dashboard's own)."""
        data = custom_branding or {}
        return cls(
            company_name=(data.get("company_name") or STAFF_BRANDING.company_name)[:100],
            primary_color=data.get("primary_color") or STAFF_BRANDING.primary_color,
            secondary_color=data.get("secondary_color") or STAFF_BRANDING.secondary_color,
        )

    def as_json(self) -> dict[str, str]:
        return {
            "company_name": self.company_name,
            "primary_color": self.primary_color,
            "secondary_color": self.secondary_color,
        }


STAFF_BRANDING = Branding()


def options_key(items: CloseoutItems | None, branding: Branding | None) -> str:
    """The digest naming one audience's variant of a report."""
    data = {
        "items": (items or STAFF).as_json(),
        "branding": (branding or STAFF_BRANDING).as_json(),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
