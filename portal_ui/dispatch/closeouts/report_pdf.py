"""The close-out report laid out as a PDF (ReportLab): branded header, the work order, site, installer and
tech, schedule, completeness and decision, every question and answer, the documents, the photos with their
captions, and (for staff) the history of decisions. A photo that could not be read is listed as "could not be
shown"; it never fails the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal_ui.dispatch.templatetags.dispatch_tags import sitetime
from portal_ui.integrations.techlink import types

from .content import CloseoutContent
from .items import Branding
from .report_style import ReportStyles, para_text
from .selectors import CloseoutHistory

__all__ = ["PhotoFile", "closeout_report_pdf"]

PAGE_W, PAGE_H = letter
MARGIN = 0.6 * inch
CONTENT_W = PAGE_W - 2 * MARGIN
PHOTO_W, PHOTO_H = (CONTENT_W - 0.25 * inch) / 2, 2.55 * inch


@dataclass(frozen=True)
class PhotoFile:
    """A photo for the report: its scaled copy on disk, or why it could not be shown."""

    photo: types.Photo
    path: Path | None = None
    problem: str = ""


def _table(
    rows: list[list[Any]], widths: list[float], s: ReportStyles, *, header: bool = True, extra=()
) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, s.line),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5"))]
    table.setStyle(TableStyle(style + list(extra)))
    return table


# -- sections --------------------------------------------------------------------------------------


def _facts(content: CloseoutContent, s: ReportStyles) -> Table:
    wo, site, items, zone = content.workorder, content.site, content.items, content.zone

    def block(title: str, lines: list[str]) -> list[Any]:
        shown = [line for line in lines if line] or ["—"]
        return [Paragraph(para_text(title), s.label), Paragraph("<br/>".join(shown), s.cell)]

    site_lines = []
    if site is not None:
        code = f" ({para_text(site.siteid)})" if site.siteid else ""
        site_lines = [
            f"<b>{para_text(site.name or f'Site #{site.id}')}</b>{code}",
            *map(para_text, site.address.lines),
        ]
    elif wo.site_id:
        site_lines = [f"Site #{wo.site_id}"]
    order_lines = [
        f"Status: {para_text(wo.status)}",
        f"Type: {para_text(wo.type)}" if wo.type else "",
        f"PO: {para_text(wo.po)}" if wo.po else "",
        f"Client reference: {para_text(wo.client_reference)}" if wo.client_reference else "",
        f"Project: {para_text(content.project_name)}" if content.project_name else "",
    ]
    cells = [block("Site", site_lines), block("Work order", order_lines)]
    if items.schedule:

        def person(name: str, *details: str) -> str:
            extra = [para_text(d) for d in details if d and items.internal]
            return "<br/>".join([f"<b>{para_text(name)}</b>", *extra]) if name else ""

        installer = person(wo.installer.name, wo.installer.phone, wo.installer.email)
        tech = person(wo.planned_tech.name, wo.planned_tech.phone)
        schedule = [
            f"Requested: {para_text(wo.requested_time)}" if wo.requested_time else "",
            f"Scheduled: {sitetime(wo.scheduled_date, zone)}" if wo.scheduled_date else "Not scheduled",
            f"Created: {sitetime(wo.created_date, zone)}" if wo.created_date else "",
        ]
        cells += [block("Installer", [installer]), block("Planned tech", [tech]), block("Schedule", schedule)]
    rows = [cells[i : i + 2] for i in range(0, len(cells), 2)]
    if len(rows[-1]) == 1:
        rows[-1].append("")
    flat = [[a[0], a[1], b[0] if b else "", b[1] if b else ""] for a, b in rows]
    label = 1.05 * inch
    widths = [label, CONTENT_W / 2 - label, label, CONTENT_W / 2 - label]
    return _table(flat, widths, s, header=False)


def _completeness(
    content: CloseoutContent, history: CloseoutHistory, s: ReportStyles, zone: Any
) -> list[Any]:
    review = content.review
    out: list[Any] = [Paragraph("Completeness and decision", s.h2)]
    color = "#1e7d32" if review.is_complete else ("#9a6700" if (review.score or 0) >= 50 else "#b3261e")
    out.append(Paragraph(f'<font color="{color}"><b>{para_text(review.score_label)}</b></font>', s.body))
    for part in review.parts():
        out.append(Paragraph(f"{para_text(part.name)}: {para_text(part.detail)}", s.small))
    if not review.has_requirements:
        out.append(Paragraph(para_text(review.explanation()), s.small))
    latest = history.latest
    if latest is None:
        decision = "Not reviewed yet."
    elif content.items.internal:
        decision = f"{latest.get_outcome_display()} by {para_text(latest.decided_by_name)} on {sitetime(latest.decided_at, zone)}"
        if latest.reason:
            decision += f": {para_text(latest.reason)}"
    else:
        decision = (
            f"Approved on {sitetime(latest.decided_at, zone)}."
            if latest.is_approved
            else "Close-out under review."
        )
    out.append(Spacer(1, 4))
    out.append(Paragraph(f"<b>Decision:</b> {decision}", s.body))
    return out


def _questions(content: CloseoutContent, s: ReportStyles) -> list[Any]:
    review = content.review
    rows: list[list[Any]] = [[Paragraph("Question", s.label), Paragraph("Answer", s.label)]]
    extra = []
    for index, q in enumerate(content.questions, start=1):
        if not q.is_answered:
            answer = Paragraph('<font color="#b3261e"><i>Not answered</i></font>', s.cell)
        elif review.is_flagged(q):
            answer = Paragraph(
                f'{para_text(q.answer)}<br/><font color="#9a6700"><b>Reads as a No — check</b></font>', s.cell
            )
            extra.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor("#fff4ce")))
        else:
            answer = Paragraph(para_text(q.answer), s.cell)
        rows.append([Paragraph(para_text(q.question), s.cell), answer])
    if len(rows) == 1:
        return [Paragraph("Questions and answers", s.h2), Paragraph("No close-out questions.", s.small)]
    widths = [CONTENT_W * 0.52, CONTENT_W * 0.48]
    return [Paragraph("Questions and answers", s.h2), _table(rows, widths, s, extra=extra)]


def _documents(content: CloseoutContent, s: ReportStyles) -> list[Any]:
    out: list[Any] = [Paragraph("Documents", s.h2)]
    if content.items.internal:
        rows: list[list[Any]] = [
            [Paragraph(t, s.label) for t in ("Required", "Status", "Completed document")]
        ]
        for match in content.review.matches:
            required = match.required
            done = match.completed
            rows.append(
                [
                    Paragraph(
                        f"{para_text(required.description or required.filename)}<br/><font size=7.5 color='#5c6675'>{para_text(required.filename)}</font>",
                        s.cell,
                    ),
                    Paragraph("received" if done else '<font color="#b3261e"><b>missing</b></font>', s.cell),
                    Paragraph(para_text(done.filename or done.document_id) if done else "—", s.cell),
                ]
            )
        if len(rows) > 1:
            out.append(_table(rows, [CONTENT_W * 0.45, CONTENT_W * 0.15, CONTENT_W * 0.40], s))
        else:
            out.append(Paragraph("No close-out documents are required.", s.small))
        out.append(Spacer(1, 6))
    rows = [[Paragraph("Completed close-out document", s.label), Paragraph("Description", s.label)]]
    for doc in content.documents:
        rows.append(
            [
                Paragraph(para_text(doc.filename or f"document #{doc.document_id}"), s.cell),
                Paragraph(para_text(doc.description), s.cell),
            ]
        )
    if len(rows) > 1:
        out.append(_table(rows, [CONTENT_W * 0.5, CONTENT_W * 0.5], s))
    else:
        out.append(Paragraph("No completed close-out documents.", s.small))
    return out


def _fit(path: Path) -> tuple[float, float]:
    with PILImage.open(path) as image:
        width, height = image.size
    scale = min((PHOTO_W - 8) / width, (PHOTO_H - 6) / height)
    return width * scale, height * scale


def _photo_cell(item: PhotoFile, s: ReportStyles, zone: Any) -> list[Any]:
    photo = item.photo
    caption = photo.note or photo.filename or f"Photo #{photo.photo_id}"
    meta = " · ".join(x for x in (photo.filename, sitetime(photo.created_date, zone)) if x)
    picture: Any = None
    if item.path is not None:
        try:
            width, height = _fit(item.path)
        except OSError:
            picture = None
        else:  # every picture takes the same height, so the captions of a row line up
            picture = Table(
                [[Image(str(item.path), width=width, height=height)]],
                colWidths=[PHOTO_W],
                rowHeights=[PHOTO_H],
            )
            picture.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                        ("ALIGN", (0, 0), (-1, -1), "LEFT"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                    ]
                )
            )
    if picture is None:
        problem = item.problem or "the file is not a readable image"
        problem = problem[:1].upper() + problem[1:] + "."
        box = Table(
            [[Paragraph(f"<b>Photo could not be shown</b><br/>{para_text(problem)}", s.center)]],
            colWidths=[PHOTO_W],
            rowHeights=[PHOTO_H],
        )
        box.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f1f3f6")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("BOX", (0, 0), (-1, -1), 0.5, s.line),
                ]
            )
        )
        picture = box
    return [picture, Paragraph(para_text(caption), s.caption), Paragraph(para_text(meta), s.small)]


def _photos(photos: list[PhotoFile], s: ReportStyles, zone: Any) -> list[Any]:
    heading = Paragraph("Photos", s.h2)
    if not photos:
        return [heading, Paragraph("No photos.", s.small)]
    out: list[Any] = []
    for i in range(0, len(photos), 2):
        pair = [_photo_cell(p, s, zone) for p in photos[i : i + 2]]
        cells = [pair[0], pair[1] if len(pair) > 1 else ""]
        row = Table([cells], colWidths=[CONTENT_W / 2] * 2)
        row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        # The heading stays with the first row of photos.
        out.append(KeepTogether([heading, row, Spacer(1, 8)] if i == 0 else [row, Spacer(1, 8)]))
    return out


def _history(history: CloseoutHistory, s: ReportStyles, zone: Any) -> list[Any]:
    if not history.decisions:
        return []
    rows: list[list[Any]] = [
        [Paragraph(t, s.label) for t in ("When", "Decision", "By", "Completeness", "Reason")]
    ]
    for d in history.decisions:
        rows.append(
            [
                Paragraph(sitetime(d.decided_at, zone), s.cell),
                Paragraph(d.get_outcome_display(), s.cell_bold),
                Paragraph(para_text(d.decided_by_name), s.cell),
                Paragraph(para_text((d.completeness or {}).get("label", "")), s.cell),
                Paragraph(para_text(d.reason) or "—", s.cell),
            ]
        )
    widths = [1.25 * inch, 0.8 * inch, 1.2 * inch, 1.2 * inch, CONTENT_W - 4.45 * inch]
    return [Paragraph("Decision history", s.h2), _table(rows, widths, s)]


# -- pages -----------------------------------------------------------------------------------------


def _numbered_canvas(footer: Callable[[canvas.Canvas, int, int], None]) -> type[canvas.Canvas]:
    class NumberedCanvas(canvas.Canvas):
        """Draws "Page n of N" once the number of pages is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                footer(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def closeout_report_pdf(
    *,
    content: CloseoutContent,
    history: CloseoutHistory,
    photos: list[PhotoFile],
    branding: Branding,
    out: BinaryIO,
    generated_at: datetime,
) -> None:
    """Write the report of ``content`` (narrowed to its items) to ``out``."""
    s = ReportStyles(branding)
    wo, zone = content.workorder, content.zone
    title = f"Close-out report · Work order #{wo.id}"

    def header(c: canvas.Canvas, _doc: Any) -> None:
        c.saveState()
        c.setFillColor(s.primary)
        c.rect(0, PAGE_H - 0.55 * inch, PAGE_W, 0.55 * inch, stroke=0, fill=1)
        c.setFillColor(s.accent)
        c.rect(0, PAGE_H - 0.6 * inch, PAGE_W, 0.05 * inch, stroke=0, fill=1)
        c.setFillColor(colors.white)
        c.setFont(s.bold, 12.5)
        c.drawString(MARGIN, PAGE_H - 0.35 * inch, branding.company_name[:80])
        c.setFont(s.regular, 9)
        c.drawRightString(PAGE_W - MARGIN, PAGE_H - 0.35 * inch, title)
        c.restoreState()

    def footer(c: canvas.Canvas, number: int, total: int) -> None:
        c.saveState()
        c.setFont(s.regular, 7.5)
        c.setFillColor(s.muted)
        stamp = generated_at.strftime("%Y-%m-%d %H:%M %Z")
        c.drawString(MARGIN, 0.4 * inch, f"Work order #{wo.id} · generated {stamp}")
        c.drawRightString(PAGE_W - MARGIN, 0.4 * inch, f"Page {number} of {total}")
        c.restoreState()

    story: list[Any] = [
        Paragraph(f"Work order #{wo.id}", s.title),
        Paragraph(para_text(wo.summary), s.body),
        Spacer(1, 8),
        _facts(content, s),
        *_completeness(content, history, s, zone),
    ]
    if content.items.questions:
        story += _questions(content, s)
    story += _documents(content, s)
    story += _photos(photos, s, zone)
    if content.items.internal:
        story += _history(history, s, zone)
    doc = SimpleDocTemplate(
        out,
        pagesize=letter,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=0.85 * inch,
        bottomMargin=0.7 * inch,
        title=title,
        author=branding.company_name,
        subject=wo.summary,
        creator="TechLink Dispatch",
    )
    doc.build(story, onFirstPage=header, onLaterPages=header, canvasmaker=_numbered_canvas(footer))
