"""Reading posts for reports: a window of posts with their latest metrics and labels.

Reach follows docs/reach.md:

- ``views``: Telegram message views, X impressions, from the post's latest snapshot.
- ``engagement``: Telegram forwards + replies + reactions; X reposts + quotes + replies
  + likes (the components the latest snapshot knows; unknown if it knows none).
- ``potential_reach``: the followers of the distinct accounts that posted.

A metric never read is ``None``, never ``0``: reports count how many posts knew it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Date, cast, func, select

from narrmon.records import METRIC_FIELDS
from narrmon.store import schema
from narrmon.store.core import LOOKUP_CHUNK
from narrmon.store.rows import POST_COLUMNS as STORED_POST_COLUMNS

ALL = "_all"  # pseudo-label: every post, whatever its labels
NO_MODEL = ""  # model version of rollups made before any classification
ENGAGEMENT_FIELDS = {
    "telegram": ("forwards", "replies", "reactions"),
    "x": ("reposts", "quotes", "replies", "likes"),
}
DEFINITIONS = {
    "posts": "posts created that UTC day (Telegram messages/albums, X posts)",
    "accounts": "distinct accounts (platform + account id) that posted",
    "views": "Telegram message views + X impressions, latest snapshot of each post; "
    "impressions, not unique people; summed over the posts whose snapshot knows them",
    "views_known": "posts whose latest snapshot has a view/impression count",
    "engagement": "Telegram forwards + replies + reactions; X reposts + quotes + replies "
    "+ likes; latest snapshot; summed over the posts whose snapshot knows any of them",
    "engagement_known": "posts whose latest snapshot knows at least one engagement figure",
    "potential_reach": "sum of subscribers/followers of the distinct accounts that posted "
    "(accounts with a known follower count)",
    "snapshot_at": "time (UTC) of the newest metric snapshot behind the figures",
}


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def day_range(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last`` inclusive."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def day_expr(conn: Connection, column: Any) -> Any:
    """SQL for the UTC calendar day of a timestamp column on this backend."""
    if conn.dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def as_day(value: Any) -> date:
    """A ``date`` from what a backend returns for a day (date or ISO text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def latest_model_version(conn: Connection) -> str | None:
    """The model version whose classifications are newest, or None before any."""
    c = schema.classifications
    row = conn.execute(
        select(c.c.model_version).order_by(c.c.classified_at.desc()).limit(1)
    ).first()
    return row[0] if row else None


def reach_views(platform: str, snap: dict[str, Any] | None) -> int | None:
    """Views of a snapshot: Telegram views, X impressions (views if impressions unknown)."""
    if snap is None:
        return None
    if platform == "x":
        return snap["impressions"] if snap["impressions"] is not None else snap["views"]
    return snap["views"]


def engagement(platform: str, snap: dict[str, Any] | None) -> int | None:
    """Engagement of a snapshot by the platform's definition; None if nothing is known."""
    if snap is None:
        return None
    known = [snap[f] for f in ENGAGEMENT_FIELDS.get(platform, ()) if snap.get(f) is not None]
    return sum(known) if known else None


@dataclass
class PostRow:
    """A post with its latest metrics and its labels for one model version."""

    post: dict[str, Any]
    snapshots: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    labels: dict[str, float] = field(default_factory=dict)  # label -> score

    @property
    def key(self) -> tuple[str, str]:
        return self.post["platform"], self.post["post_id"]

    @property
    def latest(self) -> dict[str, Any] | None:
        return self.snapshots[-1] if self.snapshots else None

    @property
    def views(self) -> int | None:
        return reach_views(self.post["platform"], self.latest)

    @property
    def engagement(self) -> int | None:
        return engagement(self.post["platform"], self.latest)

    @property
    def snapshot_at(self) -> datetime | None:
        return self.latest["captured_at"] if self.latest else None


# The stored post's fields reports read: all but the hash and the raw payload, plus the
# message ids an album covers (for the gap count).
POST_COLUMNS = (
    *(c for c in STORED_POST_COLUMNS if c not in ("content_hash", "raw")),
    "first_msg_id",
    "last_msg_id",
)
LEAN_COLUMNS = ("platform", "post_id", "account_id", "created_at")
SNAPSHOT_COLUMNS = ("captured_at", *METRIC_FIELDS)


def load_window(
    conn: Connection,
    start: datetime,
    end: datetime,
    model_version: str,
    *,
    columns: Sequence[str] = POST_COLUMNS,
    where: Iterable[Any] = (),
) -> list[PostRow]:
    """Posts created in ``[start, end)`` with all their snapshots and their labels."""
    p, s, lab = schema.posts, schema.metric_snapshots, schema.post_labels
    window = (p.c.created_at >= start, p.c.created_at < end, *where)
    rows: dict[tuple[str, str], PostRow] = {}
    q = select(*(p.c[c] for c in columns)).where(*window).order_by(p.c.created_at, p.c.post_id)
    for r in conn.execute(q).mappings():
        rows[(r["platform"], r["post_id"])] = PostRow(dict(r))
    if not rows:
        return []
    join = s.join(p, (p.c.platform == s.c.platform) & (p.c.post_id == s.c.post_id))
    q = (
        select(s.c.platform, s.c.post_id, *(s.c[c] for c in SNAPSHOT_COLUMNS))
        .select_from(join)
        .where(*window)
        .order_by(s.c.captured_at)
    )
    for r in conn.execute(q).mappings():
        row = rows.get((r["platform"], r["post_id"]))
        if row is not None:
            row.snapshots.append(dict(r))
    if model_version != NO_MODEL:
        join = lab.join(p, (p.c.platform == lab.c.platform) & (p.c.post_id == lab.c.post_id))
        q = (
            select(lab.c.platform, lab.c.post_id, lab.c.label, lab.c.score)
            .select_from(join)
            .where(*window, lab.c.model_version == model_version)
        )
        for platform, post_id, label, score in conn.execute(q):
            row = rows.get((platform, post_id))
            if row is not None:
                row.labels[label] = score
    return list(rows.values())


def load_accounts(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Account rows (handle, title, followers, followers_at) by ``(platform, account_id)``."""
    a = schema.accounts
    found: dict[tuple[str, str], dict[str, Any]] = {}
    wanted: dict[str, list[str]] = {}
    for platform, account_id in set(keys):
        wanted.setdefault(platform, []).append(account_id)
    cols = (a.c.platform, a.c.account_id, a.c.handle, a.c.title, a.c.followers, a.c.followers_at)
    for platform, ids in wanted.items():
        ids.sort()
        for i in range(0, len(ids), LOOKUP_CHUNK):
            q = select(*cols).where(
                a.c.platform == platform, a.c.account_id.in_(ids[i : i + LOOKUP_CHUNK])
            )
            for r in conn.execute(q).mappings():
                found[(r["platform"], r["account_id"])] = dict(r)
    return found


def account_name(account: dict[str, Any] | None, platform: str, account_id: str) -> str:
    """How reports name an account: @handle, else its title, else its id."""
    if account:
        if account.get("handle"):
            return "@" + account["handle"]
        if account.get("title"):
            return account["title"]
    return f"{platform}:{account_id}"
