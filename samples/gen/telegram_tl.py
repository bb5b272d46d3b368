"""Telegram TL objects of the sample: entities, photos, videos, messages and ``ChatFull``."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from telethon.tl import types
from telethon.tl.types import messages as tl_messages

from samples.gen.common import (
    HASHTAG_RE,
    MENTION_RE,
    URL_RE,
    WINDOW_START,
    decay,
    tl,
    utf16_len,
)
from samples.gen.telegram_channels import TgChannel, TgMsg

ENTITY_TYPES = {
    "url": types.MessageEntityUrl,
    "hashtag": types.MessageEntityHashtag,
    "mention": types.MessageEntityMention,
    "bold": types.MessageEntityBold,
}


def tg_entities(text: str) -> list[Any]:
    """Entities Telegram would attach: URLs, hashtags, mentions, bold headline."""
    spans: list[tuple[int, int, str]] = []
    for m in URL_RE.finditer(text):
        spans.append((m.start(), m.end(), "url"))
    for m in HASHTAG_RE.finditer(text):
        spans.append((m.start(), m.end(), "hashtag"))
    for m in MENTION_RE.finditer(text):
        if not any(s <= m.start() < e for s, e, _ in spans):
            spans.append((m.start(), m.end(), "mention"))
    first = text.split("\n", 1)[0]
    letters = [c for c in first if c.isalpha()]
    if "\n" in text and len(letters) >= 8:
        upper = sum(1 for c in letters if c.isupper())
        if upper / len(letters) > 0.7:
            spans.append((0, len(first), "bold"))
    out = []
    for start, end, kind in sorted(spans):
        off, length = utf16_len(text[:start]), utf16_len(text[start:end])
        out.append(ENTITY_TYPES[kind](offset=off, length=length))
    return out


# --------------------------------------------------------------------------- media


def photo(rng: random.Random, date: datetime) -> Any:
    """A random ``Photo`` as posted at ``date``."""
    w, h = rng.choice([(1280, 720), (1280, 853), (1080, 1080), (960, 1280), (1280, 960)])
    big = rng.randrange(90_000, 260_000)
    return tl(
        types.Photo,
        id=rng.randrange(5 * 10**18, 6 * 10**18),
        access_hash=rng.randrange(-(2**63), 2**63),
        file_reference=bytes([2]) + bytes(rng.randrange(256) for _ in range(28)),
        date=date,
        sizes=[
            types.PhotoStrippedSize(type="i", bytes=bytes(rng.randrange(256) for _ in range(40))),
            types.PhotoSize(type="m", w=320, h=int(320 * h / w), size=rng.randrange(9_000, 24_000)),
            types.PhotoSize(
                type="x", w=800, h=int(800 * h / w), size=rng.randrange(40_000, 90_000)
            ),
            types.PhotoSizeProgressive(
                type="y",
                w=w,
                h=h,
                sizes=sorted(rng.randrange(8_000, big) for _ in range(4)) + [big],
            ),
        ],
        dc_id=rng.choice([2, 4]),
        video_sizes=[],
    )


def photo_media(rng: random.Random, date: datetime) -> Any:
    """``MessageMediaPhoto`` around a fresh random photo."""
    return tl(types.MessageMediaPhoto, photo=photo(rng, date))


def video(rng: random.Random, date: datetime) -> Any:
    """A random MP4 video as ``MessageMediaDocument``."""
    w, h = rng.choice([(1280, 720), (720, 1280), (848, 480)])
    duration = rng.randrange(8, 190)
    doc = tl(
        types.Document,
        id=rng.randrange(5 * 10**18, 6 * 10**18),
        access_hash=rng.randrange(-(2**63), 2**63),
        file_reference=bytes([2]) + bytes(rng.randrange(256) for _ in range(28)),
        date=date,
        mime_type="video/mp4",
        size=duration * rng.randrange(90_000, 260_000),
        dc_id=rng.choice([2, 4]),
        attributes=[
            tl(
                types.DocumentAttributeVideo,
                duration=float(duration),
                w=w,
                h=h,
                supports_streaming=True,
            ),
            types.DocumentAttributeFilename(file_name=f"video_{rng.randrange(10**6):06d}.mp4"),
        ],
        thumbs=[
            types.PhotoStrippedSize(type="i", bytes=bytes(rng.randrange(256) for _ in range(36))),
            types.PhotoSize(
                type="m",
                w=320 if w > h else 180,
                h=180 if w > h else 320,
                size=rng.randrange(6_000, 15_000),
            ),
        ],
        video_thumbs=[],
    )
    return tl(types.MessageMediaDocument, document=doc, video=True, alt_documents=[])


# --------------------------------------------------------------------------- messages


def _reply_header(m: TgMsg) -> Any:
    if m.reply_to_id is None:
        return None
    return tl(types.MessageReplyHeader, reply_to_msg_id=m.reply_to_id)


def _group_call(ch: TgChannel, msg_id: int) -> Any:
    return types.InputGroupCall(
        id=msg_id * 7919 + ch.channel_id, access_hash=ch.access_hash ^ msg_id
    )


def _service_message(m: TgMsg, channel_msgs: list[TgMsg]) -> Any:
    ch = m.channel
    if m.action == "pin":
        action = types.MessageActionPinMessage()
    else:
        call = _group_call(ch, m.msg_id)
        if m.action == "call_end":
            cands = [x for x in channel_msgs if x.action == "call_start" and x.msg_id < m.msg_id]
            call = _group_call(ch, cands[-1].msg_id)
        action = types.MessageActionGroupCall(call=call, duration=m.call_duration)
    return tl(
        types.MessageService,
        id=m.msg_id,
        peer_id=types.PeerChannel(channel_id=ch.channel_id),
        date=m.date,
        action=action,
        post=True,
        reply_to=_reply_header(m),
        reactions=None,
    )


def _fwd_header(m: TgMsg) -> Any:
    if m.fwd_src is None:
        return None
    src = m.fwd_src
    return tl(
        types.MessageFwdHeader,
        date=src.date,
        from_id=types.PeerChannel(channel_id=src.channel.channel_id),
        channel_post=src.msg_id,
        post_author=src.post_author,
    )


def _replies(m: TgMsg, age: float) -> Any:
    ch = m.channel
    if not ch.comments or m.kind == "album_item":
        return None
    n = int(m.replies * decay(age, m.tau * 0.5, 0.8))
    return tl(
        types.MessageReplies,
        replies=n,
        replies_pts=2_000_000 + m.msg_id * 9 + n,
        comments=True,
        recent_repliers=[types.PeerUser(user_id=u) for u in m.repliers[: min(3, n)]] if n else None,
        channel_id=ch.channel_id + 100,
        max_id=(900_000 + m.msg_id * 5 + n) if n else None,
    )


def _reactions(m: TgMsg, age: float) -> Any:
    counts = []
    for e, c in m.reactions.items():
        now = int(c * decay(age, m.tau * 0.5, 0.8))
        if now > 0:
            counts.append((now, e))
    if not counts:
        return None
    counts.sort(key=lambda x: (-x[0], m.channel.reactions.index(x[1])))
    return tl(
        types.MessageReactions,
        results=[
            tl(types.ReactionCount, reaction=types.ReactionEmoji(emoticon=e), count=c)
            for c, e in counts
        ],
        recent_reactions=[],
        top_reactors=[],
    )


def message_at(m: TgMsg, cap: datetime, channel_msgs: list[TgMsg]) -> Any:
    """``m`` as a TL message the way a capture at ``cap`` sees it (metrics grown so far)."""
    if m.kind == "service":
        return _service_message(m, channel_msgs)
    age = (cap - m.date).total_seconds() / 3600
    views = max(1, int(m.views * decay(age, m.tau, 0.7)))
    fwds = int(m.forwards * decay(age, m.tau * 0.6, 0.7))
    fwd = _fwd_header(m)
    replies = _replies(m, age)
    reactions = _reactions(m, age)
    edit = m.edit_date if m.edit_date is not None and m.edit_date <= cap else None
    return tl(
        types.Message,
        id=m.msg_id,
        peer_id=types.PeerChannel(channel_id=m.channel.channel_id),
        date=m.date,
        message=m.text,
        post=True,
        pinned=m.pinned_at is not None and m.pinned_at <= cap,
        fwd_from=fwd,
        reply_to=_reply_header(m),
        media=m.media,
        entities=m.entities,
        views=views,
        forwards=fwds,
        replies=replies,
        edit_date=edit,
        edit_hide=False,
        post_author=m.post_author,
        grouped_id=m.grouped_id,
        reactions=reactions,
        restriction_reason=[],
    )


# --------------------------------------------------------------------------- channel


def _chat_photo(ch: TgChannel) -> Any:
    return tl(
        types.Photo,
        id=ch.photo_id,
        access_hash=ch.access_hash ^ 0x5A5A,
        file_reference=b"\x00" + ch.channel_id.to_bytes(8, "big"),
        date=ch.created + timedelta(minutes=3),
        sizes=[
            types.PhotoSize(type="a", w=160, h=160, size=7421),
            types.PhotoSize(type="b", w=320, h=320, size=20183),
            types.PhotoSize(type="c", w=640, h=640, size=61225),
        ],
        dc_id=2,
        video_sizes=[],
    )


def _channel(ch: TgChannel) -> Any:
    return tl(
        types.Channel,
        id=ch.channel_id,
        title=ch.title,
        photo=tl(
            types.ChatPhoto,
            photo_id=ch.photo_id,
            dc_id=2,
            stripped_thumb=b"\x01\x28\x28" + ch.channel_id.to_bytes(8, "big"),
        ),
        date=ch.created,
        broadcast=True,
        access_hash=ch.access_hash,
        username=ch.username,
        signatures=ch.signatures,
        has_link=ch.comments,
        restriction_reason=[],
        usernames=[],
        level=ch.channel_id % 5 + 1,
    )


def chat_full(ch: TgChannel, cap: datetime, last_id: int, pins: list[tuple[datetime, int]]) -> Any:
    """``messages.ChatFull`` of ``ch`` as captured at ``cap``."""
    days = (cap - WINDOW_START).total_seconds() / 86400
    subs = ch.subscribers + int(ch.subs_per_day * days)
    pinned = [mid for t, mid in pins if t <= cap]
    if ch.key == "provjera":
        available = tl(types.ChatReactionsAll, allow_custom=False)
    else:
        available = types.ChatReactionsSome(
            reactions=[types.ReactionEmoji(emoticon=e) for e in ch.reactions]
        )
    full = tl(
        types.ChannelFull,
        id=ch.channel_id,
        about=ch.about,
        read_inbox_max_id=last_id,
        read_outbox_max_id=0,
        unread_count=0,
        chat_photo=_chat_photo(ch),
        notify_settings=types.PeerNotifySettings(),
        bot_info=[],
        pts=ch.first_msg_id * 3 + last_id,
        participants_count=subs,
        linked_chat_id=ch.channel_id + 100 if ch.comments else None,
        pinned_msg_id=pinned[-1] if pinned else None,
        available_reactions=available,
        reactions_limit=11,
        stats_dc=2 if ch.key != "provjera" else 4,
        pending_suggestions=[],
        recent_requesters=[],
    )
    return tl_messages.ChatFull(full_chat=full, chats=[_channel(ch)], users=[])
