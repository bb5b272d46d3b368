"""CLI commands of live collection: collect, refresh, telegram login."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from narrmon.cli.common import ConfigOption, DbOption, JsonOption, console, err_console

telegram_app = typer.Typer(help="Telegram account set-up.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add collect, refresh and telegram login to ``app``."""
    app.command("collect")(collect_cmd)
    app.command("refresh")(refresh_cmd)
    telegram_app.command("login")(telegram_login)
    app.add_typer(telegram_app, name="telegram")


def collect_cmd(
    platform: Annotated[str, typer.Argument(help="telegram | x | all", show_default=False)],
    channel: Annotated[
        list[str] | None,
        typer.Option(
            "--channel",
            help="Only this channel, @account or query (repeatable); default: all configured.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Collect new posts from Telegram channels and X accounts and searches."""
    from narrmon.cli.common import require_choice
    from narrmon.config import load_config, open_store
    from narrmon.pipeline.collect import PLATFORM_CHOICES, collect

    require_choice(platform, PLATFORM_CHOICES, "PLATFORM")
    cfg = load_config(config)
    store = open_store(cfg, db)
    report = collect(cfg, store, platform, channel or None)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        if report.rows:
            print_rows(report, title=f"collect {platform}")
        else:
            console.print("nothing configured to collect: add channels, accounts or queries")
    if report.failed:
        raise typer.Exit(1)


def refresh_cmd(
    days: Annotated[
        int | None,
        typer.Option("--days", help="Refresh posts younger than this (default: config)."),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-read the reach of recent posts and record which ones were deleted."""
    from narrmon.config import load_config, open_store
    from narrmon.pipeline.collect import refresh

    cfg = load_config(config)
    report = refresh(cfg, open_store(cfg, db), days)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(
            f"refresh of posts since {report.since:%Y-%m-%d %H:%M} UTC: "
            f"{report.snapshots} snapshots, {report.deleted} newly deleted"
        )
        if report.rows:
            print_rows(report, title="refresh")
    if report.failed:
        raise typer.Exit(1)


def telegram_login() -> None:
    """Log in to Telegram once and print the session string to keep as a secret."""
    from collectors.telegram.client import interactive_login
    from collectors.telegram.constants import ENV_API_HASH, ENV_API_ID, ENV_SESSION
    from collectors.telegram.types import parse_api_id
    from narrmon.config import require_env

    api_id = parse_api_id(require_env(ENV_API_ID, "the Telegram API id"), ENV_API_ID)
    api_hash = require_env(ENV_API_HASH, "the Telegram API hash")
    err_console.print("Logging in to Telegram: you will be asked for the phone number and code.")
    session = interactive_login(api_id, api_hash)
    err_console.print(
        f"Logged in. The line below is your session: keep it secret, set it as {ENV_SESSION} "
        "(or the `session` extra of the Airflow Connection narrmon_telegram)."
    )
    print(session)


def print_rows(report, *, title: str) -> None:
    """One line per source: new, updated, snapshots, and status (deferred until, why)."""
    table = Table(title=title)
    for col in ("platform", "source", "new", "updated", "snapshots", "requests", "status"):
        right = col in ("new", "updated", "snapshots", "requests")
        table.add_column(col, justify="right" if right else "left", overflow="fold")
    for row in report.rows:
        table.add_row(
            row.platform,
            row.source,
            str(row.new),
            str(row.updated),
            str(row.snapshots),
            str(row.requests),
            status_text(row),
        )
    console.print(table)


def status_text(row) -> str:
    """``ok``, ``deferred until … (why)`` or ``failed: why``."""
    from collectors.outcome import DEFERRED, FAILED, OK

    if row.status == DEFERRED:
        when = f" until {row.deferred_until:%Y-%m-%d %H:%M} UTC" if row.deferred_until else ""
        return f"{DEFERRED}{when}: {row.reason}"
    if row.status == FAILED:
        return f"{FAILED}: {row.reason}"
    extra = f", {row.deleted} deleted" if row.deleted else ""
    return f"{OK}{extra}"
