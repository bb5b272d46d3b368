"""The coordination clusters of a window, JSON-ready, each with the posts that prove it.

Three kinds of cluster:

- ``near_duplicate``: one near-duplicate cluster (:mod:`~narrmon.coordination.neardup`)
  whose posts in the window come from at least ``min_accounts`` accounts;
- ``co_forward``: one original shared by linked pairs of accounts within the window
  (:mod:`~narrmon.coordination.coforward`);
- ``network``: a Louvain community of accounts linked by both
  (:mod:`~narrmon.coordination.network`), with its edges and their evidence.

Each cluster gives its accounts, posts, first and last time, total views (the latest
snapshot of each post; ``views_known`` says how many knew them), the narratives its posts
carry (posts per label, for the model version) and the evidence posts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from narrmon.config import CoordinationConfig
from narrmon.coordination.coforward import CoShareResult, Pair, co_shares
from narrmon.coordination.evidence import load_posts
from narrmon.coordination.network import communities, community_id, coordination_graph, node_id
from narrmon.store.signatures import clusters_of

Key = tuple[str, str]
AccountKey = tuple[str, str]
KIND_ORDER = {"network": 0, "near_duplicate": 1, "co_forward": 2}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _cluster(
    kind: str, cluster_id: str, keys: set[Key], posts: dict[Key, dict[str, Any]]
) -> dict[str, Any]:
    rows = sorted(
        (posts[k] for k in keys if k in posts), key=lambda r: (r["created_at"], r["post_id"])
    )
    accounts = sorted({(r["platform"], r["account_id"]): r["account"] for r in rows}.items())
    views = [r["views"] for r in rows if r["views"] is not None]
    narratives = Counter(label for r in rows for label in r["labels"])
    return {
        "cluster_id": cluster_id,
        "kind": kind,
        "accounts": [name for _, name in accounts],
        "account_ids": [node_id(key) for key, _ in accounts],
        "account_count": len(accounts),
        "posts": len(rows),
        "first": _iso(rows[0]["created_at"]) if rows else None,
        "last": _iso(rows[-1]["created_at"]) if rows else None,
        "views": sum(views),
        "views_known": len(views),
        "narratives": dict(sorted(narratives.items())),
        "evidence": [{**r, "created_at": _iso(r["created_at"])} for r in rows],
    }


def near_duplicates(
    conn: Connection, start: datetime, end: datetime, settings: CoordinationConfig
) -> dict[str, dict[AccountKey, list[Key]]]:
    """Per kept cluster id, its posts in the window by account."""
    members: dict[str, dict[AccountKey, list[Key]]] = defaultdict(lambda: defaultdict(list))
    for key, (cluster_id, account_id) in clusters_of(conn, start, end).items():
        members[cluster_id][(key[0], account_id)].append(key)
    return {cid: dict(by) for cid, by in members.items() if len(by) >= settings.min_accounts}


def _co_forward_clusters(pairs: list[Pair]) -> dict[Key, set[Key]]:
    by_original: dict[Key, set[Key]] = defaultdict(set)
    for p in pairs:
        for original, posts in p.by_original.items():
            by_original[original].update(posts)
    return by_original


def _edge_rows(graph: Any, members: list[str]) -> list[dict[str, Any]]:
    rows = []
    for u, v, data in sorted(graph.subgraph(members).edges(data=True)):
        rows.append(
            {
                "a": u,
                "b": v,
                "weight": data["weight"],
                "clusters": data["clusters"],
                "co_shares": data["co_shares"],
                "symmetry": data["symmetry"],
                "evidence": sorted(f"{k[0]}:{k[1]}" for k in data["evidence"]),
            }
        )
    return rows


def coordination_figures(
    conn: Connection,
    start: datetime,
    end: datetime,
    version: str,
    settings: CoordinationConfig,
) -> dict[str, Any]:
    """Every cluster of ``[start, end)`` with its evidence, and the settings used."""
    dups = near_duplicates(conn, start, end, settings)
    shared: CoShareResult = co_shares(conn, start, end, settings)
    originals = _co_forward_clusters(shared.pairs)
    graph = coordination_graph(dups.values(), shared.pairs)
    groups = communities(graph)
    keys: set[Key] = set()
    for by_account in dups.values():
        keys.update(k for posts in by_account.values() for k in posts)
    for posts in originals.values():
        keys.update(posts)
    posts = load_posts(conn, keys, version)
    clusters = [
        _cluster("near_duplicate", cid, {k for ks in by.values() for k in ks}, posts)
        for cid, by in dups.items()
    ]
    for original, evidence in originals.items():
        cluster = _cluster("co_forward", "cf-" + node_id(original), evidence, posts)
        cluster["original"] = {"platform": original[0], "post_id": original[1]}
        clusters.append(cluster)
    for members in groups:
        edges = _edge_rows(graph, members)
        evidence = {k for u, v in graph.subgraph(members).edges() for k in graph[u][v]["evidence"]}
        cluster = _cluster("network", community_id(members), evidence, posts)
        cluster["edges"] = edges
        clusters.append(cluster)
    clusters.sort(
        key=lambda c: (KIND_ORDER[c["kind"]], -c["account_count"], -c["posts"], c["cluster_id"])
    )
    counts = Counter(c["kind"] for c in clusters)
    return {
        "since": start.isoformat(),
        "until": end.isoformat(),
        "model_version": version or None,
        "settings": {
            "dup_window_hours": settings.dup_window_hours,
            "dup_threshold": settings.dup_threshold,
            "dup_min_chars": settings.dup_min_chars,
            "min_accounts": settings.min_accounts,
            "coforward_window_seconds": shared.window_seconds,
            "coforward_window_estimated": shared.window_estimated,
            "min_repetitions": settings.min_repetitions,
            "edge_weight_percentile": settings.edge_weight_percentile,
            "edge_weight_threshold": shared.weight_threshold,
            "min_symmetry": settings.min_symmetry,
        },
        "counts": {kind: counts.get(kind, 0) for kind in KIND_ORDER},
        "shares": shared.shares,
        "clusters": clusters,
    }
