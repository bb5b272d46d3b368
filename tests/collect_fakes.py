"""Test doubles of the outside world for the collector tests (no network).

- :class:`FakeClock`: time that moves only when slept on (or on simulated latency).
- :class:`FakeTelegram`: exposes exactly the telethon ``TelegramClient`` calls that
  ``collectors/telegram/client.py`` makes (``get_entity``, ``iter_messages``,
  ``__call__(GetFullChannelRequest)``, ``get_messages``, ``connect``,
  ``is_user_authorized``, ``disconnect``), returns real telethon TL objects and raises
  real telethon errors. It can enforce a requests-per-minute limit like Telegram does,
  answering with ``FloodWaitError``.
- builders of real TL objects: :func:`channel`, :func:`message`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from telethon import errors
from telethon.tl import functions, types

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """Unix time that advances only by :meth:`sleep` (and :meth:`advance`)."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start.timestamp()
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def channel(
    cid: int, username: str | None, *, title: str | None = None, megagroup: bool = False
) -> types.Channel:
    return types.Channel(
        id=cid,
        title=title or (username or f"channel {cid}").title(),
        photo=types.ChatPhotoEmpty(),
        date=T0 - timedelta(days=400),
        broadcast=not megagroup,
        megagroup=megagroup,
        access_hash=cid * 7 + 1,
        username=username,
    )


def message(
    cid: int,
    mid: int,
    text: str = "",
    *,
    date: datetime | None = None,
    views: int | None = 100,
    forwards: int | None = 3,
    replies: int | None = None,
    reactions: dict[str, int] | None = None,
    grouped_id: int | None = None,
    fwd: tuple[int, int] | None = None,
    edit_date: datetime | None = None,
    media: bool = False,
) -> types.Message:
    results = [
        types.ReactionCount(reaction=types.ReactionEmoji(emoticon=e), count=n)
        for e, n in (reactions or {}).items()
    ]
    return types.Message(
        id=mid,
        peer_id=types.PeerChannel(cid),
        date=date or (T0 - timedelta(days=2) + timedelta(minutes=mid)),
        message=text,
        post=True,
        views=views,
        forwards=forwards,
        replies=types.MessageReplies(replies=replies, replies_pts=1)
        if replies is not None
        else None,
        reactions=types.MessageReactions(results=results) if reactions else None,
        grouped_id=grouped_id,
        fwd_from=types.MessageFwdHeader(
            date=T0 - timedelta(days=3), from_id=types.PeerChannel(fwd[0]), channel_post=fwd[1]
        )
        if fwd
        else None,
        edit_date=edit_date,
        media=types.MessageMediaPhoto(photo=types.PhotoEmpty(id=mid)) if media else None,
    )


def dump_default(value: object) -> object:
    """The ``DateTimeEncoder`` recipe telethon dump scripts use: ISO datetimes, bytes as ints."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return list(value)
    raise TypeError(type(value).__name__)


def service(cid: int, mid: int) -> types.MessageService:
    return types.MessageService(
        id=mid,
        peer_id=types.PeerChannel(cid),
        date=T0 - timedelta(days=2) + timedelta(minutes=mid),
        action=types.MessageActionPinMessage(),
    )


def full_chat(chan: types.Channel, subscribers: int) -> types.messages.ChatFull:
    return types.messages.ChatFull(
        full_chat=types.ChannelFull(
            id=chan.id,
            about="",
            read_inbox_max_id=0,
            read_outbox_max_id=0,
            unread_count=0,
            chat_photo=types.PhotoEmpty(id=0),
            notify_settings=types.PeerNotifySettings(),
            bot_info=[],
            pts=1,
            participants_count=subscribers,
        ),
        chats=[chan],
        users=[],
    )


class FakeTelegram:
    """An in-process Telegram with the calls our client makes.

    ``entities`` maps usernames (lower case) and ids to TL entities; ``history`` maps
    channel ids to their messages. ``fail`` is called before every request with
    ``(call name, channel id or ref)`` and may raise a telethon error.
    """

    def __init__(
        self,
        clock: FakeClock | None = None,
        *,
        per_minute: int | None = None,
        latency: float = 0.0,
    ) -> None:
        self.clock = clock or FakeClock()
        self.entities: dict[Any, Any] = {}
        self.history: dict[int, list[Any]] = {}
        self.subscribers: dict[int, int] = {}
        self.fail: Callable[[str, Any], None] | None = None
        self.calls: list[tuple[str, Any]] = []
        self.times: list[float] = []
        self.per_minute = per_minute
        self.latency = latency
        self.flood_answers = 0
        self.authorized = True
        self._window: deque[float] = deque()

    # -- set-up ----------------------------------------------------------------------

    def add_channel(self, chan: Any, messages: list[Any] = (), subscribers: int = 1000) -> None:
        if getattr(chan, "username", None):
            self.entities[chan.username.lower()] = chan
        self.entities[chan.id] = chan
        self.history[chan.id] = sorted(messages, key=lambda m: m.id)
        self.subscribers[chan.id] = subscribers

    # -- bookkeeping -----------------------------------------------------------------

    def _request(self, name: str, target: Any) -> None:
        now = self.clock.time()
        if self.per_minute is not None:
            while self._window and self._window[0] <= now - 60:
                self._window.popleft()
            if len(self._window) >= self.per_minute:
                self.flood_answers += 1
                raise errors.FloodWaitError(
                    request=None, capture=int(self._window[0] + 60 - now) + 1
                )
            self._window.append(now)
        self.calls.append((name, target))
        self.times.append(now)
        if self.fail is not None:
            self.fail(name, target)
        self.clock.advance(self.latency)

    def count(self, name: str) -> int:
        return sum(1 for n, _ in self.calls if n == name)

    # -- the telethon calls ------------------------------------------------------------

    async def connect(self) -> None:
        return None

    async def is_user_authorized(self) -> bool:
        return self.authorized

    async def disconnect(self) -> None:
        return None

    async def get_entity(self, ref: Any) -> Any:
        self._request("get_entity", ref)
        key = ref.lower() if isinstance(ref, str) else ref
        if key not in self.entities:
            if isinstance(ref, str):
                raise errors.UsernameNotOccupiedError(request=None)
            raise ValueError(f"Could not find the input entity for PeerChannel({ref})")
        return self.entities[key]

    async def iter_messages(self, entity: Any, limit: int, min_id: int = 0, reverse: bool = False):
        assert reverse, "the collector reads oldest first"
        cid = _peer_id(entity)
        self._request("iter_messages", cid)
        found = [m for m in self._messages(cid) if m.id > min_id][:limit]
        for m in found:
            yield m

    async def get_messages(self, entity: Any, ids: list[int]) -> list[Any]:
        cid = _peer_id(entity)
        self._request("get_messages", cid)
        by_id = {m.id: m for m in self._messages(cid)}
        return [by_id.get(i) for i in ids]

    async def __call__(self, request: Any) -> Any:
        assert isinstance(request, functions.channels.GetFullChannelRequest)
        cid = request.channel.channel_id
        self._request("GetFullChannelRequest", cid)
        return full_chat(self.entities[cid], self.subscribers[cid])

    def _messages(self, cid: int) -> list[Any]:
        if cid not in self.history:
            raise errors.ChannelInvalidError(request=None)
        return self.history[cid]


def _peer_id(entity: Any) -> int:
    for attr in ("channel_id", "user_id", "chat_id"):
        if hasattr(entity, attr):
            return getattr(entity, attr)
    raise AssertionError(f"not an input peer: {entity!r}")


# -- X: recorded payloads served at https://api.twitter.com through `responses` -------

X_FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures" / "x"


def x_payload(name: str) -> str:
    return (X_FIXTURES / name).read_text(encoding="utf-8")


class XRouter:
    """A tiny in-process X API: per path, answers served in order (the last repeats).

    An answer is ``(status, fixture file, headers)``, or an exception to raise. Every
    request is recorded as ``(path, params)``.
    """

    def __init__(self, rsps: Any) -> None:
        import re

        self.routes: dict[str, list[Any]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        rsps.add_callback("GET", re.compile(r"https://api\.twitter\.com/2/.*"), self._answer)

    def on(self, path: str, *answers: Any) -> XRouter:
        self.routes[path] = list(answers)
        return self

    def params(self, path: str) -> list[dict[str, str]]:
        return [p for q, p in self.requests if q == path]

    def _answer(self, request: Any) -> tuple[int, dict[str, str], str]:
        from urllib.parse import parse_qsl, urlsplit

        url = urlsplit(request.url)
        self.requests.append((url.path, dict(parse_qsl(url.query))))
        answers = self.routes.get(url.path)
        if not answers:
            return 404, {}, '{"title": "Not Found", "status": 404}'
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, BaseException):
            raise answer
        status, name, headers = answer if len(answer) == 3 else (*answer, {})
        return status, {"content-type": "application/json", **headers}, x_payload(name)
