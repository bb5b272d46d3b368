"""Store reads and writes of the classifier: classifications, post labels, annotations.

A model version classifies a post once: ``classifications`` records that it saw the post
(in scope or not, with its scores) and ``post_labels`` holds one row per label it gave.
Rewriting a post for the same version replaces both. A post whose text changes loses
both for every version (a trigger of migration 0004), so the next run labels it again.
Analysts' answers live in ``annotations``, keyed by a hash of the text; the latest
answer for a text wins.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, exists, func, select, tuple_

from narrmon.store import schema
from narrmon.store.core import LOOKUP_CHUNK, Store, dumps, now_utc

DEFAULT_BATCH = 1000


@dataclass
class Classified:
    """What a model said about one post."""

    platform: str
    post_id: str
    in_scope: bool
    lang: str | None
    script: str | None
    scores: dict[str, float] | None = None  # None when out of scope
    labels: dict[str, float] = field(default_factory=dict)  # label -> score
    explanations: dict[str, list] = field(default_factory=dict)  # label -> top n-grams


def _insert(store: Store, table: Any) -> Any:
    if store.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _window(query: Any, since: datetime | None, until: datetime | None) -> Any:
    p = schema.posts
    if since is not None:
        query = query.where(p.c.created_at >= since)
    if until is not None:
        query = query.where(p.c.created_at < until)
    return query


def _seen_by(model_version: str) -> Any:
    p, c = schema.posts, schema.classifications
    return exists().where(
        c.c.platform == p.c.platform,
        c.c.post_id == p.c.post_id,
        c.c.model_version == model_version,
    )


def posts_to_classify(
    store: Store,
    model_version: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    relabel: bool = False,
    batch_size: int = DEFAULT_BATCH,
) -> Iterator[list[tuple[str, str, str, str]]]:
    """Batches of ``(platform, post_id, text, account_id)`` the version has not classified.

    With ``relabel`` every post in the window is returned. Batches follow the key order,
    so writing a batch before asking for the next one is safe.
    """
    p = schema.posts
    last: tuple[str, str] | None = None
    while True:
        columns = (p.c.platform, p.c.post_id, p.c.text, p.c.account_id)
        query = _window(select(*columns), since, until)
        if not relabel:
            query = query.where(~_seen_by(model_version))
        if last is not None:
            query = query.where(tuple_(p.c.platform, p.c.post_id) > tuple_(*last))
        query = query.order_by(p.c.platform, p.c.post_id).limit(batch_size)
        with store.engine.connect() as conn:
            rows = [(plat, pid, text or "", acc) for plat, pid, text, acc in conn.execute(query)]
        if not rows:
            return
        yield rows
        last = rows[-1][:2]


def count_classified(
    store: Store,
    model_version: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Posts in the window the version has already classified."""
    query = _window(select(func.count()).select_from(schema.posts), since, until)
    with store.engine.connect() as conn:
        return int(conn.execute(query.where(_seen_by(model_version))).scalar_one())


def write_classified(
    store: Store, model_version: str, items: Sequence[Classified], *, replace: bool = True
) -> list[Classified]:
    """Store one batch of results in one transaction; return the items really written.

    With ``replace`` a post's earlier result of the version is overwritten; without it a
    post the version has classified meanwhile (another run at the same time) is left as
    it is and not returned. Posts are written in key order and labels as upserts, so two
    runs at once wait for each other instead of deadlocking or colliding on a key.
    """
    if not items:
        return []
    now = now_utc()
    c = schema.classifications
    items = sorted(items, key=lambda it: (it.platform, it.post_id))
    rows = [
        {
            "platform": it.platform,
            "post_id": it.post_id,
            "model_version": model_version,
            "in_scope": it.in_scope,
            "lang": it.lang,
            "script": it.script,
            "scores": dumps(it.scores),
            "classified_at": now,
        }
        for it in items
    ]
    stmt = _insert(store, c)
    if replace:
        stmt = stmt.on_conflict_do_update(
            index_elements=[c.c.platform, c.c.post_id, c.c.model_version],
            set_={k: stmt.excluded[k] for k in ("in_scope", "lang", "script", "scores")}
            | {"classified_at": stmt.excluded["classified_at"]},
        )
    else:
        stmt = stmt.on_conflict_do_nothing(
            index_elements=[c.c.platform, c.c.post_id, c.c.model_version]
        )
    with store.begin() as conn:
        result = conn.execute(stmt.returning(c.c.platform, c.c.post_id), rows)
        keys = {(platform, post_id) for platform, post_id in result}
        written = [it for it in items if (it.platform, it.post_id) in keys]
        # A post classified anew has no labels of this version (migration 0004 deletes a
        # post's labels together with its classifications): only a rewrite prunes.
        _write_labels(store, conn, model_version, written, prune=replace)
    return written


def _write_labels(
    store: Store,
    conn: Connection,
    model_version: str,
    items: Sequence[Classified],
    *,
    prune: bool = True,
) -> None:
    """Upsert the labels of ``items``; with ``prune``, drop those of their posts not given."""
    pl = schema.post_labels
    label_rows = [
        {
            "platform": it.platform,
            "post_id": it.post_id,
            "model_version": model_version,
            "label": label,
            "score": float(score),
            "explanation": dumps(it.explanations.get(label, [])),
        }
        for it in items
        for label, score in sorted(it.labels.items())
    ]
    if label_rows:
        stmt = _insert(store, pl)
        stmt = stmt.on_conflict_do_update(
            index_elements=[pl.c.platform, pl.c.post_id, pl.c.model_version, pl.c.label],
            set_={k: stmt.excluded[k] for k in ("score", "explanation")},
        )
        conn.execute(stmt, label_rows)
    if not prune:
        return
    for start in range(0, len(items), LOOKUP_CHUNK):
        chunk = items[start : start + LOOKUP_CHUNK]
        given = [(it.platform, it.post_id, label) for it in chunk for label in it.labels]
        conn.execute(
            delete(pl).where(
                pl.c.model_version == model_version,
                tuple_(pl.c.platform, pl.c.post_id).in_([(i.platform, i.post_id) for i in chunk]),
                tuple_(pl.c.platform, pl.c.post_id, pl.c.label).not_in(given),
            )
        )


def uncertain_posts(
    store: Store,
    model_version: str,
    thresholds: dict[str, float],
    n: int,
    text_key: Callable[[str], str] = str,
) -> list[dict[str, Any]]:
    """The ``n`` distinct in-scope texts whose scores lie nearest a threshold, nearest first.

    Posts whose texts have the same ``text_key`` (forwards, reposts, copies) are one row:
    the earliest post stands for them, and ``copies`` says how many there are. Each row
    carries the post's url, account handle and creation time.
    """
    p, c, a = schema.posts, schema.classifications, schema.accounts
    query = (
        select(
            p.c.platform,
            p.c.post_id,
            p.c.text,
            c.c.scores,
            p.c.url,
            p.c.created_at,
            p.c.account_id,
            a.c.handle,
        )
        .join(c, (c.c.platform == p.c.platform) & (c.c.post_id == p.c.post_id))
        .outerjoin(a, (a.c.platform == p.c.platform) & (a.c.account_id == p.c.account_id))
        .where(c.c.model_version == model_version, c.c.in_scope.is_(True))
        .order_by(p.c.created_at, p.c.platform, p.c.post_id)
        .execution_options(yield_per=DEFAULT_BATCH)
    )
    by_text: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for platform, post_id, text, raw, url, created_at, account_id, handle in conn.execute(
            query
        ):
            key = text_key(text)
            known = by_text.get(key)
            if known is not None:
                known["copies"] += 1
                continue
            scores = orjson.loads(raw) if raw else {}
            margin = min(
                (abs(scores.get(label, 0.0) - t) for label, t in thresholds.items()), default=1.0
            )
            by_text[key] = {
                "platform": platform,
                "post_id": post_id,
                "text": text,
                "scores": scores,
                "url": url or "",
                "account": handle or account_id,
                "created_at": created_at,
                "copies": 1,
                "labels": [label for label, t in thresholds.items() if scores.get(label, 0) >= t],
                "margin": margin,
            }
    return heapq.nsmallest(
        n, by_text.values(), key=lambda r: (r["margin"], r["platform"], r["post_id"])
    )


def save_annotations(store: Store, items: Iterable[dict[str, Any]], *, source: str) -> int:
    """Upsert analysts' answers (``text_hash``, ``text``, ``labels`` and optional keys)."""
    now = now_utc()
    rows = {}
    for it in items:
        rows[it["text_hash"]] = {
            "text_hash": it["text_hash"],
            "text": it["text"],
            "labels": dumps(list(it["labels"])),
            "platform": it.get("platform"),
            "post_id": it.get("post_id"),
            "source": source,
            "annotated_at": now,
        }
    if not rows:
        return 0
    a = schema.annotations
    stmt = _insert(store, a)
    stmt = stmt.on_conflict_do_update(
        index_elements=[a.c.text_hash],
        set_={k: stmt.excluded[k] for k in ("text", "labels", "platform", "post_id", "source")}
        | {"annotated_at": stmt.excluded["annotated_at"]},
    )
    with store.begin() as conn:
        conn.execute(stmt, list(rows.values()))
    return len(rows)


def load_annotations(store: Store) -> list[dict[str, Any]]:
    """Every analyst answer: ``text_hash``, ``text``, ``labels`` (list), ``annotated_at``."""
    a = schema.annotations
    query = select(a.c.text_hash, a.c.text, a.c.labels, a.c.annotated_at).order_by(
        a.c.annotated_at, a.c.text_hash
    )
    with store.engine.connect() as conn:
        return [
            {"text_hash": h, "text": t, "labels": orjson.loads(ls), "annotated_at": at}
            for h, t, ls, at in conn.execute(query)
        ]
