"""The coordination section of the reports: who posted the same thing together.

The figures come from :func:`narrmon.pipeline.coordination.report_section` under the
report's ``coordination`` key (a report built without it has no such section). The
daily HTML page shows them through ``templates/coordination.html.j2``;
:func:`coordination_story` lays them out for the weekly PDF. Post text and names reach
the PDF only through :func:`reports.weekly_pdf.para_text`.
"""

from __future__ import annotations

from typing import Any

KIND_NAMES = {
    "network": "network",
    "near_duplicate": "near-duplicate",
    "co_forward": "co-forward",
}
PDF_EVIDENCE = 3  # evidence posts under each cluster in the PDF
PDF_ACCOUNTS = 6  # accounts named per cluster in the PDF


def definitions(settings: dict[str, Any]) -> str:
    """One paragraph saying what each kind of cluster means, with the settings used."""
    window = f"{settings['coforward_window_seconds']} s"
    if settings["coforward_window_estimated"]:
        window += " (estimated from the data)"
    return (
        f"Near-duplicate: the same text, script-folded (a Cyrillic copy of a Latin post is "
        f"the same text), estimated Jaccard similarity of its character shingles at least "
        f"{settings['dup_threshold']}, from {settings['min_accounts']} or more accounts within "
        f"{settings['dup_window_hours']} h. Co-forward: accounts forwarding, reposting or "
        f"quoting the same original within {window} of each other, at least "
        f"{settings['min_repetitions']} times. Network: a Louvain community of accounts "
        "linked by both. Views: latest snapshot of each post."
    )


def coordination_story(figures: dict[str, Any], s: dict[str, Any]) -> list[Any]:
    """The weekly PDF's coordination page (nothing when the figures have no section)."""
    section = figures.get("coordination")
    if not section:
        return []
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph

    from reports.style import fmt_int, fmt_time
    from reports.weekly_pdf import CONTENT_W, _table, para_text
    from reports.weekly_text import label_name

    counts = section["counts"]
    story: list[Any] = [
        PageBreak(),
        Paragraph("Coordination", s["h1"]),
        Paragraph(
            para_text(
                f"{counts['network']} network(s), {counts['near_duplicate']} near-duplicate "
                f"cluster(s), {counts['co_forward']} co-forwarded original(s) this week."
            ),
            s["base"],
        ),
        Paragraph(para_text(definitions(section["settings"])), s["note"]),
    ]
    if not section["clusters"]:
        return [*story, Paragraph("No coordinated clusters.", s["base"])]
    rows: list[list[Any]] = [["kind", "accounts", "posts", "first / last (UTC)", "views"]]
    for c in section["clusters"]:
        names = ", ".join(c["accounts"][:PDF_ACCOUNTS])
        if len(c["accounts"]) > PDF_ACCOUNTS:
            names += f" and {len(c['accounts']) - PDF_ACCOUNTS} more"
        evidence = "<br/>".join(
            para_text(f"{e['account']} {fmt_time(e['created_at'])}: {e['excerpt'][:120]}")
            for e in c["evidence"][:PDF_EVIDENCE]
        )
        narratives = ", ".join(f"{label_name(k)} {v}" for k, v in c["narratives"].items())
        rows.append(
            [
                Paragraph(para_text(KIND_NAMES[c["kind"]]), s["cell"]),
                Paragraph(
                    para_text(names)
                    + (f"<br/>{para_text(narratives)}" if narratives else "")
                    + f"<br/>{evidence}",
                    s["cell"],
                ),
                fmt_int(c["posts"]),
                Paragraph(para_text(f"{fmt_time(c['first'])} {fmt_time(c['last'])}"), s["cell"]),
                fmt_int(c["views"]),
            ]
        )
    widths = [22 * mm, CONTENT_W - 22 * mm - 14 * mm - 30 * mm - 20 * mm, 14 * mm, 30 * mm, 20 * mm]
    story.append(_table(rows, widths, text_cols=2))
    shown = len(section["clusters"])
    story.append(
        Paragraph(
            para_text(
                f"{shown} of {section['clusters_total']} clusters shown; every cluster with all "
                "its posts: narrmon coordination --since … --until … --json."
            ),
            s["note"],
        )
    )
    return story
