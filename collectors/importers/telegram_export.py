"""Import Telegram Desktop exports ("Export chat history" / "Export Telegram data", JSON).

Shapes accepted:

- single chat: ``{"name", "type", "id", "messages": [...]}`` (``result.json``);
- full account: ``{"about", "personal_information", …, "chats": {"list": [chat, …]}}``
  and ``"left_chats"`` likewise, each chat shaped as above;
- a bare array of export messages ``[{"id", "type", "date", …}, …]`` (a slice cut out of
  an export, as found in the wild). The chat is then taken to be a channel whose id is
  the ``from_id`` of its messages (``"channel1487851422"`` → ``1487851422``).

Chats of type ``public_channel``, ``private_channel``, ``public_supergroup`` and
``private_supergroup`` are imported. Personal chats, bot chats, saved messages and
private groups are skipped with one count per chat type unless ``all_chats`` is set.
Service messages (joins, pins, group creation …) are not posts and are skipped.

A post is ``"<chat id>/<message id>"`` of the account ``<chat id>``; ``text`` may be a
string or a list of strings and entity objects (links, hidden ``text_link`` targets,
hashtags and mentions are taken from the entities). ``forwarded_from`` (a name) and
``forwarded_from_id`` (``"channel123"`` → ``123``, ``"user5"`` stays ``"user5"``) give
the forward's origin.

Times: the current format has ``date_unixtime`` (exact). The old format has only
``date``, the local time of the computer that exported, without a zone. narrmon then
reads the zone offset from the ``edited`` field of unedited messages, which old exports
fill with the Unix epoch in that same local time (``"1970-01-01T05:00:00"`` means
UTC+5); without such a field the times are taken as UTC. The offset is the one of
January 1970, so times in a daylight-saving period may be an hour off.

Exports carry no view counts, so no metric snapshot is written: reach stays unknown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from collectors.importers.common import (
    RECORD_ERRORS,
    BadRecord,
    Progress,
    check_name,
    check_not_future,
    check_stored,
    check_text,
    explain_bad_text,
    file_time,
    parse_time,
    reason_of,
    reject,
    required,
)
from collectors.importers.jsonstream import JsonBreak, JsonStream, malformed
from narrmon import telegram_ids
from narrmon.records import Account, Post, Record, Skipped, utc
from narrmon.text import extract_entities, post_script

PLATFORM = "telegram"
SOURCE = "telegram-export"
IMPORTED_TYPES = {
    "public_channel": "channel",
    "private_channel": "channel",
    "public_supergroup": "supergroup",
    "private_supergroup": "supergroup",
}
OTHER_TYPES = {
    "personal_chat": "user",
    "bot_chat": "bot",
    "saved_messages": "user",
    "private_group": "group",
}
EPOCH = datetime(1970, 1, 1)
MAX_ZONE_OFFSET = timedelta(hours=14)
MEDIA_KEYS = ("photo", "file", "media_type", "poll", "location_information", "contact_information")
Entities = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@dataclass
class _Chat:
    """What is known of the chat whose messages are being read."""

    location: str
    name: str | None = None
    type: str | None = None
    id: Any = None
    bare: bool = False  # a bare messages array: no chat wrapper
    zone: timezone | None = None  # old format: the exporter's offset, once known
    announced: set[str] = field(default_factory=set)


def iter_records(
    path: Path | str, *, all_chats: bool = False, on_progress: Progress = None
) -> Iterator[Record]:
    """Records of a Telegram Desktop export (see the module docstring)."""
    path = Path(path)
    reader = _ExportReader(path, all_chats)
    with JsonStream.open(path, on_progress) as stream:
        try:
            yield from reader.document(stream)
        except JsonBreak as broken:
            context = stream.buf[max(stream.pos - 200, 0) : stream.pos + 200]
            yield reject(path, broken.location, broken.describe(), context)
    for chat_type, count in sorted(reader.skipped.items()):
        yield Skipped(f"messages of {chat_type} chats (--all-chats imports them)", count)


class _ExportReader:
    def __init__(self, path: Path, all_chats: bool) -> None:
        self.path = path
        self.all_chats = all_chats
        self.now = datetime.now(UTC)
        self.collected_at = file_time(path)
        self.skipped: Counter[str] = Counter()

    def document(self, stream: JsonStream) -> Iterator[Record]:
        first = stream.peek()
        if first == "[":
            yield from self.messages(stream, _Chat("", type="public_channel", bare=True))
        elif first == "{":
            yield from self.chat_object(stream, "", top=True)
        else:
            raise stream.fail("not a Telegram export: expected '{' or '['")

    def chat_object(self, stream: JsonStream, where: str, top: bool = False) -> Iterator[Record]:
        chat = _Chat(where)
        for key in stream.iter_object():
            if key == "messages":
                yield from self.messages(stream, chat)
            elif key in ("name", "type", "id"):
                value, _, _ = stream.value()
                plain = isinstance(value, str | int) and not isinstance(value, bool)
                setattr(chat, key, value if plain else None)
            elif top and key in ("chats", "left_chats"):
                for sub in stream.iter_object():
                    if sub != "list":
                        stream.skip()
                        continue
                    for index in stream.iter_array():
                        yield from self.chat_object(stream, f"{key}.list[{index}].")
            else:
                stream.skip()

    def messages(self, stream: JsonStream, chat: _Chat) -> Iterator[Record]:
        chat_type = chat.type or "public_channel"
        if chat_type not in IMPORTED_TYPES and not self.all_chats:
            for _ in stream.iter_array():
                stream.value()  # the C scanner, and a too-deep message is read as such
                self.skipped[chat_type] += 1
            return
        for index in stream.iter_array():
            value, start, end = stream.value()
            raw = stream.buf[start:end]
            where = f"{chat.location}messages[{index}] (line {stream.line_at(start)})"
            problem = explain_bad_text(raw) or malformed(value)
            if problem is not None:
                yield reject(self.path, where, problem, raw)
                continue
            try:
                records = list(self.message(chat, value, raw))
            except RECORD_ERRORS as exc:
                yield reject(self.path, where, reason_of(exc), raw)
            else:
                yield from records

    def message(self, chat: _Chat, msg: Any, raw: str) -> Iterator[Record]:
        message_id = required(msg, "id", "message id")
        if msg.get("type", "message") != "message":
            yield Skipped("service message (not a post)")
            return
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise BadRecord(f"message id {str(message_id)[:30]!r} is not an integer")
        chat_id = _chat_id(chat, msg)
        account_id = str(chat_id)
        created = check_not_future(self.time(chat, msg, "date"), "date", self.now)
        text, (hashtags, mentions, links) = _text(msg.get("text"))
        text = check_text(text)
        edited_at = None
        if msg.get("edited_unixtime") or msg.get("edited"):
            edited = self.time(chat, msg, "edited")
            edited_at = edited if edited > EPOCH.replace(tzinfo=UTC) + MAX_ZONE_OFFSET else None
        account = None
        if account_id not in chat.announced:
            account = self.account(chat, account_id, msg)
        fwd_id = msg.get("forwarded_from_id")
        reply = msg.get("reply_to_message_id")
        post = Post(
            PLATFORM,
            telegram_ids.post_id(account_id, message_id),
            account_id,
            created,
            text,
            reply_to=telegram_ids.post_id(account_id, reply) if reply is not None else None,
            forwarded_from_account=_peer(fwd_id) if fwd_id else None,
            forwarded_from_name=check_name(msg.get("forwarded_from"), "forwarded_from"),
            hashtags=hashtags,
            mentions=mentions,
            links=links,
            has_media=any(msg.get(key) for key in MEDIA_KEYS),
            edited_at=edited_at,
            script=post_script(text),
            source=SOURCE,
            collected_at=self.collected_at,
            raw=raw,
        )
        if account is not None:
            yield from check_stored([account])
            chat.announced.add(account_id)
        yield from check_stored([post])

    def account(self, chat: _Chat, account_id: str, msg: dict) -> Account:
        kind = IMPORTED_TYPES.get(chat.type or "public_channel") or OTHER_TYPES.get(chat.type or "")
        title = chat.name if not chat.bare else msg.get("from")
        return Account(
            PLATFORM,
            account_id,
            title=check_text(title, "chat name") if isinstance(title, str) else None,
            kind=kind,
        )

    def time(self, chat: _Chat, msg: dict, key: str) -> datetime:
        """``date`` or ``edited`` of a message as UTC (see the module docstring)."""
        unix = msg.get(f"{key}_unixtime")
        if unix not in (None, ""):
            return parse_time(unix, key)
        text = msg.get(key)
        if not isinstance(text, str) or not text:
            raise BadRecord(f"missing {key}")
        local = parse_time(text, key).replace(tzinfo=None)
        if chat.zone is None:
            chat.zone = _zone_from_epoch(msg.get("edited"))
        if chat.zone is None:
            return local.replace(tzinfo=UTC)
        try:
            return utc(local.replace(tzinfo=chat.zone))
        except OverflowError:
            raise BadRecord(f"{key} {text[:40]!r} is not a date in UTC") from None


def _zone_from_epoch(edited: Any) -> timezone | None:
    """The exporter's UTC offset, if ``edited`` is the epoch written in local time."""
    if not isinstance(edited, str):
        return None
    try:
        offset = datetime.fromisoformat(edited) - EPOCH
    except ValueError:
        return None
    if abs(offset) > MAX_ZONE_OFFSET:
        return None
    return timezone(offset)


def _peer(value: Any) -> str:
    """Our account id of an export ``from_id``: ``"channel123"`` → ``"123"``."""
    text = str(value)
    return text.removeprefix("channel") if text.startswith("channel") else text


def _chat_id(chat: _Chat, msg: dict) -> Any:
    if chat.id is not None:
        return chat.id
    from_id = msg.get("from_id") or msg.get("actor_id")
    if isinstance(from_id, str) and from_id.startswith("channel"):
        chat.id = _peer(from_id)
        return chat.id
    raise BadRecord("cannot tell the chat of this message (no chat id, no channel from_id)")


def _text(text: Any) -> tuple[str, Entities]:
    """The plain text of an export ``text`` field and its hashtags, mentions and links.

    In the list form, entity objects say exactly what is a link (``link``, or the
    hidden target of a ``text_link``), a hashtag or a mention; plain parts are scanned.
    """
    if text is None:
        return "", ((), (), ())
    if isinstance(text, str):
        return text, extract_entities(text)
    if not isinstance(text, list):
        raise BadRecord(f"text is a {type(text).__name__}, not a string or a list")
    parts: list[str] = []
    found: dict[str, list[str]] = {"hashtag": [], "mention": [], "link": []}
    for part in text:
        if isinstance(part, dict):
            kind, value = part.get("type"), str(part.get("text") or "")
            parts.append(value)
            if kind == "text_link" and part.get("href"):
                found["link"].append(str(part["href"]))
            elif kind in ("link", "hashtag", "mention"):
                found[kind].append(value.lstrip("#@") if kind != "link" else value)
                continue
        elif isinstance(part, str):
            value = part
            parts.append(part)
        else:
            raise BadRecord(f"text part is a {type(part).__name__}")
        for key, items in zip(("hashtag", "mention", "link"), extract_entities(value), strict=True):
            found[key].extend(items)
    entities = tuple(tuple(dict.fromkeys(found[k])) for k in ("hashtag", "mention", "link"))
    return "".join(parts), entities  # type: ignore[return-value]
