"""report rollups

Tables reports read instead of rescanning posts (see ``schema.py``, "report rollups"):

- ``rollup_daily``: per model version, UTC day, label, platform and account: posts,
  views and engagement (with how many posts knew them), followers, snapshot time.
- ``rollup_growth``: how the reach of one day's posts grew, as of the end of each day.
- ``rollup_days``: which days are rolled up per model version (``stale`` = redo).
- ``rollup_changes``: days touched since the last rollup, appended by triggers on
  ``posts``, ``metric_snapshots`` and ``post_labels`` in the writer's own transaction,
  so any writer (importers, collectors, the classifier, a bulk load) is seen and a run
  costs only the days touched. SQLite triggers are per row; PostgreSQL's are per
  statement with transition tables (one row per day per statement, no row locks shared
  between concurrent writers).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DAY_PG = "(created_at AT TIME ZONE 'UTC')::date"

# (trigger name, table, event, SQL run per row with NEW/OLD). The SQLite write path
# (narrmon/store/fast_sqlite.py) reads these and sqlite_trigger_sql: keep both names.
SQLITE_TRIGGERS = (
    (
        "trg_rollup_posts_insert",
        "posts",
        "AFTER INSERT",
        "INSERT INTO rollup_changes(day) VALUES (date(NEW.created_at));",
    ),
    (
        "trg_rollup_posts_delete",
        "posts",
        "AFTER DELETE",
        "INSERT INTO rollup_changes(day) VALUES (date(OLD.created_at));",
    ),
    (
        "trg_rollup_posts_update",
        "posts",
        "AFTER UPDATE OF created_at, account_id",
        "INSERT INTO rollup_changes(day) SELECT date(NEW.created_at) "
        "WHERE NEW.created_at IS NOT OLD.created_at OR NEW.account_id IS NOT OLD.account_id; "
        "INSERT INTO rollup_changes(day) SELECT date(OLD.created_at) "
        "WHERE NEW.created_at IS NOT OLD.created_at;",
    ),
    (
        "trg_rollup_snapshots_insert",
        "metric_snapshots",
        "AFTER INSERT",
        "INSERT INTO rollup_changes(day) SELECT date(p.created_at) FROM posts p "
        "WHERE p.platform = NEW.platform AND p.post_id = NEW.post_id;",
    ),
    (
        "trg_rollup_labels_insert",
        "post_labels",
        "AFTER INSERT",
        "INSERT INTO rollup_changes(day) SELECT date(p.created_at) FROM posts p "
        "WHERE p.platform = NEW.platform AND p.post_id = NEW.post_id;",
    ),
    (
        "trg_rollup_labels_delete",
        "post_labels",
        "AFTER DELETE",
        "INSERT INTO rollup_changes(day) SELECT date(p.created_at) FROM posts p "
        "WHERE p.platform = OLD.platform AND p.post_id = OLD.post_id;",
    ),
)

# (function name, body selecting the touched days)
_PG_FUNCTIONS = (
    ("narrmon_rollup_new_posts", f"SELECT DISTINCT {_DAY_PG} FROM new_rows"),
    ("narrmon_rollup_old_posts", f"SELECT DISTINCT {_DAY_PG} FROM old_rows"),
    (
        "narrmon_rollup_moved_posts",
        "SELECT DISTINCT (t.created_at AT TIME ZONE 'UTC')::date FROM ("
        " SELECT n.created_at FROM new_rows n JOIN old_rows o USING (platform, post_id)"
        " WHERE n.created_at IS DISTINCT FROM o.created_at"
        " OR n.account_id IS DISTINCT FROM o.account_id"
        " UNION ALL"
        " SELECT o.created_at FROM new_rows n JOIN old_rows o USING (platform, post_id)"
        " WHERE n.created_at IS DISTINCT FROM o.created_at) t",
    ),
    # One primary-key look-up per distinct post (LIMIT 1 keeps the planner from turning the
    # lateral look-up into a join): a plain join scans all of posts for every statement,
    # since a transition table has no statistics.
    (
        "narrmon_rollup_new_by_post",
        "SELECT DISTINCT (p.created_at AT TIME ZONE 'UTC')::date"
        " FROM (SELECT DISTINCT platform, post_id FROM new_rows) n CROSS JOIN LATERAL"
        " (SELECT created_at FROM posts WHERE platform = n.platform AND post_id = n.post_id"
        " LIMIT 1) p",
    ),
    (
        "narrmon_rollup_old_by_post",
        "SELECT DISTINCT (p.created_at AT TIME ZONE 'UTC')::date"
        " FROM (SELECT DISTINCT platform, post_id FROM old_rows) o CROSS JOIN LATERAL"
        " (SELECT created_at FROM posts WHERE platform = o.platform AND post_id = o.post_id"
        " LIMIT 1) p",
    ),
)

# (trigger name, table, event, transition tables, function)
_PG_TRIGGERS = (
    ("trg_rollup_posts_insert", "posts", "INSERT", "NEW TABLE AS new_rows", "new_posts"),
    ("trg_rollup_posts_delete", "posts", "DELETE", "OLD TABLE AS old_rows", "old_posts"),
    (
        "trg_rollup_posts_update",
        "posts",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "moved_posts",
    ),
    (
        "trg_rollup_snapshots_insert",
        "metric_snapshots",
        "INSERT",
        "NEW TABLE AS new_rows",
        "new_by_post",
    ),
    ("trg_rollup_labels_insert", "post_labels", "INSERT", "NEW TABLE AS new_rows", "new_by_post"),
    ("trg_rollup_labels_delete", "post_labels", "DELETE", "OLD TABLE AS old_rows", "old_by_post"),
)


def _create_tables() -> None:
    op.create_table(
        "rollup_daily",
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("views_known", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.BigInteger(), nullable=False),
        sa.Column("engagement_known", sa.Integer(), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=True),
        sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(
            "model_version",
            "day",
            "label",
            "platform",
            "account_id",
            name=op.f("pk_rollup_daily"),
        ),
    )
    op.create_index(
        "ix_rollup_daily_account",
        "rollup_daily",
        ["model_version", "label", "platform", "account_id", "day"],
    )
    op.create_table(
        "rollup_growth",
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("views_known", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.BigInteger(), nullable=False),
        sa.Column("engagement_known", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "model_version", "day", "label", "platform", "as_of", name=op.f("pk_rollup_growth")
        ),
    )
    op.create_table(
        "rollup_days",
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("model_version", "day", name=op.f("pk_rollup_days")),
    )
    op.create_table(
        "rollup_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_changes")),
    )
    op.create_index("ix_rollup_changes_day", "rollup_changes", ["day"])
    op.create_index("ix_classifications_classified_at", "classifications", ["classified_at"])


def sqlite_trigger_sql(name: str, table: str, event: str, body: str) -> str:
    """The ``CREATE TRIGGER`` statement of one of :data:`SQLITE_TRIGGERS`."""
    return f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW BEGIN {body} END"


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, select in _PG_FUNCTIONS:
            op.execute(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN INSERT INTO rollup_changes(day) {select}; RETURN NULL; END $$"
            )
        for name, table, event, refs, func in _PG_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION narrmon_rollup_{func}()"
            )
        return
    for name, table, event, body in SQLITE_TRIGGERS:
        op.execute(sqlite_trigger_sql(name, table, event, body))


def upgrade() -> None:
    _create_tables()
    _create_triggers()
    # Posts already stored are rolled up on the first run (no rollup_days rows yet).


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    triggers = _PG_TRIGGERS if postgres else SQLITE_TRIGGERS
    for name, table, *_ in triggers:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        for name, _ in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_classifications_classified_at", table_name="classifications")
    op.drop_index("ix_rollup_changes_day", table_name="rollup_changes")
    op.drop_table("rollup_changes")
    op.drop_table("rollup_days")
    op.drop_table("rollup_growth")
    op.drop_index("ix_rollup_daily_account", table_name="rollup_daily")
    op.drop_table("rollup_daily")
