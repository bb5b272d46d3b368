"""Types of the X collector: credentials and a source (account or query)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from collectors.x.constants import ENV_BEARER, KEY_MAX, QUERY_KEY_PREFIX, USER_KEY_PREFIX
from narrmon.config import require_env

_HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")


@dataclass(frozen=True)
class XCredentials:
    """An app bearer token; the repr never shows it."""

    bearer_token: str = field(repr=False)

    def __repr__(self) -> str:
        return "XCredentials(bearer_token=***)"

    __str__ = __repr__

    @classmethod
    def from_env(cls) -> XCredentials:
        """Read ``$NARRMON_X_BEARER_TOKEN``; missing is a one-line ConfigError."""
        return cls(bearer_token=require_env(ENV_BEARER, "the X bearer token"))

    def secrets(self) -> tuple[str, ...]:
        return (self.bearer_token,)


@dataclass(frozen=True)
class XSource:
    """An account timeline (``@name``) or a recent-search query."""

    kind: str  # "user" or "query"
    value: str  # the username without @, or the query text

    @classmethod
    def parse(cls, text: str) -> XSource:
        """``@name`` is an account; anything else is a search query."""
        text = text.strip()
        found = _HANDLE.match(text)
        if text.startswith("@") and found:
            return cls("user", found.group(1))
        return cls("query", text)

    @classmethod
    def account(cls, username: str) -> XSource:
        return cls("user", username.strip().lstrip("@"))

    @property
    def label(self) -> str:
        """How the source is shown and selected: ``@name`` or the query."""
        return f"@{self.value}" if self.kind == "user" else self.value

    @property
    def key(self) -> str:
        """The cursor key."""
        if self.kind == "user":
            return USER_KEY_PREFIX + self.value.lower()
        if len(self.value) <= KEY_MAX:
            return QUERY_KEY_PREFIX + self.value
        digest = hashlib.sha1(self.value.encode(), usedforsecurity=False).hexdigest()[:12]
        return f"{QUERY_KEY_PREFIX}{self.value[: KEY_MAX - 13]}#{digest}"
