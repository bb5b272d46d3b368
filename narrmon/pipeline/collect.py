"""Pipeline steps: live collection from Telegram and X, and the reach refresh.

``collect`` reads new posts of configured (or named) sources; ``refresh`` re-reads the
metrics of recent posts. Both return a report with one row per source: new, updated,
deferred (until when), failed (why). A deferred source is not a failure: it waits out a
long rate limit or the run's budget and resumes on the next run. The CLI and the
Airflow tasks call these functions; the DAG maps one task per entry of
:func:`list_sources` and passes the credentials it read from its Connections.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from collectors.outcome import DEFERRED, FAILED, SourceResult
from collectors.ratelimit import Budget, Clock, RequestGate, SystemClock, clock_now
from collectors.telegram.collector import TelegramCollector
from collectors.telegram.exceptions import SessionNotAuthorized, TelegramUnreachable
from collectors.telegram.types import TelegramCredentials, TelegramSource, normalize_ref
from collectors.x.types import XCredentials, XSource
from narrmon.config import Config
from narrmon.errors import ConfigError
from narrmon.store import BatchCounts, Store, collect_state

log = logging.getLogger(__name__)

PLATFORM_CHOICES = ("telegram", "x", "all")
REDACTED = "***"
CONNECTION = "(connection)"  # the source of the row for a platform that cannot be reached


@dataclass(frozen=True)
class Credentials:
    """Telegram and X credentials; either may be missing. The repr shows no secret."""

    telegram: TelegramCredentials | None = None
    x: XCredentials | None = None

    def __repr__(self) -> str:
        tg = "set" if self.telegram else "missing"
        return f"Credentials(telegram={tg}, x={'set' if self.x else 'missing'})"

    __str__ = __repr__

    @classmethod
    def from_env(cls, platforms: Sequence[str] = ("telegram", "x")) -> Credentials:
        """Read the credentials of ``platforms`` from the environment (one-line errors)."""
        return cls(
            telegram=TelegramCredentials.from_env() if "telegram" in platforms else None,
            x=XCredentials.from_env() if "x" in platforms else None,
        )

    def secrets(self) -> tuple[str, ...]:
        found = []
        for part in (self.telegram, self.x):
            if part is not None:
                found.extend(s for s in part.secrets() if s)
        return tuple(found)

    def redact(self, text: str) -> str:
        """``text`` with every secret value replaced by ``***``."""
        for secret in sorted(self.secrets(), key=len, reverse=True):
            if len(secret) >= 4:  # an API id of a few digits would mangle counts
                text = text.replace(secret, REDACTED)
        return text


@dataclass
class CollectReport:
    """What a collection run did, source by source."""

    platform: str
    rows: list[SourceResult] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)  # per platform

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.rows if r.status == FAILED]

    @property
    def deferred(self) -> list[SourceResult]:
        return [r for r in self.rows if r.status == DEFERRED]

    @property
    def new(self) -> int:
        return sum(r.new for r in self.rows)

    @property
    def updated(self) -> int:
        return sum(r.updated for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "new": self.new,
            "updated": self.updated,
            "failed": len(self.failed),
            "deferred": len(self.deferred),
            "requests": self.requests,
            "sources": [r.as_dict() for r in self.rows],
        }


@dataclass
class RefreshReport(CollectReport):
    """What a reach refresh did: snapshots appended, posts found deleted."""

    days: int = 0
    since: datetime | None = None

    @property
    def snapshots(self) -> int:
        return sum(r.snapshots for r in self.rows)

    @property
    def deleted(self) -> int:
        return sum(r.deleted for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update(
            days=self.days,
            since=self.since.isoformat() if self.since else None,
            snapshots=self.snapshots,
            deleted=self.deleted,
        )
        return data


def list_sources(config: Config) -> list[tuple[str, str]]:
    """Every configured source as ``(platform, source)``: what the DAG maps over."""
    found = [("telegram", ch) for ch in config.telegram.channels]
    found += [("x", XSource.account(a).label) for a in config.x.accounts]
    found += [("x", q) for q in config.x.queries]
    return found


def select_sources(config: Config, platform: str, sources: Sequence[str] | None) -> dict:
    """The sources to read per platform; named ones not in the configuration are allowed
    for a single platform, and must be configured with ``all``."""
    if platform not in PLATFORM_CHOICES:
        raise ConfigError(f"platform must be one of {', '.join(PLATFORM_CHOICES)}, not {platform}")
    wanted = [p for p in ("telegram", "x") if platform in (p, "all")]
    configured = list_sources(config)
    if not sources:
        return {p: [s for q, s in configured if q == p] for p in wanted}
    chosen: dict[str, list[str]] = {p: [] for p in wanted}
    for name in sources:
        match = _match(configured, name, wanted)
        if match is None and platform == "all":
            raise ConfigError(f"{name!r} is not a configured source; name its platform")
        plat, value = match or (platform, name)
        if value not in chosen[plat]:
            chosen[plat].append(value)
    return chosen


def _match(configured: list[tuple[str, str]], name: str, wanted: list[str]) -> tuple | None:
    for plat, value in configured:
        if plat not in wanted:
            continue
        if plat == "telegram" and normalize_ref(value) == normalize_ref(name):
            return plat, value
        if plat == "x" and (value == name or value.lower() == "@" + name.lstrip("@").lower()):
            return plat, value
    return None


def collect(
    config: Config,
    store: Store,
    platform: str,
    sources: Sequence[str] | None = None,
    *,
    credentials: Credentials | None = None,
    telegram_client: Any = None,
    x_client: Any = None,
    clock: Clock | None = None,
) -> CollectReport:
    """Collect new posts of ``platform`` (``telegram``, ``x`` or ``all``).

    ``sources`` narrows the run to some channels, accounts (``@name``) or queries.
    ``telegram_client`` / ``x_client`` replace the clients made from the credentials
    (tests, or a caller that manages its own client); ``clock`` replaces real time.
    """
    chosen = select_sources(config, platform, sources)
    report = CollectReport(platform)
    creds = credentials or Credentials()
    if chosen.get("telegram"):
        try:
            with _telegram(config, store, creds, telegram_client, clock) as (collector, gate):
                for ref in chosen["telegram"]:
                    source = TelegramSource(ref)
                    report.rows.append(
                        _run_one(store, creds, "telegram", source.label, collector.collect, source)
                    )
                report.requests["telegram"] = gate.requests
        except (TelegramUnreachable, SessionNotAuthorized) as exc:  # X still runs
            report.rows.append(_platform_failed(store, creds, "telegram", exc))
    if chosen.get("x"):
        collector, gate = _x(config, store, creds, x_client, clock)
        for name in chosen["x"]:
            source = XSource.parse(name)
            report.rows.append(_run_one(store, creds, "x", source.label, collector.collect, source))
        report.requests["x"] = gate.requests
    return report


def refresh(
    config: Config,
    store: Store,
    days: int | None = None,
    *,
    platform: str = "all",
    credentials: Credentials | None = None,
    telegram_client: Any = None,
    x_client: Any = None,
    clock: Clock | None = None,
    now: datetime | None = None,
) -> RefreshReport:
    """Append fresh metric snapshots for posts younger than ``days`` (default: config).

    The horizon counts back from ``now``: a scheduled run passes the end of its data
    interval, so a rerun of that interval refreshes the same posts; by default, the clock.
    A post that no longer exists gets ``deleted_at`` (once); it is never removed.
    """
    days = config.refresh.days if days is None else days
    if days < 1:
        raise ConfigError(f"refresh days must be at least 1, not {days}")
    since = (now or clock_now(clock or SystemClock())) - timedelta(days=days)
    report = RefreshReport(platform, days=days, since=since)
    creds = credentials or Credentials()
    if platform in ("telegram", "all"):
        channels = collect_state.posts_to_refresh(store, "telegram", since)
        if channels:
            with _telegram(config, store, creds, telegram_client, clock) as (collector, gate):
                for account_id, posts in channels.items():
                    report.rows.append(collector.refresh(account_id, posts))
                report.requests["telegram"] = gate.requests
    if platform in ("x", "all"):
        found = collect_state.posts_to_refresh(store, "x", since)
        tweets = [post_id for posts in found.values() for post_id, _, _ in posts]
        if tweets:
            collector, gate = _x(config, store, creds, x_client, clock)
            report.rows.append(collector.refresh(tweets))
            report.requests["x"] = gate.requests
    for row in report.rows:
        if row.reason:
            row.reason = creds.redact(row.reason)
    return report


# -- wiring ----------------------------------------------------------------------------


def _gate(section: Any, clock: Clock) -> RequestGate:
    return RequestGate(
        budget=Budget(section.request_budget),
        per_minute=section.requests_per_minute,
        max_wait=section.max_wait_seconds,
        clock=clock,
    )


@contextmanager
def _telegram(
    config: Config, store: Store, creds: Credentials, client: Any, clock: Clock | None
) -> Iterator[tuple[TelegramCollector, RequestGate]]:
    from collectors.telegram.client import TelegramApi

    if client is not None:
        api = TelegramApi(client)
    else:
        tg = creds.telegram or TelegramCredentials.from_env()
        api = TelegramApi.connect(tg)
    try:
        real_clock = clock or (SystemClock() if client is not None else api.clock())
        api.gate = _gate(config.telegram, real_clock)
        yield TelegramCollector(store, api, config.telegram, real_clock), api.gate
    finally:
        api.close()


def _x(config: Config, store: Store, creds: Credentials, client: Any, clock: Clock | None):
    from collectors.x.client import XApi, make_tweepy_client
    from collectors.x.collector import XCollector

    if client is None:
        client = make_tweepy_client(creds.x or XCredentials.from_env())
    real_clock = clock or SystemClock()
    gate = _gate(config.x, real_clock)
    return XCollector(store, XApi(client, gate), config.x, real_clock), gate


def _run_one(
    store: Store,
    creds: Credentials,
    platform: str,
    label: str,
    run: Callable[..., SourceResult],
    *args: Any,
) -> SourceResult:
    """Collect one source; an unexpected error fails this source only, redacted."""
    run_id = store.start_run(f"collect-{platform}", label)
    try:
        row = run(*args) if args else run(label)
    except Exception as exc:  # noqa: BLE001 - one source's bug must not stop the others
        detail = creds.redact("".join(traceback.format_exception(exc)))
        log.debug("collecting %s %s failed:\n%s", platform, label, detail)
        row = SourceResult(platform, label)
        row.fail(creds.redact(f"{type(exc).__name__}: {exc}"))
    if row.reason:
        row.reason = creds.redact(row.reason)
    _log_row(row)
    counts = BatchCounts(imported=row.new, updated=row.updated, unchanged=row.unchanged)
    counts.snapshots = row.snapshots
    store.finish_run(run_id, counts, skipped=0, status=row.status, detail=row.as_dict())
    return row


def _platform_failed(
    store: Store, creds: Credentials, platform: str, exc: Exception
) -> SourceResult:
    """One failed row (and run) for a platform that could not be reached at all."""
    run_id = store.start_run(f"collect-{platform}", CONNECTION)
    row = SourceResult(platform, CONNECTION)
    row.fail(creds.redact(str(exc)))
    _log_row(row)
    store.finish_run(run_id, BatchCounts(), skipped=0, status=row.status, detail=row.as_dict())
    return row


def _log_row(row: SourceResult) -> None:
    if row.status == FAILED:
        log.warning("%s %s failed: %s", row.platform, row.source, row.reason)
    elif row.status == DEFERRED:
        log.info(
            "%s %s deferred until %s: %s", row.platform, row.source, row.deferred_until, row.reason
        )
    else:
        log.info("%s %s: %d new, %d updated", row.platform, row.source, row.new, row.updated)
