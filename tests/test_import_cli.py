"""``narrmon import`` end to end: exit codes, output lines, interrupted imports, real data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from narrmon.pipeline import import_paths
from narrmon.store import Store, schema
from tests.test_import_telethon import DUMP_NAME, dumps, message, telethon_objects, write_jsonl

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

REPO = Path(__file__).resolve().parent.parent
REALDATA = REPO.parent / "shared" / "realdata"


def narrmon(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI as a user would, with a wide terminal so lines are not wrapped."""
    code = "import sys; from narrmon.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        cwd=REPO,
    )


def test_import_prints_counts_and_exits_zero(tmp_path: Path) -> None:
    dump = write_jsonl(tmp_path / DUMP_NAME, telethon_objects())
    db = f"sqlite:///{tmp_path / 'n.db'}"
    first = narrmon("import", "telethon-json", str(dump), "--db", db)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "telethon-json: 1 file(s): 4 imported, 0 updated, 0 unchanged, 3 skipped, 0 quarantined; "
        "3 metric snapshots, 1 accounts",
        "  skipped 2: album part (the album is one post)",
        "  skipped 1: service message (not a post)",
    ]
    again = narrmon("import", "telethon-json", str(dump), "--db", db)
    assert again.stdout.splitlines()[0] == (
        "telethon-json: 1 file(s): 0 imported, 0 updated, 4 unchanged, 3 skipped, 0 quarantined; "
        "0 metric snapshots, 1 accounts"
    )


def test_exit_code_is_one_only_when_nothing_could_be_read(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'n.db'}"
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(dumps(message(1, "добро")) + "\n{broken\n", encoding="utf-8")
    result = narrmon("import", "telethon-json", str(mixed), "--db", db)
    assert result.returncode == 0
    assert f"  quarantined: {mixed}: line 2: invalid JSON at column 2:" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('[{"_": "Message", "id"', encoding="utf-8")
    result = narrmon("import", "telethon-json", str(broken), "--db", db)
    assert result.returncode == 1
    assert "1 quarantined" in result.stdout
    stats = narrmon("stats", "--db", db)
    assert "2 quarantined (list them: narrmon quarantine)" in stats.stdout


def test_unknown_kind_and_missing_file(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'n.db'}"
    assert narrmon("import", "facebook", "x.json", "--db", db).returncode == 2
    missing = narrmon("import", "csv", str(tmp_path / "nope.csv"), "--db", db)
    assert missing.returncode == 2
    assert f"error: no such file: {tmp_path / 'nope.csv'}" in missing.stderr


# -- interrupted imports ---------------------------------------------------------------


def _snapshot_of(store: Store) -> dict[str, list]:
    """The store's content, without ids and timestamps that differ run to run."""
    with store.engine.connect() as conn:
        accounts = conn.execute(
            select(schema.accounts).order_by(schema.accounts.c.account_id)
        ).all()
        posts = conn.execute(select(schema.posts).order_by(schema.posts.c.post_id)).all()
        snaps = conn.execute(
            select(schema.metric_snapshots).order_by(schema.metric_snapshots.c.post_id)
        ).all()
        quarantine = conn.execute(
            select(schema.quarantine).order_by(schema.quarantine.c.location)
        ).all()
    drop = {"id", "created_at", "first_seen_at", "updated_at", "import_run_id"}
    return {
        name: [{k: v for k, v in row._mapping.items() if k not in drop} for row in rows]
        for name, rows in (
            ("accounts", accounts),
            ("posts", posts),
            ("snapshots", snaps),
            ("quarantine", quarantine),
        )
    }


def _interrupt_after(k: int):
    seen = 0

    def on_batch(_counts: object) -> None:
        nonlocal seen
        seen += 1
        if seen == k:
            raise KeyboardInterrupt

    return on_batch


def test_interrupted_import_then_rerun_equals_an_uninterrupted_one(
    store: Store, tmp_path: Path
) -> None:
    lines = [dumps(message(i, f"Косово {i}", views=i * 10)) for i in range(1, 41)]
    lines[7] = "{not json"
    lines[20] = dumps(message(21, "негативно", views=-1))
    dump = tmp_path / DUMP_NAME
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reference = Store(f"sqlite:///{tmp_path / 'reference.db'}")
    import_paths(reference, "telethon-json", [dump], batch_size=7)
    with pytest.raises(KeyboardInterrupt):
        import_paths(store, "telethon-json", [dump], batch_size=7, on_batch=_interrupt_after(3))
    partial = _snapshot_of(store)
    assert 0 < len(partial["posts"]) < 38
    import_paths(store, "telethon-json", [dump], batch_size=7)
    got, want = _snapshot_of(store), _snapshot_of(reference)
    assert len(got["posts"]) == 38 and len(got["quarantine"]) == 2
    assert got == want
    reference.dispose()


# -- the real payloads of ../shared/realdata ------------------------------------------

# (kind, file, all posts imported, snapshots, quarantined, skipped) worked out with jq/python
REAL_FILES = [
    (
        "telegram-export",
        "telegram_export/DealsExtract__amazon_js_channel_messages_array.json",
        203,
        0,
        0,
        0,
    ),
    (
        "telegram-export",
        "telegram_export/chat-history-manager__telegram_2020-01_result.json",
        0,
        0,
        0,
        50,
    ),
    (
        "telegram-export",
        "telegram_export/chat-history-manager__telegram_2023-01_result.json",
        0,
        0,
        0,
        6,
    ),
    (
        "telegram-export",
        "telegram_export/chat-history-manager__telegram_2025-12_result.json",
        1,
        0,
        0,
        5,
    ),
    ("telethon-json", "telethon/Ukraine__channel_messages.json", 44, 44, 0, 1),
    ("telethon-json", "telethon/chp_chechnya__channel_messages.json", 4, 4, 0, 1),
    ("x-jsonl", "x_api_v2/twarc-csv__brexit.jsonl", 100, 100, 0, 0),
    ("x-jsonl", "x_api_v2/twarc-csv__kpop.jsonl", 100, 100, 0, 1),
    ("x-jsonl", "x_api_v2/twarc-csv__cashtags.jsonl", 1, 1, 0, 0),
    ("x-jsonl", "x_api_v2/twarc-csv__verified_type.jsonl", 1, 1, 0, 0),
    ("x-jsonl", "x_api_v2/twarc-csv__two_tweets.jsonl", 1, 1, 0, 0),
    # a tweepy response body without author_id/created_at: every tweet quarantined
    ("x-jsonl", "x_api_v2/tweepy__search_recent_tweets_response_body.json", 0, 0, 10, 0),
]


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not present")
@pytest.mark.parametrize(("kind", "name", "posts", "snaps", "bad", "skipped"), REAL_FILES)
def test_real_payloads_import_from_the_cli(
    tmp_path: Path, kind: str, name: str, posts: int, snaps: int, bad: int, skipped: int
) -> None:
    result = narrmon("import", kind, str(REALDATA / name), "--db", f"sqlite:///{tmp_path / 'r.db'}")
    assert result.returncode == (0 if posts or skipped else 1), result.stderr
    first = result.stdout.splitlines()[0]
    counts = f"{posts} imported, 0 updated, 0 unchanged, {skipped} skipped, {bad} quarantined"
    assert f": {counts}; {snaps} metric snapshots" in first


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not present")
def test_real_exports_with_all_chats(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    name = "telegram_export/chat-history-manager__telegram_2020-01_result.json"
    result = narrmon("import", "telegram-export", str(REALDATA / name), "--all-chats", "--db", db)
    # 41 messages of 4 chats; 8 service messages are not posts
    assert "42 imported" in result.stdout and "8 skipped" in result.stdout


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not present")
def test_a_recorded_http_cassette_is_not_an_x_file(tmp_path: Path) -> None:
    name = "x_api_v2/tweepy__test_asyncclient_search_recent_tweets.yaml"
    result = narrmon(
        "import", "x-jsonl", str(REALDATA / name), "--db", f"sqlite:///{tmp_path / 'r.db'}"
    )
    assert result.returncode == 1
    assert "not JSON or JSON Lines: lines 1-10 cannot be read" in result.stderr
