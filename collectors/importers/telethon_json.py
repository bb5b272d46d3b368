"""Import telethon message dumps: ``Message.to_dict()`` objects as a JSON array or JSON Lines.

This is what telethon scripts and 4CAT write with the usual ``DateTimeEncoder`` recipe:
datetimes as ISO strings, bytes as lists of integers, a ``"_"`` type tag on every
object. The same stream may also hold channel descriptions: ``messages.ChatFull``,
``ChannelFull`` and ``Channel`` objects become accounts (username, title, subscribers).

- A ``Message`` becomes a post ``"<channel_id>/<id>"`` (``https://t.me/<username>/<id>``
  when a ``Channel`` earlier in the file gave the username) and one metric snapshot with
  its views, forwards, replies and reactions (total and per emoji).
- The messages of an album (same ``grouped_id``, one after another in the dump) are one
  post: the lowest-id message that has text; the other parts are skipped as "album part".
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

PLATFORM = "telegram"
SOURCE = "telethon-json"
TG_URL = "https://t.me/{username}/{id}"
NAME_TIME = re.compile(r"__(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})Z$")
NO_MEDIA = {None, "MessageMediaEmpty", "MessageMediaWebPage"}
# telethon's to_dict() tags messages.ChatFull as "ChatFull"; accept both spellings.
CHAT_FULL_KINDS = {"ChatFull", "messages.ChatFull"}
CHANNEL_KINDS = CHAT_FULL_KINDS | {"ChannelFull", "Channel"}
PEER_KEYS = {"PeerChannel": "channel_id", "PeerChat": "chat_id", "PeerUser": "user_id"}
PEER_PREFIX = {"PeerChannel": "", "PeerChat": "chat", "PeerUser": "user"}


def captured_at_of(path: Path) -> datetime:
    """The capture time in a dump's file name, else the file's modification time (UTC)."""
    found = NAME_TIME.search(path.stem)
    if found:
        day, hour, minute = found.groups()
        return datetime.fromisoformat(f"{day}T{hour}:{minute}:00+00:00")
    return file_time(path)


def peer_id(peer: Any) -> str | None:
    """Our account id of a telethon peer dict: the bare id for channels, else prefixed."""
    if not isinstance(peer, dict):
        return None
    kind = peer.get("_")
    key = PEER_KEYS.get(kind)
    if key is None or peer.get(key) is None:
        return None
    return f"{PEER_PREFIX[kind]}{peer[key]}"


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
                yield from self.message(item, value)
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
        with_text = [p for p in parts if p[1].get("message")]
        chosen = (with_text or parts)[0]
        self.album, self.album_id = [], None
        for item, value in parts:
            if item is chosen[0]:
                yield from self.message(item, value, album=True)
            else:
                yield Skipped("album part (the album is one post)")

    def message(self, item: Item, msg: dict, album: bool = False) -> Iterator[Record]:
        try:
            post, snapshot, channel = self._parse(item, msg, album)
            check_stored([post] if snapshot is None else [post, snapshot])
        except RECORD_ERRORS as exc:
            yield reject(self.path, item.location, reason_of(exc), item.raw)
            return
        if channel not in self.accounts_seen:
            self.accounts_seen.add(channel)
            kind = "channel" if msg.get("post") else None
            yield Account(PLATFORM, channel, handle=self.usernames.get(channel), kind=kind)
        yield post
        if snapshot is not None:
            yield snapshot

    def _parse(self, item: Item, msg: dict, album: bool) -> tuple[Post, MetricSnapshot | None, str]:
        channel = peer_id(msg.get("peer_id"))
        if channel is None:
            raise BadRecord("missing peer_id (the channel the message belongs to)")
        message_id = required(msg, "id")
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise BadRecord(f"id {str(message_id)[:30]!r} is not an integer")
        post_id = f"{channel}/{message_id}"
        created = check_not_future(parse_time(msg.get("date"), "date"), "date", self.now)
        edited = msg.get("edit_date")
        edited_at = parse_time(edited, "edit_date") if edited else None
        text = check_text(msg.get("message"), "message text")
        extra_links = [
            e["url"]
            for e in as_list(msg.get("entities"), "entities")
            if isinstance(e, dict) and e.get("_") == "MessageEntityTextUrl" and e.get("url")
        ]
        hashtags, mentions, links = extract_entities(text, extra_links)
        fwd_account, fwd_post, fwd_name = _forward(msg.get("fwd_from"))
        username = self.usernames.get(channel)
        media = msg.get("media")
        post = Post(
            PLATFORM,
            post_id,
            channel,
            created,
            text,
            url=TG_URL.format(username=username, id=message_id) if username else None,
            reply_to=_reply_to(msg.get("reply_to"), channel),
            forwarded_from_account=fwd_account,
            forwarded_from_post=fwd_post,
            forwarded_from_name=fwd_name,
            hashtags=hashtags,
            mentions=mentions,
            links=links,
            has_media=album or _media_kind(media) not in NO_MEDIA,
            edited_at=edited_at,
            script=detect_script(text),
            source=SOURCE,
            collected_at=self.captured_at,
            raw=item.raw,
        )
        return post, self._snapshot(msg, post_id), channel

    def _snapshot(self, msg: dict, post_id: str) -> MetricSnapshot | None:
        views = check_count(msg.get("views"), "views")
        forwards = check_count(msg.get("forwards"), "forwards")
        replies_obj = msg.get("replies")
        replies = (
            check_count(replies_obj.get("replies"), "replies")
            if isinstance(replies_obj, dict)
            else None
        )
        total, by_emoji = _reactions(msg.get("reactions"))
        if views is None and forwards is None and replies is None and total is None:
            return None
        return MetricSnapshot(
            PLATFORM,
            post_id,
            self.captured_at,
            views=views,
            forwards=forwards,
            replies=replies,
            reactions=total,
            reactions_by_emoji=by_emoji,
        )

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


def _media_kind(media: Any) -> str | None:
    return media.get("_") if isinstance(media, dict) else None


def _int_or_zero(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _forward(fwd: Any) -> tuple[str | None, str | None, str | None]:
    """``(account, post id, name)`` a message was forwarded from."""
    if not isinstance(fwd, dict):
        return None, None, None
    account = peer_id(fwd.get("from_id"))
    channel_post = fwd.get("channel_post")
    post = f"{account}/{channel_post}" if account and channel_post is not None else None
    name = check_name(fwd.get("from_name") or fwd.get("post_author"), "forward name")
    return account, post, name


def _reply_to(reply: Any, channel: str) -> str | None:
    if not isinstance(reply, dict) or reply.get("reply_to_msg_id") is None:
        return None
    peer = peer_id(reply.get("reply_to_peer_id")) or channel
    return f"{peer}/{reply['reply_to_msg_id']}"


def _reactions(reactions: Any) -> tuple[int | None, dict[str, int] | None]:
    """Total and per-emoji counts of a ``MessageReactions`` dict (None when absent)."""
    if not isinstance(reactions, dict):
        return None, None
    by_emoji: dict[str, int] = {}
    for result in as_list(reactions.get("results"), "reactions.results"):
        if not isinstance(result, dict):
            raise BadRecord(f"reaction is a {type(result).__name__}, not an object")
        count = check_count(result.get("count"), "reaction count") or 0
        reaction = result.get("reaction") or {}
        if not isinstance(reaction, dict):
            raise BadRecord(f"reaction is a {type(reaction).__name__}, not an object")
        kind = reaction.get("_")
        if kind == "ReactionEmoji":
            key = str(reaction.get("emoticon"))
        elif kind == "ReactionCustomEmoji":
            key = f"custom:{reaction.get('document_id')}"
        elif kind == "ReactionPaid":
            key = "paid"
        else:
            key = str(kind)
        by_emoji[key] = by_emoji.get(key, 0) + count
    return sum(by_emoji.values()), by_emoji
