"""A work order of its own with a close-out to review, arranged in the test sandbox as a technician leaves it:
required forms, a completed document, answers (one reading as a "No", one missing) and real JPEG photos. What
API light cannot write (photos, questions, completed documents) is put in the sandbox's store, as TechLink's
own portal would. Import the fixtures into a test module: ``from tests.dispatch.closeout_fixtures import *``.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field

import pytest
from PIL import Image, ImageDraw

__all__ = [
    "CloseoutCase",
    "add_closeout_document",
    "add_photo",
    "add_question",
    "closeout_case",
    "jpeg",
    "make_closeout_case",
    "remove_file",
]


def jpeg(color=(52, 101, 164), size=(900, 600), label: str = "") -> bytes:
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, size[1] - 20), outline=(255, 255, 255), width=6)
    if label:
        draw.text((60, size[1] // 2), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def add_photo(
    sandbox, workorder_id: int, content: bytes, *, note: str, filename: str = "", content_type="image/jpeg"
) -> int:
    from techlink_sandbox.store import Photo

    store = sandbox.store
    with store.lock:
        wo = store.workorders[workorder_id]
        photo_id = store.next_id("photo")
        relative = f"uploads/photo-{photo_id}"
        store.file_path(relative).write_bytes(content)
        name = filename or f"wo_{workorder_id}_{photo_id}.jpg"
        wo.photos.append(
            Photo(photo_id, workorder_id, note, name, relative, content_type, store.now(), len(content))
        )
        store._save(wo)
    return photo_id


def add_question(sandbox, workorder_id: int, question: str, answer: str = "", order: int = 1) -> int:
    from techlink_sandbox.store import Question

    store = sandbox.store
    with store.lock:
        wo = store.workorders[workorder_id]
        question_id = store.next_id("question")
        wo.questions.append(Question(question_id, workorder_id, question, answer, order, store.now()))
        store._save(wo)
    return question_id


def answer_question(sandbox, workorder_id: int, question_id: int, answer: str) -> None:
    store = sandbox.store
    with store.lock:
        wo = store.workorders[workorder_id]
        next(q for q in wo.questions if q.question_id == question_id).answer = answer
        store._save(wo)


def add_closeout_document(
    sandbox, workorder_id: int, filename: str, content: bytes, description: str = ""
) -> int:
    from techlink_sandbox.store import Upload

    _, data = sandbox.store.add_workorder_document(
        workorder_id, "closeout", Upload(filename, content, "application/pdf"), {"description": description}
    )
    return data["document_id"]


def remove_file(
    sandbox, workorder_id: int, *, photo_id: int | None = None, document_id: int | None = None
) -> None:
    """The record stays, its file is gone (TechLink answers 404 for it)."""
    store = sandbox.store
    with store.lock:
        wo = store.workorders[workorder_id]
        if photo_id is not None:
            item = next(p for p in wo.photos if p.photo_id == photo_id)
        else:
            item = next(d for d in wo.closeout_documents if d.document_id == document_id)
        store.file_path(item.path).unlink()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class CloseoutCase:
    """The arranged work order: ids of what the technician delivered, and the texts to look for."""

    workorder_id: int
    tag: str
    photo_ids: list[int] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    photo_bytes: dict[int, bytes] = field(default_factory=dict)
    document_ids: list[int] = field(default_factory=list)
    document_bytes: dict[int, bytes] = field(default_factory=dict)
    questions: dict[int, tuple[str, str]] = field(default_factory=dict)


def make_closeout_case(tl, sandbox, *, photos: int = 3, tag: str | None = None) -> CloseoutCase:
    """A new work order at an existing site, set to Work Complete, with: two required forms (one delivered),
    three questions (answered "Yes", answered "No - ...", unanswered) and ``photos`` JPEG photos."""
    tag = tag or uuid.uuid4().hex[:6]
    site_id = min(tl.site_ids())
    wo = tl.workorder_create(site_id=site_id, summary=f"Replace the rack switch {tag}")
    case = CloseoutCase(workorder_id=wo.id, tag=tag)
    tl.workorder_required_document_upload(
        wo.id, file=io.BytesIO(PDF), filename="permit.pdf", description=f"Signed permit {tag}"
    )
    tl.workorder_required_document_upload(
        wo.id, file=io.BytesIO(PDF), filename="asbuilt.pdf", description=f"As-built drawing {tag}"
    )
    signed = PDF + f"% signed {tag}\n".encode()
    doc_id = add_closeout_document(sandbox, wo.id, "permit_signed.pdf", signed, f"Signed permit {tag}")
    case.document_ids.append(doc_id)
    case.document_bytes[doc_id] = signed
    for order, (text, answer) in enumerate(
        [
            (f"Were all cable drops labelled and tested ({tag})?", "Yes, every port tested."),
            (f"Did the site contact sign off ({tag})?", "No - the manager was not on site."),
            (f"Did you clean up the work area ({tag})?", ""),
        ],
        start=1,
    ):
        case.questions[add_question(sandbox, wo.id, text, answer, order)] = (text, answer)
    colors = [(52, 101, 164), (78, 154, 6), (204, 0, 0), (117, 80, 123), (193, 125, 17), (85, 87, 83)]
    for index in range(photos):
        caption = f"Photo {index + 1} rack {tag}"
        content = jpeg(colors[index % len(colors)], label=caption)
        photo_id = add_photo(sandbox, wo.id, content, note=caption)
        case.photo_ids.append(photo_id)
        case.captions.append(caption)
        case.photo_bytes[photo_id] = content
    sandbox.store.set_status(wo.id, {"status_code": "80"})
    return case


@pytest.fixture
def closeout_case(tl, upstream, db) -> CloseoutCase:
    from portal_ui.mirror.services import mirror_workorder_refresh

    case = make_closeout_case(tl, upstream)
    mirror_workorder_refresh(workorder_id=case.workorder_id)
    return case
