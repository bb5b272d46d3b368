"""The SQLite write path: posts and snapshots straight through the sqlite3 driver.

On SQLite the hot writes (posts, snapshots) go straight to the sqlite3 driver inside
the same SQLAlchemy transaction: SQLAlchemy's per-row bind processing costs more than
the insert itself. Values are converted exactly as the column types would convert
them (UTC datetimes as "YYYY-MM-DD HH:MM:SS.ffffff", booleans as 0/1).
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from narrmon.records import MetricSnapshot, Post
from narrmon.store.rows import driver_cursor, dumps, json_list

log = logging.getLogger(__name__)
_SQLITE_SQL: dict[tuple, tuple[str, tuple[str, ...], dict[str, Any]]] = {}


def upsert_sql(
    table: Any, columns: tuple[str, ...], key: tuple[str, ...], keep: frozenset[str] | None
) -> tuple[str, tuple[Any, ...]]:
    """``INSERT … ON CONFLICT`` for ``columns`` (do nothing when ``keep`` is None).

    Returns the SQL and the values to append for other columns that have a constant
    Python-side default, as SQLAlchemy would fill them in.
    """
    cache_key = (table.name, columns, key, keep)
    if cache_key not in _SQLITE_SQL:
        defaults = {
            c.name: c.default.arg
            for c in table.columns
            if c.name not in columns and c.default is not None and c.default.is_scalar
        }
        names = (*columns, *defaults)
        marks = ", ".join("?" * len(names))
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks}) "
        sql += f"ON CONFLICT ({', '.join(key)}) DO "
        if keep is None:
            sql += "NOTHING"
        else:
            sql += "UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in names if c not in keep)
        _SQLITE_SQL[cache_key] = (sql, tuple(defaults.values()))
    return _SQLITE_SQL[cache_key]


def sqlite_time(value: datetime | None) -> str | None:
    """A datetime as the SQLite column stores it: naive UTC, microseconds always shown."""
    if value is None:
        return None
    moment = value
    if value.tzinfo is not None and value.tzinfo is not UTC and value.utcoffset():
        moment = value.astimezone(UTC)
    return moment.isoformat(" ", "microseconds")[:26]


def _shared_time(value: datetime | None) -> str | None:
    """:func:`sqlite_time` of a time most rows share (a file's collected_at/captured_at)."""
    last = _last_time[0]
    if value is last[0] and value is not None:  # the same object as last time
        return last[1]
    text = sqlite_time(value)
    _last_time[0] = (value, text)  # one assignment: safe between threads
    return text


# The last datetime _shared_time converted, with its text.
_last_time: list[tuple[datetime | None, str | None]] = [(None, None)]


def sqlite_begin_immediate(conn: Connection) -> None:
    """Take SQLite's write lock now, before the transaction reads anything.

    The driver begins a transaction only at the first write, so a batch would read what is
    stored (which posts are known) outside it, and another writer could commit in between.
    ``BEGIN IMMEDIATE`` waits (``busy_timeout``) for other writers instead.
    """
    dbapi = conn.connection.driver_connection
    if not dbapi.in_transaction:
        dbapi.execute("BEGIN IMMEDIATE")


def sqlite_write(
    conn: Connection,
    table: Any,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    keep: frozenset[str] | None,
    values: list[tuple[Any, ...]],
) -> int:
    """Upsert rows of ``values`` (in ``columns`` order) on the raw driver; rows changed."""
    sql, defaults = upsert_sql(table, columns, key, keep)
    if defaults:
        values = [(*row, *defaults) for row in values]
    cursor = driver_cursor(conn)
    with _row_trigger_deferred(cursor, table.name, len(values)):
        cursor.executemany(sql, values)
        written = cursor.rowcount
    return written


# Row triggers of migration 0003 that record the days touched in ``rollup_changes``. A
# per-row trigger costs SQLite a trigger program and a statement journal for every row,
# more than the insert itself; for a batch, the SQLite fast path drops the trigger inside
# its own transaction (no other connection ever sees it missing), writes, records the
# same days with one statement over the rows it inserted (rowid above the mark taken
# before), and recreates the trigger from its stored text before the transaction ends.
# The trigger text is the migration's own (:func:`migration_trigger_sql`); a store whose
# trigger differs is logged once and left to fire row by row (tests/test_store.py fails
# when a fresh store does not get the fast path).
_RECORD_DAYS: dict[str, tuple[str, str]] = {
    "posts": (
        "trg_rollup_posts_insert",
        "INSERT INTO rollup_changes(day) SELECT DISTINCT date(created_at) FROM posts "
        "WHERE rowid > ?",
    ),
    "metric_snapshots": (
        "trg_rollup_snapshots_insert",
        "INSERT INTO rollup_changes(day) SELECT DISTINCT date(p.created_at) "
        "FROM metric_snapshots s JOIN posts p "
        "ON p.platform = s.platform AND p.post_id = s.post_id WHERE s.rowid > ?",
    ),
}
_ROLLUP_MIGRATION = "narrmon.store.migrations.versions.0003_report_rollups"
_warned: set[str] = set()


@functools.cache
def migration_trigger_sql(name: str) -> str:
    """``CREATE TRIGGER`` of a SQLite trigger exactly as migration 0003 creates it."""
    migration = importlib.import_module(_ROLLUP_MIGRATION)
    for trigger, table, event, body in migration.SQLITE_TRIGGERS:
        if trigger == name:
            return migration.sqlite_trigger_sql(trigger, table, event, body)
    raise KeyError(f"migration 0003 has no SQLite trigger {name}")


DEFER_TRIGGER_ROWS = 64  # fewer rows than this: let the row trigger fire


@contextmanager
def _row_trigger_deferred(cursor: Any, table: str, rows: int) -> Iterator[None]:
    """Run the body with ``table``'s rollup row trigger replaced by one set-based insert."""
    spec = _RECORD_DAYS.get(table)
    if spec is None or rows < DEFER_TRIGGER_ROWS:
        yield
        return
    name, record_days = spec
    create_sql = migration_trigger_sql(name)
    found = cursor.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
    ).fetchone()
    if found is None or found[0] != create_sql:
        if name not in _warned:
            _warned.add(name)
            log.warning(
                "SQLite trigger %s is not the one of migration 0003 (%s): rows of %s are "
                "written without the batched rollup fast path",
                name,
                "missing" if found is None else "changed",
                table,
            )
        yield
        return
    if not cursor.connection.in_transaction:  # DDL would otherwise commit on its own
        cursor.execute("BEGIN")
    (mark,) = cursor.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()
    cursor.execute(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        cursor.execute(record_days, (mark,))
        cursor.execute(create_sql)


def sqlite_post_values(post: Post, digest: str) -> tuple[Any, ...]:
    """A post as a row for the SQLite driver, in :data:`POST_COLUMNS` order."""
    raw = post.raw
    if raw is not None and not isinstance(raw, str):
        raw = dumps(raw)
    return (
        post.platform,
        post.post_id,
        post.account_id,
        sqlite_time(post.created_at),
        post.text,
        post.url,
        post.reply_to,
        post.forwarded_from_account,
        post.forwarded_from_post,
        post.forwarded_from_name,
        post.quoted_id,
        post.reposted_id,
        json_list(post.hashtags),
        json_list(post.mentions),
        json_list(post.links),
        1 if post.has_media else 0,
        sqlite_time(post.edited_at),
        post.lang,
        post.script,
        post.source,
        _shared_time(post.collected_at),
        None,
        digest,
        raw,
    )


def sqlite_snapshot_values(s: MetricSnapshot) -> tuple[Any, ...]:
    """A snapshot as a row for the SQLite driver, in :data:`SNAPSHOT_COLUMNS` order."""
    by_emoji = s.reactions_by_emoji
    return (
        s.platform,
        s.post_id,
        _shared_time(s.captured_at),
        s.views,
        s.forwards,
        s.replies,
        s.reactions,
        dumps(dict(by_emoji)) if by_emoji is not None else None,
        s.likes,
        s.reposts,
        s.quotes,
        s.bookmarks,
        s.impressions,
    )
