"""Telethon chats → the channels and accounts the collector keeps.

Pure: no I/O. These read telethon TL objects (``Channel``, ``Chat``, ``User``,
``messages.ChatFull``); messages are parsed from their dicts in ``parse.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telethon.tl import types

from collectors.telegram.constants import KIND_CHANNEL, KIND_SUPERGROUP, PLATFORM
from collectors.telegram.parse import jsonable
from collectors.telegram.types import ResolvedChannel
from narrmon.records import Account


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


def channel_raw(entity: types.Channel) -> dict[str, Any]:
    """The channel as JSON, for the account's raw payload."""
    return jsonable(entity.to_dict())
