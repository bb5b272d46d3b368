"""Store helpers of live collection: the resolved-account cache, cursors, deletions.

Kept apart from :mod:`narrmon.store.core`: these are the few extra reads and writes the
Telegram and X collectors need. Functions that take a ``conn`` run inside the caller's
transaction, so they commit together with the posts and the cursor of a page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, func, select, update

from narrmon import telegram_ids
from narrmon.store import schema
from narrmon.store.core import LOOKUP_CHUNK, Store, now_utc


@dataclass(frozen=True)
class CachedAccount:
    """What the store remembers of a resolved account."""

    platform: str
    account_id: str
    handle: str | None
    access_hash: int | None
    followers: int | None
    followers_at: datetime | None
    kind: str | None


def find_account(store: Store, platform: str, ref: str) -> CachedAccount | None:
    """The stored account whose id or handle (any case, without ``@``) is ``ref``."""
    a = schema.accounts
    ref = ref.lstrip("@")
    cols = (a.c.account_id, a.c.handle, a.c.access_hash, a.c.followers, a.c.followers_at)
    with store.engine.connect() as conn:
        row = conn.execute(
            select(*cols, a.c.kind).where(a.c.platform == platform, a.c.account_id == ref)
        ).first()
        if row is None:
            row = conn.execute(
                select(*cols, a.c.kind)
                .where(a.c.platform == platform, func.lower(a.c.handle) == ref.lower())
                .order_by(a.c.updated_at.desc())
            ).first()
    if row is None:
        return None
    return CachedAccount(platform, *row)


def cache_access_hash(conn: Connection, platform: str, account_id: str, access_hash: int) -> None:
    """Remember a Telegram channel's access hash, so it is never resolved again."""
    a = schema.accounts
    conn.execute(
        update(a)
        .where(a.c.platform == platform, a.c.account_id == account_id)
        .values(access_hash=access_hash)
    )


def set_album_spans(conn: Connection, platform: str, spans: Mapping[str, tuple[int, int]]) -> None:
    """Record the message ids each album post covers (``post_id -> (first, last)``)."""
    if not spans:
        return
    p = schema.posts
    for post_id, (first_id, last_id) in spans.items():
        conn.execute(
            update(p)
            .where(p.c.platform == platform, p.c.post_id == post_id)
            .values(first_msg_id=first_id, last_msg_id=last_id)
        )


def cursor(store: Store, platform: str, key: str) -> dict[str, Any] | None:
    """The cursor row of a source (``resume`` decoded), or None."""
    row = store.get_cursor(platform, key)
    if row is not None and row.get("resume"):
        row["resume"] = orjson.loads(row["resume"])
    return row


def set_resume(conn: Connection, platform: str, key: str, resume: Mapping[str, Any] | None) -> None:
    """Save (or clear, with None) the state of an unfinished walk; the cursor row exists."""
    c = schema.cursors
    value = orjson.dumps(dict(resume)).decode() if resume is not None else None
    conn.execute(
        update(c).where(c.c.platform == platform, c.c.source_key == key).values(resume=value)
    )


def defer(store: Store, platform: str, key: str, until: datetime | None, note: str) -> None:
    """Mark a source deferred until ``until``, keeping its position and resume state."""
    row = store.get_cursor(platform, key)
    position = row["position"] if row else None
    with store.begin() as conn:
        store.set_cursor(conn, platform, key, position, deferred_until=until, note=note)


def posts_to_refresh(
    store: Store, platform: str, since: datetime
) -> dict[str, list[tuple[str, int | None, int | None]]]:
    """``(post_id, first_msg_id, last_msg_id)`` of posts not known deleted, created since
    ``since``.

    Grouped per account, oldest first.
    """
    p = schema.posts
    found: dict[str, list[tuple[str, int | None, int | None]]] = {}
    q = (
        select(p.c.account_id, p.c.post_id, p.c.first_msg_id, p.c.last_msg_id)
        .where(p.c.platform == platform, p.c.created_at >= since, p.c.deleted_at.is_(None))
        .order_by(p.c.account_id, p.c.created_at, p.c.post_id)
    )
    with store.engine.connect() as conn:
        for account_id, post_id, first, last in conn.execute(q):
            found.setdefault(account_id, []).append((post_id, first, last))
    return found


def mark_deleted(
    conn: Connection, platform: str, post_ids: Iterable[str], at: datetime | None = None
) -> int:
    """Set ``deleted_at`` of posts found missing; a time already set is kept. Returns rows."""
    p = schema.posts
    ids = list(dict.fromkeys(post_ids))
    marked = 0
    for start in range(0, len(ids), LOOKUP_CHUNK):
        result = conn.execute(
            update(p)
            .where(
                p.c.platform == platform,
                p.c.post_id.in_(ids[start : start + LOOKUP_CHUNK]),
                p.c.deleted_at.is_(None),
            )
            .values(deleted_at=at or now_utc())
        )
        marked += result.rowcount or 0
    return marked


def last_stored_message_id(store: Store, channel_id: str) -> int | None:
    """The highest Telegram message id stored for a channel (album spans included)."""
    p = schema.posts
    best: int | None = None
    q = select(p.c.post_id, p.c.last_msg_id).where(
        p.c.platform == "telegram", p.c.account_id == channel_id
    )
    with store.engine.connect() as conn:
        for post_id, last in conn.execute(q):
            span = telegram_ids.message_span(post_id, None, last)
            if span is not None:
                best = span[1] if best is None else max(best, span[1])
    return best
