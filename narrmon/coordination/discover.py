"""Channel discovery: accounts we do not watch, ranked by how the watched ones use them.

Watched accounts are those listed in ``narrmon.yaml`` (``telegram.channels``,
``x.accounts``); with none listed, every account with posts in the store. A candidate is
an account outside that set that a watched account, within the window, forwarded
(Telegram), reposted or quoted (X), mentioned (``@name``) or linked (``t.me/name``).

Ranking, in order: the number of distinct watched accounts that forward or mention it;
the share of its posts we have seen (forwarded copies and its own stored posts) that
carry a narrative label; the share of them in BCMS (in scope for the classifier, else by
the stored language); its personalised PageRank from the watched set on the graph of
forwards and mentions (a tie-breaker); then posts seen.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import networkx as nx
import orjson
from sqlalchemy import Connection, select

from narrmon.config import Config
from narrmon.store import schema
from narrmon.store.core import LOOKUP_CHUNK
from reports.data import NO_MODEL

AccountKey = tuple[str, str]
BCMS_LANGS = frozenset({"sr", "bs", "hr", "cnr", "bcms", "sh"})
PAGERANK_ALPHA = 0.85
_TME = re.compile(r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/(?:s/)?([A-Za-z]\w{3,})", re.I)
_LINK_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/", re.I)
_NOT_CHANNELS = frozenset({"joinchat", "addstickers", "share", "proxy", "c", "s", "iv"})


@dataclass
class Candidate:
    """An unwatched account and what points to it."""

    platform: str
    account_id: str | None
    handle: str | None
    title: str | None = None
    watched_sources: set[AccountKey] = field(default_factory=set)
    forwards: int = 0
    mentions: int = 0
    seen: set[tuple[str, str]] = field(default_factory=set)  # posts seen from it

    @property
    def node(self) -> str:
        return f"{self.platform}:{self.account_id or '@' + (self.handle or '')}"


def watched_names(config: Config) -> dict[str, set[str]]:
    """The configured names per platform, lower-cased, without ``@`` or ``t.me/``."""

    def clean(name: str) -> str:
        return _LINK_PREFIX.sub("", name.strip()).strip("/").lstrip("@").lower()

    return {
        "telegram": {clean(c) for c in config.telegram.channels},
        "x": {clean(a) for a in config.x.accounts},
    }


def watched_accounts(conn: Connection, config: Config) -> set[AccountKey]:
    names = watched_names(config)
    a, p = schema.accounts, schema.posts
    if not any(names.values()):
        return {(r[0], r[1]) for r in conn.execute(select(p.c.platform, p.c.account_id).distinct())}
    found: set[AccountKey] = set()
    for platform, handle, account_id in conn.execute(
        select(a.c.platform, a.c.handle, a.c.account_id)
    ):
        wanted = names.get(platform, set())
        bare = account_id.removeprefix("-100")
        if (handle and handle.lower() in wanted) or account_id in wanted or bare in wanted:
            found.add((platform, account_id))
    return found


def _accounts(conn: Connection) -> tuple[dict[AccountKey, dict], dict[tuple[str, str], str]]:
    a = schema.accounts
    by_key: dict[AccountKey, dict] = {}
    by_handle: dict[tuple[str, str], str] = {}
    for r in conn.execute(select(a.c.platform, a.c.account_id, a.c.handle, a.c.title)).mappings():
        by_key[(r["platform"], r["account_id"])] = dict(r)
        if r["handle"]:
            by_handle[(r["platform"], r["handle"].lower())] = r["account_id"]
    return by_key, by_handle


def _owners(conn: Connection, refs: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    p = schema.posts
    ids = sorted(pid for _, pid in refs)
    out: dict[tuple[str, str], str] = {}
    for i in range(0, len(ids), LOOKUP_CHUNK):
        q = select(p.c.post_id, p.c.account_id).where(
            p.c.platform == "x", p.c.post_id.in_(ids[i : i + LOOKUP_CHUNK])
        )
        out.update({("x", pid): acc for pid, acc in conn.execute(q)})
    return out


def _scan(
    conn: Connection, start: datetime, end: datetime, watched: set[AccountKey]
) -> tuple[dict[str, Candidate], nx.DiGraph]:
    by_key, by_handle = _accounts(conn)
    p = schema.posts
    cols = (p.c.platform, p.c.post_id, p.c.account_id, p.c.fwd_account_id, p.c.fwd_name)
    cols += (p.c.reposted_id, p.c.quoted_id, p.c.mentions, p.c.links)
    rows = conn.execute(select(*cols).where(p.c.created_at >= start, p.c.created_at < end)).all()
    owners = _owners(
        conn, {("x", ref) for r in rows for ref in (r[5], r[6]) if ref and r[0] == "x"}
    )
    cands: dict[str, Candidate] = {}
    graph = nx.DiGraph()

    def candidate(platform: str, account_id: str | None, handle: str | None) -> Candidate | None:
        if account_id is None and handle:
            account_id = by_handle.get((platform, handle.lower()))
        if account_id is not None and (platform, account_id) in watched:
            return None
        info = by_key.get((platform, account_id)) if account_id else None
        c = Candidate(
            platform, account_id, (info or {}).get("handle") or handle, (info or {}).get("title")
        )
        return cands.setdefault(c.node, c)

    for platform, post_id, account_id, fwd_acc, fwd_name, rep, quo, mentions, links in rows:
        source = (platform, account_id)
        if source not in watched:
            continue
        pointed: list[tuple[Candidate | None, str]] = []
        if fwd_acc and fwd_acc != account_id:
            c = candidate(platform, fwd_acc, None)
            if c is not None and c.title is None:
                c.title = fwd_name
            pointed.append((c, "forward"))
            if c is not None:
                c.seen.add((platform, post_id))
        for ref in (rep, quo):
            if ref and (owner := owners.get(("x", ref))) and owner != account_id:
                pointed.append((candidate("x", owner, None), "forward"))
        names = [m for m in orjson.loads(mentions or "[]") if isinstance(m, str)]
        names += [
            m.group(1) for link in orjson.loads(links or "[]") if (m := _TME.match(str(link)))
        ]
        for name in dict.fromkeys(n.lstrip("@") for n in names):
            if name.lower() not in _NOT_CHANNELS:
                pointed.append(
                    (candidate(platform if platform == "x" else "telegram", None, name), "mention")
                )
        for c, kind in pointed:
            if c is None:
                continue
            c.watched_sources.add(source)
            if kind == "forward":
                c.forwards += 1
            else:
                c.mentions += 1
            u, v = f"{platform}:{account_id}", c.node
            weight = graph.get_edge_data(u, v, {"weight": 0})["weight"] + 1
            graph.add_edge(u, v, weight=weight)
    return cands, graph


def _shares(
    conn: Connection, cands: dict[str, Candidate], start: datetime, end: datetime, version: str
) -> dict[str, tuple[int, float | None, float | None]]:
    """Per candidate: posts seen, narrative share, BCMS share."""
    p, c, lab = schema.posts, schema.classifications, schema.post_labels
    own = {(x.platform, x.account_id): x for x in cands.values() if x.account_id}
    by_platform: dict[str, list[str]] = defaultdict(list)
    for platform, account_id in own:
        by_platform[platform].append(account_id)
    for platform, ids in by_platform.items():
        for i in range(0, len(ids), LOOKUP_CHUNK):
            q = select(p.c.post_id, p.c.account_id).where(
                p.c.platform == platform,
                p.c.account_id.in_(ids[i : i + LOOKUP_CHUNK]),
                p.c.created_at >= start,
                p.c.created_at < end,
            )
            for post_id, account_id in conn.execute(q):
                own[(platform, account_id)].seen.add((platform, post_id))
    seen = {k for x in cands.values() for k in x.seen}
    lang: dict[tuple[str, str], bool | None] = {}
    labelled: set[tuple[str, str]] = set()
    by_post: dict[str, list[str]] = defaultdict(list)
    for platform, post_id in seen:
        by_post[platform].append(post_id)
    for platform, ids in by_post.items():
        ids.sort()
        for i in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[i : i + LOOKUP_CHUNK]
            q = select(p.c.post_id, p.c.lang).where(
                p.c.platform == platform, p.c.post_id.in_(chunk)
            )
            for post_id, lg in conn.execute(q):
                lang[(platform, post_id)] = (lg in BCMS_LANGS) if lg else None
            if version == NO_MODEL:
                continue
            q = select(c.c.post_id, c.c.in_scope).where(
                c.c.platform == platform, c.c.post_id.in_(chunk), c.c.model_version == version
            )
            for post_id, in_scope in conn.execute(q):
                lang[(platform, post_id)] = bool(in_scope)
            q = select(lab.c.post_id).where(
                lab.c.platform == platform, lab.c.post_id.in_(chunk), lab.c.model_version == version
            )
            labelled.update((platform, pid) for (pid,) in conn.execute(q))
    out = {}
    for node, x in cands.items():
        known = [lang[k] for k in x.seen if lang.get(k) is not None]
        narrative = len(x.seen & labelled) / len(x.seen) if x.seen and version != NO_MODEL else None
        out[node] = (len(x.seen), narrative, sum(known) / len(known) if known else None)
    return out


def config_line(c: Candidate) -> str:
    """The line an analyst adds to ``narrmon.yaml`` to watch ``c``."""
    section = "telegram.channels" if c.platform == "telegram" else "x.accounts"
    if c.handle:
        return f"    - {c.handle}    # under {section} in narrmon.yaml"
    return f"    - {c.account_id}    # under {section} in narrmon.yaml (no username known: id)"


def discover(
    conn: Connection, config: Config, start: datetime, end: datetime, version: str, limit: int
) -> list[dict[str, Any]]:
    """Unwatched accounts ranked as the module says, the first ``limit`` of them."""
    watched = watched_accounts(conn, config)
    cands, graph = _scan(conn, start, end, watched)
    if not cands:
        return []
    starts = {f"{p}:{a}": 1.0 for p, a in watched if graph.has_node(f"{p}:{a}")}
    rank = nx.pagerank(graph, alpha=PAGERANK_ALPHA, personalization=starts or None, weight="weight")
    shares = _shares(conn, cands, start, end, version)
    rows = []
    for node, c in cands.items():
        seen, narrative, bcms = shares[node]
        rows.append(
            {
                "platform": c.platform,
                "account_id": c.account_id,
                "handle": c.handle,
                "title": c.title,
                "watched_sources": len(c.watched_sources),
                "forwards": c.forwards,
                "mentions": c.mentions,
                "posts_seen": seen,
                "narrative_share": None if narrative is None else round(narrative, 3),
                "bcms_share": None if bcms is None else round(bcms, 3),
                "pagerank": round(rank.get(node, 0.0), 6),
                "add": config_line(c),
            }
        )
    rows.sort(
        key=lambda r: (
            -r["watched_sources"],
            -(r["narrative_share"] or 0.0),
            -(r["bcms_share"] or 0.0),
            -r["pagerank"],
            -r["posts_seen"],
            r["handle"] or r["account_id"] or "",
        )
    )
    for i, row in enumerate(rows[:limit], 1):
        row["rank"] = i
    return rows[:limit]
