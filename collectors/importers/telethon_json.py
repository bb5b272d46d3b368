"""Import telethon message dumps: ``Message.to_dict()`` objects as a JSON array or JSON Lines.

This is what telethon scripts and 4CAT write with the usual ``DateTimeEncoder`` recipe:
datetimes as ISO strings, bytes as lists of integers, a ``"_"`` type tag on every
object. The same stream may also hold channel descriptions: ``messages.ChatFull``,
``ChannelFull`` and ``Channel`` objects become accounts (username, title, subscribers).

- Messages are parsed by :mod:`collectors.telegram.parse`, as the live collector's
  are: a ``Message`` becomes a post ``"<channel_id>/<id>"`` (``https://t.me/<username>/<id>``
  when a ``Channel`` earlier in the file gave the username, else
  ``https://t.me/c/<channel_id>/<id>``) and one metric snapshot with its views,
  forwards, replies and reactions (total and per emoji).
- The messages of an album (same ``grouped_id``, one after another in the dump) are one
  post: the lowest-id message that has text, with the album's metrics and the span of
  its message ids; the other parts are skipped as "album part".
- ``MessageService`` objects (joins, pins …) are skipped: they are not posts.
- The capture time of a dump is the UTC time in its name
  (``<username>__<YYYY-MM-DDTHH-MMZ>.json``) or else the file's modification time; it is
  both the snapshots' ``captured_at`` and the posts' ``collected_at``, so importing the
  same file twice gives the same store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collectors.importers.common import (
    RECORD_ERRORS,
    Progress,
    as_list,
    check_count,
    check_name,
    check_stored,
    check_text,
    file_time,
    reason_of,
    reject,
    required,
)
from collectors.importers.jsonstream import Item, iter_json_records
from collectors.telegram.parse import message_records
from narrmon.records import Account, Record, Skipped

PLATFORM = "telegram"
SOURCE = "telethon-json"
NAME_TIME = re.compile(r"__(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})Z$")
# telethon's to_dict() tags messages.ChatFull as "ChatFull"; accept both spellings.
CHAT_FULL_KINDS = {"ChatFull", "messages.ChatFull"}
CHANNEL_KINDS = CHAT_FULL_KINDS | {"ChannelFull", "Channel"}


def captured_at_of(path: Path) -> datetime:
    """The capture time in a dump's file name, else the file's modification time (UTC)."""
    found = NAME_TIME.search(path.stem)
    if found:
        day, hour, minute = found.groups()
        return datetime.fromisoformat(f"{day}T{hour}:{minute}:00+00:00")
    return file_time(path)


def iter_records(
    path: Path | str, *, all_chats: bool = False, on_progress: Progress = None
) -> Iterator[Record]:
    """Records of a telethon dump (``all_chats`` is accepted and has no effect here)."""
    path = Path(path)
    reader = _DumpReader(path, captured_at_of(path))
    for item in iter_json_records(path, on_progress):
        if item.error is not None:
            yield reject(path, item.location, item.error, item.raw)
            continue
        yield from reader.feed(item)
    yield from reader.flush_album()


class _DumpReader:
    """State of one dump: known channels, the album being gathered."""

    def __init__(self, path: Path, captured_at: datetime) -> None:
        self.path = path
        self.captured_at = captured_at
        self.now = datetime.now(UTC)
        self.usernames: dict[str, str] = {}
        self.accounts_seen: set[str] = set()
        self.album_id: Any = None
        self.album: list[tuple[Item, dict]] = []

    def feed(self, item: Item) -> Iterator[Record]:
        value = item.value
        kind = value.get("_") if isinstance(value, dict) else None
        if kind != "Message" or value.get("grouped_id") != self.album_id:
            yield from self.flush_album()
        if kind == "Message":
            if value.get("grouped_id") is not None:
                self.album_id = value["grouped_id"]
                self.album.append((item, value))
            else:
                yield from self.message(item, [value])
        elif kind == "MessageService":
            yield Skipped("service message (not a post)")
        elif kind in CHANNEL_KINDS:
            yield from self.describe(item, value)
        elif kind is None:
            yield reject(self.path, item.location, "not a telethon object (no '_' tag)", item.raw)
        else:
            yield Skipped(f"not a message: {kind}")

    def flush_album(self) -> Iterator[Record]:
        if not self.album:
            return
        parts = sorted(self.album, key=lambda pair: _int_or_zero(pair[1].get("id")))
        self.album, self.album_id = [], None
        chosen = next((p for p in parts if p[1].get("message")), parts[0])[0]
        yield from self.message(chosen, [value for _, value in parts])
        for _ in parts[1:]:
            yield Skipped("album part (the album is one post)")

    def message(self, item: Item, parts: list[dict]) -> Iterator[Record]:
        """The records of a message (or an album's parts) read at ``item``."""
        try:
            post, snapshot, span = message_records(
                parts,
                usernames=self.usernames,
                source=SOURCE,
                collected_at=self.captured_at,
                now=self.now,
                raw=item.raw,
            )
            check_stored([post] if snapshot is None else [post, snapshot])
        except RECORD_ERRORS as exc:
            yield reject(self.path, item.location, reason_of(exc), item.raw)
            return
        if post.account_id not in self.accounts_seen:
            self.accounts_seen.add(post.account_id)
            kind = "channel" if parts[0].get("post") else None
            handle = self.usernames.get(post.account_id)
            yield Account(PLATFORM, post.account_id, handle=handle, kind=kind)
        yield post
        if snapshot is not None:
            yield snapshot
        if span is not None:
            yield span

    def describe(self, item: Item, value: dict) -> Iterator[Record]:
        """Accounts from ``messages.ChatFull`` / ``ChannelFull`` / ``Channel`` objects."""
        try:
            if value["_"] in CHAT_FULL_KINDS:
                chats = as_list(value.get("chats"), "chats")
                full = value.get("full_chat")
                full = full if isinstance(full, dict) else {}
                for chat in chats:
                    if isinstance(chat, dict) and chat.get("_") == "Channel":
                        yield self._channel(chat, full if full.get("id") == chat.get("id") else {})
            elif value["_"] == "ChannelFull":
                yield self._channel({"id": value.get("id")}, value)
            else:
                yield self._channel(value, {})
        except RECORD_ERRORS as exc:
            yield reject(self.path, item.location, reason_of(exc), item.raw)

    def _channel(self, chat: dict, full: dict) -> Account:
        account = self._account(chat, full)
        check_stored([account])
        if account.handle:
            self.usernames[account.account_id] = account.handle
        self.accounts_seen.add(account.account_id)
        return account

    def _account(self, chat: dict, full: dict) -> Account:
        channel_id = required(chat, "id", "channel id")
        account_id = str(channel_id)
        username = chat.get("username")
        if not username:
            usernames = as_list(chat.get("usernames"), "usernames")
            active = [u for u in usernames if isinstance(u, dict)]
            username = next((u.get("username") for u in active if u.get("active")), None)
        username = check_name(username, "username")
        title = chat.get("title")
        if title is not None:
            title = check_text(title, "title")
        followers = check_count(
            full.get("participants_count", chat.get("participants_count")), "participants_count"
        )
        if chat.get("broadcast"):
            kind = "channel"
        elif chat.get("megagroup"):
            kind = "supergroup"
        else:
            kind = None
        return Account(
            PLATFORM,
            account_id,
            handle=username or None,
            title=title,
            followers=followers,
            kind=kind,
            observed_at=self.captured_at if followers is not None else None,
        )


def _int_or_zero(value: Any) -> int:
    return value if isinstance(value, int) else 0
