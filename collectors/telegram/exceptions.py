"""Errors of the Telegram collector; each message is meant for a person."""

from narrmon.errors import NarrmonError


class TelegramError(NarrmonError):
    """Base of the Telegram collector's errors."""


class ChannelUnavailable(TelegramError):
    """The channel is private, renamed, banned or gone: reported, skipped, others go on."""


class NotPublicSource(TelegramError):
    """A user, bot or private chat was asked for without ``include_private``."""


class SessionNotAuthorized(TelegramError):
    """The StringSession is not logged in (or was revoked)."""


class TelegramUnreachable(TelegramError):
    """Telegram cannot be reached: no channel is read this run, the other platforms are."""
