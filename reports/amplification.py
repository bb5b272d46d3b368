"""Who amplified whom among a window's posts: Telegram forwards, X reposts and quotes.

The daily and weekly reports list these edges; ``narrmon network`` exports them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select

from narrmon.store import schema
from reports.data import PostRow, account_name, load_accounts


def _sources(p: dict[str, Any], owner: dict[tuple[str, str], str]) -> list[tuple[str, str, str]]:
    """(how, source key, hidden name) of each amplification a post is.

    The source key is the source account's id; a forward whose source hides its id is
    keyed ``name:<the name shown>``, so one account is one source however it signs.
    """
    out = []
    if p.get("fwd_account_id"):
        out.append(("forward", p["fwd_account_id"], ""))
    elif p.get("fwd_name"):
        out.append(("forward", "name:" + p["fwd_name"], p["fwd_name"]))
    for kind, ref in (("repost", p.get("reposted_id")), ("quote", p.get("quoted_id"))):
        if ref:
            out.append((kind, owner.get((p["platform"], ref), ""), ""))
    return out


def amplification(conn: Connection, rows: list[PostRow]) -> list[dict[str, Any]]:
    """Who amplified whom among ``rows``: Telegram forwards, X reposts and quotes.

    One edge per (how, source account, amplifying account), between distinct accounts
    only (see :func:`amplification_with_self` for an account amplifying itself). X
    reposts carry no views of their own, so their ``views`` are None, not summed.
    """
    return amplification_with_self(conn, rows)[0]


def amplification_with_self(
    conn: Connection, rows: list[PostRow]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """:func:`amplification`'s edges, and per account the posts amplifying its own."""
    refs = {
        (r.post["platform"], ref)
        for r in rows
        for ref in (r.post.get("reposted_id"), r.post.get("quoted_id"))
        if ref
    }
    owner = _post_owners(conn, sorted(refs))
    edges: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    own: dict[tuple[str, str], dict[str, int]] = {}
    for r in rows:
        p = r.post
        for kind, src, hidden in _sources(p, owner):
            if src == p["account_id"]:
                mine = own.setdefault((p["platform"], src), {"posts": 0})
                mine["posts"] += 1
                continue
            edge = edges.setdefault(
                (kind, p["platform"], src, p["account_id"]),
                {"hidden_name": hidden, "posts": 0, "views": 0, "views_known": 0},
            )
            edge["posts"] += 1
            if r.views is not None and kind != "repost":
                edge["views"] += r.views
                edge["views_known"] += 1
    keys = {(k[1], k[2]) for k in edges if k[2] and not k[2].startswith("name:")}
    names = load_accounts(conn, keys | {(k[1], k[3]) for k in edges} | set(own))
    out = []
    for (kind, platform, src, by), edge in edges.items():
        hidden = edge.pop("hidden_name")
        if hidden:
            source = hidden + " (id hidden)"
        elif src:
            source = account_name(names.get((platform, src)), platform, src)
        else:
            source = "unknown source (original not stored)"
        if kind == "repost":
            edge["views"] = None
        out.append(
            {
                "kind": kind,
                "platform": platform,
                "source_account_id": src if src and not hidden else None,
                "source": source,
                "by_account_id": by,
                "by": account_name(names.get((platform, by)), platform, by),
                **edge,
            }
        )
    out.sort(key=lambda e: (-e["posts"], -(e["views"] or 0), e["source"], e["by"]))
    selfs = [
        {
            "platform": platform,
            "account_id": account_id,
            "account": account_name(names.get((platform, account_id)), platform, account_id),
            "posts": n["posts"],
        }
        for (platform, account_id), n in own.items()
    ]
    selfs.sort(key=lambda e: (-e["posts"], e["account"]))
    return out, selfs


def _post_owners(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    p = schema.posts
    found: dict[tuple[str, str], str] = {}
    by_platform: dict[str, list[str]] = defaultdict(list)
    for platform, post_id in keys:
        by_platform[platform].append(post_id)
    for platform, ids in by_platform.items():
        for i in range(0, len(ids), 500):
            q = select(p.c.post_id, p.c.account_id).where(
                p.c.platform == platform, p.c.post_id.in_(ids[i : i + 500])
            )
            found.update({(platform, pid): acc for pid, acc in conn.execute(q)})
    return found
