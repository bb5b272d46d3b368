"""Import X API v2 data as twarc2 writes it: JSON Lines of response pages or of tweets.

Shapes accepted, line by line (they may be mixed):

- a response page: ``data`` (a list of tweets, or one tweet for a single lookup),
  ``includes.users``, ``includes.tweets``, ``meta``, optional ``errors`` and the
  ``__twarc`` block (``retrieved_at``) that twarc2 adds;
- a flattened tweet (``twarc2 flatten``): one tweet per line with its ``author`` object
  inline (and ``__twarc``).

A file holding one (pretty-printed) response object, as saved from the API or from
tweepy's ``response.json()``, is read as one page. Each tweet of ``data`` becomes a post
and one metric snapshot (``public_metrics``: ``retweet_count`` → reposts,
``reply_count`` → replies, ``like_count`` → likes, ``quote_count`` → quotes,
``bookmark_count`` → bookmarks, ``impression_count`` → impressions where present).
Authors (``includes.users`` or ``author``) become accounts with their followers.
Referenced tweets (``includes.tweets``) are linked through ``reply_to``, ``quoted_id``
and ``reposted_id``; they are not imported as posts. Page-level ``errors`` (suspended
users, deleted tweets …) are skipped with their title as the reason.

The capture time is ``__twarc.retrieved_at`` where present, else the file's
modification time (UTC). Tweets need ``id``, ``text``, ``created_at`` and ``author_id``
(request ``tweet.fields=created_at,author_id``); tweets without them are quarantined.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collectors.importers.common import (
    RECORD_ERRORS,
    BadRecord,
    Progress,
    as_list,
    check_count,
    check_name,
    check_not_future,
    check_stored,
    check_text,
    detect_script,
    extract_entities,
    file_time,
    parse_time,
    reason_of,
    reject,
    required,
)
from collectors.importers.jsonstream import Item, iter_json_records
from narrmon.records import Account, MetricSnapshot, Post, Record, Skipped

PLATFORM = "x"
SOURCE = "x-jsonl"
TWEET_URL = "https://x.com/{username}/status/{id}"
UNKNOWN_LANGS = {"und", "zxx", "qme", "qht", "qam", "qct"}
REFERENCE_FIELDS = {"replied_to": "reply_to", "quoted": "quoted_id", "retweeted": "reposted_id"}
METRICS = {
    "retweet_count": "reposts",
    "reply_count": "replies",
    "like_count": "likes",
    "quote_count": "quotes",
    "bookmark_count": "bookmarks",
    "impression_count": "impressions",
}


def iter_records(
    path: Path | str, *, all_chats: bool = False, on_progress: Progress = None
) -> Iterator[Record]:
    """Records of an X v2 JSON Lines file (``all_chats`` has no effect here)."""
    path = Path(path)
    reader = _XReader(path)
    for item in iter_json_records(path, on_progress):
        if item.error is not None:
            yield reject(path, item.location, item.error, item.raw)
        elif isinstance(item.value, dict) and "data" in item.value:
            yield from reader.page(item)
        elif isinstance(item.value, dict) and "id" in item.value and "text" in item.value:
            yield from reader.flat_tweet(item)
        elif isinstance(item.value, dict) and "errors" in item.value:
            yield from _errors(item.value)
        else:
            reason = "neither an X API v2 response page nor a tweet"
            yield reject(path, item.location, reason, item.raw)


def _errors(page: dict) -> Iterator[Skipped]:
    errors = page.get("errors")
    for error in errors if isinstance(errors, list) else ():
        title = error.get("title") if isinstance(error, dict) else None
        yield Skipped(f"X API error: {title or 'untitled'}")


class _XReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.now = datetime.now(UTC)
        self.mtime = file_time(path)

    def captured_at(self, value: dict) -> datetime:
        twarc = value.get("__twarc")
        if isinstance(twarc, dict) and twarc.get("retrieved_at"):
            try:
                return parse_time(twarc["retrieved_at"], "__twarc.retrieved_at")
            except BadRecord:
                pass
        return self.mtime

    def page(self, item: Item) -> Iterator[Record]:
        page = item.value
        captured = self.captured_at(page)
        data = page.get("data")
        tweets = [data] if isinstance(data, dict) else data if isinstance(data, list) else []
        includes = page.get("includes") if isinstance(page.get("includes"), dict) else {}
        users: dict[str, dict] = {}
        try:
            included = as_list(includes.get("users"), "includes.users")
        except BadRecord as exc:
            yield reject(self.path, f"{item.location}: includes.users", str(exc), includes)
            included = ()
        for index, user in enumerate(included):
            try:
                account = self.account(user, captured)
            except RECORD_ERRORS as exc:
                where = f"{item.location}: includes.users[{index}]"
                yield reject(self.path, where, reason_of(exc), user)
                continue
            users[account.account_id] = user
            yield account
        for index, tweet in enumerate(tweets):
            where = f"{item.location}: data[{index}]"
            try:
                author = users.get(str(tweet.get("author_id"))) if isinstance(tweet, dict) else None
                records = list(self.tweet(tweet, author, captured, tweet))
            except RECORD_ERRORS as exc:
                yield reject(self.path, where, reason_of(exc), tweet)
            else:
                yield from records
        yield from _errors(page)

    def flat_tweet(self, item: Item) -> Iterator[Record]:
        tweet = item.value
        captured = self.captured_at(tweet)
        author = tweet.get("author") if isinstance(tweet.get("author"), dict) else None
        try:
            records = list(self.tweet(tweet, author, captured, item.raw))
            if author is not None:
                records.insert(0, self.account(author, captured))
        except RECORD_ERRORS as exc:
            yield reject(self.path, item.location, reason_of(exc), item.raw)
            return
        yield from records

    def account(self, user: Any, captured: datetime) -> Account:
        user_id = str(required(user, "id", "user id"))
        metrics = user.get("public_metrics") if isinstance(user.get("public_metrics"), dict) else {}
        followers = check_count(metrics.get("followers_count"), "followers_count")
        name = user.get("name")
        account = Account(
            PLATFORM,
            user_id,
            handle=check_name(user.get("username"), "username"),
            title=check_text(name, "name") if isinstance(name, str) else None,
            followers=followers,
            kind="x_user",
            observed_at=captured if followers is not None else None,
        )
        check_stored([account])
        return account

    def tweet(
        self, tweet: Any, author: dict | None, captured: datetime, raw: Any
    ) -> Iterator[Record]:
        tweet_id = str(required(tweet, "id", "tweet id"))
        author_id = str(required(tweet, "author_id", "author_id (request tweet.fields=author_id)"))
        if not tweet.get("created_at"):
            raise BadRecord("missing created_at (request tweet.fields=created_at)")
        created = parse_time(tweet["created_at"], "created_at")
        check_not_future(created, "created_at", self.now)
        note = tweet.get("note_tweet")
        full_text = note.get("text") if isinstance(note, dict) and note.get("text") else None
        text = check_text(full_text or required(tweet, "text"))
        hashtags, mentions, links = _entities(tweet.get("entities"), text)
        refs = {
            REFERENCE_FIELDS[r["type"]]: str(r["id"])
            for r in as_list(tweet.get("referenced_tweets"), "referenced_tweets")
            if isinstance(r, dict) and r.get("type") in REFERENCE_FIELDS and r.get("id")
        }
        username = check_name(author.get("username"), "username") if author else None
        attachments = tweet.get("attachments") if isinstance(tweet.get("attachments"), dict) else {}
        lang = tweet.get("lang")
        post = Post(
            PLATFORM,
            tweet_id,
            author_id,
            created,
            text,
            url=TWEET_URL.format(username=username or "i/web", id=tweet_id),
            hashtags=hashtags,
            mentions=mentions,
            links=links,
            has_media=bool(attachments.get("media_keys")),
            lang=lang if isinstance(lang, str) and lang not in UNKNOWN_LANGS else None,
            script=detect_script(text),
            source=SOURCE,
            collected_at=captured,
            raw=raw,
            **refs,
        )
        metrics = tweet.get("public_metrics")
        if isinstance(metrics, dict):
            values = {ours: check_count(metrics.get(key), key) for key, ours in METRICS.items()}
            yield from check_stored([post, MetricSnapshot(PLATFORM, tweet_id, captured, **values)])
        else:
            yield from check_stored([post])


def _entities(entities: Any, text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Hashtags, mentions and expanded links from ``entities``, else from the text."""
    if not isinstance(entities, dict):
        return extract_entities(text)
    hashtags, mentions, urls = (
        [e for e in as_list(entities.get(key), f"entities.{key}") if isinstance(e, dict)]
        for key in ("hashtags", "mentions", "urls")
    )
    links = [u.get("unwound_url") or u.get("expanded_url") or u.get("url") for u in urls]
    hashtags = [h.get("tag") for h in hashtags]
    mentions = [m.get("username") for m in mentions]
    return tuple(
        tuple(dict.fromkeys(str(v) for v in values if v)) for values in (hashtags, mentions, links)
    )  # type: ignore[return-value]
