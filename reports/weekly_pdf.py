"""Laying out the weekly report as a PDF with reportlab platypus.

Fonts: reportlab's built-in Helvetica has no Cyrillic and no č ć đ, so the report uses
DejaVu Sans from matplotlib's ``mpl-data/fonts/ttf``. Post text goes through
:func:`para_text`: markup in a post (``<b>``, ``<para>``, ``&``, ``<script>``) is
escaped, so it shows as written and cannot change the layout, and bidi controls are
removed, so a right-to-left override in a name cannot reverse the figures beside it.
"""

from __future__ import annotations

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
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from narrmon.records import LABELS
from narrmon.safe_text import strip_bidi
from reports import charts
from reports.coordination_section import coordination_story
from reports.daily_output import LABEL_COLOURS, LABEL_NAMES, fmt_change, fmt_int, fmt_time
from reports.data import ALL

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
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


def _styles() -> dict[str, ParagraphStyle]:
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
            "h1", parent=base, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=6
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11.5,
            leading=15,
            spaceBefore=8,
            spaceAfter=4,
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=26, leading=32, alignment=TA_CENTER
        ),
        "cover": ParagraphStyle("cover", parent=base, fontSize=12, leading=17, alignment=TA_CENTER),
    }


def _table(
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


def _image(png: bytes, width: float) -> Image:
    import io

    from reportlab.lib.utils import ImageReader

    reader = ImageReader(io.BytesIO(png))
    w, h = reader.getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)


def _long_date(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.day} {d.strftime('%B %Y')}"


def _cover(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    snap = f["snapshot"]
    lines = [
        f"ISO week {f['week']}: {_long_date(f['period']['from'])} "
        f"to {_long_date(f['period']['to'])}",
        f"Data window: posts created {fmt_time(f['data_window']['from'])} to "
        f"{fmt_time(f['data_window']['to'])}",
        f"Metric snapshots: newest {fmt_time(snap['latest'])}; "
        f"{fmt_int(snap['posts_with_snapshot'])} of {fmt_int(snap['posts'])} posts have one",
        f"Model version: {f['model_version'] or 'none (posts not classified)'}",
        f"Generated {fmt_time(f['generated_at'])}",
    ]
    return [
        Spacer(1, 60 * mm),
        Paragraph("narrmon weekly report", s["title"]),
        Spacer(1, 6 * mm),
        Paragraph(
            "Pro-Kremlin narratives in Serbian- and Bosnian-language social media", s["cover"]
        ),
        Spacer(1, 14 * mm),
        *[Paragraph(para_text(line), s["cover"]) for line in lines],
        PageBreak(),
    ]


def _summary(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    head = ["narrative", "posts", "posts vs last week", "accounts", "views", "views vs last week"]
    head += ["engage- ment", "potential reach"]
    data: list[list[Any]] = [[Paragraph(f"<b>{h}</b>", s["head"]) for h in head]]
    for r in f["summary"]:
        name = Paragraph(
            f'<font color="{LABEL_COLOURS[r["label"]]}">■</font> '
            f"{para_text(LABEL_NAMES[r['label']])}"
            f'<br/><font size="6.5" color="grey">{para_text(r["label"])}</font>',
            s["cell"],
        )
        data.append(
            [
                name,
                fmt_int(r["posts"]),
                fmt_change(r["change"]["posts"], r["change_pct"]["posts"]),
                fmt_int(r["accounts"]),
                _views(r),
                fmt_change(r["change"]["views"], r["change_pct"]["views"]),
                fmt_int(r["engagement"]),
                fmt_int(r["potential_reach"]),
            ]
        )
    widths = [32 * mm, 13 * mm, 24 * mm, 18 * mm, 19 * mm, 30 * mm, 19 * mm, 21 * mm]
    scale = CONTENT_W / sum(widths)
    bullets = []
    for r in f["summary"]:
        if r["label"] == ALL:
            continue
        bullets.append(
            Paragraph(
                f"<b>{para_text(LABEL_NAMES[r['label']])}</b>: {_n(r['posts'], 'post')} "
                f"({fmt_change(r['change']['posts'], r['change_pct']['posts'])} on last week) "
                f"from {_n(r['accounts'], 'account')}; {_views(r)} views "
                f"({fmt_int(r['views_known'])} of {_n(r['posts'], 'post')} with known views).",
                s["bullet"],
            )
        )
    return [
        Paragraph("Executive summary", s["h1"]),
        _table(data, [w * scale for w in widths]),
        Paragraph(
            para_text(
                "Week-over-week change against the previous ISO week. Accounts are distinct over "
                "the week. Views: "
                + f["definitions"]["views"]
                + ". Engagement: "
                + f["definitions"]["engagement"]
                + ". Potential reach: "
                + f["definitions"]["potential_reach"]
                + "."
            ),
            s["note"],
        ),
        Spacer(1, 4 * mm),
        *bullets,
    ]


def _n(count: int, noun: str) -> str:
    return f"{fmt_int(count)} {noun}{'' if count == 1 else 's'}"


def _views(row: dict[str, Any]) -> str:
    """Summed views, or "unknown" when no post of the row knows its views."""
    return "unknown" if row["posts"] and not row["views_known"] else fmt_int(row["views"])


def _charts(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    daily = f["daily"]
    split_counts = {
        title: {k: tuple(v) for k, v in f["splits"][key].items()}
        for title, key in (("Platform", "platform"), ("Script", "script"), ("Language", "language"))
    }
    links = [["link", "posts", "accounts", "views"]] + [
        [
            Paragraph(para_text(x["link"]), s["small"]),
            fmt_int(x["posts"]),
            fmt_int(x["accounts"]),
            fmt_int(x["views"]),
        ]
        for x in f["top_links"]
    ]

    def block(title: str, png: bytes, width: float = CONTENT_W) -> KeepTogether:
        return KeepTogether([Paragraph(title, s["h2"]), _image(png, width)])

    out: list[Any] = [
        PageBreak(),
        block(
            "Daily posts and views per narrative",
            charts.daily_lines(daily["days"], daily["series"]),
        ),
        block("Platform, script and language", charts.splits(split_counts)),
        block("Top channels", charts.top_channels(f["top_channels"])),
        block("Forward network of the week", charts.network(f["network"]), CONTENT_W * 0.85),
        Paragraph(
            "Telegram forwards, X reposts and quotes made during the week, the strongest "
            f"{len(f['network'])} source-amplifier pairs (an account amplifying itself is not "
            "drawn); line width is the number of posts.",
            s["note"],
        ),
    ]
    if f["top_links"]:
        out += [
            Paragraph("Top links shared", s["h2"]),
            _table(links, [CONTENT_W - 54 * mm, 16 * mm, 18 * mm, 20 * mm]),
        ]
    return out


def _posts_table(posts: list[dict[str, Any]], s: dict[str, ParagraphStyle]) -> Any:
    data: list[list[Any]] = [["#", "post", "views", "narratives"]]
    for i, p in enumerate(posts, 1):
        head = (
            f"<b>{para_text(p['account'])}</b> · {para_text(p['platform'])} · "
            f"{fmt_time(p['created_at'])}"
        )
        link = f'<br/><font size="6.5" color="grey">{para_text(p["url"] or p["post_id"])}</font>'
        data.append(
            [
                str(i),
                Paragraph(f"{head}<br/>{para_text(p['excerpt'])}{link}", s["cell"]),
                fmt_int(p["views"]),
                Paragraph(
                    "<br/>".join(para_text(LABEL_NAMES[x]) for x in p["labels"]) or "–", s["small"]
                ),
            ]
        )
    return _table(data, [8 * mm, CONTENT_W - 62 * mm, 20 * mm, 34 * mm], text_cols=2)


def _top_posts(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [
        PageBreak(),
        Paragraph(f"Top {len(f['top_posts'])} posts by views", s["h1"]),
        _posts_table(f["top_posts"], s),
        Paragraph(para_text("Views: " + f["definitions"]["views"] + "."), s["note"]),
        Paragraph("Most viewed posts of each narrative", s["h1"]),
    ]
    for label, posts in f.get("top_posts_by_label", {}).items():
        story.append(Paragraph(f"{para_text(LABEL_NAMES[label])} ({label})", s["h2"]))
        story.append(_posts_table(posts, s) if posts else Paragraph("No posts.", s["note"]))
    return story


def _model_section(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    card = f.get("model")
    if not f["model_version"]:
        return [
            Paragraph("No model has classified these posts yet: no narrative figures.", s["base"])
        ]
    out: list[Any] = [Paragraph(para_text(f"Model version: {f['model_version']}."), s["base"])]
    if not card:
        return out + [
            Paragraph("No model card (models/&lt;version&gt;/model.json) found.", s["note"])
        ]
    scalars = [
        f"{k}: {v}"
        for k, v in card.items()
        if isinstance(v, str | int | float) and len(str(v)) < 80
    ]
    if scalars:
        out.append(Paragraph(para_text("; ".join(scalars[:10])), s["small"]))
    for name, block in _metric_blocks(card):
        rows = [["label", "precision", "recall", "F1", "support"]]
        for label, m in block.get("per_label", {}).items():
            rows.append(
                [
                    label,
                    *(f"{m.get(k, 0):.2f}" for k in ("precision", "recall", "f1")),
                    str(m.get("support", "")),
                ]
            )
        out.append(Spacer(1, 2 * mm))
        out.append(
            Paragraph(
                para_text(
                    f"{name}: micro F1 {block.get('micro_f1', 0):.3f}, "
                    f"macro F1 {block.get('macro_f1', 0):.3f}"
                ),
                s["base"],
            )
        )
        if len(rows) > 1:
            out.append(_table(rows, [50 * mm, 25 * mm, 25 * mm, 25 * mm, 25 * mm]))
    return out


def _metric_blocks(
    card: dict[str, Any], prefix: str = "", depth: int = 0
) -> list[tuple[str, dict]]:
    """Dicts inside a model card that hold evaluation figures (per_label / micro_f1)."""
    found = []
    for key, value in card.items():
        if not isinstance(value, dict):
            continue
        name = f"{prefix}{key}"
        if "per_label" in value or "micro_f1" in value:
            found.append((name, value))
        elif depth < 2:
            found += _metric_blocks(value, f"{name}.", depth + 1)
    return found


def _methodology(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    d = f["definitions"]
    gaps = f["gaps"]
    sources = [["platform", "source", "posts"]] + [
        [x["platform"], x["source"], fmt_int(x["posts"])] for x in f["sources"]
    ]
    gap_lines = (
        [
            f"Deferred: {g['platform']} {g['source']} until "
            f"{fmt_time(g['deferred_until'])} {g['note']}"
            for g in gaps["deferred_sources"]
        ]
        + [
            f"Missing message ids: {g['account']}: {g['missing_ids']} ({', '.join(g['ranges'])})"
            for g in gaps["missing_message_ids"]
        ]
        + [
            f"Views unknown for {n} {platform} post(s) (no snapshot, e.g. Telegram Desktop "
            "exports, or one without views/impressions); not counted as 0"
            for platform, n in gaps["posts_without_views"].items()
        ]
    )
    return [
        PageBreak(),
        Paragraph("Methodology", s["h1"]),
        Paragraph("Sources", s["h2"]),
        Paragraph(
            "Public Telegram channels (telethon, Telegram Desktop exports) and X accounts and "
            "searches (API v2, JSONL/CSV exports). Posts of the week by source:",
            s["base"],
        ),
        _table(sources, [30 * mm, 60 * mm, 25 * mm], text_cols=2),
        Paragraph("Reach, defined honestly", s["h2"]),
        *[Paragraph(f"<b>{para_text(k)}</b>: {para_text(v)}", s["def"]) for k, v in d.items()],
        Paragraph(
            "Each post's metrics are appended as snapshots each time they are read; figures use "
            "the latest snapshot (newest in this report: "
            f"{fmt_time(f['snapshot']['latest'])}). Days are UTC days.",
            s["base"],
        ),
        Paragraph("Narrative labels", s["h2"]),
        Paragraph(
            para_text(
                "A classifier assigns zero or more of five narratives to each post (TAXONOMY.md): "
                + ", ".join(f"{LABEL_NAMES[x]} ({x})" for x in LABELS)
                + ". Scripts (Cyrillic, Latin) and spellings are normalised before classification."
            ),
            s["base"],
        ),
        *_model_section(f, s),
        Paragraph("Data gaps", s["h2"]),
        *[Paragraph(para_text(line), s["base"]) for line in gap_lines or ["None found."]],
    ]


def build_pdf(figures: dict[str, Any], out: Path) -> Path:
    """Write the weekly PDF for ``figures`` (see :func:`reports.weekly.weekly_figures`)."""
    register_fonts()
    s = _styles()
    out.parent.mkdir(parents=True, exist_ok=True)
    title = f"narrmon weekly report {figures['week']}"

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 9 * mm, f"{title} · model {figures['model_version'] or 'none'}")
        canvas.drawRightString(PAGE_W - MARGIN, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author="narrmon",
        subject=f"{figures['period']['from']} to {figures['period']['to']}",
        creator="narrmon",
        invariant=1,
    )
    story = [
        *_cover(figures, s),
        *_summary(figures, s),
        *_charts(figures, s),
        *_top_posts(figures, s),
        *coordination_story(figures, s),
        *_methodology(figures, s),
    ]
    doc.build(story, onFirstPage=lambda c, d: None, onLaterPages=footer)
    return out
