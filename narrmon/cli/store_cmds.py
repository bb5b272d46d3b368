"""CLI commands over the store: init, import, stats, quarantine, demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from narrmon.cli.common import ConfigOption, DbOption, JsonOption, console, err_console
from narrmon.config import load_config, open_store
from narrmon.pipeline import ImportReport, import_paths

KIND_HELP = "telegram-export | telethon-json | x-jsonl | csv"
PROGRESS_MIN_BYTES = 5_000_000  # show a progress bar for files larger than this
GAPS_SHOWN = 30  # channels listed in the message-id gaps table


def register(app: typer.Typer) -> None:
    """Add init, import, stats, quarantine and demo to ``app``."""
    app.command("init")(init)
    app.command("import")(import_cmd)
    app.command("stats")(stats_cmd)
    app.command("quarantine")(quarantine_cmd)
    app.command("demo")(demo_cmd)


def init(db: DbOption = None, config: ConfigOption = None) -> None:
    """Create the store, or bring its schema up to date."""
    store = open_store(load_config(config), db)
    console.print(f"store ready at {store.describe()}")


def import_cmd(
    kind: Annotated[str, typer.Argument(help=KIND_HELP, show_default=False)],
    paths: Annotated[list[Path], typer.Argument(help="Files to import.", show_default=False)],
    config: ConfigOption = None,
    all_chats: Annotated[
        bool,
        typer.Option(
            "--all-chats",
            help="Telegram exports: also import personal chats, bots and private groups.",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import exported or dumped posts from files (see the README for each format)."""
    from collectors.importers import KINDS
    from narrmon.cli.common import require_choice

    require_choice(kind, KINDS, "KIND")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        err_console.print(f"[bold red]error:[/] no such file: {', '.join(missing)}")
        raise typer.Exit(2)
    store = open_store(load_config(config), db)
    report = _import_with_progress(store, kind, paths, all_chats)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_import_report(report)
    if not report.anything_read:
        raise typer.Exit(1)


def _import_with_progress(store, kind: str, paths: list[Path], all_chats: bool) -> ImportReport:
    total = sum(p.stat().st_size for p in paths)
    if total < PROGRESS_MIN_BYTES or not err_console.is_terminal:
        return import_paths(store, kind, paths, all_chats=all_chats)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(f"importing {kind}", total=total)
        done_before = 0
        last = 0

        def on_progress(position: int) -> None:
            nonlocal last, done_before
            if position < last:  # a new file started
                done_before += last
            last = position
            progress.update(task, completed=done_before + position)

        return import_paths(store, kind, paths, all_chats=all_chats, on_progress=on_progress)


def print_import_report(report: ImportReport) -> None:
    """Print an import's counts, skip reasons and bad records."""
    c = report.counts
    console.print(
        f"{report.kind}: {len(report.files)} file(s): "
        f"{c.imported} imported, {c.updated} updated, {c.unchanged} unchanged, "
        f"{sum(report.skipped.values())} skipped, {c.quarantined} quarantined; "
        f"{c.snapshots} metric snapshots, {c.accounts} accounts"
    )
    for reason, n in sorted(report.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
        console.print(f"  skipped {n}: {reason}")
    if report.duplicates:
        console.print(
            f"  {report.duplicates} duplicate post id(s) within a file: the last of each is kept"
        )
    for message in report.rejects:
        err_console.print(f"  quarantined: {message}")
    hidden = c.quarantined - len(report.rejects)
    if hidden > 0:
        err_console.print(f"  … and {hidden} more quarantined (see `narrmon quarantine`)")
    for failure in report.failed_files:
        err_console.print(f"[bold red]  could not read[/] {failure}")


def stats_cmd(
    db: DbOption = None, config: ConfigOption = None, as_json: JsonOption = False
) -> None:
    """Show what the store holds: posts per platform, source, account and day."""
    from narrmon.store.queries import stats

    data = stats(open_store(load_config(config), db, create=False))
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    print_stats(data)


def print_stats(data: dict) -> None:
    """Print the output of :func:`narrmon.store.queries.stats` as tables."""
    console.print(f"store: {data['store']}")
    console.print(
        f"{data['posts']} posts, {data['accounts']} accounts, {data['snapshots']} metric "
        f"snapshots, {data['quarantined']} quarantined"
        + (" (list them: narrmon quarantine)" if data["quarantined"] else "")
    )
    for title, key in (("platform", "posts_by_platform"), ("source", "posts_by_source")):
        table = Table(title=f"posts by {title}")
        table.add_column(title)
        table.add_column("posts", justify="right")
        for name, n in sorted(data[key].items()):
            table.add_row(str(name), str(n))
        console.print(table)
    table = Table(title="posts by account (top 20)")
    for col in ("platform", "account", "posts"):
        table.add_column(col, justify="right" if col == "posts" else "left")
    for row in data["posts_by_account"][:20]:
        name = f"@{row['handle']}" if row["handle"] else row["account_id"]
        table.add_row(row["platform"], name, str(row["posts"]))
    console.print(table)
    table = Table(title="posts by day (UTC)")
    table.add_column("day")
    table.add_column("posts", justify="right")
    for day, n in data["posts_by_day"].items():
        table.add_row(str(day), str(n))
    console.print(table)
    if data.get("gaps"):
        table = Table(title="Telegram message-id gaps per channel (deleted before seen, or holes)")
        for col in ("channel", "posts", "ids", "missing", "holes", "largest", "deleted"):
            table.add_column(col, justify="left" if col in ("channel", "ids") else "right")
        for row in data["gaps"][:GAPS_SHOWN]:
            name = f"@{row['handle']}" if row["handle"] else row["account_id"]
            table.add_row(
                name,
                str(row["posts"]),
                f"{row['first_id']}–{row['last_id']}",
                str(row["missing_ids"]),
                str(row["holes"]),
                str(row["largest_hole"]),
                str(row["deleted"]),
            )
        console.print(table)
    for extra in data.get("sections", []):
        console.print(extra)


def quarantine_cmd(
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="Show at most this many.", show_default=False),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the quarantined records: file, record (line or id) and reason."""
    from narrmon.store.queries import quarantined

    rows = quarantined(open_store(load_config(config), db, create=False), limit)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    first = f" (the first {limit})" if limit and len(rows) == limit else ""
    console.print(f"{len(rows)} quarantined record(s){first}")
    if rows:
        table = Table()
        for col in ("file", "record", "reason"):
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*(Text(row[col]) for col in ("file", "record", "reason")))
        console.print(table)


def demo_cmd(
    out: Annotated[Path, typer.Option("--out", help="Where the demo store and results go.")] = Path(
        "out/demo"
    ),
) -> None:
    """Run the pipeline on the bundled sample data with a local SQLite store."""
    from narrmon.demo import run_demo

    run_demo(out, console=console)
