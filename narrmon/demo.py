"""``narrmon demo``: the whole pipeline on the bundled sample data, no accounts needed."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console

from narrmon.pipeline import import_paths
from narrmon.progress import Stages
from narrmon.store import Store

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "samples" / "data"
_CAPTURE = re.compile(r"(\d{4}-\d{2}-\d{2}(?:T\d{2}-\d{2}Z)?)")


def sample_files(sample_dir: Path = SAMPLE_DIR) -> dict[str, list[Path]]:
    """The bundled sample files per import kind, oldest capture first."""

    def by_capture(path: Path) -> tuple[str, str]:
        found = _CAPTURE.search(path.name)
        return (found.group(1) if found else "", path.name)

    return {
        "telethon-json": sorted((sample_dir / "telegram").glob("*.json"), key=by_capture),
        "x-jsonl": sorted((sample_dir / "x").glob("*.jsonl"), key=by_capture),
    }


def run_demo(
    out: Path, *, console: Console, sample_dir: Path = SAMPLE_DIR, stages: Stages | None = None
) -> dict:
    """Import the samples into ``out/narrmon.db`` and print where everything is.

    Each step's line ends with the seconds it took; ``stages`` (default: lines on stderr)
    says which step is running, and which training stage, while it runs.
    """
    stages = stages or Stages("demo")
    out.mkdir(parents=True, exist_ok=True)
    db_path = (out / "narrmon.db").resolve()
    store = Store(f"sqlite:///{db_path}")
    console.print(f"[bold]narrmon demo[/]: store {db_path}")
    summary: dict = {"store": str(db_path), "imports": {}}
    for kind, files in sample_files(sample_dir).items():
        if not files:
            raise FileNotFoundError(f"no sample files for {kind} under {sample_dir}")
        stages(f"importing {len(files)} {kind} files")
        started = stages.elapsed()
        report = import_paths(store, kind, files)
        summary["imports"][kind] = report.as_dict()
        c = report.counts
        console.print(
            f"  imported {kind}: {len(files)} files, {c.imported} new posts, "
            f"{c.unchanged + c.updated} already known, {c.snapshots} metric snapshots, "
            f"{sum(report.skipped.values())} skipped, {c.quarantined} quarantined"
            f" ({stages.elapsed() - started:.1f} s)"
        )
    summary["classify"] = _classify_step(out, store, console, stages)
    summary["reports"] = _report_step(out, store, console, stages)
    from narrmon.store.queries import stats

    data = stats(store)
    summary["stats"] = data
    platforms = ", ".join(f"{n} {p}" for p, n in sorted(data["posts_by_platform"].items()))
    console.print(
        f"  store holds {data['posts']} posts ({platforms}) from {data['accounts']} accounts, "
        f"{data['snapshots']} metric snapshots, {data['quarantined']} quarantined"
    )
    summary["seconds"] = round(stages.elapsed(), 1)
    console.print(f"  demo finished in {summary['seconds']:.1f} s")
    _print_results(out, db_path, summary["reports"], console)
    return summary


def _print_results(out: Path, db_path: Path, reports: dict, console: Console) -> None:
    daily = sorted(reports["daily"].values())
    console.print("\n[bold]Results[/] (all under " + str(out) + "):")
    console.print(f"  store            {db_path}")
    console.print(f"  model            {out / 'models'}")
    if daily:
        folder = Path(daily[0]).parent.parent  # one folder per day inside it
        console.print(f"  daily reports    {folder}/  (open {daily[-1]})")
    for week, path in sorted(reports["weekly"].items()):
        console.print(f"  weekly PDF {week} {path}")
    program = _program()
    note = "" if program == "narrmon" else " (or `source .venv/bin/activate`, then just `narrmon`)"
    console.print(f"\n[bold]Explore[/] from this folder{note}:")
    for hint in explore_hints(out, db_path, reports, program):
        console.print("  " + shlex.join(hint), markup=False, soft_wrap=True)


def explore_hints(out: Path, db_path: Path, reports: dict, program: str) -> list[list[str]]:
    """Commands that explore the demo's store and model, each binding both explicitly."""
    db = ["--db", f"sqlite:///{_shown(db_path)}"]
    models = ["--models-dir", _shown(out / "models")]
    hints = [[program, "stats", *db], [program, "quarantine", *db]]
    if reports["weekly"]:
        week = max(reports["weekly"])
        monday = datetime.strptime(f"{week}-1", "%G-W%V-%u").date()
        span = ["--since", str(monday), "--until", str(monday + timedelta(days=6))]
        xlsx = _shown(out / f"pull-{week}.xlsx")
        hints.append([program, "pull", *span, "--format", "xlsx", "--out", xlsx, *db])
    if reports["daily"]:
        hints.append([program, "alerts", "--date", str(max(reports["daily"])), *db])
    hints.append([program, "classify", *db, *models])
    to_label = _shown(out / "to-label.csv")
    hints.append([program, "label", "export", "--uncertain", "20", "--out", to_label, *db, *models])
    return hints


def _program() -> str:
    """How to run narrmon from here: ``narrmon`` when that is on PATH, else the venv's script."""
    script = Path(sys.executable).parent / "narrmon"
    found = shutil.which("narrmon")
    if not script.is_file() or (found and Path(found).resolve() == script.resolve()):
        return "narrmon"
    return _shown(script)


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it, else absolute."""
    full, here = path.resolve(), Path.cwd().resolve()
    return str(full.relative_to(here)) if full.is_relative_to(here) else str(full)


def _report_step(out: Path, store: Store, console: Console, stages: Stages) -> dict:
    """Rollups, a daily report per sample day and the weekly PDFs; print where they are."""
    from narrmon.config import Config
    from narrmon.pipeline.report import report_all

    config = Config(models_dir=str(out / "models"))
    stages("rollups, daily reports and weekly PDFs")
    started = stages.elapsed()
    done = report_all(config, store, out / "reports", progress=stages)
    console.print(
        f"  rolled up {done['rollup']['days_recomputed']} days, wrote {len(done['daily'])} "
        f"daily reports and {len(done['weekly'])} weekly PDFs "
        f"({stages.elapsed() - started:.1f} s)"
    )
    for day, path in done["daily"].items():
        console.print(f"  daily report {day}: {path}")
    for week, path in done["weekly"].items():
        console.print(f"  weekly PDF {week}: {path}")
    return {k: {d: str(p) for d, p in v.items()} if k != "rollup" else v for k, v in done.items()}


def _classify_step(out: Path, store: Store, console: Console, stages: Stages) -> dict:
    """Train a model into ``out/models`` unless one is active, then classify the posts."""
    from classifiers import registry
    from narrmon.config import Config
    from narrmon.pipeline.classify import classify_posts, train

    config = Config(models_dir=str(out / "models"))
    if registry.active_version(config.models_dir) is None:
        stages("training the classifier on the seed corpus (a few minutes)")
        result = train(config, store, progress=lambda stage: stages(f"training: {stage}"))
        console.print(f"  trained model {result.version} ({result.seconds:.1f} s)")
    stages("classifying the posts")
    started = stages.elapsed()
    counts = classify_posts(config, store)
    labelled = ", ".join(f"{k} {v}" for k, v in counts.labelled.items())
    console.print(
        f"  classified with model {counts.model_version}: {counts.classified} posts, "
        f"{counts.out_of_scope} out of scope, {counts.skipped} already done; {labelled}"
        f" ({stages.elapsed() - started:.1f} s)"
    )
    return counts.as_dict()
