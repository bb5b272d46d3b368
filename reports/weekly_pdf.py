"""Laying out the weekly report as a PDF with reportlab platypus.

Written for a reader who is not a programmer: narratives, platforms, scripts and
languages are named in words (:mod:`reports.weekly_text`), the summary says what
happened (spikes first), headings never end a page (``keepWithNext`` and a conditional
page break before each section), and a week with no posts gets one page that says so
instead of empty charts and tables.

Fonts, safe text and table styles are in :mod:`reports.pdf_layout`; the methodology
pages in :mod:`reports.weekly_method`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from reports import charts
from reports.coordination_section import coordination_story
from reports.pdf_layout import (
    CONTENT_W,
    FONT,
    MARGIN,
    PAGE_W,
    para_text,
    register_fonts,
)
from reports.pdf_layout import heading as _heading
from reports.pdf_layout import image as _image
from reports.pdf_layout import long_date as _long_date
from reports.pdf_layout import styles as _styles
from reports.pdf_layout import table as _table
from reports.style import LABEL_COLOURS, fmt_change, fmt_int, fmt_time
from reports.weekly_method import methodology
from reports.weekly_text import category_name, label_name, summary_sentences

__all__ = ["build_pdf", "para_text", "register_fonts"]


def _cover(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    snap = f["snapshot"]
    lines = [
        f"ISO week {f['week']}: {_long_date(f['period']['from'])} "
        f"to {_long_date(f['period']['to'])}",
        f"Data window: posts created {fmt_time(f['data_window']['from'])} to "
        f"{fmt_time(f['data_window']['to'])}",
        f"Metric snapshots: newest {fmt_time(snap['latest'])}; "
        f"{fmt_int(snap['posts_with_snapshot'])} of {fmt_int(snap['posts'])} posts have one"
        if snap["latest"]
        else "Metric snapshots: none",
        f"Model version: {f['model_version'] or 'none (posts not classified)'}",
        f"Generated {fmt_time(f['generated_at'])}",
    ]
    story = [
        Spacer(1, 60 * mm),
        Paragraph("narrmon weekly report", s["title"]),
        Spacer(1, 6 * mm),
        Paragraph(
            "Pro-Kremlin narratives in Serbian- and Bosnian-language social media", s["cover"]
        ),
        Spacer(1, 14 * mm),
        *[Paragraph(para_text(line), s["cover"]) for line in lines],
    ]
    if not f["snapshot"]["posts"]:
        story += [Spacer(1, 10 * mm), Paragraph("No posts in this week: no data.", s["warning"])]
    return [*story, PageBreak()]


def _no_data(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    """The one page an empty week gets instead of the summary, charts and top posts."""
    span = f.get("store_span") or {}
    held = (
        f"The store holds posts created from {fmt_time(span['from'])} to "
        f"{fmt_time(span['to'])}; choose a week in that span."
        if span.get("from")
        else "The store holds no posts at all yet: import or collect some first."
    )
    return [
        Paragraph("No data for this week", s["h1"]),
        Paragraph(
            para_text(
                f"No post in the store was created in ISO week {f['week']} "
                f"({_long_date(f['period']['from'])} to {_long_date(f['period']['to'])}, UTC), "
                "so this report has no figures, charts or posts to show. Either collection did "
                "not run for these days, or the sources posted nothing."
            ),
            s["warning"],
        ),
        Paragraph(para_text(held), s["lead"]),
    ]


def _summary(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    head = ["narrative", "posts", "posts vs last week", "accounts", "views", "views vs last week"]
    head += ["engage- ment", "potential reach"]
    data: list[list[Any]] = [[Paragraph(f"<b>{h}</b>", s["head"]) for h in head]]
    for r in f["summary"]:
        name = Paragraph(
            f'<font color="{LABEL_COLOURS[r["label"]]}">■</font> '
            f"{para_text(label_name(r['label']))}",
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
    widths = [36 * mm, 13 * mm, 24 * mm, 18 * mm, 19 * mm, 30 * mm, 19 * mm, 21 * mm]
    scale = CONTENT_W / sum(widths)
    return [
        Paragraph("The week in brief", s["h1"]),
        *[Paragraph(para_text(line), s["lead"]) for line in summary_sentences(f)],
        *_heading("Narratives this week and last", s),
        _table(data, [w * scale for w in widths]),
        Paragraph(
            para_text(
                "Change against the previous ISO week. A post can carry several narratives or "
                "none. Accounts are distinct over the week. Views: "
                + f["definitions"]["views"]
                + ". Engagement: "
                + f["definitions"]["engagement"]
                + ". Potential reach: "
                + f["definitions"]["potential_reach"]
                + "."
            ),
            s["note"],
        ),
    ]


def _views(row: dict[str, Any]) -> str:
    """Summed views, or "unknown" when no post of the row knows its views."""
    return "unknown" if row["posts"] and not row["views_known"] else fmt_int(row["views"])


def _charts(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    daily = f["daily"]
    split_counts = {
        title: {category_name(key, k): tuple(v) for k, v in f["splits"][key].items()}
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
        Paragraph(
            "Language and script as collected, else as the classifier detected them.", s["note"]
        ),
        block("Top channels", charts.top_channels(f["top_channels"])),
        block("Forward network of the week", charts.network(f["network"]), CONTENT_W * 0.85),
        Paragraph(
            "Telegram forwards, X reposts and quotes made during the week, the strongest "
            f"{len(f['network'])} pairs of a source and another account amplifying it (an "
            "account amplifying itself is left out); line width is the number of posts.",
            s["note"],
        ),
    ]
    out += _heading("Top links shared", s)
    if f["top_links"]:
        out += [
            _table(links, [CONTENT_W - 54 * mm, 16 * mm, 18 * mm, 20 * mm]),
            Paragraph(
                "Links in one form (https, no www, no tracking parameters). A channel's links to "
                "itself (its own channel, profile or posts, and the footer under most of its "
                "posts) and the links of the posts reposted or quoted are left out.",
                s["note"],
            ),
        ]
    else:
        out.append(Paragraph("No links to other sites or channels this week.", s["note"]))
    return out


def _posts_table(posts: list[dict[str, Any]], s: dict[str, ParagraphStyle]) -> Any:
    data: list[list[Any]] = [["#", "post", "views", "narratives"]]
    for i, p in enumerate(posts, 1):
        head = (
            f"<b>{para_text(p['account'])}</b> · "
            f"{para_text(category_name('platform', p['platform']))} · "
            f"{fmt_time(p['created_at'])}"
        )
        link = f'<br/><font size="6.5" color="grey">{para_text(p["url"] or p["post_id"])}</font>'
        narratives = "<br/>".join(para_text(label_name(x)) for x in p["labels"])
        data.append(
            [
                str(i),
                Paragraph(f"{head}<br/>{para_text(p['excerpt'])}{link}", s["cell"]),
                fmt_int(p["views"]),
                Paragraph(
                    narratives or '<font color="grey">no tracked narrative</font>', s["small"]
                ),
            ]
        )
    return _table(data, [8 * mm, CONTENT_W - 62 * mm, 20 * mm, 34 * mm], text_cols=2)


def _top_posts(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [PageBreak(), Paragraph("Most viewed posts of each narrative", s["h1"])]
    for label, posts in f.get("top_posts_by_label", {}).items():
        story += _heading(label_name(label), s)
        story.append(_posts_table(posts, s) if posts else Paragraph("No posts.", s["note"]))
    overall = f["top_posts"]
    unlabelled = sum(1 for p in overall if not p["labels"])
    story += [
        *_heading(f"The {len(overall)} most viewed posts overall", s, "h1"),
        Paragraph(
            para_text(
                "Whatever their narrative: "
                f"{unlabelled} of these {len(overall)} carry no tracked narrative (marked so) "
                "and are here for their reach alone. Views: " + f["definitions"]["views"] + "."
            ),
            s["note"],
        ),
        _posts_table(overall, s),
    ]
    return story


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
    story = [*_cover(figures, s)]
    if figures["snapshot"]["posts"]:
        story += [
            *_summary(figures, s),
            *_charts(figures, s),
            *_top_posts(figures, s),
            *coordination_story(figures, s),
        ]
    else:
        story += _no_data(figures, s)
    story += methodology(figures, s)
    doc.build(story, onFirstPage=lambda c, d: None, onLaterPages=footer)
    return out
