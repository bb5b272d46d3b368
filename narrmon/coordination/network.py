"""Coordinated networks: accounts linked by shared near-duplicate clusters and co-shares.

Nodes are accounts (``platform:account_id``). An edge between two accounts has
``clusters`` (near-duplicate clusters both posted in), ``co_shares`` (originals both
shared within the window, for pairs that pass the co-share filters) and ``weight``, their
sum. Communities are networkx's Louvain partition of that weighted graph (fixed seed, so
the same data gives the same communities). :func:`export_graph` writes it together with
the amplification graph (who forwarded, reposted or quoted whom) for Gephi.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx

from narrmon.errors import InputError
from narrmon.safe_text import spreadsheet_cell

AccountKey = tuple[str, str]
LOUVAIN_SEED = 17
FORMATS = ("gexf", "graphml", "csv")
NETWORK_PREFIX = "net-"
EVIDENCE_IN_GRAPH = 50  # post ids kept on an exported edge
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def node_id(account: AccountKey) -> str:
    """The graph's id of an account: ``platform:account_id``."""
    return f"{account[0]}:{account[1]}"


def coordination_graph(
    clusters: Iterable[dict[AccountKey, list[tuple[str, str]]]],
    pairs: Iterable[Any],
) -> nx.Graph:
    """The weighted account graph of near-duplicate clusters and linked co-share pairs.

    ``clusters`` give each near-duplicate cluster's posts per account; ``pairs`` are
    :class:`narrmon.coordination.coforward.Pair`. Each edge keeps its evidence post keys.
    """
    graph = nx.Graph()

    def edge(a: AccountKey, b: AccountKey) -> dict[str, Any]:
        u, v = node_id(a), node_id(b)
        for n, acc in ((u, a), (v, b)):
            if n not in graph:
                graph.add_node(n, platform=acc[0], account_id=acc[1])
        if not graph.has_edge(u, v):
            graph.add_edge(u, v, clusters=0, co_shares=0, weight=0, evidence=set(), symmetry=None)
        return graph.edges[u, v]

    for by_account in clusters:
        for a, b in combinations(sorted(by_account), 2):
            data = edge(a, b)
            data["clusters"] += 1
            data["weight"] += 1
            data["evidence"].update(by_account[a], by_account[b])
    for p in pairs:
        data = edge(p.a, p.b)
        data["co_shares"] += p.weight
        data["weight"] += p.weight
        data["symmetry"] = round(p.symmetry, 3)
        data["evidence"].update(p.posts_a | p.posts_b)
    return graph


def communities(graph: nx.Graph) -> list[list[str]]:
    """Louvain communities of two or more accounts, largest first, members sorted."""
    if graph.number_of_edges() == 0:
        return []
    found = nx.community.louvain_communities(graph, weight="weight", seed=LOUVAIN_SEED)
    groups = [sorted(c) for c in found if len(c) >= 2]
    groups.sort(key=lambda c: (-len(c), c))
    return groups


def community_id(members: list[str]) -> str:
    """A stable id for a community: the hash of its sorted members."""
    return NETWORK_PREFIX + hashlib.blake2b("|".join(members).encode(), digest_size=8).hexdigest()


def xml_text(value: Any) -> Any:
    """A string without the characters XML 1.0 cannot hold (other values unchanged)."""
    return _NOT_XML.sub("", value) if isinstance(value, str) else value


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in attrs.items():
        if v is None:
            continue
        if isinstance(v, set | list | tuple):
            v = " ".join(sorted(f"{x[0]}:{x[1]}" if isinstance(x, tuple) else str(x) for x in v))
        out[k] = xml_text(v)
    return out


def export_graph(graph: nx.MultiDiGraph, out: Path, fmt: str) -> list[Path]:
    """Write ``graph`` as GEXF, GraphML or CSV (edges, plus a ``-nodes.csv`` beside it)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    clean = nx.MultiDiGraph()
    for n, attrs in graph.nodes(data=True):
        clean.add_node(xml_text(n), **_clean(attrs))
    for u, v, attrs in graph.edges(data=True):
        clean.add_edge(xml_text(u), xml_text(v), **_clean(attrs))
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "gexf":
        nx.write_gexf(clean, out)
        return [out]
    if fmt == "graphml":
        nx.write_graphml(clean, out)
        return [out]
    nodes = out.with_name(out.stem + "-nodes.csv")
    _write_csv(out, [{"source": u, "target": v, **a} for u, v, a in clean.edges(data=True)])
    _write_csv(nodes, [{"id": n, **a} for n, a in clean.nodes(data=True)])
    return [out, nodes]


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(header) or ["none"])
        writer.writeheader()
        writer.writerows({k: spreadsheet_cell(v) for k, v in row.items()} for row in rows)
