"""CLI commands of the report area: ``report daily``, ``report weekly``, ``pull``, ``alerts``."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Annotated

import typer

from narrmon.cli.common import ConfigOption, DbOption, JsonOption, console, err_console
from narrmon.config import config_and_store

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model-version",
        help="Model version whose labels to report (default: the newest classified).",
        show_default=False,
    ),
]
FORMAT_HELP = "csv | parquet | xlsx | jsonl"
SMTP_HELP = "(config smtp; password from $NARRMON_SMTP_PASSWORD)."

report_app = typer.Typer(help="Daily HTML/CSV/JSON report and weekly PDF.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``report`` (daily, weekly), ``pull`` and ``alerts`` to ``app``."""
    report_app.command("daily")(daily_cmd)
    report_app.command("weekly")(weekly_cmd)
    app.add_typer(report_app, name="report")
    app.command("pull")(pull_cmd)
    app.command("alerts")(alerts_cmd)


def daily_cmd(
    day: Annotated[str, typer.Option("--date", help="UTC day, YYYY-MM-DD.", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Directory (default: <reports.out_dir>/daily).", show_default=False
        ),
    ] = None,
    model_version: ModelOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Write the daily report of one UTC day: an HTML page, JSON and CSV files."""
    from narrmon.pipeline.report import daily_report

    paths = daily_report(
        *config_and_store(config, db, create=False), day, out, model_version=model_version
    )
    console.print(f"daily report {day}: {paths[0]}")
    console.print(f"  figures: {paths[1]} and {len(paths) - 2} CSV files in {paths[0].parent}")


def weekly_cmd(
    week: Annotated[
        str, typer.Option("--week", help="ISO week, e.g. 2026-W47.", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="PDF file (default: <reports.out_dir>/narrmon-weekly-WEEK.pdf).",
            show_default=False,
        ),
    ] = None,
    send: Annotated[bool, typer.Option("--send", help=f"E-mail the PDF {SMTP_HELP}")] = False,
    model_version: ModelOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Write the weekly PDF of one ISO week."""
    from narrmon.pipeline.report import send_weekly, weekly_report

    settings, store = config_and_store(config, db, create=False)
    path = weekly_report(settings, store, week, out, model_version=model_version)
    console.print(f"weekly report {week}: {path}")
    if send:
        console.print(f"e-mailed to {send_weekly(settings, week, path)} recipient(s)")


def pull_cmd(
    since: Annotated[
        str, typer.Option("--since", help="From (YYYY-MM-DD or ISO time, UTC).", show_default=False)
    ],
    until: Annotated[
        str, typer.Option("--until", help="To; a date includes that whole day.", show_default=False)
    ],
    fmt: Annotated[str, typer.Option("--format", help=FORMAT_HELP, show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Output file.", show_default=False)],
    label: Annotated[
        list[str] | None, typer.Option("--label", help="Narrative (repeatable).")
    ] = None,
    platform: Annotated[
        list[str] | None, typer.Option("--platform", help="telegram or x (repeatable).")
    ] = None,
    account: Annotated[
        list[str] | None, typer.Option("--account", help="Account id or handle (repeatable).")
    ] = None,
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="Language code (repeatable).")
    ] = None,
    script: Annotated[
        list[str] | None, typer.Option("--script", help="cyrl or latn (repeatable).")
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            help="Keep posts scoring at least this for a --label (or any label).",
            show_default=False,
        ),
    ] = None,
    bom: Annotated[
        bool, typer.Option("--bom", help="CSV: start with a UTF-8 BOM (for Excel).")
    ] = False,
    model_version: ModelOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Pull posts with their latest metrics, labels and scores into a file, one row per post."""
    import narrmon
    from narrmon.cli.common import require_choice
    from narrmon.pipeline.report import export_pull
    from reports.pull import FORMATS, CutTextWarning, suffix_mismatch

    require_choice(fmt, FORMATS, "--format")
    if mismatch := suffix_mismatch(out, fmt):
        raise typer.BadParameter(mismatch, param_hint="--out")
    if out.is_dir():
        hint = f"{out} is a folder: give a file name, such as {out / f'pull.{fmt}'}"
        raise typer.BadParameter(hint, param_hint="--out")
    if not out.parent.is_dir():
        raise typer.BadParameter(f"the folder {out.parent} does not exist", param_hint="--out")
    frame = narrmon.pull(
        since,
        until,
        label=label,
        platform=platform,
        account=account,
        lang=lang,
        script=script,
        min_score=min_score,
        model_version=model_version,
        db=db,
        config=config,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CutTextWarning)
        path = export_pull(frame, out, fmt, bom=bom)
    console.print(f"{len(frame):,} posts written to {path}")
    for warning in caught:
        err_console.print(f"warning: {warning.message}", markup=False)


def alerts_cmd(
    day: Annotated[str, typer.Option("--date", help="UTC day, YYYY-MM-DD.", show_default=False)],
    send: Annotated[bool, typer.Option("--send", help=f"E-mail the spikes {SMTP_HELP}")] = False,
    model_version: ModelOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List narrative spikes of one UTC day with the posts behind each."""
    from narrmon.pipeline.report import alerts
    from reports.alerts import alert_text

    result = alerts(
        *config_and_store(config, db, create=False),
        day,
        model_version=model_version,
        send=send,
    )
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(alert_text(result.day, result.spikes, result.model_version), markup=False)
        if send:
            console.print(
                f"e-mailed to {result.emailed_to} recipient(s)"
                if result.spikes
                else "nothing to send"
            )
