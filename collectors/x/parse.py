"""X API v2 tweets and users → narrmon records: the one parser of X payloads.

The live collector passes the ``.data`` dicts of tweepy's ``Tweet`` and ``User``
objects; the X file importer passes the tweets and users of its JSON lines. Both get
the same records; only ``source``, the capture time and the raw payload differ. Pure:
plain dicts in, records out. A value of a shape the API does not send raises
:class:`~collectors.importers.common.BadRecord` (or one of
:data:`~collectors.importers.common.RECORD_ERRORS`).

- A tweet's text is its ``note_tweet.text`` when present (the full text of a long
  post: ``text`` is then cut at 280 characters), else ``text``. Hashtags, mentions and
  links come from ``entities`` (``unwound_url``, else ``expanded_url``, else ``url``),
  else from the text.
- ``public_metrics`` become one snapshot: ``retweet_count`` → reposts, ``reply_count``
  → replies, ``like_count`` → likes, ``quote_count`` → quotes, ``bookmark_count`` →
  bookmarks, ``impression_count`` → ``impressions`` (``views`` is Telegram's; reports
  read either as the reach figure). A tweet without them has no snapshot.
- Tweets need ``id``, ``text``, ``created_at`` and ``author_id`` (``tweet.fields``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors.importers.common import (
    RECORD_ERRORS,
    BadRecord,
    as_list,
    check_count,
    check_name,
    check_not_future,
    check_text,
    parse_time,
    reason_of,
    reject,
    required,
)
from collectors.x.constants import (
    KIND_USER,
    NOT_FOUND_TYPE,
    PLATFORM,
    SOURCE,
    URL_TWEET,
    URL_TWEET_ANON,
)
from narrmon.records import Account, MetricSnapshot, Post, Rejected
from narrmon.text import extract_entities, post_script

UNKNOWN_LANGS = frozenset({"und", "zxx", "qme", "qht", "qam", "qct"})  # X's "no language"
REFERENCE_FIELDS = {"replied_to": "reply_to", "quoted": "quoted_id", "retweeted": "reposted_id"}
METRICS = {
    "retweet_count": "reposts",
    "reply_count": "replies",
    "like_count": "likes",
    "quote_count": "quotes",
    "bookmark_count": "bookmarks",
    "impression_count": "impressions",
}


def user_account(user: Any, observed_at: datetime, raw: Any = None) -> Account:
    """An X user as an :class:`Account`; followers from ``public_metrics``."""
    user_id = str(required(user, "id", "user id"))
    metrics = user.get("public_metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    followers = check_count(metrics.get("followers_count"), "followers_count")
    name = user.get("name")
    return Account(
        platform=PLATFORM,
        account_id=user_id,
        handle=check_name(user.get("username"), "username"),
        title=check_text(name, "name") if isinstance(name, str) else None,
        followers=followers,
        kind=KIND_USER,
        observed_at=observed_at if followers is not None else None,
        raw=raw,
    )


def tweet_records(
    tweet: Any,
    username: str | None,
    collected_at: datetime,
    *,
    source: str,
    now: datetime,
    raw: Any = None,
) -> tuple[Post, MetricSnapshot | None]:
    """A tweet's post and snapshot; ``username`` is its author's, for the URL, when known."""
    tweet_id = str(required(tweet, "id", "tweet id"))
    author_id = str(required(tweet, "author_id", "author_id (request tweet.fields=author_id)"))
    if not tweet.get("created_at"):
        raise BadRecord("missing created_at (request tweet.fields=created_at)")
    created = check_not_future(parse_time(tweet["created_at"], "created_at"), "created_at", now)
    note = tweet.get("note_tweet")
    full_text = note.get("text") if isinstance(note, dict) and note.get("text") else None
    text = check_text(full_text or required(tweet, "text"))
    hashtags, mentions, links = _entities(tweet.get("entities"), text)
    refs = {
        REFERENCE_FIELDS[r["type"]]: str(r["id"])
        for r in as_list(tweet.get("referenced_tweets"), "referenced_tweets")
        if isinstance(r, dict) and r.get("type") in REFERENCE_FIELDS and r.get("id")
    }
    attachments = tweet.get("attachments")
    attachments = attachments if isinstance(attachments, dict) else {}
    lang = tweet.get("lang")
    post = Post(
        PLATFORM,
        tweet_id,
        author_id,
        created,
        text,
        url=URL_TWEET.format(username=username, tweet_id=tweet_id)
        if username
        else URL_TWEET_ANON.format(tweet_id=tweet_id),
        hashtags=hashtags,
        mentions=mentions,
        links=links,
        has_media=bool(attachments.get("media_keys")),
        lang=lang if isinstance(lang, str) and lang not in UNKNOWN_LANGS else None,
        script=post_script(text),
        source=source,
        collected_at=collected_at,
        raw=raw,
        **refs,
    )
    return post, tweet_snapshot(tweet, collected_at)


def tweet_snapshot(tweet: Mapping[str, Any], captured_at: datetime) -> MetricSnapshot | None:
    """The tweet's ``public_metrics`` at ``captured_at`` (absent ones None), or None."""
    metrics = tweet.get("public_metrics")
    if not isinstance(metrics, dict):
        return None
    values = {ours: check_count(metrics.get(key), key) for key, ours in METRICS.items()}
    return MetricSnapshot(PLATFORM, str(tweet["id"]), captured_at, **values)


@dataclass
class ParsedPage:
    """Records of one page of results read live, and what the parser refused."""

    accounts: list[Account] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    snapshots: list[MetricSnapshot] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)  # for the quarantine


def page_records(
    tweets: Iterable[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
    collected_at: datetime,
) -> ParsedPage:
    """Accounts, posts and snapshots of one page; a refused tweet or user is quarantined."""
    page = ParsedPage()
    for user in users:
        try:
            page.accounts.append(user_account(user, collected_at, raw=dict(user)))
        except RECORD_ERRORS as exc:
            page.rejected.append(reject("x:api", f"user {user.get('id')}", reason_of(exc), user))
    usernames = {a.account_id: a.handle for a in page.accounts if a.handle}
    for tweet in tweets:
        try:
            post, snapshot = tweet_records(
                tweet,
                usernames.get(str(tweet.get("author_id"))),
                collected_at,
                source=SOURCE,
                now=collected_at,
                raw=dict(tweet),
            )
        except RECORD_ERRORS as exc:
            where = f"tweet {tweet.get('id')}"
            page.rejected.append(reject("x:api", where, reason_of(exc), tweet))
            continue
        page.posts.append(post)
        if snapshot is not None:
            page.snapshots.append(snapshot)
    return page


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


def _entities(entities: Any, text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Hashtags, mentions and expanded links from ``entities``, else from the text."""
    if not isinstance(entities, dict):
        return extract_entities(text)
    hashtags, mentions, urls = (
        [e for e in as_list(entities.get(key), f"entities.{key}") if isinstance(e, dict)]
        for key in ("hashtags", "mentions", "urls")
    )
    links = [u.get("unwound_url") or u.get("expanded_url") or u.get("url") for u in urls]
    tags = [h.get("tag") for h in hashtags]
    names = [m.get("username") for m in mentions]
    return tuple(
        tuple(dict.fromkeys(str(v) for v in values if v)) for values in (tags, names, links)
    )  # type: ignore[return-value]
