"""Errors of the X collector; each message is meant for a person."""

from narrmon.errors import NarrmonError


class XError(NarrmonError):
    """Base of the X collector's errors."""


class XSourceUnavailable(XError):
    """The account is unknown, suspended or protected, or the query is refused."""


class XAuthError(XError):
    """X refused the bearer token (401) or the app lacks access (403)."""
