"""Data gaps a report must name: deferred sources and Telegram message ids never seen.

Telegram message ids grow by one per message in a channel, so within a window an id
between two collected posts that was never stored is a message deleted before it was
read, a service message, or a hole in collection. An album post covers the ids
``first_msg_id`` to ``last_msg_id``; the post just before the window counts as the left
edge. The rule is :func:`narrmon.telegram_ids.missing_ranges`, as in ``narrmon stats``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from narrmon import telegram_ids
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


def _span(post: dict[str, Any]) -> telegram_ids.Span | None:
    return telegram_ids.message_span(
        post["post_id"], post.get("first_msg_id"), post.get("last_msg_id")
    )


def _covered_before(conn: Connection, account_id: str, before: datetime) -> int | None:
    """The last message id the channel's post just before ``before`` covers."""
    p = schema.posts
    row = conn.execute(
        select(p.c.post_id, p.c.first_msg_id, p.c.last_msg_id)
        .where(p.c.platform == "telegram", p.c.account_id == account_id, p.c.created_at < before)
        .order_by(p.c.created_at.desc())
        .limit(1)
    ).first()
    span = telegram_ids.message_span(*row) if row else None
    return span[1] if span else None


def missing_ids(conn: Connection, rows: list[PostRow], start: datetime) -> list[dict[str, Any]]:
    """Per Telegram channel posting in the window: message ids missing between its posts."""
    spans: dict[str, list[telegram_ids.Span]] = defaultdict(list)
    for row in rows:
        if row.post["platform"] != "telegram":
            continue
        span = _span(row.post)
        if span is not None:
            spans[row.post["account_id"]].append(span)
    accounts = load_accounts(conn, {("telegram", a) for a in spans})
    out = []
    for account_id, ranges in spans.items():
        holes = telegram_ids.missing_ranges(ranges, _covered_before(conn, account_id, start))
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
