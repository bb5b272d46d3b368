"""Shared fixtures: a fresh store on SQLite and, where one answers, on PostgreSQL.

PostgreSQL tests use ``$NARRMON_TEST_PG_URL``; each test gets its own schema, dropped
afterwards. Without that variable they are skipped with the reason, except in CI
(``CI`` set), where a missing PostgreSQL fails the run.

``--clock-shift-days N`` moves the whole session's clock N days ahead (``time-machine``;
the clock keeps ticking). ``.ci/run`` runs the date-sensitive tests (marked ``clock``)
that way too, so a test that reads the wall clock instead of fixing its "now" fails there.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from narrmon.store import Store

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_ENV = "NARRMON_TEST_PG_URL"
CLOCK_SHIFT_OPTION = "--clock-shift-days"
SMALL_PER_LABEL = 20  # seed posts per label in the small training corpus
SMALL_UNLABELLED = 40


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        CLOCK_SHIFT_OPTION,
        type=int,
        default=0,
        help="run the session with the clock moved this many days ahead (see -m clock)",
    )


def pytest_configure(config: pytest.Config) -> None:
    days = config.getoption(CLOCK_SHIFT_OPTION)
    if days:
        import time_machine

        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    days = config.getoption(CLOCK_SHIFT_OPTION)
    return f"clock moved {days} days ahead: it reads {datetime.now(UTC):%Y-%m-%d}" if days else None


def pg_url() -> str | None:
    """The PostgreSQL URL for tests, or None (failing in CI where it is required)."""
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set; CI needs PostgreSQL for the store tests")
        return None
    return url


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'narrmon.db'}")
    yield store
    store.dispose()


@pytest.fixture
def new_pg_schema() -> Iterator[Callable[[], str]]:
    """A function giving the store URL of a new, empty PostgreSQL schema (all dropped after)."""
    url = pg_url()
    if url is None:
        pytest.skip(f"PostgreSQL store tests need {PG_ENV} (CI sets it)")
    admin = create_engine(url)
    made: list[str] = []

    def new() -> str:
        schema_name = f"t_{uuid.uuid4().hex[:12]}"
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL at {PG_ENV} does not answer: {exc}")
            pytest.skip(f"PostgreSQL at {PG_ENV} does not answer: {exc}")
        made.append(schema_name)
        admin.dispose()  # no connection left open (tests may fork)
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}options=-csearch_path%3D{schema_name}"

    try:
        yield new
    finally:
        with admin.begin() as conn:
            for schema_name in made:
                conn.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_store(new_pg_schema: Callable[[], str]) -> Iterator[Store]:
    store = Store(new_pg_schema())
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Store:
    """A fresh, migrated store on each backend."""
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "pg_store")


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """The real model, trained once per session on the seed corpus (training split).

    Returns ``(models_dir, TrainResult)``; tests must not change that folder.
    """
    from narrmon.config import Config
    from narrmon.pipeline.classify import train

    models_dir = tmp_path_factory.mktemp("models")
    return models_dir, train(Config(models_dir=str(models_dir)), None)


@pytest.fixture(scope="session")
def small_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real corpus: the first posts of each label, and unlabelled ones."""
    from classifiers import LABELS
    from classifiers.corpus import SEED_PATH, read_labelled

    posts = read_labelled([SEED_PATH]).posts
    chosen, seen = [], set()
    for label in LABELS:
        chosen += [p for p in posts if label in p.labels][:SMALL_PER_LABEL]
    chosen += [p for p in posts if not p.labels][:SMALL_UNLABELLED]
    path = tmp_path_factory.mktemp("seed") / "seed.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for p in chosen:
            if p.text not in seen:
                seen.add(p.text)
                row = {"text": p.text, "labels": list(p.labels), "split": p.split}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="session")
def small_model(small_seed: Path, tmp_path_factory: pytest.TempPathFactory):
    """A model trained in a second on :func:`small_seed`, for tests of the store, not the model.

    Returns a ``Config`` whose ``models_dir`` holds it; tests must not change that folder.
    """
    from narrmon.config import Config
    from narrmon.pipeline.classify import train

    config = Config(models_dir=str(tmp_path_factory.mktemp("models")))
    train(config, None, seed_path=small_seed)
    return config


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """``run(*args)``: the CLI as the console script runs it; returncode, stdout, stderr."""

    from narrmon.cli import main

    def invoke(*args: str) -> subprocess.CompletedProcess:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return invoke
