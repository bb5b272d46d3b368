"""The only module that talks to Telegram: a telethon client behind the request gate.

telethon is asynchronous; :class:`TelegramApi` owns an event loop and runs each call
on it, so the collector is plain synchronous code (as Airflow tasks and the CLI are).
Every request passes the shared :class:`~collectors.ratelimit.RequestGate`: a
``FloodWaitError`` is slept through up to the configured maximum and turns into
:class:`~collectors.ratelimit.Deferred` beyond it. telethon's own automatic flood
sleeping is switched off (``flood_sleep_threshold=0``) so that the gate decides.

The session is a telethon ``StringSession`` from the credentials, never a SQLite
session file, so overlapping runs cannot lock each other out.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Sequence
from typing import Any

from telethon import errors
from telethon.tl import functions, types

from collectors.ratelimit import Clock, RequestGate, RetryAfter, SystemClock, Transient, Verdict
from collectors.telegram.exceptions import (
    ChannelUnavailable,
    SessionNotAuthorized,
    TelegramUnreachable,
)
from collectors.telegram.types import ResolvedChannel, TelegramCredentials

log = logging.getLogger(__name__)

# Errors meaning the channel cannot be read by us any more (or never could).
UNAVAILABLE = (
    errors.ChannelPrivateError,
    errors.ChannelInvalidError,
    errors.ChannelPublicGroupNaError,
    errors.UsernameNotOccupiedError,
    errors.UsernameInvalidError,
    errors.PeerIdInvalidError,
    errors.ChatForbiddenError,
)
UNAVAILABLE_REASONS = {
    errors.ChannelPrivateError: "channel is private or we are banned from it",
    errors.ChannelInvalidError: "channel is gone or its cached access hash is invalid",
    errors.ChannelPublicGroupNaError: "channel is not available",
    errors.UsernameNotOccupiedError: "username not found (renamed or deleted?)",
    errors.UsernameInvalidError: "username is not valid",
    errors.PeerIdInvalidError: "unknown channel id",
    errors.ChatForbiddenError: "no access to this chat",
}


def classify(exc: BaseException) -> Verdict:
    """What the gate should do about a telethon error."""
    seconds = getattr(exc, "seconds", None)
    if isinstance(exc, errors.FloodError) and seconds is not None:
        return RetryAfter(float(seconds), f"Telegram flood wait ({type(exc).__name__})")
    if isinstance(exc, errors.ServerError | errors.TimedOutError):
        return Transient(f"Telegram server error ({type(exc).__name__})")
    if isinstance(exc, ConnectionError | asyncio.TimeoutError):
        return Transient(f"connection to Telegram failed ({type(exc).__name__})")
    return None


def unavailable_reason(exc: BaseException) -> str | None:
    """A short reason when ``exc`` means the channel cannot be read, else None."""
    for cls, reason in UNAVAILABLE_REASONS.items():
        if isinstance(exc, cls):
            return reason
    if isinstance(exc, ValueError) and "username" in str(exc).lower():
        return "username not found (renamed or deleted?)"
    if isinstance(exc, ValueError) and "input entity" in str(exc).lower():
        return "channel id unknown to this session; configure it by username once"
    return None


def make_telethon_client(credentials: TelegramCredentials) -> Any:
    """A telethon ``TelegramClient`` on a StringSession; it does not connect yet."""
    from telethon import TelegramClient
    from telethon.sessions import StringSession

    return TelegramClient(
        StringSession(credentials.session),
        credentials.api_id,
        credentials.api_hash,
        flood_sleep_threshold=0,
        receive_updates=False,
        catch_up=False,
    )


class LoopClock(SystemClock):
    """The real clock, sleeping on the client's loop so its connection stays serviced."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.loop.run_until_complete(asyncio.sleep(seconds))


class TelegramApi:
    """The Telegram calls the collector makes, each through the request gate.

    ``client`` is a telethon ``TelegramClient`` or an object with the same coroutine
    methods (tests pass a fake returning real telethon TL objects).
    """

    def __init__(self, client: Any, gate: RequestGate | None = None) -> None:
        self.client = client
        self.gate = gate
        self.loop = asyncio.new_event_loop()

    @classmethod
    def connect(cls, credentials: TelegramCredentials) -> TelegramApi:
        """Create the client on a fresh loop, connect, and check the session is logged in."""
        api = cls(None)
        try:
            api.client = api.loop.run_until_complete(_create(credentials))
            api.loop.run_until_complete(api.client.connect())
            authorized = api.loop.run_until_complete(api.client.is_user_authorized())
        except (ValueError, struct.error):  # StringSession cannot decode the string
            api.close()
            raise SessionNotAuthorized(
                "the Telegram session string (NARRMON_TELEGRAM_SESSION) is not valid: run "
                "`narrmon telegram login` and store the session string it prints"
            ) from None
        except (TimeoutError, OSError) as exc:  # ConnectionError is an OSError
            api.close()
            raise TelegramUnreachable(
                f"cannot connect to Telegram ({type(exc).__name__}: {exc})"
            ) from None
        if not authorized:
            api.close()
            raise SessionNotAuthorized(
                "the Telegram session is not logged in (or was revoked): run "
                "`narrmon telegram login` and store the new session string"
            )
        return api

    def clock(self) -> Clock:
        """A real clock whose sleeps keep this client's connection alive."""
        return LoopClock(self.loop)

    def close(self) -> None:
        """Disconnect (when connected) and close the loop."""
        disconnect = getattr(self.client, "disconnect", None)
        try:
            if disconnect is not None and self.client is not None:
                result = disconnect()
                if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                    self.loop.run_until_complete(result)
        finally:
            self.loop.close()

    def _run(self, make: Any, *args: Any, **kwargs: Any) -> Any:
        assert self.gate is not None, "a TelegramApi needs a gate before requests"

        def once() -> Any:
            return self.loop.run_until_complete(make(*args, **kwargs))

        try:
            return self.gate.call(once, classify=classify)
        except Exception as exc:
            reason = unavailable_reason(exc)
            if reason is None:
                raise
            raise ChannelUnavailable(reason) from None

    # -- the calls ---------------------------------------------------------------------

    def get_entity(self, ref: str | int) -> Any:
        """Resolve a username or id (one ``ResolveUsername`` request: cache the result)."""
        return self._run(self.client.get_entity, ref)

    def history_page(self, channel: ResolvedChannel, min_id: int, limit: int) -> list[Any]:
        """Up to ``limit`` messages with ids above ``min_id``, oldest first."""

        async def page() -> list[Any]:
            return [
                m
                async for m in self.client.iter_messages(
                    peer(channel), limit=limit, min_id=min_id, reverse=True
                )
            ]

        return self._run(page)

    def full_channel(self, channel: ResolvedChannel) -> types.messages.ChatFull:
        """``GetFullChannelRequest``: subscriber count and more."""
        request = functions.channels.GetFullChannelRequest(input_channel(channel))
        return self._run(self.client, request)

    def messages_by_id(self, channel: ResolvedChannel, ids: Sequence[int]) -> list[Any]:
        """The messages with ``ids`` (None where a message is gone), in the same order."""

        async def fetch() -> list[Any]:
            found = await self.client.get_messages(peer(channel), ids=list(ids))
            return list(found)

        return self._run(fetch)


async def _create(credentials: TelegramCredentials) -> Any:
    return make_telethon_client(credentials)


def peer(channel: ResolvedChannel) -> Any:
    """The input peer of a cached chat: no username resolution needed."""
    if channel.kind in ("user", "bot"):
        return types.InputPeerUser(channel.channel_id, channel.access_hash)
    if channel.kind == "group":
        return types.InputPeerChat(channel.channel_id)
    return types.InputPeerChannel(channel.channel_id, channel.access_hash)


def input_channel(channel: ResolvedChannel) -> types.InputChannel:
    """The input channel of a cached channel."""
    return types.InputChannel(channel.channel_id, channel.access_hash)


def interactive_login(api_id: int, api_hash: str) -> str:
    """Log in on the terminal (phone, code, 2FA password) and return the StringSession."""
    from telethon import TelegramClient
    from telethon.sessions import StringSession

    async def login() -> str:
        client = TelegramClient(StringSession(), api_id, api_hash)
        await client.start()  # prompts for the phone number, the code and any password
        try:
            return client.session.save()
        finally:
            await client.disconnect()

    return asyncio.run(login())


__all__ = [
    "UNAVAILABLE",
    "ChannelUnavailable",
    "TelegramApi",
    "classify",
    "interactive_login",
    "make_telethon_client",
    "unavailable_reason",
]
