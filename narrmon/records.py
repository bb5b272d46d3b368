"""The records every part of narrmon exchanges: accounts, posts, metric snapshots.

Records are frozen dataclasses. Times are timezone-aware UTC. A metric that was not
observed is ``None``, never ``0``: an export without view counts has unknown reach.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PLATFORMS = ("telegram", "x")

# The narrative labels of docs/labels.md, in the order models, reports and exports use them.
LABELS: tuple[str, ...] = (
    "kosovo_precedent",
    "russia_protector",
    "rs_secession",
    "anti_west",
    "counter_narrative",
)

# Names of the metric fields, in the order the store keeps them.
METRIC_FIELDS = (
    "views",
    "forwards",
    "replies",
    "reactions",
    "likes",
    "reposts",
    "quotes",
    "bookmarks",
    "impressions",
)


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Account:
    """A Telegram channel/group/user or an X account."""

    platform: str
    account_id: str
    handle: str | None = None
    title: str | None = None
    followers: int | None = None  # Telegram subscribers or X followers
    kind: str | None = None  # channel, supergroup, group, user, bot, x_user …
    observed_at: datetime | None = None  # when ``followers`` was read
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Post:
    """One post: a Telegram message or a tweet.

    ``post_id`` is unique within the platform: ``"<channel_id>/<message_id>"`` for
    Telegram (message ids are per channel), the tweet id for X.
    """

    platform: str
    post_id: str
    account_id: str
    created_at: datetime
    text: str = ""
    url: str | None = None
    reply_to: str | None = None
    forwarded_from_account: str | None = None
    forwarded_from_post: str | None = None
    forwarded_from_name: str | None = None
    quoted_id: str | None = None
    reposted_id: str | None = None
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    has_media: bool = False
    edited_at: datetime | None = None
    lang: str | None = None
    script: str | None = None
    source: str = ""
    collected_at: datetime | None = None
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class MetricSnapshot:
    """One reading of a post's reach at ``captured_at``; unknown metrics are None."""

    platform: str
    post_id: str
    captured_at: datetime
    views: int | None = None
    forwards: int | None = None
    replies: int | None = None
    reactions: int | None = None
    reactions_by_emoji: Mapping[str, int] | None = None
    likes: int | None = None
    reposts: int | None = None
    quotes: int | None = None
    bookmarks: int | None = None
    impressions: int | None = None


@dataclass(frozen=True, slots=True)
class AlbumSpan:
    """The Telegram message ids an album post covers, its parts' first to last.

    It follows its post; the store keeps it as ``posts.first_msg_id``/``last_msg_id``.
    """

    platform: str
    post_id: str
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be read: it goes to quarantine with the reason."""

    file: str
    location: str  # "line 12", "record 7", "messages[3]" …
    reason: str
    payload: str = ""

    def message(self) -> str:
        """One line naming the file and the record, for logs and the CLI."""
        return f"{self.file}: {self.location}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record deliberately not imported (a service message, a private chat …)."""

    reason: str
    count: int = 1


Record = Account | Post | MetricSnapshot | AlbumSpan | Rejected | Skipped
