"""The weekly report's figures for one ISO week (Monday to Sunday, UTC).

:func:`weekly_figures` returns a JSON-ready dict; :mod:`reports.weekly_pdf` lays it out
as a PDF. Narrative totals come from the rollups, like the daily report's; the rest
from the week's posts with their latest snapshots. The language of a post is the one
it was collected with, else the one the classifier detected. Shared links are counted
in one normalised form (:func:`reports.links.normalise_link`), without the links an
account makes to itself (its own channel, profile or posts, the footer it puts under
its posts) and without the link of the post a repost or quote is of.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from classifiers import registry
from narrmon.config import AlertsConfig
from narrmon.errors import InputError
from narrmon.records import LABELS
from narrmon.store import schema
from reports.alerts import find_spikes
from reports.amplification import amplification
from reports.data import (
    ALL,
    DEFINITIONS,
    PostRow,
    account_name,
    day_range,
    day_start,
    load_accounts,
    load_window,
)
from reports.gaps import deferred_sources, missing_ids, unknown_views
from reports.links import own_links, shared_links
from reports.rollups import Totals, label_day_totals, span_totals
from reports.style import TOP_ACCOUNTS, excerpt

TOP_POSTS = 10  # most viewed posts overall (any narrative or none)
TOP_PER_LABEL = 5  # most viewed posts shown for each narrative
TOP_LINKS = 8
NETWORK_EDGES = 24
CHANGE_FIELDS = ("posts", "accounts", "views", "engagement", "potential_reach")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(text: str) -> tuple[date, date]:
    """``2026-W47`` -> (Monday, Sunday) of that ISO week."""
    found = _WEEK.match(text.strip())
    if not found:
        raise InputError(f"not an ISO week: {text!r} (use YYYY-Www, e.g. 2026-W47)")
    try:
        monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError as exc:
        raise InputError(f"not an ISO week: {text!r} ({exc})") from None
    return monday, monday + timedelta(days=6)


def iso_week(day: date) -> str:
    """The ISO week of ``day`` as ``YYYY-Www``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _summary(conn: Connection, version: str, monday: date, sunday: date) -> list[dict[str, Any]]:
    now = span_totals(conn, version, monday, sunday)
    before = span_totals(conn, version, monday - timedelta(days=7), monday - timedelta(days=1))
    out = []
    for label in (*LABELS, ALL):
        cur, prev = now.get(label, Totals()), before.get(label, Totals())
        row: dict[str, Any] = {"label": label, **cur.as_dict()}
        row["previous_week"] = {f: getattr(prev, f) for f in CHANGE_FIELDS}
        row["change"] = {f: getattr(cur, f) - getattr(prev, f) for f in CHANGE_FIELDS}
        row["change_pct"] = {
            f: round(100.0 * (getattr(cur, f) - getattr(prev, f)) / getattr(prev, f), 1)
            if getattr(prev, f)
            else None
            for f in CHANGE_FIELDS
        }
        out.append(row)
    return out


def _daily(conn: Connection, version: str, monday: date, sunday: date) -> dict[str, Any]:
    days = day_range(monday, sunday)
    totals = label_day_totals(conn, version, monday, sunday)
    series = {
        label: {
            "posts": [totals.get((d, label), Totals()).posts for d in days],
            "views": [totals.get((d, label), Totals()).views for d in days],
        }
        for label in (*LABELS, ALL)
    }
    return {"days": [d.isoformat() for d in days], "series": series}


def _top_channels(rows: list[PostRow], accounts: dict) -> list[dict[str, Any]]:
    per: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r.post["platform"], r.post["account_id"])
        acc = per.setdefault(key, {"posts": 0, "narrative": 0, "views": 0, "labels": Counter()})
        acc["posts"] += 1
        acc["views"] += r.views or 0
        if r.labels:
            acc["narrative"] += 1
        acc["labels"].update(label for label in r.labels if label in LABELS)
    ranked = sorted(per.items(), key=lambda kv: (-kv[1]["narrative"], -kv[1]["views"], kv[0]))
    return [
        {
            "platform": key[0],
            "account_id": key[1],
            "account": account_name(accounts.get(key), *key),
            "followers": (accounts.get(key) or {}).get("followers"),
            "posts": acc["posts"],
            "narrative_posts_total": acc["narrative"],
            "narrative_posts": {
                label: acc["labels"][label] for label in LABELS if acc["labels"][label]
            },
            "views": acc["views"],
        }
        for key, acc in ranked[:TOP_ACCOUNTS]
        if acc["narrative"] or acc["views"]
    ]


def _detected(conn: Connection, version: str, rows: list[PostRow]) -> dict[tuple, tuple]:
    """``(platform, post_id) -> (lang, script)`` as the classifier detected them."""
    if not version or not rows:
        return {}
    c = schema.classifications
    wanted: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        wanted[r.post["platform"]].append(r.post["post_id"])
    found = {}
    for platform, ids in wanted.items():
        for i in range(0, len(ids), 500):
            q = (
                c.select()
                .with_only_columns(c.c.post_id, c.c.lang, c.c.script)
                .where(
                    c.c.platform == platform,
                    c.c.model_version == version,
                    c.c.post_id.in_(ids[i : i + 500]),
                )
            )
            found.update({(platform, pid): (lang, sc) for pid, lang, sc in conn.execute(q)})
    return found


def _splits(rows: list[PostRow], detected: dict[tuple, tuple]) -> dict[str, dict[str, list[int]]]:
    """All posts and narrative posts per platform, script and language.

    Script and language: as collected, else as the classifier detected them, else
    ``unknown`` (posts not classified yet).
    """
    out: dict[str, dict[str, list[int]]] = {"platform": {}, "script": {}, "language": {}}
    for r in rows:
        lang, script = detected.get(r.key, (None, None))
        for split, value in (
            ("platform", r.post["platform"]),
            ("script", r.post["script"] or script or "unknown"),
            ("language", r.post["lang"] or lang or "unknown"),
        ):
            cell = out[split].setdefault(value, [0, 0])
            cell[0] += 1
            cell[1] += 1 if r.labels else 0
    return {k: dict(sorted(v.items(), key=lambda kv: -kv[1][0])) for k, v in out.items()}


def _top_links(rows: list[PostRow], accounts: dict) -> list[dict[str, Any]]:
    per: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"posts": 0, "accounts": set(), "views": 0}
    )
    links_of = {r.key: orjson.loads(r.post["links"]) if r.post["links"] else [] for r in rows}
    own = own_links(rows, links_of, accounts)
    for r in rows:
        for link in shared_links(r.post, links_of[r.key], own):
            cell = per[link]
            cell["posts"] += 1
            cell["accounts"].add((r.post["platform"], r.post["account_id"]))
            cell["views"] += r.views or 0
    ranked = sorted(per.items(), key=lambda kv: (-kv[1]["posts"], -kv[1]["views"], kv[0]))
    return [
        {"link": link, "posts": c["posts"], "accounts": len(c["accounts"]), "views": c["views"]}
        for link, c in ranked[:TOP_LINKS]
    ]


def _ranked(rows: list[PostRow]) -> list[PostRow]:
    """Posts by views, most first (unknown views last), ties by post id."""
    return sorted(
        rows, key=lambda r: (-(r.views if r.views is not None else -1), r.post["post_id"])
    )


def _post_entry(r: PostRow, accounts: dict) -> dict[str, Any]:
    key = (r.post["platform"], r.post["account_id"])
    return {
        "platform": key[0],
        "post_id": r.post["post_id"],
        "account": account_name(accounts.get(key), *key),
        "created_at": r.post["created_at"].isoformat(),
        "url": r.post["url"],
        "views": r.views,
        "engagement": r.engagement,
        "labels": [label for label in LABELS if label in r.labels],
        "excerpt": excerpt(r.post["text"], 400),
    }


def _top_posts(rows: list[PostRow], accounts: dict) -> list[dict[str, Any]]:
    return [_post_entry(r, accounts) for r in _ranked(rows)[:TOP_POSTS]]


def _top_posts_by_label(rows: list[PostRow], accounts: dict) -> dict[str, list[dict[str, Any]]]:
    """For each narrative, its most viewed posts of the week."""
    ranked = _ranked(rows)
    return {
        label: [_post_entry(r, accounts) for r in ranked if label in r.labels][:TOP_PER_LABEL]
        for label in LABELS
    }


def _spikes(
    conn: Connection, version: str, monday: date, sunday: date, cfg: AlertsConfig
) -> list[dict[str, Any]]:
    """The narrative spikes of each day of the week (see :mod:`reports.alerts`)."""
    if not version:
        return []
    out = []
    for day in day_range(monday, sunday):
        for spike in find_spikes(conn, version, day, cfg):
            data = spike.as_dict()
            data["posts"] = data["posts"][:2]
            out.append(data)
    return out


def _store_span(conn: Connection) -> dict[str, str | None]:
    """When the store's first and last posts were created (for an empty week's page)."""
    p = schema.posts
    first, last = conn.execute(select(func.min(p.c.created_at), func.max(p.c.created_at))).one()
    return {
        "from": _iso(first),
        "to": _iso(last),
    }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def weekly_figures(
    conn: Connection,
    version: str,
    week: str,
    now: datetime,
    models_dir: str | Path,
    *,
    alerts: AlertsConfig | None = None,
) -> dict[str, Any]:
    """Every figure of the weekly report for ISO ``week``, JSON-ready.

    ``alerts``: the spike thresholds (the configuration's ``alerts``; default settings).
    """
    monday, sunday = parse_week(week)
    start, end = day_start(monday), day_start(sunday) + timedelta(days=1)
    rows = load_window(conn, start, end, version)
    accounts = load_accounts(conn, {(r.post["platform"], r.post["account_id"]) for r in rows})
    snaps = [r.snapshot_at for r in rows if r.snapshot_at is not None]
    edges = [
        e
        for e in amplification(conn, rows)
        if not e.get("source_account_id") or e["source_account_id"] != e["by_account_id"]
    ]
    sources = Counter((r.post["platform"], r.post["source"]) for r in rows)
    return {
        "report": "weekly",
        "week": week,
        "period": {"from": monday.isoformat(), "to": sunday.isoformat()},
        "data_window": {"from": start.isoformat(), "to": end.isoformat(), "timezone": "UTC"},
        "snapshot": {
            "earliest": min(snaps).isoformat() if snaps else None,
            "latest": max(snaps).isoformat() if snaps else None,
            "posts_with_snapshot": len(snaps),
            "posts": len(rows),
        },
        "generated_at": now.isoformat(),
        "model_version": version or None,
        "model": registry.read_meta(models_dir, version),
        "definitions": DEFINITIONS,
        "posts": len(rows),
        "store_span": _store_span(conn) if not rows else None,
        "narrative_posts": sum(1 for r in rows if r.labels),
        "summary": _summary(conn, version, monday, sunday),
        "spikes": _spikes(conn, version, monday, sunday, alerts or AlertsConfig()),
        "daily": _daily(conn, version, monday, sunday),
        "top_channels": _top_channels(rows, accounts),
        "splits": _splits(rows, _detected(conn, version, rows)),
        "network": edges[:NETWORK_EDGES],
        "top_links": _top_links(rows, accounts),
        "top_posts": _top_posts(rows, accounts),
        "top_posts_by_label": _top_posts_by_label(rows, accounts),
        "sources": [
            {"platform": p, "source": s, "posts": n} for (p, s), n in sorted(sources.items())
        ],
        "gaps": {
            "deferred_sources": deferred_sources(conn, start),
            "missing_message_ids": missing_ids(conn, rows, start),
            "posts_without_views": unknown_views(rows),
        },
    }
