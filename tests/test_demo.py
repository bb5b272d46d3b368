"""``narrmon demo`` end to end on the bundled samples: counts, files, the weekly PDF, hints."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from classifiers import LABELS
from narrmon.demo import run_demo
from reports.pull import read_pull
from tests.report_store import need_tool

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, trained) -> tuple[Path, dict, str]:
    out = tmp_path_factory.mktemp("demo")
    shutil.copytree(trained[0], out / "models")  # skip training again: same seed, same model
    console = Console(record=True, width=200)
    summary = run_demo(out, console=console)
    return out, summary, console.export_text()


def test_demo_imports_classifies_and_reports(demo) -> None:
    out, summary, printed = demo
    stats = summary["stats"]
    assert stats["posts_by_platform"] == {"telegram": 1254, "x": 1329}
    assert stats["quarantined"] == 0
    assert summary["classify"]["classified"] == 2583
    assert len(summary["reports"]["daily"]) == 14
    assert set(summary["reports"]["weekly"]) == {"2026-W46", "2026-W47"}
    for path in [*summary["reports"]["daily"].values(), *summary["reports"]["weekly"].values()]:
        assert Path(path).is_file(), path
    assert f"store            {(out / 'narrmon.db').resolve()}" in printed
    assert "weekly PDF 2026-W47" in printed


def test_demo_rerun_adds_nothing(demo) -> None:
    out, summary, _ = demo
    again = run_demo(out, console=Console(record=True, width=200))
    assert again["stats"] == summary["stats"]
    assert again["classify"]["classified"] == 0
    for kind in ("telethon-json", "x-jsonl"):
        assert again["imports"][kind]["imported"] == 0


def test_weekly_pdf_holds_both_scripts_and_every_label(demo) -> None:
    _, summary, _ = demo
    pdf = summary["reports"]["weekly"]["2026-W47"]
    text = subprocess.run(
        [need_tool("pdftotext"), pdf, "-"], capture_output=True, check=True, text=True
    ).stdout
    assert re.search(r"[А-Яа-яЂђЉљЊњЋћЏџ]{4,}", text), "no Cyrillic excerpt"
    for letter in "čćšžđ":
        assert letter in text, letter
    for label in LABELS:
        assert label in text, label


def test_every_printed_hint_works_as_printed(demo) -> None:
    out, _, printed = demo
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Explore from this folder"))
    hints = [line.strip() for line in lines[start + 1 :] if line.strip()]
    assert len(hints) == 6
    expected = ["stats", "quarantine", "pull", "alerts", "classify", "label"]
    assert [shlex.split(hint)[1] for hint in hints] == expected
    for hint in hints:  # from the folder the demo ran in, with no environment to help
        env = {k: v for k, v in os.environ.items() if not k.startswith("NARRMON_")}
        done = subprocess.run(shlex.split(hint), capture_output=True, text=True, env=env)
        assert done.returncode == 0, f"{hint}\n{done.stderr}"
        assert "error" not in done.stderr, f"{hint}\n{done.stderr}"
    assert len(read_pull(out / "pull-2026-W47.xlsx")) > 1000
    assert (out / "to-label.csv").read_text(encoding="utf-8-sig").count("\n") > 20
