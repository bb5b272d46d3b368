"""Import X API v2 data as twarc2 writes it: JSON Lines of response pages or of tweets.

Shapes accepted, line by line (they may be mixed):

- a response page: ``data`` (a list of tweets, or one tweet for a single lookup),
  ``includes.users``, ``includes.tweets``, ``meta``, optional ``errors`` and the
  ``__twarc`` block (``retrieved_at``) that twarc2 adds;
- a flattened tweet (``twarc2 flatten``): one tweet per line with its ``author`` object
  inline (and ``__twarc``).

A file holding one (pretty-printed) response object, as saved from the API or from
tweepy's ``response.json()``, is read as one page. Tweets and
users are mapped by :mod:`collectors.x.parse`, as the live collector's are: each tweet
of ``data`` becomes a post (its ``note_tweet`` text when it has one) and one metric
snapshot of its ``public_metrics``; authors (``includes.users`` or ``author``) become
accounts with their followers.
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
    check_name,
    check_stored,
    file_time,
    parse_time,
    reason_of,
    reject,
)
from collectors.importers.jsonstream import Item, iter_json_records
from collectors.x.parse import tweet_records, user_account
from narrmon.records import Account, Record, Skipped

SOURCE = "x-jsonl"


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
        return check_stored([user_account(user, captured)])[0]  # type: ignore[return-value]

    def tweet(
        self, tweet: Any, author: dict | None, captured: datetime, raw: Any
    ) -> Iterator[Record]:
        username = check_name(author.get("username"), "username") if author else None
        post, snapshot = tweet_records(
            tweet, username, captured, source=SOURCE, now=self.now, raw=raw
        )
        yield from check_stored([post] if snapshot is None else [post, snapshot])
