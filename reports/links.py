"""Links shared in posts: one normalised form, and the links an account makes to itself.

The same page is linked as ``t.me/kanal``, ``https://t.me/kanal/``, ``http://www.t.me/s/kanal``
or with ``?utm_source=…``: :func:`normalise_link` makes them one. A channel's own links
(its channel, profile or posts, and the footer it puts under most of its posts) say
nothing about what it spreads, nor does the link of the post a repost or quote is of
(that is amplification, counted apart): :func:`shared_links` leaves them out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HOST_ALIASES = {
    "telegram.me": "t.me",
    "telegram.dog": "t.me",
    "twitter.com": "x.com",
    "mobile.twitter.com": "x.com",
    "mobile.x.com": "x.com",
}
HOST_PREFIXES = ("www.", "m.")
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "igshid", "mc_cid", "mc_eid", "ref", "si"})
PLATFORM_HOSTS = {"telegram": "t.me", "x": "x.com"}
FOOTER_SHARE = 0.5  # a link in at least this share of an account's posts is its footer
FOOTER_MIN_POSTS = 3  # ... of at least this many posts


def normalise_link(link: str) -> str:
    """One form per page: https, lower-case host without ``www.``, no tracking parameters,
    no fragment, no trailing slash; ``telegram.me`` is ``t.me``, ``twitter.com`` is ``x.com``.

    Text that is not a web address comes back stripped, otherwise unchanged.
    """
    text = link.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return link.strip()
    if parts.scheme.lower() not in ("http", "https") or not host or "." not in host:
        return link.strip()
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix) :]
    host = HOST_ALIASES.get(host, host)
    path = parts.path.rstrip("/")
    if host == "t.me" and path.startswith("/s/"):
        path = path[2:]  # t.me/s/kanal is the web preview of t.me/kanal
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    if host == "x.com":
        query = []  # ?s=20, ?t=… only say how the link was shared
    return urlunsplit(("https", host, path, urlencode(query), ""))


@dataclass
class OwnLinks:
    """Per account, ``(platform, account_id)``: the addresses that are its own."""

    prefixes: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    footers: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def owns(self, key: tuple[str, str], link: str) -> bool:
        """Whether the normalised ``link`` is the account's channel, profile, post or footer."""
        if link in self.footers.get(key, ()):
            return True
        lowered = link.lower()
        return any(
            lowered == prefix or lowered.startswith(prefix + "/")
            for prefix in self.prefixes.get(key, ())
        )


def own_links(
    rows: Iterable[Any], links_of: dict[tuple[str, str], list[str]], accounts: dict
) -> OwnLinks:
    """The own addresses of each account posting in ``rows`` (:class:`reports.data.PostRow`).

    ``links_of`` maps each row's key to its raw links; ``accounts`` are the account rows
    (their handles). A footer is a link in at least half of an account's posts of the
    window, when it has at least three.
    """
    own = OwnLinks()
    posts: Counter[tuple[str, str]] = Counter()
    seen: dict[tuple[str, str], Counter[str]] = {}
    for r in rows:
        platform, account_id = r.post["platform"], r.post["account_id"]
        key = (platform, account_id)
        posts[key] += 1
        seen.setdefault(key, Counter()).update({normalise_link(x) for x in links_of[r.key]})
        if key not in own.prefixes:
            host = PLATFORM_HOSTS.get(platform)
            handle = ((accounts.get(key) or {}).get("handle") or "").lower()
            prefixes = []
            if host and handle:
                prefixes.append(f"https://{host}/{handle}")
            if platform == "telegram":
                prefixes.append(f"https://t.me/c/{account_id}".lower())
            own.prefixes[key] = tuple(prefixes)
    for key, counts in seen.items():
        if posts[key] >= FOOTER_MIN_POSTS:
            own.footers[key] = {
                link for link, n in counts.items() if n >= FOOTER_SHARE * posts[key]
            }
    return own


def shared_links(post: dict[str, Any], links: Iterable[str], own: OwnLinks) -> list[str]:
    """The post's links, normalised and each once, without its account's own links and
    without the link of the post it reposts or quotes."""
    key = (post["platform"], post["account_id"])
    amplified = {x for x in (post.get("reposted_id"), post.get("quoted_id")) if x}
    out: list[str] = []
    for raw in links:
        link = normalise_link(raw)
        if link in out or own.owns(key, link):
            continue
        if amplified and link.startswith("https://x.com/") and link.rsplit("/", 1)[-1] in amplified:
            continue
        out.append(link)
    return out
