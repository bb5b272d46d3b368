"""The posts behind a cluster or an edge: who, when, link, excerpt, views, narratives."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from narrmon.store import schema
from narrmon.store.core import LOOKUP_CHUNK
from reports.data import NO_MODEL, account_name, load_accounts, reach_views

Key = tuple[str, str]
EXCERPT_CHARS = 200


def _chunks(keys: Iterable[Key]) -> Iterable[tuple[str, list[str]]]:
    by_platform: dict[str, list[str]] = defaultdict(list)
    for platform, post_id in sorted(set(keys)):
        by_platform[platform].append(post_id)
    for platform, ids in by_platform.items():
        for i in range(0, len(ids), LOOKUP_CHUNK):
            yield platform, ids[i : i + LOOKUP_CHUNK]


def excerpt(text: str | None) -> str:
    """The start of a text, whitespace collapsed, in its original script."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


def load_posts(conn: Connection, keys: Iterable[Key], version: str) -> dict[Key, dict[str, Any]]:
    """Evidence rows by key: account, time, url, excerpt, latest views, labels."""
    p, s, lab = schema.posts, schema.metric_snapshots, schema.post_labels
    out: dict[Key, dict[str, Any]] = {}
    for platform, ids in _chunks(keys):
        q = select(
            p.c.platform, p.c.post_id, p.c.account_id, p.c.created_at, p.c.url, p.c.text
        ).where(p.c.platform == platform, p.c.post_id.in_(ids))
        for r in conn.execute(q).mappings():
            out[(r["platform"], r["post_id"])] = {
                "platform": r["platform"],
                "post_id": r["post_id"],
                "account_id": r["account_id"],
                "created_at": r["created_at"],
                "url": r["url"],
                "excerpt": excerpt(r["text"]),
                "views": None,
                "labels": [],
            }
        q = (
            select(s.c.post_id, s.c.views, s.c.impressions)
            .where(s.c.platform == platform, s.c.post_id.in_(ids))
            .order_by(s.c.captured_at)
        )
        for post_id, views, impressions in conn.execute(q):
            snap = {"views": views, "impressions": impressions}
            out[(platform, post_id)]["views"] = reach_views(platform, snap)
        if version != NO_MODEL:
            q = select(lab.c.post_id, lab.c.label).where(
                lab.c.platform == platform,
                lab.c.post_id.in_(ids),
                lab.c.model_version == version,
            )
            for post_id, label in conn.execute(q):
                out[(platform, post_id)]["labels"].append(label)
    accounts = load_accounts(conn, {(r["platform"], r["account_id"]) for r in out.values()})
    for row in out.values():
        info = accounts.get((row["platform"], row["account_id"]))
        row["account"] = account_name(info, row["platform"], row["account_id"])
        row["labels"].sort()
    return out
