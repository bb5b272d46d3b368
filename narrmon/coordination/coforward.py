"""Co-forward and co-repost: accounts sharing the same original, quickly, again and again.

Definitions (after CooRTweet, Righetti & Balluff):

- A *share* is a Telegram forward of a channel post (``fwd_post_id``), or an X repost
  or quote (``reposted_id``, ``quoted_id``); the *original* is what it shares. A channel
  forwarding its own post is not a share.
- Two accounts *co-share* an original when both share it within ``window`` seconds of
  each other. The pair's *weight* is the number of distinct originals they co-shared.
- A pair is linked when its weight is at least ``min_repetitions`` and at least the
  ``edge_weight_percentile`` percentile of all pair weights (CooRTweet's edge-weight
  threshold), and its *symmetry* is at least ``min_symmetry``. Symmetry is
  ``min(n_a, n_b) / max(n_a, n_b)``, where ``n_a`` counts the shares account ``a`` made
  in the pair's co-shares: near 1 when both share alike, near 0 when a hyperactive
  account that shares everything many times is paired with anyone who shared once.
- The window, unless set, is estimated from the data (the idea of CooRnet's
  ``estimate_coord_interval``): among the originals shared by at least two accounts,
  the most shared ``ESTIMATE_TOP_SHARE`` of them; for each, the time from its first share
  to the share at its ``ESTIMATE_QUANTILE`` quantile; the median of those times, kept
  between ``WINDOW_MIN_SECONDS`` and ``WINDOW_MAX_SECONDS``.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, or_, select

from narrmon.config import CoordinationConfig
from narrmon.store import schema

Key = tuple[str, str]  # (platform, post_id)
AccountKey = tuple[str, str]  # (platform, account_id)
ESTIMATE_TOP_SHARE = 0.5  # the most shared half of the originals
ESTIMATE_QUANTILE = 0.1  # the time to reach a tenth of an original's shares
ESTIMATE_MIN_ORIGINALS = 5  # fewer shared originals: use WINDOW_FALLBACK_SECONDS
WINDOW_MIN_SECONDS = 10
WINDOW_MAX_SECONDS = 3600
WINDOW_FALLBACK_SECONDS = 300


@dataclass(frozen=True)
class Share:
    """One share of an original by an account."""

    original: Key
    account: AccountKey
    post: Key
    at: float  # POSIX seconds
    kind: str  # forward, repost, quote


@dataclass
class Pair:
    """Two accounts that co-shared, with the evidence."""

    a: AccountKey
    b: AccountKey
    originals: set[Key] = field(default_factory=set)
    posts_a: set[Key] = field(default_factory=set)
    posts_b: set[Key] = field(default_factory=set)
    deltas: list[float] = field(default_factory=list)
    by_original: dict[Key, set[Key]] = field(default_factory=dict)  # the posts of each

    @property
    def weight(self) -> int:
        return len(self.originals)

    @property
    def symmetry(self) -> float:
        na, nb = len(self.posts_a), len(self.posts_b)
        return min(na, nb) / max(na, nb) if max(na, nb) else 0.0

    @property
    def mean_delta(self) -> float:
        return sum(self.deltas) / len(self.deltas) if self.deltas else 0.0


@dataclass
class CoShareResult:
    """Linked pairs and the window used."""

    window_seconds: int
    window_estimated: bool
    shares: int
    weight_threshold: float
    pairs: list[Pair]


def load_shares(conn: Connection, start: datetime, end: datetime) -> list[Share]:
    """Shares made in ``[start, end)``, oldest first."""
    p = schema.posts
    q = (
        select(
            p.c.platform,
            p.c.post_id,
            p.c.account_id,
            p.c.created_at,
            p.c.fwd_account_id,
            p.c.fwd_post_id,
            p.c.reposted_id,
            p.c.quoted_id,
        )
        .where(
            p.c.created_at >= start,
            p.c.created_at < end,
            or_(
                p.c.fwd_post_id.is_not(None),
                p.c.reposted_id.is_not(None),
                p.c.quoted_id.is_not(None),
            ),
        )
        .order_by(p.c.created_at, p.c.platform, p.c.post_id)
    )
    shares = []
    for r in conn.execute(q).mappings():
        at, account = r["created_at"].timestamp(), (r["platform"], r["account_id"])
        post = (r["platform"], r["post_id"])
        if r["fwd_post_id"] and r["fwd_account_id"] != r["account_id"]:
            shares.append(Share((r["platform"], r["fwd_post_id"]), account, post, at, "forward"))
        for kind, ref in (("repost", r["reposted_id"]), ("quote", r["quoted_id"])):
            if ref:
                shares.append(Share((r["platform"], ref), account, post, at, kind))
    return shares


def estimate_window(shares: list[Share]) -> int | None:
    """The data's coordination interval in seconds (see the module), or None if too few."""
    by_original: dict[Key, list[float]] = defaultdict(list)
    for s in shares:
        by_original[s.original].append(s.at)
    spread = [sorted(times) for times in by_original.values() if len(times) >= 2]
    if len(spread) < ESTIMATE_MIN_ORIGINALS:
        return None
    spread.sort(key=len, reverse=True)
    top = spread[: max(1, math.ceil(len(spread) * ESTIMATE_TOP_SHARE))]
    reach = []
    for times in top:
        rank = max(1, math.ceil(ESTIMATE_QUANTILE * len(times)) - 1)
        reach.append(times[min(rank, len(times) - 1)] - times[0])
    seconds = statistics.median(reach)
    return int(min(max(seconds, WINDOW_MIN_SECONDS), WINDOW_MAX_SECONDS))


def _pairs(shares: list[Share], window: float) -> dict[tuple[AccountKey, AccountKey], Pair]:
    by_original: dict[Key, list[Share]] = defaultdict(list)
    for s in shares:
        by_original[s.original].append(s)
    pairs: dict[tuple[AccountKey, AccountKey], Pair] = {}
    for original, group in by_original.items():
        group.sort(key=lambda s: (s.at, s.post))
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                if second.at - first.at > window:
                    break
                if first.account == second.account:
                    continue
                x, y = sorted((first, second), key=lambda s: s.account)
                pair = pairs.setdefault((x.account, y.account), Pair(x.account, y.account))
                pair.originals.add(original)
                pair.posts_a.add(x.post)
                pair.posts_b.add(y.post)
                pair.deltas.append(second.at - first.at)
                pair.by_original.setdefault(original, set()).update((x.post, y.post))
    return pairs


def percentile(values: list[int], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``, linear between ranks (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def co_shares(
    conn: Connection, start: datetime, end: datetime, settings: CoordinationConfig
) -> CoShareResult:
    """The linked pairs of ``[start, end)`` under ``settings`` (see the module)."""
    window = settings.coforward_window_seconds
    estimated = window is None
    reach = timedelta(seconds=window if window is not None else WINDOW_MAX_SECONDS)
    shares = load_shares(conn, start - reach, end)
    since = start.timestamp()
    if window is None:
        window = estimate_window([s for s in shares if s.at >= since])
        window = WINDOW_FALLBACK_SECONDS if window is None else window
    in_range = [s for s in shares if s.at >= since - window]
    made_at = {s.post: s.at for s in in_range}
    # A pair counts only when one of its co-shares was made inside the range.
    pairs = {
        k: p
        for k, p in _pairs(in_range, float(window)).items()
        if any(made_at[post] >= since for post in p.posts_a | p.posts_b)
    }
    threshold = percentile([p.weight for p in pairs.values()], settings.edge_weight_percentile)
    linked = [
        p
        for p in pairs.values()
        if p.weight >= settings.min_repetitions
        and p.weight >= threshold
        and p.symmetry >= settings.min_symmetry
    ]
    linked.sort(key=lambda p: (-p.weight, p.a, p.b))
    return CoShareResult(int(window), estimated, len(in_range), threshold, linked)
