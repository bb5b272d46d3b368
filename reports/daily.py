"""The daily report's figures: one UTC day, per label, against its recent past.

:func:`daily_figures` returns one JSON-ready dict; :mod:`reports.daily_output` writes it
as HTML, CSV and JSON. Label figures come from the rollups (:mod:`reports.rollups`);
top posts, accounts and amplification from the day's posts with their latest snapshot.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, select

from narrmon.config import AlertsConfig
from narrmon.records import LABELS
from narrmon.store import schema
from reports.alerts import find_spikes
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
from reports.rollups import Totals, first_day, growth, label_day_totals

TREND_DAYS = 14
MEAN_DAYS = 7
GROWTH_DAYS = 7  # earlier days whose reach growth is shown
TOP_POSTS = 10
TOP_ACCOUNTS = 10
TOP_EDGES = 20  # amplification edges listed
EXCERPT_CHARS = 280
CHANGE_FIELDS = ("posts", "accounts", "views", "engagement")
_SPACE = re.compile(r"\s+")


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The start of a post's text, whitespace collapsed, in its original script."""
    flat = _SPACE.sub(" ", text or "").strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _pct(change: float, base: float) -> float | None:
    return round(100.0 * change / base, 1) if base else None


def _label_rows(conn: Connection, version: str, day: date) -> list[dict[str, Any]]:
    start = first_day(conn, version) or day
    mean_first = max(day - timedelta(days=MEAN_DAYS), start)
    mean_days = day_range(mean_first, day - timedelta(days=1)) if mean_first < day else []
    totals = label_day_totals(conn, version, day - timedelta(days=MEAN_DAYS), day)
    out = []
    for label in (*LABELS, ALL):
        today = totals.get((day, label), Totals())
        prev = totals.get((day - timedelta(days=1), label), Totals())
        row: dict[str, Any] = {"label": label, **today.as_dict()}
        row["previous_day"] = {f: getattr(prev, f) for f in CHANGE_FIELDS}
        row["change_vs_previous_day"] = {
            f: getattr(today, f) - getattr(prev, f) for f in CHANGE_FIELDS
        }
        row["change_pct_vs_previous_day"] = {
            f: _pct(getattr(today, f) - getattr(prev, f), getattr(prev, f)) for f in CHANGE_FIELDS
        }
        row["mean_7d_days"] = len(mean_days)
        if mean_days:
            means = {
                f: sum(getattr(totals.get((d, label), Totals()), f) for d in mean_days)
                / len(mean_days)
                for f in CHANGE_FIELDS
            }
            row["mean_7d"] = {f: round(v, 2) for f, v in means.items()}
            row["change_vs_7d_mean"] = {
                f: round(getattr(today, f) - means[f], 2) for f in CHANGE_FIELDS
            }
            row["change_pct_vs_7d_mean"] = {
                f: _pct(getattr(today, f) - means[f], means[f]) for f in CHANGE_FIELDS
            }
        else:
            row["mean_7d"] = row["change_vs_7d_mean"] = row["change_pct_vs_7d_mean"] = None
        out.append(row)
    return out


def _trend(conn: Connection, version: str, day: date) -> dict[str, Any]:
    days = day_range(day - timedelta(days=TREND_DAYS - 1), day)
    totals = label_day_totals(conn, version, days[0], day)
    series = {}
    for label in (*LABELS, ALL):
        cells = [totals.get((d, label), Totals()) for d in days]
        series[label] = {
            "posts": [t.posts for t in cells],
            "views": [t.views for t in cells],
            "views_known": [t.views_known for t in cells],
        }
    return {"days": [d.isoformat() for d in days], "series": series}


def _reach_growth(conn: Connection, version: str, day: date) -> list[dict[str, Any]]:
    """How much the views of each earlier day's posts grew up to the end of ``day``."""
    out = []
    for offset in range(GROWTH_DAYS, 0, -1):
        earlier = day - timedelta(days=offset)
        series = {g["as_of"]: g for g in growth(conn, version, earlier).get(ALL, [])}
        at_day = series.get(day.isoformat())
        before = series.get((day - timedelta(days=1)).isoformat())
        first = series.get(earlier.isoformat())
        if at_day is None:
            continue
        out.append(
            {
                "posts_day": earlier.isoformat(),
                "views_end_of_posts_day": first["views"] if first else None,
                "views_end_of_previous_day": before["views"] if before else None,
                "views_end_of_day": at_day["views"],
                "views_known": at_day["views_known"],
                "grew_today": at_day["views"] - before["views"] if before else None,
            }
        )
    return out


def _label_list(row: PostRow) -> list[dict[str, Any]]:
    return [
        {"label": label, "score": round(score, 3)}
        for label, score in sorted(
            row.labels.items(), key=lambda kv: LABELS.index(kv[0]) if kv[0] in LABELS else 99
        )
    ]


def _top_posts(rows: list[PostRow], accounts: dict) -> list[dict[str, Any]]:
    ranked = sorted(
        rows,
        key=lambda r: (
            -(r.views if r.views is not None else -1),
            r.post["created_at"],
            r.post["post_id"],
        ),
    )
    out = []
    for rank, r in enumerate(ranked[:TOP_POSTS], 1):
        p = r.post
        key = (p["platform"], p["account_id"])
        out.append(
            {
                "rank": rank,
                "platform": p["platform"],
                "post_id": p["post_id"],
                "account_id": p["account_id"],
                "account": account_name(accounts.get(key), *key),
                "created_at": p["created_at"].isoformat(),
                "url": p["url"],
                "lang": p["lang"],
                "script": p["script"],
                "excerpt": excerpt(p["text"]),
                "labels": _label_list(r),
                "views": r.views,
                "engagement": r.engagement,
                "snapshot_at": r.snapshot_at.isoformat() if r.snapshot_at else None,
            }
        )
    return out


def _top_accounts(rows: list[PostRow], accounts: dict) -> list[dict[str, Any]]:
    per: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r.post["platform"], r.post["account_id"])
        acc = per.setdefault(
            key,
            {"posts": 0, "views": 0, "views_known": 0, "engagement": 0, "labels": defaultdict(int)},
        )
        acc["posts"] += 1
        if r.views is not None:
            acc["views"] += r.views
            acc["views_known"] += 1
        acc["engagement"] += r.engagement or 0
        for label in r.labels:
            acc["labels"][label] += 1
    ranked = sorted(per.items(), key=lambda kv: (-kv[1]["views"], -kv[1]["posts"], kv[0]))
    out = []
    for (platform, account_id), acc in ranked[:TOP_ACCOUNTS]:
        info = accounts.get((platform, account_id)) or {}
        out.append(
            {
                "platform": platform,
                "account_id": account_id,
                "account": account_name(info, platform, account_id),
                "followers": info.get("followers"),
                "posts": acc["posts"],
                "narrative_posts": {k: acc["labels"][k] for k in LABELS if acc["labels"].get(k)},
                "views": acc["views"],
                "views_known": acc["views_known"],
                "engagement": acc["engagement"],
            }
        )
    return out


def _new_accounts(conn: Connection, version: str, day: date) -> list[dict[str, Any]]:
    """Accounts carrying a narrative on ``day`` that never carried it before."""
    r = schema.rollup_daily
    earlier = r.alias("earlier")
    q = (
        select(r.c.label, r.c.platform, r.c.account_id, r.c.posts, r.c.views, r.c.views_known)
        .where(
            r.c.model_version == version,
            r.c.day == day,
            r.c.label.in_(LABELS),
            ~exists().where(
                and_(
                    earlier.c.model_version == r.c.model_version,
                    earlier.c.label == r.c.label,
                    earlier.c.platform == r.c.platform,
                    earlier.c.account_id == r.c.account_id,
                    earlier.c.day < day,
                )
            ),
        )
        .order_by(r.c.label, r.c.views.desc(), r.c.account_id)
    )
    found = [dict(row) for row in conn.execute(q).mappings()]
    accounts = load_accounts(conn, {(f["platform"], f["account_id"]) for f in found})
    for f in found:
        info = accounts.get((f["platform"], f["account_id"]))
        f["account"] = account_name(info, f["platform"], f["account_id"])
        f["followers"] = (info or {}).get("followers")
    found.sort(key=lambda f: (LABELS.index(f["label"]), -f["views"], f["account_id"]))
    return found


def amplification(conn: Connection, rows: list[PostRow]) -> list[dict[str, Any]]:
    """Who amplified whom: Telegram forwards, X reposts and quotes among ``rows``."""
    edges: dict[tuple, dict[str, Any]] = {}
    originals: dict[tuple[str, str], None] = {}
    for r in rows:
        p = r.post
        for ref in (p.get("reposted_id"), p.get("quoted_id")):
            if ref:
                originals[(p["platform"], ref)] = None
    owner = _post_owners(conn, list(originals))
    for r in rows:
        p = r.post
        sources = []
        if p.get("fwd_account_id") or p.get("fwd_name"):
            sources.append(("forward", p["platform"], p.get("fwd_account_id"), p.get("fwd_name")))
        for kind, ref in (("repost", p.get("reposted_id")), ("quote", p.get("quoted_id"))):
            if ref:
                sources.append((kind, p["platform"], owner.get((p["platform"], ref)), None))
        for kind, platform, src_id, src_name in sources:
            key = (kind, platform, src_id or "", src_name or "", p["account_id"])
            edge = edges.setdefault(key, {"posts": 0, "views": 0, "views_known": 0})
            edge["posts"] += 1
            if r.views is not None:
                edge["views"] += r.views
                edge["views_known"] += 1
    names = load_accounts(
        conn, {(k[1], k[2]) for k in edges if k[2]} | {(k[1], k[4]) for k in edges}
    )
    out = []
    for (kind, platform, src_id, src_name, by), edge in edges.items():
        source = (
            account_name(names.get((platform, src_id)), platform, src_id)
            if src_id and ((platform, src_id) in names or not src_name)
            else (src_name or "unknown source")
        )
        out.append(
            {
                "kind": kind,
                "platform": platform,
                "source_account_id": src_id or None,
                "source": source,
                "by_account_id": by,
                "by": account_name(names.get((platform, by)), platform, by),
                **edge,
            }
        )
    out.sort(key=lambda e: (-e["posts"], -e["views"], e["source"], e["by"]))
    return out


def _post_owners(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    p = schema.posts
    found: dict[tuple[str, str], str] = {}
    by_platform: dict[str, list[str]] = defaultdict(list)
    for platform, post_id in keys:
        by_platform[platform].append(post_id)
    for platform, ids in by_platform.items():
        for i in range(0, len(ids), 500):
            q = select(p.c.post_id, p.c.account_id).where(
                p.c.platform == platform, p.c.post_id.in_(ids[i : i + 500])
            )
            found.update({(platform, pid): acc for pid, acc in conn.execute(q)})
    return found


def _snapshot_window(rows: list[PostRow]) -> dict[str, Any]:
    times = [r.snapshot_at for r in rows if r.snapshot_at is not None]
    return {
        "earliest": min(times).isoformat() if times else None,
        "latest": max(times).isoformat() if times else None,
        "posts_with_snapshot": len(times),
        "posts": len(rows),
    }


def daily_figures(
    conn: Connection, version: str, day: date, alerts: AlertsConfig, now: datetime
) -> dict[str, Any]:
    """Every figure of the daily report for ``day`` (a UTC day), JSON-ready."""
    start = day_start(day)
    end = start + timedelta(days=1)
    rows = load_window(conn, start, end, version)
    accounts = load_accounts(conn, {(r.post["platform"], r.post["account_id"]) for r in rows})
    edges = amplification(conn, rows)
    return {
        "report": "daily",
        "date": day.isoformat(),
        "generated_at": now.isoformat(),
        "model_version": version or None,
        "data_window": {"from": start.isoformat(), "to": end.isoformat(), "timezone": "UTC"},
        "snapshot": _snapshot_window(rows),
        "definitions": DEFINITIONS,
        "labels": _label_rows(conn, version, day),
        "trend": _trend(conn, version, day),
        "reach_growth": _reach_growth(conn, version, day),
        "top_posts": _top_posts(rows, accounts),
        "top_accounts": _top_accounts(rows, accounts),
        "new_accounts": _new_accounts(conn, version, day),
        "amplification": edges[:TOP_EDGES],
        "amplification_edges": len(edges),
        "spikes": [s.as_dict() for s in find_spikes(conn, version, day, alerts)],
        "alerts_rule": {
            "k": alerts.k,
            "min_count": alerts.min_count,
            "window_days": alerts.window_days,
        },
        "gaps": {
            "deferred_sources": deferred_sources(conn, start),
            "missing_message_ids": missing_ids(conn, rows, start),
            "posts_without_views": unknown_views(rows),
        },
    }
