"""Rollups: per UTC day, label, platform and account, the figures reports read.

A run recomputes only the days touched since the last run. Triggers (migration 0003)
append the day of every post, metric snapshot and label written to ``rollup_changes``,
in the writer's transaction; a run reads those rows (its watermark), recomputes each
day from the posts of that day alone, and deletes exactly the rows it read. Its cost
is therefore that of the days touched, whatever the history kept. The first run for a
model version rolls up every day; days another model version's run consumed are marked
``stale`` for this one and redone next time.

Per day the figures are those of :mod:`reports.data` (views and engagement from each
post's latest snapshot, with how many posts knew them). ``rollup_growth`` keeps, for
each day's posts, the same figures as of the end of each later day: how reach grew.
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from narrmon.store import Store, schema
from narrmon.store.core import LOOKUP_CHUNK, now_utc
from narrmon.store.schema import BIGINT_MAX
from reports.data import (
    ALL,
    LEAN_COLUMNS,
    NO_MODEL,
    PostRow,
    as_day,
    day_expr,
    day_start,
    engagement,
    latest_model_version,
    load_accounts,
    load_window,
    reach_views,
)

GROWTH_MAX_DAYS = 60  # growth is kept for this many days after a post's day
INSERT_CHUNK = 2000  # rows per executemany


@dataclass
class RollupResult:
    """What a rollup run did."""

    model_version: str
    days: list[date] = field(default_factory=list)  # days recomputed, oldest first
    posts: int = 0  # posts read
    rows: int = 0  # rollup rows written
    full: bool = False  # every day was rolled up (first run for this model version)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "days_recomputed": len(self.days),
            "days": [d.isoformat() for d in self.days],
            "posts": self.posts,
            "rows": self.rows,
            "full": self.full,
            "seconds": round(self.seconds, 3),
        }


def resolve_model_version(conn: Connection, model_version: str | None) -> str:
    """``model_version`` if given, else the newest in ``classifications``, else ``""``."""
    if model_version is not None:
        return model_version
    return latest_model_version(conn) or NO_MODEL


def run_rollup(
    store: Store, model_version: str | None = None, *, full: bool = False
) -> RollupResult:
    """Bring the rollups of ``model_version`` up to date; recompute only touched days."""
    started = clock.perf_counter()
    with store.begin() as conn:
        version = resolve_model_version(conn, model_version)
        result = RollupResult(version)
        changes = conn.execute(
            select(schema.rollup_changes.c.id, schema.rollup_changes.c.day)
        ).all()
        changed = {as_day(d) for _, d in changes}
        rd = schema.rollup_days
        has_state = conn.execute(
            select(rd.c.day).where(rd.c.model_version == version).limit(1)
        ).first()
        days = set(changed)
        if full or has_state is None:
            result.full = True
            days |= _all_post_days(conn)
        else:
            stale = select(rd.c.day).where(rd.c.model_version == version, rd.c.stale)
            days |= {as_day(d) for (d,) in conn.execute(stale)}
        for day in sorted(days):
            posts, rows = _recompute_day(conn, version, day)
            result.posts += posts
            result.rows += rows
        result.days = sorted(days)
        _mark_stale_elsewhere(conn, version, changed)
        _consume(conn, [i for i, _ in changes])
    result.seconds = clock.perf_counter() - started
    return result


def _consume(conn: Connection, ids: list[int]) -> None:
    """Delete the change rows this run read, and only those.

    SQLite has one writer at a time, so ids grow in commit order and every id up to the
    largest read was read. PostgreSQL may commit a smaller id later: delete by id.
    """
    c = schema.rollup_changes
    if not ids:
        return
    if conn.dialect.name == "sqlite":
        conn.execute(delete(c).where(c.c.id <= max(ids)))
        return
    for i in range(0, len(ids), LOOKUP_CHUNK):
        conn.execute(delete(c).where(c.c.id.in_(ids[i : i + LOOKUP_CHUNK])))


def _all_post_days(conn: Connection) -> set[date]:
    p = schema.posts
    expr = day_expr(conn, p.c.created_at)
    return {as_day(d) for (d,) in conn.execute(select(expr).distinct()) if d is not None}


def _mark_stale_elsewhere(conn: Connection, version: str, days: set[date]) -> None:
    """Days this run consumed are stale for every other model version with rollups."""
    rd = schema.rollup_days
    others = [v for (v,) in conn.execute(select(rd.c.model_version).distinct()) if v != version]
    ordered = sorted(days)
    for other in others:
        for i in range(0, len(ordered), LOOKUP_CHUNK):
            chunk = ordered[i : i + LOOKUP_CHUNK]
            known = {
                as_day(d)
                for (d,) in conn.execute(
                    select(rd.c.day).where(rd.c.model_version == other, rd.c.day.in_(chunk))
                )
            }
            conn.execute(
                update(rd)
                .where(rd.c.model_version == other, rd.c.day.in_(chunk))
                .values(stale=True)
            )
            missing = [
                {
                    "model_version": other,
                    "day": d,
                    "posts": 0,
                    "stale": True,
                    "computed_at": now_utc(),
                }
                for d in chunk
                if d not in known
            ]
            if missing:
                conn.execute(rd.insert(), missing)


def _recompute_day(conn: Connection, version: str, day: date) -> tuple[int, int]:
    """Replace the rollup rows of one day; returns (posts read, rows written)."""
    start = day_start(day)
    rows = load_window(conn, start, start + timedelta(days=1), version, columns=LEAN_COLUMNS)
    followers = load_accounts(conn, {(r.post["platform"], r.post["account_id"]) for r in rows})
    daily = _daily_rows(version, day, rows, followers)
    growth = _growth_rows(version, day, rows)
    for table in (schema.rollup_daily, schema.rollup_growth):
        conn.execute(delete(table).where(table.c.model_version == version, table.c.day == day))
    for table, values in ((schema.rollup_daily, daily), (schema.rollup_growth, growth)):
        for i in range(0, len(values), INSERT_CHUNK):
            conn.execute(table.insert(), values[i : i + INSERT_CHUNK])
    rd = schema.rollup_days
    conn.execute(delete(rd).where(rd.c.model_version == version, rd.c.day == day))
    if rows:
        conn.execute(
            rd.insert().values(
                model_version=version,
                day=day,
                posts=len(rows),
                stale=False,
                computed_at=now_utc(),
            )
        )
    return len(rows), len(daily) + len(growth)


def _zero() -> dict[str, Any]:
    return {
        "posts": 0,
        "views": 0,
        "views_known": 0,
        "engagement": 0,
        "engagement_known": 0,
        "snapshot_at": None,
    }


def _add(acc: dict[str, Any], views: int | None, eng: int | None, at: datetime | None) -> None:
    """Count one post in ``acc``; sums stop at the most a BIGINT column holds."""
    acc["posts"] += 1
    if views is not None:
        acc["views"] = min(acc["views"] + views, BIGINT_MAX)
        acc["views_known"] += 1
    if eng is not None:
        acc["engagement"] = min(acc["engagement"] + eng, BIGINT_MAX)
        acc["engagement_known"] += 1
    if at is not None and (acc["snapshot_at"] is None or at > acc["snapshot_at"]):
        acc["snapshot_at"] = at


def _daily_rows(
    version: str,
    day: date,
    rows: Iterable[PostRow],
    accounts: dict[tuple[str, str], dict[str, Any]],
) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(_zero)
    for row in rows:
        platform, account_id = row.post["platform"], row.post["account_id"]
        views, eng, at = row.views, row.engagement, row.snapshot_at
        for label in (ALL, *row.labels):
            _add(groups[(label, platform, account_id)], views, eng, at)
    out = []
    for (label, platform, account_id), figures in groups.items():
        account = accounts.get((platform, account_id)) or {}
        out.append(
            {
                "model_version": version,
                "day": day,
                "label": label,
                "platform": platform,
                "account_id": account_id,
                "followers": account.get("followers"),
                **figures,
            }
        )
    return out


def _growth_rows(version: str, day: date, rows: list[PostRow]) -> list[dict[str, Any]]:
    """Figures of the day's posts as of the end of each day their snapshots span."""
    captured = [s["captured_at"].date() for r in rows for s in r.snapshots]
    if not captured:
        return []
    last = min(max(captured), day + timedelta(days=GROWTH_MAX_DAYS))
    groups: dict[tuple[str, str, date], dict[str, Any]] = defaultdict(_zero)
    for row in rows:
        platform = row.post["platform"]
        labels = (ALL, *row.labels)
        snaps = row.snapshots
        k = -1
        for offset in range((last - day).days + 1):
            as_of = day + timedelta(days=offset)
            while k + 1 < len(snaps) and snaps[k + 1]["captured_at"].date() <= as_of:
                k += 1
            if k < 0:
                continue
            snap = snaps[k]
            views, eng = reach_views(platform, snap), engagement(platform, snap)
            for label in labels:
                _add(groups[(label, platform, as_of)], views, eng, None)
    return [
        {
            "model_version": version,
            "day": day,
            "label": label,
            "platform": platform,
            "as_of": as_of,
            **{k: v for k, v in figures.items() if k != "snapshot_at"},
        }
        for (label, platform, as_of), figures in groups.items()
    ]


# -- reading -------------------------------------------------------------------------------
# Rows are summed in Python, not with SQL SUM: SQLite's SUM fails past 2^63 and
# PostgreSQL's returns NUMERIC; Python ints are exact whatever the sum.

_SUMMED = ("posts", "views", "views_known", "engagement", "engagement_known")


@dataclass
class Totals:
    """Figures of one label over one day (or several), summed over platforms and accounts."""

    posts: int = 0
    accounts: int = 0
    views: int = 0
    views_known: int = 0
    engagement: int = 0
    engagement_known: int = 0
    potential_reach: int = 0
    followers_known: int = 0  # accounts whose follower count is known
    snapshot_at: datetime | None = None

    def add(self, row: Any) -> None:
        """Add a rollup row's sums (Python ints: no overflow, however many rows)."""
        for name in _SUMMED:
            setattr(self, name, getattr(self, name) + row[name])
        at = row["snapshot_at"]
        if at is not None and (self.snapshot_at is None or at > self.snapshot_at):
            self.snapshot_at = at

    def as_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "accounts": self.accounts,
            "views": self.views,
            "views_known": self.views_known,
            "engagement": self.engagement,
            "engagement_known": self.engagement_known,
            "potential_reach": self.potential_reach,
            "followers_known": self.followers_known,
            "snapshot_at": self.snapshot_at.isoformat() if self.snapshot_at else None,
        }


def label_day_totals(
    conn: Connection, version: str, first: date, last: date
) -> dict[tuple[date, str], Totals]:
    """Per (day, label): totals over ``first..last``; accounts are distinct per day."""
    r = schema.rollup_daily
    q = select(
        r.c.day, r.c.label, *(r.c[k] for k in _SUMMED), r.c.followers, r.c.snapshot_at
    ).where(r.c.model_version == version, r.c.day >= first, r.c.day <= last)
    out: dict[tuple[date, str], Totals] = {}
    for row in conn.execute(q).mappings():
        t = out.setdefault((as_day(row["day"]), row["label"]), Totals())
        t.add(row)
        t.accounts += 1
        if row["followers"] is not None:
            t.potential_reach += row["followers"]
            t.followers_known += 1
    return out


def span_totals(conn: Connection, version: str, first: date, last: date) -> dict[str, Totals]:
    """Per label: totals over ``first..last`` with accounts distinct over the whole span."""
    r = schema.rollup_daily
    q = select(
        r.c.label,
        r.c.platform,
        r.c.account_id,
        *(r.c[k] for k in _SUMMED),
        r.c.followers,
        r.c.snapshot_at,
    ).where(r.c.model_version == version, r.c.day >= first, r.c.day <= last)
    out: dict[str, Totals] = {}
    followers: dict[tuple[str, str, str], int | None] = {}
    for row in conn.execute(q).mappings():
        out.setdefault(row["label"], Totals()).add(row)
        key = (row["label"], row["platform"], row["account_id"])
        known = [f for f in (followers.get(key), row["followers"]) if f is not None]
        followers[key] = max(known) if known else None
    for (label, _, _), count in followers.items():
        t = out[label]
        t.accounts += 1
        if count is not None:
            t.potential_reach += count
            t.followers_known += 1
    return out


def growth(conn: Connection, version: str, day: date) -> dict[str, list[dict[str, Any]]]:
    """Per label: the views of ``day``'s posts as of the end of each later day."""
    g = schema.rollup_growth
    q = (
        select(g.c.label, g.c.as_of, g.c.posts, g.c.views, g.c.views_known, g.c.engagement)
        .where(g.c.model_version == version, g.c.day == day)
        .order_by(g.c.label, g.c.as_of)
    )
    sums: dict[tuple[str, date], dict[str, int]] = {}
    for label, as_of, posts, views, vk, eng in conn.execute(q):
        cell = sums.setdefault(
            (label, as_day(as_of)),
            {"posts_with_snapshot": 0, "views": 0, "views_known": 0, "engagement": 0},
        )
        for name, value in zip(cell, (posts, views, vk, eng), strict=True):
            cell[name] += value
    out: dict[str, list[dict[str, Any]]] = {}
    for (label, as_of), cell in sums.items():
        out.setdefault(label, []).append({"as_of": as_of.isoformat(), **cell})
    return out


def first_day(conn: Connection, version: str) -> date | None:
    """The first day rolled up for ``version``."""
    rd = schema.rollup_days
    value = conn.execute(select(func.min(rd.c.day)).where(rd.c.model_version == version)).scalar()
    return as_day(value) if value is not None else None
