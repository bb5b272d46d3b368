"""The project's shape: top-level packages resolve here, every command has help and docs."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrmon.cli import app

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["collectors", "classifiers", "reports", "narrmon"])
def test_generic_package_names_resolve_inside_the_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert Path(module.__file__).resolve().parent == REPO / name


def _commands(group=None, prefix=()):
    import typer.main

    group = group or typer.main.get_command(app)
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        yield path, cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path)


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    runner = CliRunner()
    for path, cmd in _commands():
        assert (cmd.help or "").strip(), f"narrmon {' '.join(path)} has no help text"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, result.output
        assert f"narrmon {' '.join(path)}" in readme, f"README does not document {path}"


def test_every_module_has_a_docstring() -> None:
    missing = []
    for folder in ("narrmon", "collectors", "classifiers", "reports", "dags", "samples"):
        for file in (REPO / folder).rglob("*.py"):
            if "migrations/versions" in file.as_posix():
                continue
            tree = ast.parse(file.read_text(encoding="utf-8"))
            if ast.get_docstring(tree) is None:
                missing.append(str(file.relative_to(REPO)))
    assert missing == []


def test_readme_starts_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, re.S)
    assert blocks, "README has no command block"
    assert blocks[0].split() == ["make", "demo", "make", "test"]


def test_no_credentials_in_the_repository() -> None:
    pattern = re.compile(r"(api_hash|bearer_token|password)\s*[:=]\s*['\"][A-Za-z0-9]{16,}")
    hits = []
    for file in REPO.rglob("*"):
        skip = {".venv", ".git", "tests", "data", "out", "models", "airflow_home"}
        if skip & set(file.relative_to(REPO).parts) or not file.is_file():
            continue
        if file.suffix not in {".py", ".md", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".txt"}:
            continue
        if pattern.search(file.read_text(encoding="utf-8", errors="replace")):
            hits.append(str(file))
    assert hits == []
