"""Telegram ``Message`` dicts → narrmon records: the one parser of Telegram messages.

The live collector passes ``Message.to_dict()`` of what telethon read; the telethon
dump importer passes the dicts of its file (the same schema, with ISO strings for
datetimes). Both get the same records; only ``source``, the capture time and the raw
payload differ. Pure: no I/O, no clock (times are passed in). A value of a shape the
schema does not allow raises :class:`~collectors.importers.common.BadRecord` (or one of
:data:`~collectors.importers.common.RECORD_ERRORS`).

- A message is a post ``"<channel id>/<message id>"`` (:mod:`narrmon.telegram_ids`).
  Its URL is ``https://t.me/<username>/<id>`` when the channel's username is known,
  else ``https://t.me/c/<channel id>/<id>``: Telegram's link to a post by channel id,
  which opens for anyone who can read the channel (public or not), so a post whose
  channel has no username (or whose dump did not name it) still links to itself.
  Messages of basic groups and users (``chat…``/``user…`` accounts) have no t.me link.
- An album (parts sharing a ``grouped_id``) is one post: the lowest-id part that has
  text (the caption), else the first part. Views and forwards are the largest of its
  parts, replies and reactions are summed (each reaction sits on one part); the post's
  :class:`~narrmon.records.AlbumSpan` records the first and last message ids, so its
  other ids do not look like holes in the channel.
- A metric absent from every part is None (unknown), never 0; a message without any
  metric has no snapshot.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
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
)
from collectors.telegram.constants import PLATFORM, SOURCE
from collectors.telegram.types import ResolvedChannel
from narrmon import telegram_ids
from narrmon.records import AlbumSpan, MetricSnapshot, Post, Rejected, utc
from narrmon.text import extract_entities, post_script

RAW_DROP = frozenset({"access_hash", "file_reference", "bytes", "photo", "thumbs"})
RAW_BYTES_MAX = 64  # bytes values longer than this are not kept in raw payloads
NO_MEDIA = frozenset({None, "MessageMediaEmpty", "MessageMediaWebPage"})
PEER_KEYS = {"PeerChannel": "channel_id", "PeerChat": "chat_id", "PeerUser": "user_id"}
PEER_PREFIX = {"PeerChannel": "", "PeerChat": "chat", "PeerUser": "user"}


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


def peer_id(peer: Any) -> str | None:
    """Our account id of a peer dict: the bare id for channels, else ``chat…``/``user…``."""
    if not isinstance(peer, dict):
        return None
    kind = peer.get("_")
    if kind == "PeerChannel":  # the usual peer first
        channel = peer.get("channel_id")
        return None if channel is None else str(channel)
    key = PEER_KEYS.get(kind)
    if key is None or peer.get(key) is None:
        return None
    return f"{PEER_PREFIX[kind]}{peer[key]}"


def message_records(
    parts: Sequence[dict[str, Any]],
    *,
    usernames: Mapping[str, str],
    source: str,
    collected_at: datetime,
    now: datetime,
    raw: Any = None,
) -> tuple[Post, MetricSnapshot | None, AlbumSpan | None]:
    """The post, its snapshot and (for an album) its span, from a message or album parts.

    ``parts`` are the ``Message`` dicts of one album in id order (one dict for a plain
    message); ``usernames`` maps the channel ids known to their usernames; ``now``
    bounds the dates.
    """
    main = parts[0]
    if len(parts) > 1:
        main = next((p for p in parts if p.get("message")), main)
    channel = peer_id(main.get("peer_id"))
    if channel is None:
        raise BadRecord("missing peer_id (the channel the message belongs to)")
    message_id = _message_id(main)
    post_id = telegram_ids.post_id(channel, message_id)
    created = check_not_future(parse_time(main.get("date"), "date"), "date", now)
    text = check_text(main.get("message"), "message text")
    hidden = [
        e["url"]
        for e in as_list(main.get("entities"), "entities")
        if isinstance(e, dict) and e.get("_") == "MessageEntityTextUrl" and e.get("url")
    ]
    hashtags, mentions, links = extract_entities(text, hidden)
    fwd_account, fwd_post, fwd_name = _forward(main.get("fwd_from"))
    post = Post(
        PLATFORM,
        post_id,
        channel,
        created,
        text,
        url=_url(channel, usernames.get(channel), message_id),
        reply_to=_reply_to(main.get("reply_to"), channel),
        forwarded_from_account=fwd_account,
        forwarded_from_post=fwd_post,
        forwarded_from_name=fwd_name,
        hashtags=hashtags,
        mentions=mentions,
        links=links,
        has_media=_has_media(parts),
        edited_at=_edited_at(parts) if len(parts) > 1 or main.get("edit_date") else None,
        script=post_script(text),
        source=source,
        collected_at=collected_at,
        raw=raw,
    )
    if len(parts) == 1:
        return post, _metrics(main, post_id, collected_at), None
    span = AlbumSpan(PLATFORM, post_id, _message_id(parts[0]), _message_id(parts[-1]))
    return post, _album_metrics(parts, post_id, collected_at), span


def _message_id(msg: dict[str, Any]) -> int:
    value = msg.get("id")
    if value is None:
        raise BadRecord("missing id")
    if value.__class__ is not int:
        raise BadRecord(f"id {str(value)[:30]!r} is not an integer")
    return value


def _url(channel: str, username: str | None, message_id: int) -> str | None:
    if username:
        return f"https://t.me/{username}/{message_id}"
    if channel.isdigit():
        return f"https://t.me/c/{channel}/{message_id}"  # by channel id, for its readers
    return None


def _edited_at(parts: Sequence[dict[str, Any]]) -> datetime | None:
    """The latest visible edit of the parts (``edit_hide`` marks edits of buttons only)."""
    latest = None
    for part in parts:
        if part.get("edit_date") and not part.get("edit_hide"):
            edited = parse_time(part["edit_date"], "edit_date")
            latest = edited if latest is None or edited > latest else latest
    return latest


def _album_metrics(
    parts: Sequence[dict[str, Any]], post_id: str, at: datetime
) -> MetricSnapshot | None:
    """The metrics of an album's parts together."""
    known = [m for m in (_metrics(p, post_id, at) for p in parts) if m is not None]
    if not known:
        return None
    by_emoji: dict[str, int] = {}
    for m in known:
        for key, count in (m.reactions_by_emoji or {}).items():
            by_emoji[key] = by_emoji.get(key, 0) + count
    views = [m.views for m in known if m.views is not None]
    forwards = [m.forwards for m in known if m.forwards is not None]
    replies = [m.replies for m in known if m.replies is not None]
    reacted = any(m.reactions is not None for m in known)
    return MetricSnapshot(
        PLATFORM,
        post_id,
        at,
        views=max(views) if views else None,
        forwards=max(forwards) if forwards else None,
        replies=sum(replies) if replies else None,
        reactions=sum(by_emoji.values()) if reacted else None,
        reactions_by_emoji=by_emoji if reacted else None,
    )


def _metrics(msg: dict[str, Any], post_id: str, at: datetime) -> MetricSnapshot | None:
    """Views, forwards, replies and reactions of one message; None when none is known."""
    views = check_count(msg.get("views"), "views")
    forwards = check_count(msg.get("forwards"), "forwards")
    replies_obj = msg.get("replies")
    replies = (
        check_count(replies_obj.get("replies"), "replies")
        if isinstance(replies_obj, dict)
        else None
    )
    reactions = msg.get("reactions")
    by_emoji = _reactions(reactions) if isinstance(reactions, dict) else None
    if views is None and forwards is None and replies is None and by_emoji is None:
        return None
    return MetricSnapshot(
        PLATFORM,
        post_id,
        at,
        views=views,
        forwards=forwards,
        replies=replies,
        reactions=sum(by_emoji.values()) if by_emoji is not None else None,
        reactions_by_emoji=by_emoji,
    )


def _reactions(reactions: dict[str, Any]) -> dict[str, int]:
    """The counts of a ``MessageReactions`` dict, per emoji.

    Custom emoji are ``custom:<document id>``; other kinds are their name without
    ``Reaction``, lower case (paid stars: ``paid``).
    """
    by_emoji: dict[str, int] = {}
    for result in as_list(reactions.get("results"), "reactions.results"):
        if not isinstance(result, dict):
            raise BadRecord(f"reaction is a {type(result).__name__}, not an object")
        count = check_count(result.get("count"), "reaction count") or 0
        reaction = result.get("reaction") or {}
        if not isinstance(reaction, dict):
            raise BadRecord(f"reaction is a {type(reaction).__name__}, not an object")
        kind = str(reaction.get("_"))
        if kind == "ReactionEmoji":
            key = str(reaction.get("emoticon"))
        elif kind == "ReactionCustomEmoji":
            key = f"custom:{reaction.get('document_id')}"
        else:
            key = kind.removeprefix("Reaction").lower() or "other"
        by_emoji[key] = by_emoji.get(key, 0) + count
    return by_emoji


def _has_media(parts: Sequence[dict[str, Any]]) -> bool:
    for part in parts:
        media = part.get("media")
        if media.__class__ is dict and media.get("_") not in NO_MEDIA:
            return True
    return False


def _forward(fwd: Any) -> tuple[str | None, str | None, str | None]:
    """``(account, post id, name)`` a message was forwarded from."""
    if not isinstance(fwd, dict):
        return None, None, None
    account = peer_id(fwd.get("from_id"))
    channel_post = fwd.get("channel_post")
    post = (
        telegram_ids.post_id(account, channel_post)
        if account and channel_post is not None
        else None
    )
    name = check_name(fwd.get("from_name") or fwd.get("post_author"), "forward name")
    return account, post, name


def _reply_to(reply: Any, channel: str) -> str | None:
    if not isinstance(reply, dict) or reply.get("reply_to_msg_id") is None:
        return None
    peer = peer_id(reply.get("reply_to_peer_id")) or channel
    return telegram_ids.post_id(peer, reply["reply_to_msg_id"])


# -- live pages ------------------------------------------------------------------------


@dataclass
class ParsedPage:
    """Records of one page of history, the album spans of its posts, and bad messages."""

    posts: list[Post] = field(default_factory=list)
    snapshots: list[MetricSnapshot] = field(default_factory=list)
    spans: list[AlbumSpan] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)  # for the quarantine
    last_id: int = 0  # highest message id read


def group_albums(messages: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Message dicts grouped into albums (same ``grouped_id``), in order of first id."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for msg in sorted(messages, key=lambda m: m["id"]):
        gid = msg.get("grouped_id")
        groups.setdefault(("g", gid) if gid else ("m", msg["id"]), []).append(msg)
    return sorted(groups.values(), key=lambda parts: parts[0]["id"])


def parse_page(
    messages: Sequence[Any], channel: ResolvedChannel, collected_at: datetime
) -> ParsedPage:
    """Posts, snapshots and album spans of a page of telethon messages.

    Service messages are left out; a message the parser refuses (a date far in the
    future, a text the store cannot hold) is quarantined, not a failed collection.
    """
    page = ParsedPage()
    for parts in group_albums(m.to_dict() for m in messages):
        page.last_id = max(page.last_id, parts[-1]["id"])
        real = [m for m in parts if m.get("_") == "Message"]
        if not real:
            continue
        try:
            post, snapshot, span = live_records(real, channel, collected_at)
        except RECORD_ERRORS as exc:
            where = f"message {real[0]['id']}"
            source = f"telegram:{channel.channel_id}"
            page.rejected.append(reject(source, where, reason_of(exc), jsonable(real[0])))
            continue
        page.posts.append(post)
        if snapshot is not None:
            page.snapshots.append(snapshot)
        if span is not None:
            page.spans.append(span)
    return page


def live_records(
    parts: Sequence[dict[str, Any]], channel: ResolvedChannel, collected_at: datetime
) -> tuple[Post, MetricSnapshot | None, AlbumSpan | None]:
    """:func:`message_records` of messages read live (raw: the first part, JSON-friendly)."""
    raw = jsonable(parts[0])
    if len(parts) > 1:
        raw["album_ids"] = [m["id"] for m in parts]
        raw["album_parts"] = [jsonable(m) for m in parts[1:]]
    return message_records(
        parts,
        usernames={str(channel.channel_id): channel.username} if channel.username else {},
        source=SOURCE,
        collected_at=collected_at,
        now=collected_at,
        raw=raw,
    )
