"""One request gate for every live collector: budget, per-minute pacing, waits, retries.

A :class:`RequestGate` is shared by all sources of one platform in a run:

- a :class:`Budget` caps the requests of the whole run (across channels), so a run
  never bursts past what the account is allowed;
- a :class:`MinuteLimiter` keeps at most ``per_minute`` requests in any 60-second
  window, sleeping just long enough when the window is full;
- a server's "wait N seconds" (Telegram ``FloodWaitError.seconds``, X
  ``x-rate-limit-reset``) is slept through when it is at most ``max_wait``; a longer
  one raises :class:`Deferred` with the time the source may be tried again;
- transient server errors (5xx, dropped connections) are retried with capped
  exponential backoff.

Time comes from an injectable :class:`Clock`, so tests run on a fake clock and never
really sleep. Each platform says which of its exceptions mean "wait" or "retry" with a
``classify`` function.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from narrmon.errors import NarrmonError

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0  # the per-minute limiter's window
DEFAULT_MAX_RETRIES = 4  # retries of a transient error before giving up
BACKOFF_BASE_SECONDS = 2.0  # first backoff; doubles on every retry
BACKOFF_CAP_SECONDS = 60.0  # no single backoff is longer than this
WAIT_MARGIN_SECONDS = 1.0  # added to a server-given wait, which is rounded down
MIN_SLEEP_SECONDS = 0.001  # the limiter never sleeps less (float rounding)

T = TypeVar("T")


class Clock(Protocol):
    """Wall time in Unix seconds and a way to wait."""

    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


def clock_now(clock: Clock) -> datetime:
    """The clock's time as an aware UTC datetime."""
    return datetime.fromtimestamp(clock.time(), UTC)


class Deferred(NarrmonError):
    """A source must wait longer than allowed; try it again at ``until`` (None: next run)."""

    def __init__(self, reason: str, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.until = until


class BudgetExhausted(Deferred):
    """The run's request budget is used up; the source resumes on the next run."""


class GaveUp(NarrmonError):
    """A transient error persisted through every retry."""


@dataclass(frozen=True)
class RetryAfter:
    """The server asked to wait ``seconds`` before the next request."""

    seconds: float
    reason: str


@dataclass(frozen=True)
class Transient:
    """A failure worth retrying after a backoff (5xx, dropped connection)."""

    reason: str


Verdict = RetryAfter | Transient | None
Classifier = Callable[[BaseException], Verdict]


class Budget:
    """A number of requests shared by every source of a run."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def take(self) -> None:
        """Count one request, or raise :class:`BudgetExhausted` if none is left."""
        if self.used >= self.limit:
            raise BudgetExhausted(f"the run's request budget of {self.limit} is used up")
        self.used += 1


class MinuteLimiter:
    """At most ``per_minute`` requests in any window of 60 seconds."""

    def __init__(self, per_minute: int, clock: Clock) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.clock = clock
        self._sent: deque[float] = deque()

    def acquire(self) -> None:
        """Wait until one more request fits in the window, then count it."""
        while True:
            now = self.clock.time()
            while self._sent and self._sent[0] <= now - WINDOW_SECONDS:
                self._sent.popleft()
            if len(self._sent) < self.per_minute:
                self._sent.append(now)
                return
            wait = max(self._sent[0] + WINDOW_SECONDS - now, MIN_SLEEP_SECONDS)
            log.debug("pacing: %.1f s until the next request fits the minute", wait)
            self.clock.sleep(wait)


class RequestGate:
    """Every request of one platform in one run goes through here."""

    def __init__(
        self,
        *,
        budget: Budget,
        per_minute: int,
        max_wait: float,
        clock: Clock | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> None:
        self.clock = clock or SystemClock()
        self.budget = budget
        self.limiter = MinuteLimiter(per_minute, self.clock)
        self.max_wait = max_wait
        self.max_retries = max_retries
        self.requests = 0  # requests actually sent
        self.waited = 0.0  # seconds slept on server request

    def call(self, fn: Callable[..., T], *args: Any, classify: Classifier, **kwargs: Any) -> T:
        """Send ``fn(*args, **kwargs)`` within budget and pace; wait or retry as told."""
        failures = 0
        while True:
            self.budget.take()
            self.limiter.acquire()
            self.requests += 1
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                verdict = classify(exc)
                if verdict is None:
                    raise
                if isinstance(verdict, RetryAfter):
                    self.wait_or_defer(verdict.seconds, verdict.reason)
                    continue
                failures += 1
                if failures > self.max_retries:
                    raise GaveUp(
                        f"{verdict.reason}, still failing after {self.max_retries} retries"
                    ) from None
                delay = backoff(failures)
                log.warning("%s; retry %d in %.0f s", verdict.reason, failures, delay)
                self.clock.sleep(delay)

    def wait_or_defer(self, seconds: float, reason: str) -> None:
        """Sleep ``seconds`` when within ``max_wait``; else raise :class:`Deferred`."""
        seconds = max(seconds, 0.0)
        if seconds > self.max_wait:
            until = datetime.fromtimestamp(self.clock.time() + seconds, UTC)
            raise Deferred(f"{reason}: asked to wait {seconds:.0f} s", until)
        log.info("%s: waiting %.0f s", reason, seconds)
        self.waited += seconds
        self.clock.sleep(seconds)


def backoff(failures: int) -> float:
    """The wait before retry number ``failures`` (1-based): 2, 4, 8 … up to the cap."""
    return min(BACKOFF_BASE_SECONDS * 2 ** (failures - 1), BACKOFF_CAP_SECONDS)
