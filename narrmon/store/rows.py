"""Records as table rows: column orders, natural keys, JSON text and the content hash.

Shared by :mod:`narrmon.store.core` and the dialect write paths
(:mod:`narrmon.store.fast_sqlite`, :mod:`narrmon.store.fast_pg`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection

from narrmon.records import MetricSnapshot, Post

POST_KEY = ("platform", "post_id")
POST_KEEP = frozenset({"platform", "post_id", "collected_at", "deleted_at"})
SNAPSHOT_KEY = ("platform", "post_id", "captured_at")


def driver_cursor(conn: Connection) -> Any:
    """A cursor of the DB-API driver under a SQLAlchemy connection (the fast write paths)."""
    return conn.connection.driver_connection.cursor()


POST_COLUMNS = (
    "platform",
    "post_id",
    "account_id",
    "created_at",
    "text",
    "url",
    "reply_to",
    "fwd_account_id",
    "fwd_post_id",
    "fwd_name",
    "quoted_id",
    "reposted_id",
    "hashtags",
    "mentions",
    "links",
    "has_media",
    "edited_at",
    "lang",
    "script",
    "source",
    "collected_at",
    "deleted_at",
    "content_hash",
    "raw",
)
SNAPSHOT_COLUMNS = (
    "platform",
    "post_id",
    "captured_at",
    "views",
    "forwards",
    "replies",
    "reactions",
    "reactions_by_emoji",
    "likes",
    "reposts",
    "quotes",
    "bookmarks",
    "impressions",
)


def dumps(value: Any) -> str | None:
    """Serialise to compact JSON text (None stays None)."""
    if value is None:
        return None
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def content_hash(post: Post) -> str:
    """A hash of what a post says; reloading an identical post is then a no-op."""
    parts = (
        post.account_id,
        post.created_at.isoformat(),
        post.text,
        post.url,
        post.reply_to,
        post.forwarded_from_account,
        post.forwarded_from_post,
        post.forwarded_from_name,
        post.quoted_id,
        post.reposted_id,
        post.hashtags,
        post.mentions,
        post.links,
        post.has_media,
        post.edited_at.isoformat() if post.edited_at else None,
        post.lang,
        post.script,
    )
    return hashlib.blake2b(orjson.dumps(parts), digest_size=16).hexdigest()


def json_list(items: Sequence[str]) -> str:
    return dumps(list(items)) if items else "[]"


def post_row(post: Post, digest: str) -> dict[str, Any]:
    raw = post.raw
    if raw is not None and not isinstance(raw, str):
        raw = dumps(raw)
    return {
        "platform": post.platform,
        "post_id": post.post_id,
        "account_id": post.account_id,
        "created_at": post.created_at,
        "text": post.text,
        "url": post.url,
        "reply_to": post.reply_to,
        "fwd_account_id": post.forwarded_from_account,
        "fwd_post_id": post.forwarded_from_post,
        "fwd_name": post.forwarded_from_name,
        "quoted_id": post.quoted_id,
        "reposted_id": post.reposted_id,
        "hashtags": dumps(list(post.hashtags)),
        "mentions": dumps(list(post.mentions)),
        "links": dumps(list(post.links)),
        "has_media": post.has_media,
        "edited_at": post.edited_at,
        "lang": post.lang,
        "script": post.script,
        "source": post.source,
        "collected_at": post.collected_at,
        "deleted_at": None,
        "content_hash": digest,
        "raw": raw,
    }


def snapshot_row(s: MetricSnapshot) -> dict[str, Any]:
    return {
        "platform": s.platform,
        "post_id": s.post_id,
        "captured_at": s.captured_at,
        "views": s.views,
        "forwards": s.forwards,
        "replies": s.replies,
        "reactions": s.reactions,
        "reactions_by_emoji": dumps(dict(s.reactions_by_emoji))
        if s.reactions_by_emoji is not None
        else None,
        "likes": s.likes,
        "reposts": s.reposts,
        "quotes": s.quotes,
        "bookmarks": s.bookmarks,
        "impressions": s.impressions,
    }
