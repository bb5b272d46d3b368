"""Read-only queries over the store used by the CLI and reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from narrmon import telegram_ids
from narrmon.store import schema
from narrmon.store.core import Store


def stats(store: Store) -> dict[str, Any]:
    """Counts of what the store holds: posts per platform, source, account and day."""
    p, s, q, a = schema.posts, schema.metric_snapshots, schema.quarantine, schema.accounts
    day = func.substr(func.cast(p.c.created_at, schema.String), 1, 10)
    with store.engine.connect() as conn:
        by_platform = dict(
            conn.execute(select(p.c.platform, func.count()).group_by(p.c.platform)).all()
        )
        by_source = dict(conn.execute(select(p.c.source, func.count()).group_by(p.c.source)).all())
        by_account = [
            {"platform": plat, "account_id": acc, "handle": handle, "posts": n}
            for plat, acc, handle, n in conn.execute(
                select(p.c.platform, p.c.account_id, a.c.handle, func.count())
                .select_from(
                    p.outerjoin(
                        a, (a.c.platform == p.c.platform) & (a.c.account_id == p.c.account_id)
                    )
                )
                .group_by(p.c.platform, p.c.account_id, a.c.handle)
                .order_by(func.count().desc(), p.c.platform, p.c.account_id)
            )
        ]
        by_day = dict(conn.execute(select(day, func.count()).group_by(day).order_by(day)).all())
        snapshots = conn.execute(select(func.count()).select_from(s)).scalar_one()
        quarantined = conn.execute(select(func.count()).select_from(q)).scalar_one()
        q_by_source = dict(
            conn.execute(select(q.c.source, func.count()).group_by(q.c.source)).all()
        )
        accounts = conn.execute(select(func.count()).select_from(a)).scalar_one()
    return {
        "store": store.describe(),
        "posts": sum(by_platform.values()),
        "accounts": accounts,
        "posts_by_platform": by_platform,
        "posts_by_source": by_source,
        "posts_by_account": by_account,
        "posts_by_day": by_day,
        "snapshots": snapshots,
        "quarantined": quarantined,
        "quarantined_by_source": q_by_source,
        "gaps": telegram_gaps(store),
    }


def telegram_gaps(store: Store) -> list[dict[str, Any]]:
    """Per Telegram channel: message ids missing between the first and last collected.

    Message ids grow by one per message in a channel, so an id never collected is a
    message deleted before we saw it or a hole in collection. Album posts cover the ids
    ``first_msg_id`` to ``last_msg_id``. Posts found deleted later are counted apart.
    The rule is :func:`narrmon.telegram_ids.missing_ranges`, as in the reports.
    """
    p, a = schema.posts, schema.accounts
    spans: dict[str, list[tuple[int, int]]] = {}
    deleted: dict[str, int] = {}
    q = select(
        p.c.account_id, p.c.post_id, p.c.first_msg_id, p.c.last_msg_id, p.c.deleted_at
    ).where(p.c.platform == "telegram")
    with store.engine.connect() as conn:
        for account_id, post_id, first, last, gone in conn.execute(q):
            span = telegram_ids.message_span(post_id, first, last)
            if span is None:
                continue
            spans.setdefault(account_id, []).append(span)
            if gone is not None:
                deleted[account_id] = deleted.get(account_id, 0) + 1
        handles = dict(
            conn.execute(
                select(a.c.account_id, a.c.handle).where(
                    a.c.platform == "telegram", a.c.account_id.in_(list(spans) or [""])
                )
            ).all()
        )
    rows = []
    for account_id, ranges in spans.items():
        sizes = [last - first + 1 for first, last in telegram_ids.missing_ranges(ranges)]
        rows.append(
            {
                "account_id": account_id,
                "handle": handles.get(account_id),
                "posts": len(ranges),
                "first_id": min(first for first, _ in ranges),
                "last_id": max(last for _, last in ranges),
                "missing_ids": sum(sizes),
                "holes": len(sizes),
                "largest_hole": max(sizes, default=0),
                "deleted": deleted.get(account_id, 0),
            }
        )
    rows.sort(key=lambda r: (-r["missing_ids"], r["account_id"]))
    return rows


def quarantined(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    """Quarantined records, oldest first: source, file, record (line or id), reason, when."""
    q = schema.quarantine
    query = select(q.c.source, q.c.file, q.c.location, q.c.reason, q.c.created_at).order_by(q.c.id)
    with store.engine.connect() as conn:
        rows = conn.execute(query.limit(limit)).all()
    return [
        {"source": source, "file": file, "record": location, "reason": reason, "at": at}
        for source, file, location, reason, at in rows
    ]
