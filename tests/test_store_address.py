"""Every entry point finds the store the same way: --db, $NARRMON_DB_URL, db_url, default.

Each case points the layer that should win at a store that does not exist and every
lower layer at a real store: a read-only entry point must then refuse, naming the
winning URL (and create nothing); a creating one must create exactly that store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import narrmon
from narrmon import orchestration
from narrmon.errors import StoreNotFound
from narrmon.store import Store
from tests.report_store import DAY
from tests.test_cli_errors import NOT_FOUND

LAYERS = ("flag", "env", "config", "default")
READ_ONLY = [
    ["stats"],
    ["pull", "--since", DAY, "--until", DAY, "--format", "csv", "--out", "{tmp}/p.csv"],
    ["report", "daily", "--date", DAY, "--out", "{tmp}/daily"],
    ["label", "import", "{tmp}/answers.csv"],
    ["coordination", "--since", DAY, "--until", DAY],
]


def _url(tmp: Path, layer: str) -> str:
    return "sqlite:///data/narrmon.db" if layer == "default" else f"sqlite:///{tmp / layer}.db"


def _layers(tmp: Path, monkeypatch: pytest.MonkeyPatch, winner: str, *, existing: bool) -> list:
    """Set the layers from ``winner`` down; return the --db arguments (if the flag is set).

    The winner's store is missing; with ``existing`` every lower layer's store exists.
    """
    monkeypatch.chdir(tmp)
    monkeypatch.delenv("NARRMON_DB_URL", raising=False)
    below = LAYERS[LAYERS.index(winner) + 1 :]
    if existing:
        for layer in below:
            if layer == "default":
                (tmp / "data").mkdir(exist_ok=True)
            Store(_url(tmp, layer)).dispose()
    active = (winner, *below)
    config = tmp / "narrmon.yaml"
    config.write_text(
        f"db_url: {_url(tmp, 'config')}\n" if "config" in active else "{}\n", encoding="utf-8"
    )
    monkeypatch.setenv("NARRMON_CONFIG", str(config))
    if "env" in active:
        monkeypatch.setenv("NARRMON_DB_URL", _url(tmp, "env"))
    return ["--db", _url(tmp, "flag")] if winner == "flag" else []


@pytest.mark.parametrize("winner", LAYERS)
@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: " ".join(c[:2]))
def test_read_only_commands_use_the_one_order(tmp_path, monkeypatch, run, command, winner) -> None:
    (tmp_path / "answers.csv").write_text("text,kosovo_precedent\nx,1\n", encoding="utf-8")
    flag = _layers(tmp_path, monkeypatch, winner, existing=True)
    result = run(*(arg.format(tmp=tmp_path) for arg in command), *flag)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == NOT_FOUND.format(url=_url(tmp_path, winner))
    missing = tmp_path / ("data/narrmon.db" if winner == "default" else f"{winner}.db")
    assert not missing.exists()


@pytest.mark.parametrize("winner", LAYERS)
def test_python_pull_uses_the_one_order(tmp_path, monkeypatch, winner) -> None:
    flag = _layers(tmp_path, monkeypatch, winner, existing=True)
    db = flag[1] if flag else None
    with pytest.raises(StoreNotFound, match=f"no narrmon store at {_url(tmp_path, winner)}:"):
        narrmon.pull(DAY, DAY, db=db)


def _created(tmp: Path) -> list[str]:
    found = sorted(p.stem for p in tmp.glob("*.db"))
    return found + (["default"] if (tmp / "data" / "narrmon.db").exists() else [])


@pytest.mark.parametrize("winner", LAYERS)
@pytest.mark.parametrize("command", [["init"], ["collect", "all"]], ids=" ".join)
def test_creating_commands_use_the_one_order(tmp_path, monkeypatch, run, command, winner) -> None:
    flag = _layers(tmp_path, monkeypatch, winner, existing=False)
    result = run(*command, *flag)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _created(tmp_path) == [winner]


@pytest.mark.parametrize("winner", LAYERS[1:])  # the DAGs' tasks have no flag
def test_orchestration_uses_the_one_order(tmp_path, monkeypatch, winner) -> None:
    _layers(tmp_path, monkeypatch, winner, existing=False)
    config, store = orchestration._context()
    store.dispose()
    assert store.url == _url(tmp_path, winner)
    assert _created(tmp_path) == [winner]


def test_config_option_beats_narrmon_config(tmp_path, monkeypatch, run) -> None:
    _layers(tmp_path, monkeypatch, "config", existing=False)
    other = tmp_path / "other.yaml"
    other.write_text(f"db_url: sqlite:///{tmp_path / 'other'}.db\n", encoding="utf-8")
    assert run("init", "--config", str(other)).returncode == 0
    assert _created(tmp_path) == ["other"]
