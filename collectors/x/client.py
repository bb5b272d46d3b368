"""The only module that talks to X: a tweepy ``Client`` behind the request gate.

tweepy is created with ``wait_on_rate_limit=False``: the gate decides. A 429
(``TooManyRequests``) waits until ``x-rate-limit-reset`` when that is within the
configured maximum and defers the source otherwise; 5xx (``TwitterServerError``) and
dropped connections are retried with capped backoff.

tweepy logs every request's headers at DEBUG, bearer token included. A filter on the
``tweepy`` loggers masks ``Bearer …`` before any handler sees the record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import requests
import tweepy

from collectors.ratelimit import (
    WAIT_MARGIN_SECONDS,
    RequestGate,
    RetryAfter,
    Transient,
    Verdict,
)
from collectors.x.constants import (
    DEFAULT_RESET_WAIT,
    EXPANSIONS,
    PAGE_SIZE_MAX,
    PAGE_SIZE_MIN,
    TWEET_FIELDS,
    USER_FIELDS,
)
from collectors.x.exceptions import XAuthError, XSourceUnavailable
from collectors.x.types import XCredentials

log = logging.getLogger(__name__)

_BEARER = re.compile(r"(Bearer\s+)[^\s'\",}]+")
TWEEPY_LOGGERS = ("tweepy", "tweepy.client")


class BearerRedactor(logging.Filter):
    """Masks bearer tokens in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "Bearer" in record.msg:
            record.msg = _BEARER.sub(r"\1***", record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_BEARER.sub(r"\1***", a) if isinstance(a, str) else a for a in args)
        return True


def install_log_redaction() -> None:
    """Attach :class:`BearerRedactor` to tweepy's loggers (once)."""
    for name in TWEEPY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, BearerRedactor) for f in logger.filters):
            logger.addFilter(BearerRedactor())


install_log_redaction()


def make_tweepy_client(credentials: XCredentials) -> tweepy.Client:
    """A tweepy v2 client on the app bearer token, never sleeping on its own."""
    return tweepy.Client(bearer_token=credentials.bearer_token, wait_on_rate_limit=False)


def page_size(configured: int) -> int:
    """The configured page size within what both endpoints accept."""
    return max(PAGE_SIZE_MIN, min(configured, PAGE_SIZE_MAX))


class XApi:
    """The X calls the collector makes, each through the request gate."""

    def __init__(self, client: tweepy.Client, gate: RequestGate) -> None:
        self.client = client
        self.gate = gate

    def classify(self, exc: BaseException) -> Verdict:
        """What the gate should do about a tweepy or requests error."""
        if isinstance(exc, tweepy.TooManyRequests):
            reset = getattr(exc, "reset_time", None)
            if reset is None:
                return RetryAfter(DEFAULT_RESET_WAIT, "X rate limit (no reset header)")
            wait = reset - self.gate.clock.time() + WAIT_MARGIN_SECONDS
            return RetryAfter(wait, "X rate limit")
        if isinstance(exc, tweepy.TwitterServerError):
            status = getattr(exc.response, "status_code", "5xx")
            return Transient(f"X server error {status}")
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            return Transient(f"connection to X failed ({type(exc).__name__})")
        return None

    def _call(self, fn: Any, **kwargs: Any) -> tweepy.Response:
        try:
            return self.gate.call(fn, classify=self.classify, **kwargs)
        except tweepy.Unauthorized:
            raise XAuthError("X refused the bearer token (401 Unauthorized)") from None
        except tweepy.Forbidden as exc:
            raise XAuthError(f"X refused the request (403): {_messages(exc)}") from None
        except (tweepy.NotFound, tweepy.BadRequest) as exc:
            status = exc.response.status_code
            raise XSourceUnavailable(f"X answered {status}: {_messages(exc)}") from None

    def get_user(self, username: str) -> tweepy.Response:
        """One user by username, with ``public_metrics``."""
        return self._call(self.client.get_user, username=username, user_fields=USER_FIELDS)

    def users_tweets(
        self,
        user_id: str,
        *,
        since_id: str | None,
        until_id: str | None,
        token: str | None,
        max_results: int,
    ) -> tweepy.Response:
        """A page of a user's timeline, newest first."""
        return self._call(
            self.client.get_users_tweets,
            id=user_id,
            since_id=since_id,
            until_id=until_id,
            pagination_token=token,
            max_results=page_size(max_results),
            expansions=EXPANSIONS,
            tweet_fields=TWEET_FIELDS,
            user_fields=USER_FIELDS,
        )

    def search_recent(
        self,
        query: str,
        *,
        since_id: str | None,
        until_id: str | None,
        token: str | None,
        max_results: int,
    ) -> tweepy.Response:
        """A page of a recent search (last 7 days), newest first."""
        return self._call(
            self.client.search_recent_tweets,
            query=query,
            since_id=since_id,
            until_id=until_id,
            next_token=token,
            max_results=page_size(max_results),
            expansions=EXPANSIONS,
            tweet_fields=TWEET_FIELDS,
            user_fields=USER_FIELDS,
        )

    def get_tweets(self, ids: Sequence[str]) -> tweepy.Response:
        """Up to 100 tweets by id; missing ones come back as errors."""
        return self._call(
            self.client.get_tweets,
            ids=list(ids),
            expansions=["author_id"],
            tweet_fields=TWEET_FIELDS,
            user_fields=USER_FIELDS,
        )


def _messages(exc: tweepy.HTTPException) -> str:
    found = [str(m) for m in exc.api_messages] or [str(exc.response.reason)]
    return "; ".join(found)[:300]
