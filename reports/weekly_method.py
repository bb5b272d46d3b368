"""The weekly PDF's last pages: how the report is made, written for its readers.

Sources, the reach measures, the narratives described in words, the classifier's
quality in plain terms (precision, recall and F1 explained, and how much weaker it is
on real text), and the data gaps. No identifier, file name or internal key reaches the
reader.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table

from narrmon.records import LABELS
from reports.pdf_layout import heading as _heading
from reports.pdf_layout import para_text
from reports.pdf_layout import table as _table
from reports.style import LABEL_COLOURS, fmt_int, fmt_time
from reports.weekly_text import LABEL_DESCRIPTIONS, category_name, label_name

SOURCE_NAMES = {
    "telegram-api": "collected live from Telegram",
    "x-api": "collected live from the X API",
    "telegram-export": "Telegram Desktop export",
    "telethon-json": "Telegram messages saved as JSON",
    "x-jsonl": "X API export (JSON Lines)",
    "csv": "CSV file",
}
MEASURE_NAMES = {
    "posts": "Posts",
    "accounts": "Accounts",
    "views": "Views",
    "views_known": "Posts with known views",
    "engagement": "Engagement",
    "engagement_known": "Posts with known engagement",
    "potential_reach": "Potential reach",
    "snapshot_at": "Snapshot time",
}
REAL_TEXT_NOTE = (
    "These figures are measured on hand-written example posts. On real news and social "
    "media text the classifier is weaker: on 228 real snippets it found about seven in ten "
    "of the Kosovo-precedent claims, three in five of the rebuttals and half of the other "
    "pro-Kremlin narratives, and it gave some labels to the wrong posts, so the totals in "
    "this report are near the true ones but individual posts are often misread."
)  # the README's "On real text" figures


def _model_section(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    card = f.get("model")
    if not f["model_version"]:
        return [
            Paragraph("No model has classified these posts yet: no narrative figures.", s["base"])
        ]
    if not card:
        return [
            Paragraph(
                para_text(
                    f"Model version {f['model_version']}; its evaluation figures were not "
                    "found beside it, so none are given here."
                ),
                s["base"],
            )
        ]
    data = card.get("data") or {}
    created = str(card.get("created_at") or "")[:10]
    trained_on = (
        f" on {fmt_int(data['train_posts'])} labelled example posts"
        if "train_posts" in data
        else ""
    )
    out: list[Any] = [
        Paragraph(
            para_text(
                f"Model version {f['model_version']}"
                + (f", trained {created}" if created else "")
                + f"{trained_on}."
            ),
            s["base"],
        )
    ]
    metrics = card.get("metrics") or {}
    held_out = metrics.get("held_out")
    cross = metrics.get("cross_validated")
    if held_out:
        out += [
            Spacer(1, 2 * mm),
            Paragraph(
                para_text(
                    "How well it finds each narrative, measured on "
                    f"{fmt_int(held_out.get('n', 0))} example posts kept apart from training "
                    "(overall F1 "
                    f"{held_out.get('micro_f1', 0):.2f}):"
                ),
                s["base"],
            ),
            _quality_table(held_out),
        ]
    if cross:
        out.append(
            Paragraph(
                para_text(
                    f"In {cross.get('folds', 5)} rounds of training on part of the examples and "
                    "testing on the rest (each round keeping out the posts of different writers), "
                    f"overall F1 was {cross.get('micro_f1', 0):.2f}."
                ),
                s["base"],
            )
        )
    out += [
        Paragraph(
            "Precision: of the posts the model marks with a narrative, the share that carry "
            "it. Recall: of the posts that carry it, the share the model finds. F1 combines "
            "the two (1 is perfect).",
            s["note"],
        ),
        Paragraph(REAL_TEXT_NOTE, s["note"]),
    ]
    return out


def _quality_table(block: dict[str, Any]) -> Table:
    rows = [["narrative", "precision", "recall", "F1", "example posts"]]
    for label, m in block.get("per_label", {}).items():
        rows.append(
            [
                label_name(label),
                *(f"{m.get(k, 0):.2f}" for k in ("precision", "recall", "f1")),
                fmt_int(m.get("support", 0)),
            ]
        )
    return _table(rows, [50 * mm, 25 * mm, 25 * mm, 25 * mm, 30 * mm])


def _gap_lines(f: dict[str, Any]) -> list[str]:
    gaps = f["gaps"]
    return (
        [
            f"Collection of {category_name('platform', g['platform'])} {g['source']} was paused "
            f"until {fmt_time(g['deferred_until'])} ({g['note']}); posts of that time may be "
            "missing."
            for g in gaps["deferred_sources"]
        ]
        + [
            f"{g['account']}: {g['missing_ids']} Telegram message number(s) missing between "
            f"collected posts ({', '.join(g['ranges'])}): deleted posts or a collection gap."
            for g in gaps["missing_message_ids"]
        ]
        + [
            f"Views unknown for {n} {category_name('platform', platform)} post(s) (no metric "
            "reading, such as posts from a Telegram Desktop export); left out of view totals, "
            "not counted as zero."
            for platform, n in gaps["posts_without_views"].items()
        ]
    )


def methodology(f: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    d = f["definitions"]
    sources = [["platform", "how the posts came in", "posts"]] + [
        [
            category_name("platform", x["platform"]),
            SOURCE_NAMES.get(x["source"], x["source"]),
            fmt_int(x["posts"]),
        ]
        for x in f["sources"]
    ]
    story: list[Any] = [
        PageBreak(),
        Paragraph("How this report is made", s["h1"]),
        *_heading("Sources", s),
        Paragraph(
            "Public Telegram channels and X accounts and searches in Serbian, Bosnian, Croatian "
            "and Montenegrin, collected through their APIs or imported from exports.",
            s["base"],
        ),
    ]
    if f["sources"]:
        story += [
            Paragraph("Posts of the week by source:", s["base"]),
            _table(sources, [30 * mm, 70 * mm, 25 * mm], text_cols=2),
        ]
    story += [
        *_heading("Reach, defined honestly", s),
        *[
            Paragraph(f"<b>{para_text(MEASURE_NAMES.get(k, k))}</b>: {para_text(v)}", s["def"])
            for k, v in d.items()
        ],
        Paragraph(
            "Each post's figures are read again while it is young and every reading is kept; "
            "this report uses the newest reading of each post (newest in this report: "
            f"{fmt_time(f['snapshot']['latest'])}). Days are UTC days.",
            s["base"],
        ),
        *_heading("The narratives", s),
        Paragraph(
            "A text classifier marks each post with the narratives it carries, none, one or "
            "several. A post that relays a claim (for instance quoting an official who makes "
            "it) carries it; a post that only reports facts carries none; a post that cites a "
            "claim to rebut it is a counter-narrative. Cyrillic and Latin spellings, with or "
            "without diacritics, get the same narratives. Posts in other languages are counted "
            "but not classified.",
            s["base"],
        ),
        *[
            Paragraph(
                f'<font color="{LABEL_COLOURS[x]}">■</font> <b>{para_text(label_name(x))}</b>: '
                f"{para_text(LABEL_DESCRIPTIONS[x])}.",
                s["def"],
            )
            for x in LABELS
        ],
        *_heading("The classifier and how well it does", s),
        *_model_section(f, s),
        *_heading("Data gaps", s),
        *[Paragraph(para_text(line), s["base"]) for line in _gap_lines(f) or ["None found."]],
    ]
    return story
