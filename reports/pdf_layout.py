"""Page layout shared by narrmon's PDFs: fonts, safe paragraph text, styles, tables.

Fonts: reportlab's built-in Helvetica has no Cyrillic and no č ć đ, so the report uses
DejaVu Sans from matplotlib's ``mpl-data/fonts/ttf``. Post text goes through
:func:`para_text`: markup in a post (``<b>``, ``<para>``, ``&``, ``<script>``) is
escaped, so it shows as written and cannot change the layout, and bidi controls are
removed, so a right-to-left override in a name cannot reverse the figures beside it.
Headings keep with what follows them (``keepWithNext``), and :func:`heading` starts a
new page when too little room is left for a section, so no heading ends a page.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import CondPageBreak, Image, Paragraph, Table, TableStyle

from narrmon.safe_text import strip_bidi

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
SECTION_ROOM = 45 * mm  # a section heading starts a new page with less room than this left
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) from matplotlib's data for reportlab."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    import matplotlib
    from reportlab.lib.fonts import addMapping

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    for bold, italic, name in ((0, 0, FONT), (1, 0, FONT_BOLD), (0, 1, FONT), (1, 1, FONT_BOLD)):
        addMapping(FONT, bold, italic, name)


def para_text(text: Any) -> str:
    """Text made safe for Paragraph markup, without bidi controls (reportlab has no bidi
    algorithm to contain them); glyphs DejaVu Sans lacks (emoji) are dropped."""
    clean = strip_bidi(str(text if text is not None else "")).translate(_CONTROL)
    face = pdfmetrics.getFont(FONT).face
    clean = "".join(ch for ch in clean if ord(ch) in face.charToGlyph or ch in "\t\n")
    return escape(clean).replace("\n", "<br/>")


def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base, fontSize=7.5, leading=9),
        "bullet": ParagraphStyle("bullet", parent=base, spaceAfter=3),
        "def": ParagraphStyle("def", parent=base, spaceAfter=2),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=7.5, leading=9.5, textColor=colors.grey
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=15,
            leading=19,
            spaceAfter=6,
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11.5,
            leading=15,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "lead": ParagraphStyle("lead", parent=base, fontSize=10, leading=14, spaceAfter=5),
        "warning": ParagraphStyle(
            "warning",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=16,
            textColor=colors.HexColor("#a93226"),
            spaceAfter=6,
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=26, leading=32, alignment=TA_CENTER
        ),
        "cover": ParagraphStyle("cover", parent=base, fontSize=12, leading=17, alignment=TA_CENTER),
    }


def table(
    data: list[list[Any]], widths: list[float], *, header: bool = True, text_cols: int = 1
) -> Table:
    """A plain table: the first ``text_cols`` columns left-aligned, numbers to the right."""
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ("ALIGN", (text_cols, 0), (-1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style += [
            ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ]
    table.setStyle(TableStyle(style))
    return table


def image(png: bytes, width: float) -> Image:
    """A PNG scaled to ``width``, keeping its proportions."""
    from reportlab.lib.utils import ImageReader

    reader = ImageReader(io.BytesIO(png))
    w, h = reader.getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)


def long_date(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.day} {d.strftime('%B %Y')}"


def heading(text: str, s: dict[str, ParagraphStyle], style: str = "h2") -> list[Any]:
    """A section heading that never sits alone at the foot of a page."""
    return [CondPageBreak(SECTION_ROOM), Paragraph(para_text(text), s[style])]
