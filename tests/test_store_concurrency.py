"""Two imports of overlapping files, then two classifies, run at once on one store.

Each round forks two processes that pass a barrier together and run the real CLI entry
(``narrmon.cli.main``): ``import csv`` of two shuffled files sharing half their posts,
then ``classify`` twice. Both must exit 0, and the store and the printed counts must be
what one sequential import and one classify give: no deadlock, no lost or duplicate row,
no post counted new twice.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import random
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from classifiers.corpus import SEED_PATH, read_labelled
from narrmon.cli import main
from narrmon.config import Config
from narrmon.pipeline import import_paths
from narrmon.pipeline.classify import classify_posts
from narrmon.store import Store, schema

pytestmark = pytest.mark.slow

ROUNDS = 20
SQLITE_ROUNDS = 5  # SQLite serialises writers: fewer rounds show it as well
PER_FILE = 200
SHARED = 100  # posts in both files
ACCOUNTS = 7
CHILD_TIMEOUT = 120  # seconds a child may take before the round fails
TABLE_KEYS = {
    schema.posts: ("platform", "post_id"),
    schema.accounts: ("platform", "account_id"),
    schema.metric_snapshots: ("platform", "post_id", "captured_at"),
    schema.classifications: ("platform", "post_id", "model_version"),
    schema.post_labels: ("platform", "post_id", "model_version", "label"),
}


def _write_csv(path: Path, texts: list[str], numbers: range, seed: int) -> Path:
    rows = [
        {
            "platform": "telegram",
            "post_id": f"{100 + n % ACCOUNTS}/{n}",
            "account": str(100 + n % ACCOUNTS),
            "account_handle": f"kanal{n % ACCOUNTS}",
            "followers": 1000 + n % ACCOUNTS,
            "created_at": f"2026-11-{1 + n % 20:02d}T08:{n % 60:02d}:00Z",
            "text": texts[n],
            "views": 10 * n,
            "captured_at": "2026-11-25T06:00:00Z",
        }
        for n in numbers
    ]
    random.Random(seed).shuffle(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two shuffled CSVs of seed-corpus texts; the second half of one is the first of the other."""
    texts: list[str] = []
    for post in read_labelled([SEED_PATH]).posts:
        if post.text not in texts and "\r" not in post.text:
            texts.append(post.text)
        if len(texts) == 2 * PER_FILE - SHARED:
            break
    folder = tmp_path_factory.mktemp("race")
    first = _write_csv(folder / "a.csv", texts, range(PER_FILE), seed=1)
    second = _write_csv(folder / "b.csv", texts, range(PER_FILE - SHARED, len(texts)), seed=2)
    return first, second


@pytest.fixture(scope="module")
def setup(
    files: tuple[Path, Path], small_model: Config, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """The config file for the children, and what one sequential import and classify give."""
    models_dir = small_model.models_dir
    folder = tmp_path_factory.mktemp("baseline")
    config_file = folder / "narrmon.yaml"
    config_file.write_text(f"models_dir: {models_dir}\n")
    store = Store(f"sqlite:///{folder / 'baseline.db'}")
    report = import_paths(store, "csv", list(files))
    labelled = classify_posts(small_model, store).labelled  # also warms what children inherit
    expected = {"rows": _rows(store), "imported": report.counts.imported, "labelled": labelled}
    store.dispose()
    return config_file, expected


def _rows(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in TABLE_KEYS
        }


def _duplicates(store: Store) -> dict[str, int]:
    """Keys stored more than once, per table (the unique keys should make this empty)."""
    found = {}
    with store.engine.connect() as conn:
        for t, key in TABLE_KEYS.items():
            cols = [t.c[k] for k in key]
            dup = select(*cols).group_by(*cols).having(func.count() > 1).subquery()
            n = conn.execute(select(func.count()).select_from(dup)).scalar_one()
            if n:
                found[t.name] = n
    return found


def _child(argv: list[str], out: Path, barrier: Any) -> None:
    """Run the CLI entry in a forked child, stdout and stderr to files; exit with its code."""
    code = 1
    with out.with_suffix(".out").open("w") as stdout, out.with_suffix(".err").open("w") as stderr:
        sys.stdout, sys.stderr = stdout, stderr
        try:
            barrier.wait()
            code = main(argv)
        except BaseException:  # noqa: BLE001 - an uncaught error is the failure we look for
            traceback.print_exc()
        finally:
            stdout.flush()
            stderr.flush()
    os._exit(code)  # no pytest teardown in the child


def _together(argvs: list[list[str]], folder: Path) -> list[dict[str, Any]]:
    """Run the commands at once; each one's ``--json`` output (exit codes must be 0)."""
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(argvs))
    outs = [folder / f"child{i}" for i in range(len(argvs))]
    procs = [
        ctx.Process(target=_child, args=(argv, out, barrier))
        for argv, out in zip(argvs, outs, strict=True)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(CHILD_TIMEOUT)
        if proc.is_alive():
            proc.kill()
    errors = [
        f"{' '.join(argv[:2])} exit {p.exitcode}: {out.with_suffix('.err').read_text()}"
        for argv, p, out in zip(argvs, procs, outs, strict=True)
        if p.exitcode != 0
    ]
    assert not errors, errors
    return [json.loads(out.with_suffix(".out").read_text()) for out in outs]


def _race_round(url: str, files: tuple[Path, Path], config_file: Path, expected: dict) -> None:
    Store(url).dispose()  # migrated here: the race is about the writes, not the schema
    folder = Path(files[0]).parent
    imports = _together([["import", "csv", str(f), "--db", url, "--json"] for f in files], folder)
    store = Store(url, migrate=False)
    try:
        rows = _rows(store)
        assert rows["posts"] == expected["rows"]["posts"] == 2 * PER_FILE - SHARED
        for table in ("accounts", "posts", "metric_snapshots"):
            assert rows[table] == expected["rows"][table], table
        assert sum(r["imported"] for r in imports) == expected["imported"]
        assert sum(r["snapshots"] for r in imports) == expected["rows"]["metric_snapshots"]
        assert [r["imported"] + r["updated"] + r["unchanged"] for r in imports] == [PER_FILE] * 2
        classify = ["classify", "--db", url, "--config", str(config_file), "--json"]
        runs = _together([classify, classify], folder)
        rows = _rows(store)
        for table in ("classifications", "post_labels"):
            assert rows[table] == expected["rows"][table], table
        assert sum(r["classified"] for r in runs) == rows["posts"]
        for label, n in expected["labelled"].items():
            assert sum(r["labelled"][label] for r in runs) == n, label
        assert _duplicates(store) == {}
        with store.engine.connect() as conn:
            statuses = conn.execute(select(schema.import_runs.c.status)).scalars().all()
        assert statuses == ["ok", "ok"]
    finally:
        store.dispose()


@pytest.mark.postgres
def test_concurrent_imports_and_classifies_on_postgresql(
    new_pg_schema: Callable[[], str], files: tuple[Path, Path], setup: tuple[Path, dict]
) -> None:
    config_file, expected = setup
    for _ in range(ROUNDS):
        _race_round(new_pg_schema(), files, config_file, expected)


def test_concurrent_imports_and_classifies_on_sqlite(
    tmp_path: Path, files: tuple[Path, Path], setup: tuple[Path, dict]
) -> None:
    config_file, expected = setup
    for n in range(SQLITE_ROUNDS):
        _race_round(f"sqlite:///{tmp_path / f'round{n}.db'}", files, config_file, expected)
