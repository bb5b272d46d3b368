"""The PostgreSQL write path: a batch is COPYed to a staging table, then upserted at once.

Row by row, every INSERT is a statement: a round trip, and the statement-level rollup
triggers of migration 0003 run once per row. Instead a batch is COPYed into a temporary
table (dropped at commit) and written with one INSERT … SELECT … ON CONFLICT, so the
triggers see the whole batch in one transition table. Values are those the
SQLAlchemy path would bind (aware UTC datetimes, booleans, JSON text).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from narrmon.records import MetricSnapshot, Post
from narrmon.store.rows import driver_cursor, post_row, snapshot_row


def pg_copy_write(
    conn: Connection,
    table: Any,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    keep: frozenset[str] | None,
    values: list[tuple[Any, ...]],
) -> int:
    """Upsert rows of ``values`` (in ``columns`` order) through COPY; rows written."""
    defaults = {
        c.name: c.default.arg
        for c in table.columns
        if c.name not in columns and c.default is not None and c.default.is_scalar
    }
    names = ", ".join((*columns, *defaults))
    if defaults:
        values = [(*row, *defaults.values()) for row in values]
    stage = f"narrmon_stage_{table.name}"
    cursor = driver_cursor(conn)
    cursor.execute(
        f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {names} FROM {table.name} WITH NO DATA"
    )
    with cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
    sql = f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {stage} "
    sql += f"ON CONFLICT ({', '.join(key)}) DO "
    if keep is None:
        sql += "NOTHING"
    else:  # as the SQLAlchemy statement: every column not kept takes the new value
        sql += "UPDATE SET " + ", ".join(
            f"{c.name} = EXCLUDED.{c.name}" for c in table.columns if c.name not in keep
        )
    cursor.execute(sql)
    written = cursor.rowcount
    cursor.execute(f"DROP TABLE {stage}")
    return written


def pg_post_values(post: Post, digest: str) -> tuple[Any, ...]:
    """A post as a COPY row, in :data:`POST_COLUMNS` order (the values of :func:`post_row`)."""
    return tuple(post_row(post, digest).values())


def pg_snapshot_values(s: MetricSnapshot) -> tuple[Any, ...]:
    """A snapshot as a COPY row, in :data:`SNAPSHOT_COLUMNS` order."""
    return tuple(snapshot_row(s).values())
