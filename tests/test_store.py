"""The store on both backends: idempotent upserts, snapshots, cursors, quarantine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from narrmon.records import Account, MetricSnapshot, Post, Rejected
from narrmon.store import Store, schema
from narrmon.store.queries import stats

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

T0 = datetime(2026, 11, 10, 8, 30, tzinfo=UTC)


def _post(n: int, text: str = "Косово је Србија", **kw) -> Post:
    return Post("telegram", f"100/{n}", "100", T0 + timedelta(minutes=n), text, source="t", **kw)


def test_reloading_the_same_batch_changes_nothing(store: Store) -> None:
    posts = [_post(i) for i in range(5)]
    snaps = [
        MetricSnapshot("telegram", p.post_id, T0 + timedelta(hours=1), views=10) for p in posts
    ]
    first = store.write_batch(
        accounts=[Account("telegram", "100", "kanal")], posts=posts, snapshots=snaps
    )
    again = store.write_batch(
        accounts=[Account("telegram", "100", "kanal")], posts=posts, snapshots=snaps
    )
    assert (first.imported, first.snapshots) == (5, 5)
    assert (again.imported, again.updated, again.unchanged, again.snapshots) == (0, 0, 5, 0)
    assert stats(store)["posts"] == 5
    assert stats(store)["snapshots"] == 5


def test_changed_post_is_updated_and_newer_snapshot_appended(store: Store) -> None:
    store.write_batch(
        posts=[_post(1)], snapshots=[MetricSnapshot("telegram", "100/1", T0, views=5)]
    )
    counts = store.write_batch(
        posts=[_post(1, "Косово је Србија (измењено)", edited_at=T0 + timedelta(hours=2))],
        snapshots=[MetricSnapshot("telegram", "100/1", T0 + timedelta(days=1), views=50)],
    )
    assert (counts.imported, counts.updated, counts.snapshots) == (0, 1, 1)
    with store.engine.connect() as conn:
        text_, edited = conn.execute(select(schema.posts.c.text, schema.posts.c.edited_at)).one()
        views = (
            conn.execute(
                select(schema.metric_snapshots.c.views).order_by(
                    schema.metric_snapshots.c.captured_at
                )
            )
            .scalars()
            .all()
        )
    assert text_.endswith("(измењено)")
    assert edited == T0 + timedelta(hours=2)
    assert edited.tzinfo is not None
    assert views == [5, 50]


def test_unknown_metrics_stay_null(store: Store) -> None:
    store.write_batch(
        posts=[_post(1)], snapshots=[MetricSnapshot("telegram", "100/1", T0, forwards=3)]
    )
    with store.engine.connect() as conn:
        row = conn.execute(select(schema.metric_snapshots)).one()._mapping
    assert row["forwards"] == 3
    assert row["views"] is None and row["likes"] is None


def test_account_fields_are_never_erased_by_unknowns(store: Store) -> None:
    store.write_batch(accounts=[Account("telegram", "100", "kanal", "Канал", 1200, observed_at=T0)])
    store.write_batch(accounts=[Account("telegram", "100")])
    store.write_batch(
        accounts=[Account("telegram", "100", followers=900, observed_at=T0 - timedelta(days=3))]
    )
    with store.engine.connect() as conn:
        row = conn.execute(select(schema.accounts)).one()._mapping
    assert (row["handle"], row["title"], row["followers"]) == ("kanal", "Канал", 1200)
    assert row["followers_at"] == T0


def test_cursor_commits_with_its_batch(store: Store) -> None:
    store.write_batch(posts=[_post(7)], cursor=("telegram", "channel:100", "7"))
    assert store.get_cursor("telegram", "channel:100")["position"] == "7"
    try:
        with store.begin() as conn:
            store.write_batch(posts=[_post(8)], cursor=("telegram", "channel:100", "8"), conn=conn)
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    assert store.get_cursor("telegram", "channel:100")["position"] == "7"
    assert stats(store)["posts"] == 1


def test_quarantine_keeps_reason_once(store: Store) -> None:
    bad = Rejected("dump.json", "line 3", "invalid JSON: Expecting value", '{"id": \x00')
    assert store.write_batch(rejected=[bad]).quarantined == 1
    store.write_batch(rejected=[bad])
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.quarantine)).all()
    assert len(rows) == 1
    assert rows[0]._mapping["reason"] == "invalid JSON: Expecting value"
    assert "\x00" not in rows[0]._mapping["payload"]


def test_migrate_twice_is_a_no_op(store: Store) -> None:
    head = store.migrate()
    assert store.migrate() == head
    assert head is not None


@pytest.mark.parametrize("table", ["posts", "metric_snapshots"])
def test_sqlite_fast_path_matches_the_migrations_trigger(tmp_path, caplog, table) -> None:
    """The batched rollup path is taken on a fresh store: the trigger text is 0003's own."""
    from narrmon.store import fast_sqlite

    name = fast_sqlite._RECORD_DAYS[table][0]
    store = Store(f"sqlite:///{tmp_path / 'fast.db'}")
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
        ).scalar_one()
    assert stored == fast_sqlite.migration_trigger_sql(name)
    n = fast_sqlite.DEFER_TRIGGER_ROWS + 6
    posts = [_post(i * 1440) for i in range(n)]  # one post a day: n days touched
    snaps = [MetricSnapshot("telegram", p.post_id, T0 + timedelta(days=90), views=1) for p in posts]
    with caplog.at_level("WARNING", logger=fast_sqlite.__name__):
        store.write_batch(posts=posts, snapshots=snaps)
    ours = [r for r in caplog.records if r.name == fast_sqlite.__name__]
    assert not ours  # a changed trigger text would log that the fast path is off
    with store.engine.connect() as conn:
        days = conn.exec_driver_sql("SELECT count(DISTINCT day) FROM rollup_changes").scalar()
        kept = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
        ).scalar_one()
    assert days == n
    assert kept == stored  # recreated after the batch
    store.dispose()


def test_sqlite_changed_trigger_is_logged_and_still_records_days(tmp_path, caplog) -> None:
    from narrmon.store import fast_sqlite

    store = Store(f"sqlite:///{tmp_path / 'changed.db'}")
    with store.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER trg_rollup_posts_insert")
        conn.exec_driver_sql(
            "CREATE TRIGGER trg_rollup_posts_insert AFTER INSERT ON posts FOR EACH ROW BEGIN "
            "INSERT INTO rollup_changes(day) VALUES (date(NEW.created_at));  END"
        )
    fast_sqlite._warned.discard("trg_rollup_posts_insert")
    n = fast_sqlite.DEFER_TRIGGER_ROWS
    with caplog.at_level("WARNING", logger=fast_sqlite.__name__):
        store.write_batch(posts=[_post(i * 1440) for i in range(n)])
    assert "trg_rollup_posts_insert is not the one of migration 0003 (changed)" in caplog.text
    with store.engine.connect() as conn:
        days = conn.exec_driver_sql("SELECT count(DISTINCT day) FROM rollup_changes").scalar()
    assert days == n
    store.dispose()
