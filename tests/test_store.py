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
