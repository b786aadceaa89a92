"""How the close-out report looks: its font (the first TrueType pair found), colours and paragraph styles."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .items import Branding

__all__ = ["ReportStyles", "para_text"]

_FONT_CANDIDATES = [
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),  # wide coverage (Debian's fonts-dejavu-core)
    ("Vera.ttf", "VeraBd.ttf"),  # shipped with ReportLab: Latin-1 and more
]


def _font_dirs() -> list[Path]:
    import reportlab

    dirs = [Path(d) for d in settings.CLOSEOUT_REPORT_FONT_DIRS if d]
    dirs += [Path("/usr/share/fonts/truetype/dejavu"), Path(reportlab.__file__).parent / "fonts"]
    return dirs


@functools.cache
def _fonts() -> tuple[str, str]:
    """Register the report's font (regular, bold): the first TrueType pair found; ReportLab's own otherwise."""
    for regular, bold in _FONT_CANDIDATES:
        for folder in _font_dirs():
            if (folder / regular).is_file() and (folder / bold).is_file():
                pdfmetrics.registerFont(TTFont("Report", str(folder / regular)))
                pdfmetrics.registerFont(TTFont("Report-Bold", str(folder / bold)))
                pdfmetrics.registerFontFamily("Report", normal="Report", bold="Report-Bold")
                return "Report", "Report-Bold"
    return "Helvetica", "Helvetica-Bold"


def _color(value: str, fallback: str) -> colors.Color:
    try:
        return colors.HexColor(value)
    except (ValueError, TypeError):
        return colors.HexColor(fallback)


class ReportStyles:
    """The report's fonts, colours (the link's branding, else the dashboard's) and paragraph styles."""

    def __init__(self, branding: Branding) -> None:
        regular, bold = _fonts()
        self.regular, self.bold = regular, bold
        self.primary = _color(branding.primary_color, "#14233c")
        self.accent = _color(branding.secondary_color, "#1f5fbf")
        self.muted = colors.HexColor("#5c6675")
        self.line = colors.HexColor("#dfe3e8")
        self.body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10, textColor=self.muted)
        self.label = ParagraphStyle("label", parent=self.small, fontName=bold)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=9, leading=11.5)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=bold)
        self.title = ParagraphStyle("title", parent=self.body, fontName=bold, fontSize=17, leading=21)
        self.h2 = ParagraphStyle(
            "h2",
            parent=self.body,
            fontName=bold,
            fontSize=12.5,
            leading=16,
            textColor=self.primary,
            spaceBefore=12,
            spaceAfter=5,
            keepWithNext=1,
        )
        self.caption = ParagraphStyle("caption", parent=self.cell, fontName=bold, fontSize=8.5, leading=10.5)
        self.center = ParagraphStyle("center", parent=self.small, alignment=TA_CENTER)


def para_text(value: Any) -> str:
    """Upstream or staff text as Paragraph markup: escaped, line breaks kept."""
    return escape(str(value or "")).replace("\r\n", "\n").replace("\n", "<br/>")
