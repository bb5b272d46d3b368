"""The PostgreSQL write path: a batch is COPYed to a staging table, then upserted at once.

Row by row, every INSERT is a statement: a round trip, and the statement-level rollup
triggers of migration 0003 run once per row. Instead a batch is COPYed into a temporary
table (dropped at commit) and written with one INSERT … SELECT … ON CONFLICT, so the
triggers see the whole batch in one transition table. Values are those the
SQLAlchemy path would bind (aware UTC datetimes, booleans, JSON text).

Rows are written in key order, so two writers of overlapping batches lock the same rows
in the same order: one waits for the other instead of deadlocking. What was inserted and
what was updated is counted from the statement itself (``xmax = 0`` marks a new row), so
a row another writer stored first is never counted new twice.
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
    *,
    unless_same: str | None = None,
) -> tuple[int, int]:
    """Upsert rows of ``values`` (in ``columns`` order) through COPY; (inserted, updated).

    With ``keep`` None a row already stored is left alone; otherwise every column not in
    ``keep`` takes the new value, except where the stored ``unless_same`` column already
    equals the new one (that row counts as neither inserted nor updated).
    """
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
    conflict = ", ".join(key)
    sql = f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {stage} "
    sql += f"ORDER BY {conflict} ON CONFLICT ({conflict}) DO "
    if keep is None:
        sql += "NOTHING"
    else:  # as the SQLAlchemy statement: every column not kept takes the new value
        sql += "UPDATE SET " + ", ".join(
            f"{c.name} = EXCLUDED.{c.name}" for c in table.columns if c.name not in keep
        )
        if unless_same is not None:
            sql += f" WHERE {table.name}.{unless_same} IS DISTINCT FROM EXCLUDED.{unless_same}"
    cursor.execute(
        f"WITH written AS ({sql} RETURNING xmax = 0 AS inserted) "
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
        "FROM written"
    )
    inserted, updated = cursor.fetchone()
    cursor.execute(f"DROP TABLE {stage}")
    return inserted, updated


def pg_post_values(post: Post, digest: str) -> tuple[Any, ...]:
    """A post as a COPY row, in :data:`POST_COLUMNS` order (the values of :func:`post_row`)."""
    return tuple(post_row(post, digest).values())


def pg_snapshot_values(s: MetricSnapshot) -> tuple[Any, ...]:
    """A snapshot as a COPY row, in :data:`SNAPSHOT_COLUMNS` order."""
    return tuple(snapshot_row(s).values())
