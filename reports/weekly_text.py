"""The words of the weekly report: names for codes, and the summary written as sentences.

A reader of the PDF never meets an identifier: narratives, platforms, scripts and
languages are named in words (:func:`label_name`, :func:`category_name`), and
:func:`summary_sentences` says what happened in the week (its volume, the narratives
that rose or fell most, and each spike, with the day, the figure against the usual
level and the accounts behind it) rather than repeating the table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from narrmon.records import LABELS
from reports.style import LABEL_NAMES, fmt_int

LABEL_DESCRIPTIONS = {
    "kosovo_precedent": "the claim that Kosovo's secession and its recognition by Western "
    "states are a precedent that justifies Russia's annexation of Crimea and of the "
    "Donetsk, Luhansk, Zaporizhzhia and Kherson regions, or the secession of Republika "
    "Srpska",
    "russia_protector": "Russia as Serbia's brother, protector or only true friend (Slavic "
    "and Orthodox brotherhood, Russia guarding Kosovo in the UN Security Council)",
    "rs_secession": "calls for Republika Srpska's independence, a secession referendum, a "
    "'peaceful dissolution' of Bosnia and Herzegovina or unification with Serbia",
    "anti_west": "posts that delegitimise NATO, the EU or the US (the 1999 bombing "
    "turned against the West today, 'EU blackmail', 'NATO caused the war in Ukraine')",
    "counter_narrative": "posts that expose or rebut the narratives above (the Kosovo case "
    "is not a precedent, referendums under occupation are illegitimate, Russia uses "
    "Serbia for its own ends)",
}
PLATFORM_NAMES = {"telegram": "Telegram", "x": "X"}
SCRIPT_NAMES = {
    "cyrl": "Cyrillic",
    "latn": "Latin",
    "mixed": "both scripts",
    "none": "no letters",
    "unknown": "not detected",
}
LANGUAGE_NAMES = {
    "sr": "Serbian",
    "bs": "Bosnian",
    "hr": "Croatian",
    "cnr": "Montenegrin",
    "bcms": "BCMS, variety not told",
    "ru": "Russian",
    "uk": "Ukrainian",
    "en": "English",
    "de": "German",
    "mk": "Macedonian",
    "sl": "Slovene",
    "bg": "Bulgarian",
    "sq": "Albanian",
    "und": "undetermined",
    "unknown": "not detected",
}
METRIC_WORDS = {"posts": "posts", "views": "views"}
CATEGORIES = {"platform": PLATFORM_NAMES, "script": SCRIPT_NAMES, "language": LANGUAGE_NAMES}
MOVERS = 2  # narratives named as the week's largest rise and fall


def label_name(label: str) -> str:
    """A narrative (or ``_all``) in words: ``Kosovo precedent``, ``All posts``."""
    return LABEL_NAMES.get(label, label.replace("_", " "))


def category_name(split: str, code: str) -> str:
    """A platform, script or language code in words (``sr`` -> ``Serbian``)."""
    return CATEGORIES.get(split, {}).get(code, code)


def long_day(day: str | date) -> str:
    """``Thursday 19 November``."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d.strftime('%A')} {d.day} {d.strftime('%B')}"


def _n(count: int, noun: str) -> str:
    return f"{fmt_int(count)} {noun}{'' if count == 1 else 's'}"


def _change_words(now: int, before: int) -> str:
    if not before:
        return "none the week before" if now else "none this week either"
    diff = now - before
    if diff == 0:
        return f"as many as the week before ({fmt_int(before)})"
    pct = 100.0 * diff / before
    way = "up" if diff > 0 else "down"
    return f"{way} {abs(pct):.0f}% on the week before ({fmt_int(before)})"


def _volume(f: dict[str, Any], total: dict[str, Any]) -> str:
    posts = total["posts"]
    prev = total["previous_week"]["posts"]
    with_narrative = f.get("narrative_posts", 0)
    share = f" ({100.0 * with_narrative / posts:.0f}%)" if posts else ""
    return (
        f"In week {f['week']} narrmon collected {_n(posts, 'post')} from "
        f"{_n(total['accounts'], 'account')}, {_change_words(posts, prev)}; "
        f"{fmt_int(with_narrative)} of them{share} carried at least one tracked narrative."
    )


def _leader(rows: list[dict[str, Any]]) -> str | None:
    ranked = sorted((r for r in rows if r["posts"]), key=lambda r: (-r["posts"], r["label"]))
    if not ranked:
        return "No post carried a tracked narrative."
    top = ranked[0]
    views = f" and {fmt_int(top['views'])} views" if top["views_known"] else ""
    return (
        f"The most frequent narrative was {label_name(top['label'])}: "
        f"{_n(top['posts'], 'post')} from {_n(top['accounts'], 'account')}{views}."
    )


def _pct(r: dict[str, Any]) -> float:
    return r["change"]["posts"] / r["previous_week"]["posts"]


def _movers(rows: list[dict[str, Any]]) -> list[str]:
    moved = [r for r in rows if r["previous_week"]["posts"] and r["change"]["posts"]]
    rises = sorted((r for r in moved if _pct(r) > 0), key=lambda r: (-_pct(r), r["label"]))
    falls = sorted((r for r in moved if _pct(r) < 0), key=lambda r: (_pct(r), r["label"]))
    clauses = []
    for verb, group in (("rose", rises[:MOVERS]), ("fell", falls[:MOVERS])):
        if group:
            parts = [
                f"{label_name(r['label'])} ({fmt_int(r['previous_week']['posts'])} to "
                f"{fmt_int(r['posts'])} posts)"
                for r in group
            ]
            clauses.append(f"{_join(parts)} {verb} the most")
    out = [f"Compared with the week before, {'; '.join(clauses)}."] if clauses else []
    new = [label_name(r["label"]) for r in rows if r["posts"] and not r["previous_week"]["posts"]]
    if new:
        out.append(f"{_join(new)} appeared with no posts the week before.")
    return out


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _figure(value: float, metric: str) -> str:
    """Views as whole numbers, posts to one decimal."""
    return f"{value:,.0f}" if metric == "views" else f"{value:,.1f}"


def spike_sentence(spike: dict[str, Any]) -> str:
    """One spike in words: the day, the narrative, the figure against its usual level."""
    metric = METRIC_WORDS.get(spike["metric"], spike["metric"])
    behind = [p["account"] for p in spike.get("posts", []) if p.get("account")]
    accounts = sorted(set(behind), key=behind.index)
    led = f"; its most viewed posts came from {_join(accounts)}" if accounts else ""
    return (
        f"Spike on {long_day(spike['date'])}: {label_name(spike['label'])} reached "
        f"{fmt_int(spike['value'])} {metric}, against a usual "
        f"{_figure(spike['trailing_mean'], spike['metric'])} a day over the "
        f"{spike['history_days']} days before (alert level "
        f"{_figure(spike['threshold'], spike['metric'])}){led}."
    )


def summary_sentences(f: dict[str, Any]) -> list[str]:
    """The week in a few sentences (see the module docstring); empty for an empty week."""
    rows = {r["label"]: r for r in f["summary"]}
    total = rows.get("_all")
    if not total or not total["posts"]:
        return []
    narratives = [rows[label] for label in LABELS if label in rows]
    out = [_volume(f, total)]
    spikes = f.get("spikes") or []
    out += [spike_sentence(s) for s in spikes]
    if f.get("model_version"):
        if not spikes:
            out.append(
                "No narrative spiked this week: no day's posts or views of a narrative rose "
                "above its usual level by the alert margin."
            )
        leader = _leader(narratives)
        if leader:
            out.append(leader)
        out += _movers(narratives)
    if total["posts"] and total["views_known"] < total["posts"]:
        out.append(
            f"Views are known for {fmt_int(total['views_known'])} of the "
            f"{_n(total['posts'], 'post')}; the others (such as Telegram Desktop exports) are "
            "left out of view totals, not counted as zero."
        )
    return out
