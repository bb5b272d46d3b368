"""Progress of the long steps: `narrmon train` and `narrmon demo` say each stage as it runs,
with timings, on stderr (stdout keeps the results; `--json` stays one object)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from narrmon.cli import app
from narrmon.progress import Stages

runner = CliRunner()
STAGE = re.compile(r"^\[\s*(\d+\.\d) s\] (\w+): (.+)$")


def _stages(text: str, step: str) -> list[tuple[float, str]]:
    found = [STAGE.match(line) for line in text.splitlines()]
    return [(float(m.group(1)), m.group(3)) for m in found if m and m.group(2) == step]


def test_stages_write_the_time_since_the_start() -> None:
    ticks = iter([10.0, 10.0, 12.5, 40.25])
    lines: list[str] = []
    stages = Stages("train", lines.append, clock=lambda: next(ticks))
    stages("cross-validating fold 1/5")
    stages("fitting the final model")
    assert stages.done() == 30.25
    assert lines == [
        "[   0.0 s] train: cross-validating fold 1/5",
        "[   2.5 s] train: fitting the final model",
        "[  30.2 s] train: done in 30.2 s",
    ]


def test_train_says_each_stage_on_stderr(
    small_seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import narrmon.pipeline.classify as pipeline

    monkeypatch.setitem(pipeline.retrain.__kwdefaults__, "seed_path", small_seed)  # fast
    args = ["train", "--models-dir", str(tmp_path / "models"), "--db", f"sqlite:///{tmp_path}/n.db"]
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["promoted"] is True  # stdout is the JSON alone
    stages = _stages(done.stderr, "train")
    said = [text for _, text in stages]
    assert said[0] == "reading the seed corpus and analyst labels"
    folds = [text for text in said if text.startswith("cross-validating fold")]
    assert [f.split(" (")[0] for f in folds] == [
        f"cross-validating fold {k}/5" for k in range(1, 6)
    ]
    assert "training on" in folds[0] and "validating on" in folds[0]
    for stage in ("tuning the per-label thresholds", "fitting the final model", "held-out eval"):
        assert any(text.startswith(stage) for text in said), stage
    assert any(text.startswith("saving the model under") for text in said)
    assert re.fullmatch(r"done in \d+\.\d s", said[-1])
    times = [t for t, _ in stages]
    assert times == sorted(times)


def test_demo_says_how_long_each_step_took(
    small_seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import narrmon.pipeline.classify as pipeline
    from narrmon.demo import run_demo

    monkeypatch.setitem(pipeline.train.__kwdefaults__, "seed_path", small_seed)  # fast
    lines: list[str] = []
    console = Console(record=True, width=250)
    run_demo(tmp_path / "demo", console=console, stages=Stages("demo", lines.append))
    printed = console.export_text()
    for step in (
        r"imported telethon-json: 12 files, .* \(\d+\.\d s\)",
        r"imported x-jsonl: 16 files, .* \(\d+\.\d s\)",
        r"trained model \S+ \(\d+\.\d s\)",
        r"classified with model \S+: 2583 posts, .* \(\d+\.\d s\)",
        r"wrote 14 daily reports and 2 weekly PDFs \(\d+\.\d s\)",
        r"demo finished in \d+\.\d s",
    ):
        assert re.search(step, printed), step
    said = [text for _, text in _stages("\n".join(lines), "demo")]
    assert said[:2] == ["importing 12 telethon-json files", "importing 16 x-jsonl files"]
    assert "training: cross-validating fold 3/5" in " ".join(said)
    assert "classifying the posts" in said
    assert "weekly PDF 2026-W47" in said
