"""Telethon objects → narrmon records. Pure: no I/O, no clock (times are passed in).

An album (messages sharing a ``grouped_id``) becomes one post, as in the file
importers: the id of the lowest-id part that has text (the caption), else of the first
part. Views and forwards are the largest of its parts, replies and reactions are summed
(each reaction sits on one part). The post records the first and last message ids of
the album, so its other ids do not look like holes in the channel.
"""

from __future__ import annotations

import base64
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telethon.tl import types

from collectors.importers.common import detect_script, extract_entities
from collectors.telegram.constants import (
    KIND_CHANNEL,
    KIND_SUPERGROUP,
    PLATFORM,
    SOURCE,
    URL_PRIVATE,
    URL_PUBLIC,
)
from collectors.telegram.types import ResolvedChannel
from narrmon.records import Account, MetricSnapshot, Post, utc

_LINK_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/(?:s/)?", re.I)
_BOT_API_CHANNEL = re.compile(r"^-100(\d+)$")
RAW_DROP = frozenset({"access_hash", "file_reference", "bytes", "photo", "thumbs"})
RAW_BYTES_MAX = 64  # bytes values longer than this are not kept in raw payloads


def normalize_ref(ref: str) -> str:
    """A channel reference as ``username`` (lower case) or bare numeric id.

    Accepts ``@name``, ``name``, ``https://t.me/name``, ``123`` and ``-100123``.
    """
    text = _LINK_PREFIX.sub("", ref.strip()).strip("/").lstrip("@")
    text = text.split("/", 1)[0]
    found = _BOT_API_CHANNEL.match(text)
    if found:
        return found.group(1)
    return text if text.isdigit() else text.lower()


def entity_kind(entity: Any) -> str:
    """``channel``, ``supergroup``, ``group``, ``bot``, ``user`` or ``other``."""
    if isinstance(entity, types.Channel):
        return KIND_SUPERGROUP if entity.megagroup else KIND_CHANNEL
    if isinstance(entity, types.Chat | types.ChatForbidden):
        return "group"
    if isinstance(entity, types.User):
        return "bot" if entity.bot else "user"
    return "other"


def is_public_channel(entity: Any) -> bool:
    """True for a channel or supergroup anyone can read by its public username."""
    return isinstance(entity, types.Channel) and bool(entity.username or entity.usernames)


def channel_username(entity: types.Channel) -> str | None:
    """The channel's main public username (the first active one if it has several)."""
    if entity.username:
        return entity.username
    for name in entity.usernames or ():
        if getattr(name, "active", False):
            return name.username
    return None


def resolved(entity: Any) -> ResolvedChannel:
    """The parts of a resolved chat the collector keeps."""
    is_channel = isinstance(entity, types.Channel)
    title = getattr(entity, "title", None)
    if title is None and isinstance(entity, types.User):
        title = " ".join(p for p in (entity.first_name, entity.last_name) if p) or None
    return ResolvedChannel(
        channel_id=entity.id,
        access_hash=getattr(entity, "access_hash", None) or 0,
        username=channel_username(entity) if is_channel else getattr(entity, "username", None),
        title=title,
        kind=entity_kind(entity),
    )


def channel_account(
    channel: ResolvedChannel,
    *,
    followers: int | None = None,
    observed_at: datetime | None = None,
    raw: dict[str, Any] | None = None,
) -> Account:
    """The :class:`Account` of a channel; ``followers`` only with the time it was read."""
    return Account(
        platform=PLATFORM,
        account_id=str(channel.channel_id),
        handle=channel.username,
        title=channel.title,
        followers=followers,
        kind=channel.kind,
        observed_at=observed_at if followers is not None else None,
        raw=raw,
    )


def full_channel_followers(full: types.messages.ChatFull) -> int | None:
    """Subscribers from a ``GetFullChannelRequest`` answer."""
    return getattr(full.full_chat, "participants_count", None)


def jsonable(value: Any) -> Any:
    """A telethon ``to_dict()`` value made JSON-friendly, without access hashes or blobs."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if k not in RAW_DROP}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode() if len(value) <= RAW_BYTES_MAX else None
    if isinstance(value, datetime):
        return utc(value).isoformat()
    return value


def channel_raw(entity: types.Channel) -> dict[str, Any]:
    """The channel as JSON, for the account's raw payload."""
    return jsonable(entity.to_dict())


@dataclass
class ParsedPage:
    """Records of one page of history, plus album spans and skip reasons."""

    posts: list[Post] = field(default_factory=list)
    snapshots: list[MetricSnapshot] = field(default_factory=list)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # album -> (first, last)
    skipped: Counter[str] = field(default_factory=Counter)
    last_id: int = 0  # highest message id read


def group_albums(messages: Iterable[Any]) -> list[list[Any]]:
    """Messages grouped into albums (same ``grouped_id``), in order of first id."""
    groups: dict[Any, list[Any]] = {}
    for msg in sorted(messages, key=lambda m: m.id):
        gid = getattr(msg, "grouped_id", None)
        groups.setdefault(("g", gid) if gid else ("m", msg.id), []).append(msg)
    return sorted(groups.values(), key=lambda parts: parts[0].id)


def parse_page(
    messages: Sequence[Any], channel: ResolvedChannel, collected_at: datetime
) -> ParsedPage:
    """Posts and snapshots of a page; service messages are counted as skipped."""
    page = ParsedPage()
    for parts in group_albums(messages):
        page.last_id = max(page.last_id, parts[-1].id)
        real = [m for m in parts if isinstance(m, types.Message)]
        if not real:
            page.skipped["service message"] += len(parts)
            continue
        post, snapshot = parse_message_group(real, channel, collected_at)
        page.posts.append(post)
        page.snapshots.append(snapshot)
        if len(real) > 1:
            page.spans[post.post_id] = (real[0].id, real[-1].id)
    return page


def parse_message_group(
    parts: Sequence[types.Message], channel: ResolvedChannel, collected_at: datetime
) -> tuple[Post, MetricSnapshot]:
    """One post (and its metrics) from a message or the parts of an album."""
    captioned = next((m for m in parts if m.message), parts[0])
    first = captioned  # as the file importers do: the lowest-id part that has text
    cid = channel.channel_id
    text = captioned.message or ""
    tags, mentions, links = _entities(captioned)
    edits = [m.edit_date for m in parts if m.edit_date and not m.edit_hide]
    post = Post(
        platform=PLATFORM,
        post_id=f"{cid}/{first.id}",
        account_id=str(cid),
        created_at=utc(first.date),
        text=text,
        url=_url(channel, first.id),
        reply_to=_reply_to(first, cid),
        forwarded_from_account=_fwd_channel(first),
        forwarded_from_post=_fwd_post(first),
        forwarded_from_name=_fwd_name(first),
        hashtags=tags,
        mentions=mentions,
        links=links,
        has_media=any(_has_media(m) for m in parts),
        edited_at=utc(max(edits)) if edits else None,
        script=detect_script(text),
        source=SOURCE,
        collected_at=collected_at,
        raw=_raw(parts),
    )
    return post, snapshot_of(parts, post.post_id, collected_at)


def snapshot_of(
    parts: Sequence[types.Message], post_id: str, captured_at: datetime
) -> MetricSnapshot:
    """Views and forwards (largest part), replies and reactions (summed) of a post."""
    by_emoji: Counter[str] = Counter()
    for msg in parts:
        by_emoji.update(reaction_counts(msg))
    views = [m.views for m in parts if m.views is not None]
    forwards = [m.forwards for m in parts if m.forwards is not None]
    replies = [m.replies.replies for m in parts if m.replies is not None]
    return MetricSnapshot(
        platform=PLATFORM,
        post_id=post_id,
        captured_at=captured_at,
        views=max(views) if views else None,
        forwards=max(forwards) if forwards else None,
        replies=sum(replies) if replies else None,
        reactions=sum(by_emoji.values()),
        reactions_by_emoji=dict(by_emoji),
    )


def reaction_counts(msg: types.Message) -> dict[str, int]:
    """Reactions per emoji (custom emoji as ``custom:<id>``, paid stars as ``paid``)."""
    found: dict[str, int] = {}
    results = msg.reactions.results if msg.reactions is not None else []
    for rc in results:
        reaction = rc.reaction
        if isinstance(reaction, types.ReactionEmoji):
            key = reaction.emoticon
        elif isinstance(reaction, types.ReactionCustomEmoji):
            key = f"custom:{reaction.document_id}"
        else:
            key = type(reaction).__name__.removeprefix("Reaction").lower() or "other"
        found[key] = found.get(key, 0) + rc.count
    return found


def _entities(msg: types.Message) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    hidden = []
    for entity in msg.entities or ():
        if isinstance(entity, types.MessageEntityTextUrl):
            hidden.append(entity.url)
    return extract_entities(msg.message or "", tuple(hidden))


def _url(channel: ResolvedChannel, msg_id: int) -> str:
    if channel.username:
        return URL_PUBLIC.format(username=channel.username, msg_id=msg_id)
    return URL_PRIVATE.format(channel_id=channel.channel_id, msg_id=msg_id)


def _reply_to(msg: types.Message, cid: int) -> str | None:
    header = msg.reply_to
    if not isinstance(header, types.MessageReplyHeader) or header.reply_to_msg_id is None:
        return None
    peer = header.reply_to_peer_id
    where = peer.channel_id if isinstance(peer, types.PeerChannel) else cid
    return f"{where}/{header.reply_to_msg_id}"


def _fwd_channel(msg: types.Message) -> str | None:
    fwd = msg.fwd_from
    if fwd is None or fwd.from_id is None:
        return None
    peer = fwd.from_id
    for attr in ("channel_id", "user_id", "chat_id"):
        if hasattr(peer, attr):
            return str(getattr(peer, attr))
    return None


def _fwd_post(msg: types.Message) -> str | None:
    fwd = msg.fwd_from
    if fwd is None or fwd.channel_post is None or not isinstance(fwd.from_id, types.PeerChannel):
        return None
    return f"{fwd.from_id.channel_id}/{fwd.channel_post}"


def _fwd_name(msg: types.Message) -> str | None:
    fwd = msg.fwd_from
    if fwd is None:
        return None
    return fwd.from_name or fwd.post_author


def _has_media(msg: types.Message) -> bool:
    return msg.media is not None and not isinstance(
        msg.media, types.MessageMediaWebPage | types.MessageMediaEmpty
    )


def _raw(parts: Sequence[types.Message]) -> dict[str, Any]:
    raw = jsonable(parts[0].to_dict())
    if len(parts) > 1:
        raw["album_ids"] = [m.id for m in parts]
        raw["album_parts"] = [jsonable(m.to_dict()) for m in parts[1:]]
    return raw
