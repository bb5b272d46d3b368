"""Data gaps a report must name: deferred sources and Telegram message ids never seen.

Telegram message ids grow by one per message in a channel, so within a window an id
between two collected posts that was never stored is a message deleted before it was
read, a service message, or a hole in collection. An album post covers the ids up to
its ``last_msg_id``. The post just before the window counts as the left edge.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from narrmon.store import schema
from reports.data import PostRow, account_name, load_accounts

RANGES_SHOWN = 5  # missing-id ranges listed per channel


def deferred_sources(conn: Connection, at: datetime) -> list[dict[str, Any]]:
    """Sources whose collection is deferred (``deferred_until`` set and not yet past ``at``)."""
    c = schema.cursors
    q = (
        select(c.c.platform, c.c.source_key, c.c.deferred_until, c.c.note, c.c.updated_at)
        .where(c.c.deferred_until.is_not(None), c.c.deferred_until > at)
        .order_by(c.c.platform, c.c.source_key)
    )
    return [
        {
            "platform": platform,
            "source": key,
            "deferred_until": until.isoformat(),
            "note": note or "",
            "updated_at": updated.isoformat() if updated else None,
        }
        for platform, key, until, note, updated in conn.execute(q)
    ]


def _message_span(post: dict[str, Any]) -> tuple[int, int] | None:
    tail = post["post_id"].rpartition("/")[2]
    if not tail.isdigit():
        return None
    first = int(tail)
    return first, max(first, post.get("last_msg_id") or first)


def _previous_span(conn: Connection, account_id: str, before: datetime) -> tuple[int, int] | None:
    p = schema.posts
    row = conn.execute(
        select(p.c.post_id, p.c.last_msg_id)
        .where(p.c.platform == "telegram", p.c.account_id == account_id, p.c.created_at < before)
        .order_by(p.c.created_at.desc())
        .limit(1)
    ).first()
    return _message_span({"post_id": row[0], "last_msg_id": row[1]}) if row else None


def missing_ids(conn: Connection, rows: list[PostRow], start: datetime) -> list[dict[str, Any]]:
    """Per Telegram channel posting in the window: message ids missing between its posts."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        if row.post["platform"] != "telegram":
            continue
        span = _message_span(row.post)
        if span is not None:
            spans[row.post["account_id"]].append(span)
    accounts = load_accounts(conn, {("telegram", a) for a in spans})
    out = []
    for account_id, ranges in spans.items():
        before = _previous_span(conn, account_id, start)
        ranges.sort()
        covered = before[1] if before else ranges[0][0] - 1
        holes: list[tuple[int, int]] = []
        for first, last in ranges:
            if first > covered + 1:
                holes.append((covered + 1, first - 1))
            covered = max(covered, last)
        if not holes:
            continue
        out.append(
            {
                "platform": "telegram",
                "account_id": account_id,
                "account": account_name(
                    accounts.get(("telegram", account_id)), "telegram", account_id
                ),
                "missing_ids": sum(b - a + 1 for a, b in holes),
                "ranges": [f"{a}" if a == b else f"{a}-{b}" for a, b in holes[:RANGES_SHOWN]],
                "more_ranges": max(0, len(holes) - RANGES_SHOWN),
            }
        )
    out.sort(key=lambda r: (-r["missing_ids"], r["account_id"]))
    return out


def unknown_views(rows: list[PostRow]) -> dict[str, int]:
    """Posts per platform whose views are unknown (no snapshot, or one without views)."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.views is None:
            counts[row.post["platform"]] += 1
    return dict(sorted(counts.items()))
