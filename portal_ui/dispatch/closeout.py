"""The close-out review rules: which completed document answers which required one, the completeness score
and how it is made up, which answers read as a "No", and what a reminder to the technician lists as missing.

No Django models and no TechLink calls here: the rules take what TechLink answered. Two settings shape them
(read when a review is built without them): ``CLOSEOUT_NO_WORDS`` and ``CLOSEOUT_REQUIRE_PHOTO``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings

from portal_ui.integrations.techlink import types

__all__ = [
    "DEFAULT_NO_WORDS",
    "CloseoutReview",
    "DocumentMatch",
    "ScorePart",
    "closeout_fingerprint",
    "closeout_review_build",
    "deliveries_of",
    "document_label",
    "reads_as_no",
]

# Answers starting with one of these (as a whole word or phrase) read as a "No" and are flagged for attention.
DEFAULT_NO_WORDS = (
    "no",
    "nope",
    "negative",
    "not done",
    "not completed",
    "not yet",
    "incomplete",
    "partially",
    "partly",
    "unable",
    "refused",
)


def _normalized(text: str) -> str:
    return " ".join(text.casefold().split())


def reads_as_no(answer: str, words: Iterable[str] = DEFAULT_NO_WORDS) -> bool:
    """Whether an answer reads as a "No": it is one of ``words`` or starts with one followed by something that
    is not a letter ("No.", "No - manager unavailable", "Unable to reach the roof"; not "None" or "Nothing")."""
    text = _normalized(answer)
    for word in words:
        phrase = _normalized(word)
        if phrase and text.startswith(phrase):
            rest = text[len(phrase) : len(phrase) + 1]
            if not rest or not rest.isalnum():
                return True
    return False


@dataclass(frozen=True)
class DocumentMatch:
    required: types.Document
    completed: types.Document | None

    @property
    def is_matched(self) -> bool:
        return self.completed is not None


@dataclass(frozen=True)
class ScorePart:
    """One part of the completeness score, as the page explains it."""

    name: str
    points: int
    possible: int
    detail: str


@dataclass(frozen=True)
class CloseoutReview:
    matches: list[DocumentMatch]
    questions: list[types.Question]
    photos: list[types.Photo]
    unmatched_completed: list[types.Document]
    no_words: tuple[str, ...] = DEFAULT_NO_WORDS
    photo_required: bool = True
    flagged_ids: frozenset[int] = field(default=frozenset())

    @property
    def missing_documents(self) -> list[types.Document]:
        return [m.required for m in self.matches if not m.is_matched]

    @property
    def unanswered_questions(self) -> list[types.Question]:
        return [q for q in self.questions if not q.is_answered]

    @property
    def flagged_questions(self) -> list[types.Question]:
        """Answered questions whose answer reads as a "No" (they count as answered, and are shown flagged)."""
        return [q for q in self.questions if q.question_id in self.flagged_ids]

    def is_flagged(self, question: types.Question) -> bool:
        return question.question_id in self.flagged_ids

    @property
    def matched_count(self) -> int:
        return sum(1 for m in self.matches if m.is_matched)

    @property
    def answered_count(self) -> int:
        return len(self.questions) - len(self.unanswered_questions)

    @property
    def has_photo(self) -> bool:
        return bool(self.photos)

    @property
    def has_requirements(self) -> bool:
        """Whether the work order asks for anything: a required document or a close-out question. Without
        either, nothing is required (not even a photo) and there is no score."""
        return bool(self.matches or self.questions)

    @property
    def photo_counts(self) -> bool:
        """ "At least one photo" is a point of the score: when ``photo_required`` and something is required."""
        return self.photo_required and self.has_requirements

    @property
    def points(self) -> int:
        return self.matched_count + self.answered_count + (1 if self.photo_counts and self.has_photo else 0)

    @property
    def possible(self) -> int:
        return len(self.matches) + len(self.questions) + (1 if self.photo_counts else 0)

    @property
    def score(self) -> int | None:
        """Percent complete (rounded down): each required document, each question and, when it counts, "at
        least one photo" are one point. None when nothing is required."""
        if not self.possible:
            return None
        return (self.points * 100) // self.possible

    @property
    def is_complete(self) -> bool:
        """Nothing is missing (also when nothing was required)."""
        return self.points == self.possible

    @property
    def score_label(self) -> str:
        """ "75% — 3 of 4", or "Nothing required"."""
        if self.score is None:
            return "Nothing required"
        return f"{self.score}% — {self.points} of {self.possible}"

    @property
    def badge(self) -> str:
        if self.score is None or self.is_complete:
            return "ok"
        return "warn" if self.score >= 50 else "bad"

    def parts(self) -> list[ScorePart]:
        """How the score is made up, one part per kind of requirement (none when nothing is required)."""
        parts = []
        if self.matches:
            parts.append(
                ScorePart(
                    "Required documents",
                    self.matched_count,
                    len(self.matches),
                    f"{self.matched_count} of {len(self.matches)} received (one point each)",
                )
            )
        if self.questions:
            flagged = len(self.flagged_questions)
            note = f"; {flagged} read{'s' if flagged == 1 else ''} as a No, flagged" if flagged else ""
            parts.append(
                ScorePart(
                    "Questions",
                    self.answered_count,
                    len(self.questions),
                    f"{self.answered_count} of {len(self.questions)} answered (one point each{note})",
                )
            )
        if self.photo_counts:
            count = len(self.photos)
            parts.append(
                ScorePart(
                    "Photos",
                    1 if self.has_photo else 0,
                    1,
                    f"{count} photo{'' if count == 1 else 's'} (one point for at least one)",
                )
            )
        return parts

    def explanation(self) -> str:
        """The score's parts in one sentence, for a tooltip."""
        if self.score is None:
            return "This work order has no required close-out documents and no close-out questions."
        parts = "; ".join(f"{p.name}: {p.detail}" for p in self.parts())
        return f"{parts}. {self.points} of {self.possible} points = {self.score}%."

    def missing_summary(self) -> list[str]:
        lines = [f"Missing close-out document: {document_label(d)}" for d in self.missing_documents]
        lines += [f"Unanswered question: {q.question}" for q in self.unanswered_questions]
        if self.photo_counts and not self.has_photo:
            lines.append("No close-out photos uploaded yet.")
        return lines

    def reminder_note(self) -> str:
        """The note asking the technician for everything ``missing_summary`` lists."""
        return "Close-out is incomplete. Still needed:\n" + "\n".join(
            f"- {line}" for line in self.missing_summary()
        )

    def summary(self) -> dict[str, Any]:
        """The completeness at this moment, as kept with a decision (JSON)."""
        return {
            "score": self.score,
            "points": self.points,
            "possible": self.possible,
            "label": self.score_label,
            "documents": [self.matched_count, len(self.matches)],
            "questions": [self.answered_count, len(self.questions)],
            "photos": len(self.photos),
            "flagged": [q.question for q in self.flagged_questions],
            "missing": self.missing_summary(),
        }


def document_label(document: types.Document) -> str:
    """How a document is named to the technician: its description and file name, whichever it has."""
    if document.description and document.filename:
        return f"{document.description} ({document.filename})"
    return document.description or document.filename or f"document #{document.document_id}"


def _stem(filename: str) -> str:
    return PurePosixPath(filename.strip()).stem.casefold() if filename.strip() else ""


def _is_filled_in_copy(candidate: str, form: str) -> bool:
    return candidate.startswith(form) and candidate[len(form) : len(form) + 1] in {"_", "-", " ", "."}


def closeout_review_build(
    *,
    required: list[types.Document],
    completed: list[types.Document],
    questions: list[types.Question],
    photos: list[types.Photo],
    no_words: Iterable[str] | None = None,
    photo_required: bool | None = None,
) -> CloseoutReview:
    """Match each required close-out document with a completed one.

    A completed document matches when its description equals the required one's (case-insensitive),
    otherwise when the file names without extension are equal (case-insensitive), otherwise when the
    completed file is the required form's name with a suffix, as technicians name a filled-in copy
    ("wo_12_signoff.pdf" -> "wo_12_signoff_signed.pdf"). Each completed document satisfies at most one
    requirement; stronger matches are taken first.

    ``no_words`` (default ``CLOSEOUT_NO_WORDS``) flag answers that read as a "No"; ``photo_required``
    (default ``CLOSEOUT_REQUIRE_PHOTO``) makes "at least one photo" a point whenever something is required.
    """
    words = tuple(no_words if no_words is not None else settings.CLOSEOUT_NO_WORDS)
    if photo_required is None:
        photo_required = settings.CLOSEOUT_REQUIRE_PHOTO
    available = list(completed)
    found: dict[int, types.Document] = {}

    def take(index: int, predicate: Callable[[types.Document], bool]) -> None:
        for candidate in available:
            if predicate(candidate):
                found[index] = candidate
                available.remove(candidate)
                return

    for index, doc in enumerate(required):
        wanted = doc.description.strip().casefold()
        if wanted:
            take(index, lambda c, wanted=wanted: c.description.strip().casefold() == wanted)
    for index, doc in enumerate(required):
        stem = _stem(doc.filename)
        if index not in found and stem:
            take(index, lambda c, stem=stem: _stem(c.filename) == stem)
    for index, doc in enumerate(required):
        stem = _stem(doc.filename)
        if index not in found and stem:
            take(index, lambda c, stem=stem: _is_filled_in_copy(_stem(c.filename), stem))
    ordered = sorted(questions, key=lambda q: (q.sort_order, q.question_id))
    return CloseoutReview(
        matches=[DocumentMatch(required=doc, completed=found.get(i)) for i, doc in enumerate(required)],
        questions=ordered,
        photos=list(photos),
        unmatched_completed=available,
        no_words=words,
        photo_required=photo_required,
        flagged_ids=frozenset(
            q.question_id for q in ordered if q.is_answered and reads_as_no(q.answer, words)
        ),
    )


# -- what the technician delivered, and the state of a close-out ------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def deliveries_of(
    *,
    closeout_documents: list[types.Document] | None,
    photos: list[types.Photo] | None,
    questions: list[types.Question] | None,
) -> dict[str, Any]:
    """What the technician has delivered: completed documents and photos (ids) and answers (a digest of each
    answer by question id). Compared over time, it tells when something new arrived."""
    return {
        "documents": sorted(d.document_id for d in closeout_documents or []),
        "photos": sorted(p.photo_id for p in photos or []),
        "answers": {
            str(q.question_id): _digest(_normalized(q.answer)) for q in questions or [] if q.is_answered
        },
    }


def delivery_count(delivered: dict[str, Any]) -> int:
    return (
        len(delivered.get("documents", []))
        + len(delivered.get("photos", []))
        + len(delivered.get("answers", {}))
    )


def new_deliveries(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether ``after`` holds a document, photo or answer that ``before`` did not (a changed answer counts)."""
    if set(after.get("documents", [])) - set(before.get("documents", [])):
        return True
    if set(after.get("photos", [])) - set(before.get("photos", [])):
        return True
    old = before.get("answers", {})
    return any(old.get(qid) != digest for qid, digest in after.get("answers", {}).items())


_SPACE = re.compile(r"\s+")


def closeout_fingerprint(
    *,
    required: list[types.Document] | None,
    workorder: types.WorkOrder,
) -> str:
    """A digest of everything the close-out shows: required and completed documents, photos (with their notes),
    questions and answers. It changes whenever any of them changes."""
    content = {
        "required": [[d.document_id, d.filename, d.description] for d in required or []],
        "completed": [[d.document_id, d.filename, d.description] for d in workorder.closeout_documents or []],
        "photos": [[p.photo_id, p.filename, p.note] for p in workorder.photos or []],
        "questions": [
            [q.question_id, q.question, _SPACE.sub(" ", q.answer.strip()), q.sort_order]
            for q in workorder.questions or []
        ],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
