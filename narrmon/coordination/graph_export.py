"""The graph ``narrmon network`` exports: amplification and coordination in one file.

A directed multigraph whose nodes are accounts (``platform:account_id``) with ``handle``,
``title``, ``platform``, ``followers``, ``watched``, ``posts`` (in the window),
``narrative_share`` (share of those posts with a narrative label) and ``community`` (its
Louvain community id, if any). Edges have a ``kind``:

- ``amplification``: source → amplifier, one per way (``via`` forward, repost or quote),
  with ``weight`` (posts), ``posts`` and ``views`` (latest snapshots of those posts);
- ``coordination``: between two coordinated accounts, with ``weight`` (clusters +
  co-shares), ``clusters``, ``co_shares``, ``symmetry`` and ``evidence`` (post ids).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import networkx as nx

from narrmon.config import Config
from narrmon.coordination.coforward import co_shares
from narrmon.coordination.discover import watched_accounts
from narrmon.coordination.figures import near_duplicates
from narrmon.coordination.network import (
    EVIDENCE_IN_GRAPH,
    communities,
    community_id,
    coordination_graph,
)
from narrmon.store import Store
from reports.amplification import amplification
from reports.data import load_accounts, load_window
from reports.rollups import resolve_model_version


def window_graph(
    config: Config, store: Store, start: datetime, end: datetime, model_version: str | None
) -> nx.MultiDiGraph:
    """The amplification and coordination graph of ``[start, end)``."""
    settings = config.coordination
    with store.engine.connect() as conn:
        version = resolve_model_version(conn, model_version)
        rows = load_window(conn, start, end, version)
        edges = amplification(conn, rows)
        coord = coordination_graph(
            near_duplicates(conn, start, end, settings).values(),
            co_shares(conn, start, end, settings).pairs,
        )
        watched = watched_accounts(conn, config)
        posts = Counter((r.post["platform"], r.post["account_id"]) for r in rows)
        labelled = Counter((r.post["platform"], r.post["account_id"]) for r in rows if r.labels)
        keys = set(posts)
        keys |= {(e["platform"], e["source_account_id"]) for e in edges if e["source_account_id"]}
        keys |= {(e["platform"], e["by_account_id"]) for e in edges}
        keys |= {tuple(n.split(":", 1)) for n in coord.nodes}  # type: ignore[misc]
        info = load_accounts(conn, keys)
    member = {n: community_id(c) for c in communities(coord) for n in c}
    graph = nx.MultiDiGraph()
    for key in sorted(keys):
        node = f"{key[0]}:{key[1]}"
        acc = info.get(key) or {}
        n = posts.get(key, 0)
        graph.add_node(
            node,
            label=("@" + acc["handle"]) if acc.get("handle") else (acc.get("title") or node),
            platform=key[0],
            account_id=key[1],
            handle=acc.get("handle"),
            title=acc.get("title"),
            followers=acc.get("followers"),
            watched=key in watched,
            posts=n,
            narrative_share=round(labelled.get(key, 0) / n, 3) if n else 0.0,
            community=member.get(node),
        )
    for e in edges:
        if not e["source_account_id"]:
            continue
        graph.add_edge(
            f"{e['platform']}:{e['source_account_id']}",
            f"{e['platform']}:{e['by_account_id']}",
            kind="amplification",
            via=e["kind"],
            weight=e["posts"],
            posts=e["posts"],
            views=e["views"],
        )
    for u, v, data in sorted(coord.edges(data=True)):
        evidence = sorted(f"{k[0]}:{k[1]}" for k in data["evidence"])[:EVIDENCE_IN_GRAPH]
        graph.add_edge(
            u,
            v,
            kind="coordination",
            weight=data["weight"],
            clusters=data["clusters"],
            co_shares=data["co_shares"],
            symmetry=data["symmetry"],
            evidence=" ".join(evidence),
        )
    return graph
