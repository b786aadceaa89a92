"""The close-out review rules: which completed document answers which required one, the completeness score,
and what a reminder to the technician lists as missing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from portal_ui.integrations.techlink import types

__all__ = ["CloseoutReview", "DocumentMatch", "closeout_review_build", "document_label"]


@dataclass(frozen=True)
class DocumentMatch:
    required: types.Document
    completed: types.Document | None

    @property
    def is_matched(self) -> bool:
        return self.completed is not None


@dataclass(frozen=True)
class CloseoutReview:
    matches: list[DocumentMatch]
    questions: list[types.Question]
    photos: list[types.Photo]
    unmatched_completed: list[types.Document]

    @property
    def missing_documents(self) -> list[types.Document]:
        return [m.required for m in self.matches if not m.is_matched]

    @property
    def unanswered_questions(self) -> list[types.Question]:
        return [q for q in self.questions if not q.is_answered]

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
    def points(self) -> int:
        return self.matched_count + self.answered_count + (1 if self.has_photo else 0)

    @property
    def possible(self) -> int:
        return len(self.matches) + len(self.questions) + 1

    @property
    def score(self) -> int:
        """Percent complete: each required document, each question and "at least one photo" count one point."""
        return (self.points * 100) // self.possible

    @property
    def is_complete(self) -> bool:
        return self.points == self.possible

    def missing_summary(self) -> list[str]:
        lines = [f"Missing close-out document: {document_label(d)}" for d in self.missing_documents]
        lines += [f"Unanswered question: {q.question}" for q in self.unanswered_questions]
        if not self.has_photo:
            lines.append("No close-out photos uploaded yet.")
        return lines

    def reminder_note(self) -> str:
        """The note asking the technician for everything ``missing_summary`` lists."""
        return "Close-out is incomplete. Still needed:\n" + "\n".join(
            f"- {line}" for line in self.missing_summary()
        )


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
) -> CloseoutReview:
    """Match each required close-out document with a completed one.

    A completed document matches when its description equals the required one's (case-insensitive),
    otherwise when the file names without extension are equal (case-insensitive), otherwise when the
    completed file is the required form's name with a suffix, as technicians name a filled-in copy
    ("wo_12_signoff.pdf" -> "wo_12_signoff_signed.pdf"). Each completed document satisfies at most one
    requirement; stronger matches are taken first.
    """
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
    return CloseoutReview(
        matches=[DocumentMatch(required=doc, completed=found.get(i)) for i, doc in enumerate(required)],
        questions=sorted(questions, key=lambda q: (q.sort_order, q.question_id)),
        photos=list(photos),
        unmatched_completed=available,
    )
