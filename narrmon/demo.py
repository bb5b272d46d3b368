"""``narrmon demo``: the whole pipeline on the bundled sample data, no accounts needed."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console

from narrmon.pipeline import import_paths
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


def run_demo(out: Path, *, console: Console, sample_dir: Path = SAMPLE_DIR) -> dict:
    """Import the samples into ``out/narrmon.db`` and print where everything is."""
    out.mkdir(parents=True, exist_ok=True)
    db_path = (out / "narrmon.db").resolve()
    store = Store(f"sqlite:///{db_path}")
    console.print(f"[bold]narrmon demo[/]: store {db_path}")
    summary: dict = {"store": str(db_path), "imports": {}}
    for kind, files in sample_files(sample_dir).items():
        if not files:
            raise FileNotFoundError(f"no sample files for {kind} under {sample_dir}")
        report = import_paths(store, kind, files)
        summary["imports"][kind] = report.as_dict()
        c = report.counts
        console.print(
            f"  imported {kind}: {len(files)} files, {c.imported} new posts, "
            f"{c.unchanged + c.updated} already known, {c.snapshots} metric snapshots, "
            f"{sum(report.skipped.values())} skipped, {c.quarantined} quarantined"
        )
    from narrmon.cli.store_cmds import print_stats
    from narrmon.store.queries import stats

    data = stats(store)
    summary["stats"] = data
    print_stats(data)
    console.print(f"\n[bold]Results[/]: the store is {db_path}")
    console.print(f"  look inside: narrmon stats --db sqlite:///{db_path}")
    return summary
