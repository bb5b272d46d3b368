"""What a new user meets first: a missing store, bad URLs and settings, version, completion.

Each case runs the real CLI entry point (``narrmon.cli.main``, in-process for speed) and
checks the exit code and the exact ``error:`` line.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

import narrmon
from narrmon.cli import GC_YOUNG_THRESHOLD, app
from narrmon.config import load_config
from narrmon.errors import ConfigError, InputError, StoreNotFound
from narrmon.pipeline import import_paths, report
from narrmon.store import Store
from reports.pull import read_pull, write_pull
from tests.report_store import DAY, build

NOT_FOUND = "error: no narrmon store at {url}: check --db, $NARRMON_DB_URL or the configuration's "
NOT_FOUND += "db_url, or create one with `narrmon init` or `narrmon import`"
SCRIPT = Path(sys.executable).parent / "narrmon"  # the console script the venv installed

READ_ONLY = [
    ["stats"],
    ["quarantine"],
    ["pull", "--since", DAY, "--until", DAY, "--format", "csv", "--out", "{tmp}/p.csv"],
    ["alerts", "--date", DAY],
    ["report", "daily", "--date", DAY, "--out", "{tmp}/daily"],
    ["report", "weekly", "--week", "2026-W47", "--out", "{tmp}/w.pdf"],
    ["label", "export", "--uncertain", "5", "--out", "{tmp}/l.csv"],
    ["label", "import", "{tmp}/answers.csv"],
    ["classify"],
]


def _error_line(result: subprocess.CompletedProcess) -> str:
    """The one line of stderr (failing if there are more, as a traceback would make)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: " ".join(c[:2]))
def test_read_only_commands_refuse_a_missing_store(tmp_path: Path, command: list[str], run) -> None:
    (tmp_path / "answers.csv").write_text("text,kosovo_precedent\nx,1\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'typo' / 'narrmon.db'}"
    result = run(*(arg.format(tmp=tmp_path) for arg in command), "--db", url)
    assert result.returncode == 2
    assert _error_line(result) == NOT_FOUND.format(url=url)
    assert not (tmp_path / "typo").exists()  # no empty store, not even its folder


def test_python_pull_refuses_a_missing_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nope.db'}"
    with pytest.raises(StoreNotFound, match=f"no narrmon store at {url}"):
        narrmon.pull("2026-11-16", "2026-11-22", db=url)
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.postgres
def test_an_empty_postgres_database_is_not_a_store(pg_store: Store, run) -> None:
    empty = f"{pg_store.url.replace('search_path%3D', 'search_path%3Dnone_')}"
    result = run("stats", "--db", empty)
    assert result.returncode == 2
    assert _error_line(result).startswith("error: no narrmon store at postgresql+psycopg://")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://ana:s3cret@db.example/narrmon",
            "error: not a database URL: 'postgres://ana:***@db.example/narrmon'; "
            "write 'postgresql://ana:***@db.example/narrmon'",
        ),
        (
            "mysql://ana:s3cret@db.example/narrmon",
            "error: unsupported store 'mysql://ana:***@db.example/narrmon': narrmon stores data "
            "in SQLite (sqlite:///path/narrmon.db) or PostgreSQL (postgresql://user@host/db)",
        ),
        (
            "{tmp}/narrmon.db",
            "error: not a database URL: '{tmp}/narrmon.db'; "
            "for a SQLite file write sqlite:///{tmp}/narrmon.db",
        ),
    ],
    ids=["postgres", "mysql", "plain path"],
)
def test_bad_store_urls_get_one_line_echoing_them(
    tmp_path: Path, url: str, expected: str, run
) -> None:
    url = url.format(tmp=tmp_path)
    for command in (["init"], ["stats"]):
        result = run(*command, "--db", url)
        assert result.returncode == 2
        assert _error_line(result) == expected.format(tmp=tmp_path)
        assert "s3cret" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("alerts:\n  k: three\n", "alerts.k must be a number, got 'three'"),
        ("alerts:\n  min_count: 2.5\n", "alerts.min_count must be an integer, got 2.5"),
        ("smtp:\n  starttls: 'no'\n", "smtp.starttls must be true or false, got 'no'"),
        ("x:\n  accounts: istok_rs\n", "x.accounts must be a list of strings, got 'istok_rs'"),
        ("models_dir: [a]\n", "models_dir must be a string, got ['a']"),
    ],
)
def test_settings_of_the_wrong_type_are_refused_on_load(
    tmp_path: Path, yaml: str, message: str
) -> None:
    path = tmp_path / "narrmon.yaml"
    path.write_text(yaml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {message}"


def test_setting_types_are_kept_or_widened(tmp_path: Path) -> None:
    path = tmp_path / "narrmon.yaml"
    path.write_text("alerts: {k: 2}\ntelegram: {channels: [istok, 1001234]}\n", encoding="utf-8")
    config = load_config(path)
    assert config.alerts.k == 2.0 and isinstance(config.alerts.k, float)
    assert config.telegram.channels == ["istok", "1001234"]


def test_cli_names_the_wrong_setting(tmp_path: Path, run) -> None:
    path = tmp_path / "narrmon.yaml"
    path.write_text("alerts:\n  k: three\n", encoding="utf-8")
    result = run("alerts", "--date", DAY, "--config", str(path))
    assert result.returncode == 1
    assert _error_line(result) == f"error: {path}: alerts.k must be a number, got 'three'"


def test_commands_leave_the_garbage_collector_as_they_found_it(tmp_path: Path, run) -> None:
    """Commands run with fewer collections; a caller's settings come back, even on errors."""
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    url = f"sqlite:///{tmp_path / 'narrmon.db'}"
    assert run("init", "--db", url).returncode == 0
    assert run("stats", "--db", f"sqlite:///{tmp_path / 'typo' / 'narrmon.db'}").returncode == 2
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, frozen)
    # the commands' threshold is not the caller's, so the restore above is a real one
    assert before[0] < GC_YOUNG_THRESHOLD


def test_version_and_shell_completion(run) -> None:
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout == f"narrmon {metadata.version('narrmon')}\n"
    helped = run("--help")
    assert "--install-completion" in helped.stdout and "--show-completion" in helped.stdout
    env = {**os.environ, "_NARRMON_COMPLETE": "complete_bash", "COMP_CWORD": "1"}
    done = subprocess.run(
        [str(SCRIPT)], env={**env, "COMP_WORDS": "narrmon qua"}, capture_output=True, text=True
    )
    assert (done.returncode, done.stdout.split()) == (0, ["quarantine"])


def test_pull_refuses_an_out_name_of_another_format(sqlite_store: Store, tmp_path: Path) -> None:
    build(sqlite_store)
    out = tmp_path / "x.csv"
    args = ["pull", "--since", DAY, "--until", DAY, "--format", "xlsx", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--db", sqlite_store.url])
    assert result.exit_code == 2
    assert f"{out} ends in .csv but the format is xlsx: name it {tmp_path / 'x.xlsx'}" in " ".join(
        result.output.replace("│", " ").split()
    )
    assert not out.exists()
    frame = report.pull(None, sqlite_store, DAY, DAY)
    with pytest.raises(InputError, match="ends in .csv but the format is xlsx"):
        write_pull(frame, out, "xlsx")
    write_pull(frame, tmp_path / "x.xlsx", "xlsx")
    assert list(read_pull(str(tmp_path / "x.xlsx"))["post_id"]) == list(frame["post_id"])


def test_quarantine_lists_file_record_and_reason(tmp_path: Path, run) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    empty = run("quarantine", "--db", url.replace("n.db", "e.db"))
    assert empty.returncode == 2  # no store yet
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"_": "Message", "id": 1, "date": "2026-11-20T10:00:00+00:00"}\n{oops\n')
    store = Store(url)
    import_paths(store, "telethon-json", [bad])
    store.dispose()
    listed = run("quarantine", "--db", url, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["file"], r["record"]) for r in rows] == [
        (str(bad), "line 1"),
        (str(bad), "line 2"),
    ]
    assert rows[1]["reason"].startswith("invalid JSON")
    table = run("quarantine", "--db", url)
    assert table.returncode == 0 and table.stdout.splitlines()[0] == "2 quarantined record(s)"
    assert "│ line 2 │ invalid JSON" in table.stdout  # file, record, reason per row
    first = run("quarantine", "--db", url, "--limit", "1")
    assert first.stdout.splitlines()[0] == "1 quarantined record(s) (the first 1)"
