"""Options and helpers shared by the CLI command modules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store URL (default: $NARRMON_DB_URL, else the config's db_url, else "
        "sqlite:///data/narrmon.db).",
        show_default=False,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Configuration file (default: $NARRMON_CONFIG, else ./narrmon.yaml).",
        show_default=False,
    ),
]


def require_choice(value: str, choices: Sequence[str], hint: str) -> None:
    """A usage error (exit 2) naming ``hint`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise typer.BadParameter(f"{value!r} is not one of: {' | '.join(choices)}", param_hint=hint)


JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of tables.")
]
