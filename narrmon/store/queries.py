"""Read-only queries over the store used by the CLI and reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

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
    }
