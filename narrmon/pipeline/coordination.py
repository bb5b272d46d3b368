"""Pipeline steps of coordination: the near-duplicate pass, clusters, the graph, discovery.

Each step takes the configuration and the store, like the other steps; the CLI and the
daily and weekly reports call these. The near-duplicate pass runs one UTC day per
transaction, so a long range never holds one large transaction or all its posts at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from narrmon.config import Config
from narrmon.errors import InputError
from narrmon.store import Store
from narrmon.store.core import now_utc

REPORT_CLUSTERS = 10  # clusters a report section lists
REPORT_EVIDENCE = 5  # evidence posts a report shows per cluster


@dataclass(frozen=True)
class Window:
    """A checked ``[start, end)`` window in UTC."""

    start: datetime
    end: datetime


def window(since: Any, until: Any) -> Window:
    """``--since``/``--until`` as a window (a date-only ``until`` includes that day)."""
    from reports.pull import parse_bound

    start, end = parse_bound(since, end=False), parse_bound(until, end=True)
    if end <= start:
        raise InputError(f"empty window: until ({end}) is not after since ({start})")
    return Window(start, end)


def near_duplicate_pass(
    config: Config, store: Store, start: datetime, end: datetime, *, now: datetime | None = None
) -> dict[str, int]:
    """Sign and cluster the posts of ``[start, end)`` not signed yet; returns the counts."""
    from narrmon.coordination.neardup import PassResult, run_pass
    from narrmon.store.fast_sqlite import sqlite_begin_immediate

    total = PassResult()
    day = start
    while day < end:
        stop = min(day + timedelta(days=1), end)
        with store.begin() as conn:
            if store.dialect == "sqlite":
                sqlite_begin_immediate(conn)
            result = run_pass(conn, day, stop, config.coordination, now or now_utc())
        for name, value in result.as_dict().items():
            setattr(total, name, getattr(total, name) + value)
        day = stop
    return total.as_dict()


def coordination(
    config: Config,
    store: Store,
    since: Any,
    until: Any,
    *,
    model_version: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The near-duplicate pass over the window, then every cluster with its evidence."""
    from narrmon.coordination.figures import coordination_figures
    from reports.rollups import resolve_model_version

    w = window(since, until)
    done = near_duplicate_pass(config, store, w.start, w.end, now=now)
    with store.engine.connect() as conn:
        version = resolve_model_version(conn, model_version)
        figures = coordination_figures(conn, w.start, w.end, version, config.coordination)
    return {**figures, "pass": done}


def report_section(
    config: Config, store: Store, start: datetime, end: datetime, version: str
) -> dict[str, Any]:
    """What a report shows of coordination: counts, settings and the top clusters, short."""
    figures = coordination(config, store, start, end, model_version=version)
    top = []
    for cluster in figures["clusters"][:REPORT_CLUSTERS]:
        short = {k: v for k, v in cluster.items() if k not in ("evidence", "edges")}
        short["evidence"] = cluster["evidence"][:REPORT_EVIDENCE]
        top.append(short)
    return {
        "counts": figures["counts"],
        "settings": figures["settings"],
        "clusters": top,
        "clusters_total": len(figures["clusters"]),
    }


def network(
    config: Config,
    store: Store,
    since: Any,
    until: Any,
    fmt: str,
    out: str | Path,
    *,
    model_version: str | None = None,
) -> tuple[list[Path], dict[str, int]]:
    """Write the amplification and coordination graph of the window; returns paths, counts."""
    from narrmon.coordination.graph_export import window_graph
    from narrmon.coordination.network import FORMATS, export_graph

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    w = window(since, until)
    near_duplicate_pass(config, store, w.start, w.end)
    graph = window_graph(config, store, w.start, w.end, model_version)
    counts = {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
    return export_graph(graph, Path(out), fmt), counts


def discover(
    config: Config,
    store: Store,
    since: Any = None,
    until: Any = None,
    *,
    limit: int = 20,
    model_version: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Unwatched channels and accounts, ranked; the window defaults to the last N days."""
    from narrmon.coordination.discover import discover as rank
    from reports.rollups import resolve_model_version

    end = now or now_utc()
    since = since or (end - timedelta(days=config.coordination.discover_days))
    w = window(since, until or end)
    with store.engine.connect() as conn:
        version = resolve_model_version(conn, model_version)
        rows = rank(conn, config, w.start, w.end, version, limit)
    return {
        "since": w.start.isoformat(),
        "until": w.end.isoformat(),
        "model_version": version or None,
        "candidates": rows,
    }
