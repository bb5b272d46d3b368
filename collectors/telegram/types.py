"""Types of the Telegram collector: credentials, a configured source, a resolved channel."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from collectors.telegram.constants import CURSOR_PREFIX, ENV_API_HASH, ENV_API_ID, ENV_SESSION
from narrmon.config import require_env
from narrmon.errors import ConfigError


@dataclass(frozen=True)
class TelegramCredentials:
    """An API id and hash (my.telegram.org) and a logged-in StringSession.

    The repr never shows them: only whether each is set.
    """

    api_id: int = field(repr=False)
    api_hash: str = field(repr=False)
    session: str = field(repr=False)

    def __repr__(self) -> str:
        return "TelegramCredentials(api_id=***, api_hash=***, session=***)"

    __str__ = __repr__

    @classmethod
    def from_env(cls) -> TelegramCredentials:
        """Read the three variables; a missing one is a one-line :class:`ConfigError`."""
        api_id = require_env(ENV_API_ID, "the Telegram API id")
        api_hash = require_env(ENV_API_HASH, "the Telegram API hash")
        session = require_env(ENV_SESSION, "the Telegram session (see `narrmon telegram login`)")
        return cls(api_id=parse_api_id(api_id, ENV_API_ID), api_hash=api_hash, session=session)

    def secrets(self) -> tuple[str, ...]:
        """The values that must never be shown (for redaction)."""
        return (str(self.api_id), self.api_hash, self.session)


def parse_api_id(value: str | int, where: str) -> int:
    """The API id as an integer; the error names ``where`` but never echoes the value."""
    try:
        return int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where} must be the numeric API id from my.telegram.org") from None


_LINK_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/(?:s/)?", re.I)
_BOT_API_CHANNEL = re.compile(r"^-100(\d+)$")


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


@dataclass(frozen=True)
class TelegramSource:
    """A channel as configured or named: ``@name``, ``name``, a t.me link or an id."""

    ref: str  # as the user wrote it

    @property
    def name(self) -> str:
        """The channel's username (lower case) or numeric id."""
        return normalize_ref(self.ref)

    @property
    def label(self) -> str:
        """How the source is shown and selected: as configured."""
        return self.ref

    @property
    def key(self) -> str:
        """The cursor key."""
        return CURSOR_PREFIX + self.name


@dataclass(frozen=True)
class ResolvedChannel:
    """A chat we may read: its id, access hash, handle and kind (channel, supergroup …)."""

    channel_id: int
    access_hash: int
    username: str | None
    title: str | None = None
    kind: str = "channel"
    followers_at: datetime | None = None  # when the store last read its subscribers
