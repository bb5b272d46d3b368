"""The ``narrmon`` command line: a thin adapter over :mod:`narrmon.pipeline`.

Each area registers its commands from its own module, so they stay small:
``store_cmds`` (init, import, stats, demo), ``classify_cmds``, ``collect_cmds`` and
``report_cmds``.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Annotated

import typer
from rich.markup import escape

from narrmon.cli import (
    classify_cmds,
    collect_cmds,
    coordination_cmds,
    report_cmds,
    store_cmds,
)
from narrmon.cli.common import console, err_console
from narrmon.errors import NarrmonError

app = typer.Typer(
    name="narrmon",
    help="Monitor how pro-Kremlin narratives spread through Serbian and Bosnian social media.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        console.print(f"narrmon {metadata.version('narrmon')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Monitor how pro-Kremlin narratives spread through Serbian and Bosnian social media."""


for _module in (store_cmds, classify_cmds, collect_cmds, report_cmds, coordination_cmds):
    _module.register(app)


# Collect the youngest generation after this many new container objects, not 700: bulk
# commands (import, classify) build millions of short-lived records and rows, and with
# the default a 100,000-post import spent 0.84 of its ~8.8 CPU s in collections that
# found little to free (0.11 s with this; same peak memory).
GC_YOUNG_THRESHOLD = 50_000


@contextmanager
def _few_collections() -> Iterator[None]:
    """Fewer garbage collections while a command runs; the settings are restored after.

    The objects that exist before the command (modules, the CLI) are frozen, so the
    collections that do run do not walk them again; a caller that froze objects itself
    (``gc.freeze`` has no nesting) is left to its own.
    """
    old = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        if freeze:
            gc.unfreeze()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``narrmon`` console script; returns the exit code."""
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    try:
        # With standalone_mode=False click returns typer.Exit's code instead of raising.
        with _few_collections():
            code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and not isinstance(code, bool):
            return code
    except NarrmonError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        return int(getattr(exc, "exit_code", 2))
    return 0


__all__ = ["app", "console", "main"]
