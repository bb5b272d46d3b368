"""CLI commands of coordination: ``coordination``, ``network``, ``discover``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from narrmon.cli.common import ConfigOption, DbOption, JsonOption, console, require_choice
from narrmon.config import config_and_store

GRAPH_FORMATS = ("gexf", "graphml", "csv")
SHOWN_EVIDENCE = 3  # evidence posts printed under each cluster (all of them in --json)
SinceOption = Annotated[
    str, typer.Option("--since", help="From (YYYY-MM-DD or ISO time, UTC).", show_default=False)
]
UntilOption = Annotated[
    str, typer.Option("--until", help="To; a date includes that whole day.", show_default=False)
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model-version",
        help="Model version whose labels to count (default: the newest classified).",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``coordination``, ``network`` and ``discover`` to ``app``."""
    app.command("coordination")(coordination_cmd)
    app.command("network")(network_cmd)
    app.command("discover")(discover_cmd)


def _dump(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def coordination_cmd(
    since: SinceOption,
    until: UntilOption,
    model_version: ModelOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List coordination clusters: near-duplicate texts, co-forwards and networks."""
    from narrmon.pipeline.coordination import coordination

    data = coordination(
        *config_and_store(config, db, create=False), since, until, model_version=model_version
    )
    if as_json:
        _dump(data)
        return
    s, counts = data["settings"], data["counts"]
    how = "estimated" if s["coforward_window_estimated"] else "set"
    console.print(
        f"{data['since']} to {data['until']}: {counts['network']} network(s), "
        f"{counts['near_duplicate']} near-duplicate cluster(s), {counts['co_forward']} "
        f"co-forwarded original(s); co-share window {s['coforward_window_seconds']} s ({how})",
        markup=False,
    )
    table = Table()
    for col in ("kind", "cluster", "accounts", "posts", "first", "last", "views", "narratives"):
        table.add_column(col, justify="right" if col in ("posts", "views") else "left")
    for c in data["clusters"]:
        narratives = ", ".join(f"{k} {v}" for k, v in c["narratives"].items())
        table.add_row(
            *(
                Text(str(v))
                for v in (
                    c["kind"],
                    c["cluster_id"],
                    ", ".join(c["accounts"]),
                    c["posts"],
                    (c["first"] or "")[:16],
                    (c["last"] or "")[:16],
                    f"{c['views']:,} ({c['views_known']} known)",
                    narratives or "-",
                )
            )
        )
    console.print(table)
    for c in data["clusters"]:
        console.print(f"{c['cluster_id']} evidence:", markup=False)
        for e in c["evidence"][:SHOWN_EVIDENCE]:
            line = f"  {e['created_at'][:16]} {e['account']} {e['url'] or e['post_id']}: "
            console.print(line + e["excerpt"][:100], markup=False)


def network_cmd(
    since: SinceOption,
    until: UntilOption,
    fmt: Annotated[str, typer.Option("--format", help="gexf | graphml | csv", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Output file.", show_default=False)],
    model_version: ModelOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Export the amplification and coordination graph of a window for Gephi."""
    from narrmon.pipeline.coordination import network

    require_choice(fmt, GRAPH_FORMATS, "--format")
    if out.is_dir():
        hint = f"{out} is a folder: give a file name, such as {out / f'network.{fmt}'}"
        raise typer.BadParameter(hint, param_hint="--out")
    if not out.parent.is_dir():
        raise typer.BadParameter(f"the folder {out.parent} does not exist", param_hint="--out")
    paths, counts = network(
        *config_and_store(config, db, create=False),
        since,
        until,
        fmt,
        out,
        model_version=model_version,
    )
    console.print(
        f"{counts['nodes']:,} accounts and {counts['edges']:,} edges written to "
        + " and ".join(str(p) for p in paths),
        markup=False,
    )


def discover_cmd(
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="From (default: coordination.discover_days ago).", show_default=False
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="To (default: now).", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Candidates shown.", min=1)] = 20,
    model_version: ModelOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rank channels and accounts we do not watch by how watched ones forward or mention them."""
    from narrmon.pipeline.coordination import discover

    data = discover(
        *config_and_store(config, db, create=False),
        since,
        until,
        limit=limit,
        model_version=model_version,
    )
    if as_json:
        _dump(data)
        return
    rows = data["candidates"]
    console.print(f"{data['since']} to {data['until']}: {len(rows)} candidate(s)", markup=False)
    table = Table()
    cols = ("rank", "account", "watched", "fwd", "ment", "seen", "narr", "bcms", "pagerank")
    for col in cols:
        table.add_column(col, justify="left" if col == "account" else "right")
    for r in rows:
        name = (
            f"{r['platform']}:@{r['handle']}"
            if r["handle"]
            else f"{r['platform']}:{r['account_id']}"
        )
        cells = (
            r["rank"],
            name,
            r["watched_sources"],
            r["forwards"],
            r["mentions"],
            r["posts_seen"],
            "-" if r["narrative_share"] is None else f"{r['narrative_share']:.0%}",
            "-" if r["bcms_share"] is None else f"{r['bcms_share']:.0%}",
            f"{r['pagerank']:.4f}",
        )
        table.add_row(*(Text(str(c)) for c in cells))
    console.print(table)
    if rows:
        console.print("to watch one, add its line to narrmon.yaml:", markup=False)
        for r in rows:
            console.print(r["add"], markup=False)
