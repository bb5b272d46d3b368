"""Reads and writes of ``post_signatures``, the near-duplicate pass's cache.

The pass (:mod:`narrmon.coordination.neardup`) signs posts once: a post needs signing
when it has no row, or when its text changed since (its ``content_hash`` differs).
Every read is bounded by ``created_at``, so a pass costs the window it looks at, never
the whole history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from narrmon.store import schema
from narrmon.store.core import LOOKUP_CHUNK

Key = tuple[str, str]
_SIG_COLUMNS = (
    "platform",
    "post_id",
    "account_id",
    "created_at",
    "content_hash",
    "text_hash",
    "minhash",
    "cluster_id",
    "signed_at",
)


def posts_to_sign(conn: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Posts created in ``[start, end)`` without a signature, or whose text changed since."""
    p, s = schema.posts, schema.post_signatures
    join = p.outerjoin(s, and_(s.c.platform == p.c.platform, s.c.post_id == p.c.post_id))
    q = (
        select(
            p.c.platform, p.c.post_id, p.c.account_id, p.c.created_at, p.c.text, p.c.content_hash
        )
        .select_from(join)
        .where(
            p.c.created_at >= start,
            p.c.created_at < end,
            or_(s.c.post_id.is_(None), s.c.content_hash != p.c.content_hash),
        )
        .order_by(p.c.created_at, p.c.platform, p.c.post_id)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def signatures_in(conn: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Stored signatures of posts created in ``[start, end)`` (short texts included)."""
    s = schema.post_signatures
    q = select(*(s.c[c] for c in _SIG_COLUMNS if c != "signed_at")).where(
        s.c.created_at >= start, s.c.created_at < end
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def write_signatures(
    conn: Connection,
    rows: Sequence[Mapping[str, Any]],
    moved: Mapping[Key, str | None],
    merged: Mapping[str, str],
) -> None:
    """Store new signatures, move known posts to their cluster and fold merged clusters.

    ``rows`` are new or re-signed posts (upserted on the key); ``moved`` gives known posts
    their new cluster id; ``merged`` maps a cluster id that joined another to the id kept,
    so its members outside the pass's window follow.
    """
    s = schema.post_signatures
    if rows:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(s)
        stmt = stmt.on_conflict_do_update(
            index_elements=[s.c.platform, s.c.post_id],
            set_={c: stmt.excluded[c] for c in _SIG_COLUMNS if c not in ("platform", "post_id")},
        )
        ordered = sorted(rows, key=lambda r: (r["platform"], r["post_id"]))
        for i in range(0, len(ordered), LOOKUP_CHUNK * 4):
            conn.execute(stmt, [dict(r) for r in ordered[i : i + LOOKUP_CHUNK * 4]])
    for old, new in sorted(merged.items()):
        conn.execute(update(s).where(s.c.cluster_id == old).values(cluster_id=new))
    if moved:
        stmt = (
            update(s)
            .where(s.c.platform == bindparam("k_platform"), s.c.post_id == bindparam("k_post_id"))
            .values(cluster_id=bindparam("k_cluster"))
        )
        conn.execute(
            stmt,
            [
                {"k_platform": k[0], "k_post_id": k[1], "k_cluster": c}
                for k, c in sorted(moved.items())
            ],
        )


def cluster_sizes(conn: Connection, cluster_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Per cluster id: (posts, distinct accounts) over all its members, whatever their day."""
    s = schema.post_signatures
    ids = sorted(set(cluster_ids))
    out: dict[str, tuple[int, int]] = {}
    account = s.c.platform + ":" + s.c.account_id
    for i in range(0, len(ids), LOOKUP_CHUNK):
        q = (
            select(s.c.cluster_id, func.count(), func.count(func.distinct(account)))
            .where(s.c.cluster_id.in_(ids[i : i + LOOKUP_CHUNK]))
            .group_by(s.c.cluster_id)
        )
        out.update({cid: (n, accounts) for cid, n, accounts in conn.execute(q)})
    return out


def clusters_of(conn: Connection, start: datetime, end: datetime) -> dict[Key, tuple[str, str]]:
    """``(cluster id, account id)`` of every clustered post created in ``[start, end)``."""
    s = schema.post_signatures
    q = select(s.c.platform, s.c.post_id, s.c.cluster_id, s.c.account_id).where(
        s.c.created_at >= start, s.c.created_at < end, s.c.cluster_id.is_not(None)
    )
    return {(p, pid): (cid, acc) for p, pid, cid, acc in conn.execute(q)}
