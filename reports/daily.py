"""The daily report's figures: one UTC day, per label, against its recent past.

:func:`daily_figures` returns one JSON-ready dict; :mod:`reports.daily_output` writes it
as HTML, CSV and JSON. Label figures come from the rollups (:mod:`reports.rollups`);
top posts, accounts and amplification from the day's posts with their latest snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select

from narrmon.config import AlertsConfig
from narrmon.records import LABELS
from narrmon.store import schema
from reports.alerts import Spike, find_spikes
from reports.amplification import amplification_with_self
from reports.data import (
    ALL,
    DEFINITIONS,
    PostRow,
    account_name,
    as_day,
    day_range,
    day_start,
    load_accounts,
    load_window,
)
from reports.gaps import deferred_sources, missing_ids, unknown_views
from reports.rollups import Totals, growth, label_day_totals
from reports.style import TOP_ACCOUNTS, excerpt

TREND_DAYS = 14
MEAN_DAYS = 7
GROWTH_DAYS = 7  # earlier days whose reach growth is shown
TOP_POSTS = 10
TOP_PER_LABEL = 5  # top posts listed per narrative
TOP_EDGES = 20  # amplification edges listed
CHANGE_FIELDS = ("posts", "accounts", "views", "engagement")


def _pct(change: float, base: float) -> float | None:
    return round(100.0 * change / base, 1) if base else None


def days_with_data(conn: Connection, version: str, first: date, last: date) -> list[date]:
    """Days in ``first..last`` with at least one stored post (rolled up for ``version``).

    A day without any post is a gap in collection, not a day of zeros: the daily
    report compares only against days with data.
    """
    rd = schema.rollup_days
    q = select(rd.c.day).where(
        rd.c.model_version == version, rd.c.posts > 0, rd.c.day >= first, rd.c.day <= last
    )
    return sorted(as_day(d) for (d,) in conn.execute(q))


def _previous_day_with_data(conn: Connection, version: str, day: date) -> date | None:
    rd = schema.rollup_days
    q = select(func.max(rd.c.day)).where(
        rd.c.model_version == version, rd.c.posts > 0, rd.c.day < day
    )
    value = conn.execute(q).scalar()
    return as_day(value) if value is not None else None


def _changes(today: Totals, base: dict[str, float] | None, digits: int | None) -> dict[str, Any]:
    """Change of ``today`` against ``base`` (absolute and %), or Nones without a base."""
    if base is None:
        none = dict.fromkeys(CHANGE_FIELDS)
        return {"abs": none, "pct": dict(none)}
    diff = {f: getattr(today, f) - base[f] for f in CHANGE_FIELDS}
    return {
        "abs": {f: round(v, digits) if digits is not None else v for f, v in diff.items()},
        "pct": {f: _pct(diff[f], base[f]) for f in CHANGE_FIELDS},
    }


def _label_rows(conn: Connection, version: str, day: date) -> list[dict[str, Any]]:
    mean_days = days_with_data(conn, version, day - timedelta(days=MEAN_DAYS), day - timedelta(1))
    prev_day = _previous_day_with_data(conn, version, day)
    first = min([day, *mean_days, *([prev_day] if prev_day else [])])
    totals = label_day_totals(conn, version, first, day)
    out = []
    for label in (*LABELS, ALL):
        today = totals.get((day, label), Totals())
        row: dict[str, Any] = {"label": label, **today.as_dict()}
        row["previous_day_date"] = prev_day.isoformat() if prev_day else None
        prev = None
        if prev_day is not None:
            cell = totals.get((prev_day, label), Totals())
            prev = {f: getattr(cell, f) for f in CHANGE_FIELDS}
        row["previous_day"] = prev
        change = _changes(today, prev, None)
        row["change_vs_previous_day"] = change["abs"] if prev else None
        row["change_pct_vs_previous_day"] = change["pct"] if prev else None
        row["mean_7d_days"] = len(mean_days)
        if mean_days:
            means = {
                f: sum(getattr(totals.get((d, label), Totals()), f) for d in mean_days)
                / len(mean_days)
                for f in CHANGE_FIELDS
            }
            change = _changes(today, means, 2)
            row["mean_7d"] = {f: round(v, 2) for f, v in means.items()}
            row["change_vs_7d_mean"] = change["abs"]
            row["change_pct_vs_7d_mean"] = change["pct"]
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


def _reach_growth(conn: Connection, version: str, day: date) -> dict[str, Any]:
    """How the views of each earlier day's posts grew on ``day``.

    ``growing`` holds the earlier days whose posts gained views on ``day`` (or were first
    read on it); ``quiet`` the days whose posts gained none or whose views are unknown,
    which the page only names, so it shows no rows of zeros.
    """
    growing, quiet = [], []
    for offset in range(GROWTH_DAYS, 0, -1):
        earlier = day - timedelta(days=offset)
        series = {g["as_of"]: g for g in growth(conn, version, earlier).get(ALL, [])}
        at_day = series.get(day.isoformat())
        if at_day is None:
            continue
        before = series.get((day - timedelta(days=1)).isoformat())
        first = series.get(earlier.isoformat())
        grew = at_day["views"] - before["views"] if before else None
        row = {
            "posts_day": earlier.isoformat(),
            "views_end_of_posts_day": first["views"] if first else None,
            "views_end_of_previous_day": before["views"] if before else None,
            "views_end_of_day": at_day["views"],
            "views_known": at_day["views_known"],
            "grew_today": grew,
            "first_read_today": before is None,
        }
        gained = at_day["views"] > 0 if grew is None else grew > 0
        (growing if at_day["views_known"] and gained else quiet).append(row)
    return {"growing": growing, "quiet": quiet}


def _label_list(row: PostRow) -> list[dict[str, Any]]:
    return [
        {"label": label, "score": round(score, 3)}
        for label, score in sorted(
            row.labels.items(), key=lambda kv: LABELS.index(kv[0]) if kv[0] in LABELS else 99
        )
    ]


def _by_views(rows: list[PostRow]) -> list[PostRow]:
    """Most views first; unknown views last; then oldest first."""
    return sorted(
        rows,
        key=lambda r: (
            -(r.views if r.views is not None else -1),
            r.post["created_at"],
            r.post["post_id"],
        ),
    )


def _post_entry(rank: int, r: PostRow, accounts: dict) -> dict[str, Any]:
    p = r.post
    key = (p["platform"], p["account_id"])
    return {
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
        "has_narrative": bool(r.labels),
        "views": r.views,
        "engagement": r.engagement,
        "snapshot_at": r.snapshot_at.isoformat() if r.snapshot_at else None,
    }


def _top_posts(rows: list[PostRow], accounts: dict) -> list[dict[str, Any]]:
    """The day's top posts by views, whatever their labels (``has_narrative`` says)."""
    return [_post_entry(i, r, accounts) for i, r in enumerate(_by_views(rows)[:TOP_POSTS], 1)]


def _top_posts_by_label(rows: list[PostRow], accounts: dict) -> dict[str, list[dict[str, Any]]]:
    """Per narrative, its top posts of the day by views (labels without posts left out)."""
    out = {}
    for label in LABELS:
        mine = _by_views([r for r in rows if label in r.labels])[:TOP_PER_LABEL]
        if mine:
            out[label] = [_post_entry(i, r, accounts) for i, r in enumerate(mine, 1)]
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


def _snapshot_window(rows: list[PostRow]) -> dict[str, Any]:
    times = [r.snapshot_at for r in rows if r.snapshot_at is not None]
    return {
        "earliest": min(times).isoformat() if times else None,
        "latest": max(times).isoformat() if times else None,
        "posts_with_snapshot": len(times),
        "posts": len(rows),
    }


def daily_figures(
    conn: Connection,
    version: str,
    day: date,
    alerts: AlertsConfig,
    now: datetime,
    spikes: list[Spike] | None = None,
) -> dict[str, Any]:
    """Every figure of the daily report for ``day`` (a UTC day), JSON-ready.

    ``spikes``: the day's spikes when the caller has found them already.
    """
    if spikes is None:
        spikes = find_spikes(conn, version, day, alerts)
    start = day_start(day)
    end = start + timedelta(days=1)
    rows = load_window(conn, start, end, version)
    accounts = load_accounts(conn, {(r.post["platform"], r.post["account_id"]) for r in rows})
    edges, own = amplification_with_self(conn, rows)
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
        "top_posts_by_label": _top_posts_by_label(rows, accounts),
        "top_accounts": _top_accounts(rows, accounts),
        "new_accounts": _new_accounts(conn, version, day),
        "amplification": edges[:TOP_EDGES],
        "amplification_edges": len(edges),
        "amplification_self": own,
        "spikes": [s.as_dict() for s in spikes],
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
