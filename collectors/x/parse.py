"""X API v2 payloads → narrmon records. Pure: plain dicts in, records out.

tweepy's ``Tweet`` and ``User`` objects carry the payload as ``.data``; the collector
passes those dicts here. As in the X file importer, X's ``impression_count`` is kept as
``impressions`` (``views`` is Telegram's); reports read either as the reach figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from collectors.importers.common import detect_script
from collectors.x.constants import (
    KIND_USER,
    NOT_FOUND_TYPE,
    PLATFORM,
    SOURCE,
    URL_TWEET,
    URL_TWEET_ANON,
)
from narrmon.records import Account, MetricSnapshot, Post, utc

UNKNOWN_LANGS = frozenset({"und", "zxx", "qme", "qht", "qam", "qct"})  # X's "no language"
REFERENCE_FIELDS = {"replied_to": "reply_to", "quoted": "quoted_id", "retweeted": "reposted_id"}


def parse_time(value: str) -> datetime:
    """An X timestamp (``2024-03-01T10:00:00.000Z``) as aware UTC."""
    return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


def user_account(user: Mapping[str, Any], observed_at: datetime) -> Account:
    """An X user as an :class:`Account`; followers from ``public_metrics``."""
    metrics = user.get("public_metrics") or {}
    followers = metrics.get("followers_count")
    return Account(
        platform=PLATFORM,
        account_id=str(user["id"]),
        handle=user.get("username"),
        title=user.get("name"),
        followers=followers,
        kind=KIND_USER,
        observed_at=observed_at if followers is not None else None,
        raw=dict(user),
    )


def tweet_post(
    tweet: Mapping[str, Any], usernames: Mapping[str, str], collected_at: datetime
) -> Post:
    """A tweet as a :class:`Post`; ``usernames`` maps author ids to handles for the URL."""
    tweet_id = str(tweet["id"])
    author = str(tweet.get("author_id") or "")
    refs = {
        REFERENCE_FIELDS[r["type"]]: str(r["id"])
        for r in tweet.get("referenced_tweets") or ()
        if r.get("type") in REFERENCE_FIELDS
    }
    entities = tweet.get("entities") or {}
    username = usernames.get(author)
    text = tweet.get("text") or ""
    return Post(
        platform=PLATFORM,
        post_id=tweet_id,
        account_id=author,
        created_at=parse_time(tweet["created_at"]),
        text=text,
        url=URL_TWEET.format(username=username, tweet_id=tweet_id)
        if username
        else URL_TWEET_ANON.format(tweet_id=tweet_id),
        reply_to=refs.get("reply_to"),
        quoted_id=refs.get("quoted_id"),
        reposted_id=refs.get("reposted_id"),
        hashtags=_unique(h.get("tag") for h in entities.get("hashtags") or ()),
        mentions=_unique(m.get("username") for m in entities.get("mentions") or ()),
        links=_unique(u.get("expanded_url") or u.get("url") for u in entities.get("urls") or ()),
        has_media=bool((tweet.get("attachments") or {}).get("media_keys")),
        lang=None if tweet.get("lang") in UNKNOWN_LANGS else tweet.get("lang"),
        script=detect_script(text),
        source=SOURCE,
        collected_at=collected_at,
        raw=dict(tweet),
    )


def tweet_snapshot(tweet: Mapping[str, Any], captured_at: datetime) -> MetricSnapshot:
    """The tweet's ``public_metrics`` at ``captured_at``; absent ones stay None."""
    m = tweet.get("public_metrics") or {}
    return MetricSnapshot(
        platform=PLATFORM,
        post_id=str(tweet["id"]),
        captured_at=captured_at,
        replies=m.get("reply_count"),
        likes=m.get("like_count"),
        reposts=m.get("retweet_count"),
        quotes=m.get("quote_count"),
        bookmarks=m.get("bookmark_count"),
        impressions=m.get("impression_count"),
    )


def page_records(
    tweets: Iterable[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
    collected_at: datetime,
) -> tuple[list[Account], list[Post], list[MetricSnapshot]]:
    """Accounts, posts and snapshots of one page of results."""
    accounts = [user_account(u, collected_at) for u in users]
    usernames = {a.account_id: a.handle for a in accounts if a.handle}
    posts, snapshots = [], []
    for tweet in tweets:
        posts.append(tweet_post(tweet, usernames, collected_at))
        snapshots.append(tweet_snapshot(tweet, collected_at))
    return accounts, posts, snapshots


def missing_ids(
    requested: Iterable[str], found: Iterable[str], errors: Iterable[Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    """``(deleted, unavailable)`` among ``requested`` ids that did not come back.

    Deleted: reported "Not Found" or silently absent. Unavailable: any other error
    (protected or suspended author); those are not marked deleted.
    """
    got = {str(i) for i in found}
    other: set[str] = set()
    for err in errors:
        rid = str(err.get("resource_id") or err.get("value") or "")
        if rid and not _is_not_found(err):
            other.add(rid)
    deleted, unavailable = [], []
    for tweet_id in requested:
        if tweet_id in got:
            continue
        (unavailable if tweet_id in other else deleted).append(tweet_id)
    return deleted, unavailable


def _is_not_found(err: Mapping[str, Any]) -> bool:
    title = str(err.get("title") or "")
    return err.get("type") == NOT_FOUND_TYPE or "Not Found" in title


def _unique(items: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))
