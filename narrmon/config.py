"""Configuration: ``narrmon.yaml`` (path from ``--config`` or ``$NARRMON_CONFIG``).

The file says what to watch and how hard to push the APIs; it never holds secrets.
Credentials come only from the environment (or Airflow Connections, under Airflow).
Every section is optional; a missing file means the defaults below.

Every entry point (the CLI, ``narrmon.pull``, the Airflow tasks) finds the store the same
way, through :func:`store_url` / :func:`open_store`: ``--db`` (or the ``db`` argument),
else ``$NARRMON_DB_URL``, else the file's ``db_url``, else ``sqlite:///data/narrmon.db``.
"""

from __future__ import annotations

import os
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrmon.errors import ConfigError

if TYPE_CHECKING:
    from narrmon.store import Store

ENV_CONFIG = "NARRMON_CONFIG"


@dataclass
class TelegramConfig:
    """Telegram channels to collect and how gently to do it."""

    channels: list[str] = field(default_factory=list)  # usernames or numeric ids
    max_wait_seconds: int = 300  # longer flood waits defer the channel
    request_budget: int = 500  # requests per run across all channels
    requests_per_minute: int = 30  # pacing of every request of a run
    page_size: int = 100
    subscriber_refresh_hours: int = 24
    include_private: bool = False  # private groups and chats only when asked for


@dataclass
class XConfig:
    """X accounts and recent-search queries to collect."""

    accounts: list[str] = field(default_factory=list)  # usernames without @
    queries: list[str] = field(default_factory=list)
    max_wait_seconds: int = 300  # longer rate-limit waits defer the source
    request_budget: int = 300  # requests per run across all accounts and queries
    requests_per_minute: int = 30  # pacing of every request of a run
    page_size: int = 100


@dataclass
class RefreshConfig:
    """Reach refresh: how far back posts are re-read."""

    days: int = 7


@dataclass
class ReportsConfig:
    """Where reports go. Reports show UTC times and days, as the store keeps them."""

    out_dir: str = "out/reports"


@dataclass
class AlertsConfig:
    """Spike alerts: k standard deviations above the trailing mean, above a floor."""

    k: float = 3.0
    min_count: int = 5
    window_days: int = 28


@dataclass
class SmtpConfig:
    """Optional e-mail delivery; the password comes from ``$NARRMON_SMTP_PASSWORD``."""

    host: str | None = None
    port: int = 587
    user: str | None = None
    sender: str | None = None
    to: list[str] = field(default_factory=list)
    starttls: bool = True

    @property
    def enabled(self) -> bool:
        """True when a host, a sender and at least one recipient are set."""
        return bool(self.host and self.sender and self.to)


@dataclass
class CoordinationConfig:
    """Coordination: near-duplicate clusters, co-forwards, channel discovery (README)."""

    dup_window_hours: float = 24.0  # near-duplicates further apart are not linked
    dup_threshold: float = 0.6  # estimated Jaccard similarity of character shingles
    dup_min_chars: int = 60  # shorter normalised texts are not compared
    shingle_chars: int = 5
    num_perm: int = 64  # MinHash permutations
    min_accounts: int = 2  # a cluster spans at least this many accounts
    coforward_window_seconds: int | None = None  # None: estimated from the data
    min_repetitions: int = 2  # originals a pair must co-share to be linked
    edge_weight_percentile: float = 0.5  # keep pair weights at or above this percentile
    min_symmetry: float = 0.5  # drop pairs where one account does most of the sharing
    discover_days: int = 30  # the window `narrmon discover` reads by default


@dataclass
class Config:
    """The whole configuration."""

    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    x: XConfig = field(default_factory=XConfig)
    refresh: RefreshConfig = field(default_factory=RefreshConfig)
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    coordination: CoordinationConfig = field(default_factory=CoordinationConfig)
    models_dir: str = "models"
    db_url: str | None = None  # --db and $NARRMON_DB_URL take precedence (store_url)
    source: str | None = None  # the file this came from, for messages


_SECTIONS = {
    "telegram": TelegramConfig,
    "x": XConfig,
    "refresh": RefreshConfig,
    "reports": ReportsConfig,
    "alerts": AlertsConfig,
    "smtp": SmtpConfig,
    "coordination": CoordinationConfig,
}


_KINDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _typed(value: Any, hint: Any, where: str) -> Any:
    """``value`` checked against a field's type (an int is a float; ids may be numbers)."""
    options = typing.get_args(hint)
    if type(None) in options:
        if value is None:
            return None
        hint = next(option for option in options if option is not type(None))
    if typing.get_origin(hint) is list:
        items = value if isinstance(value, list) else None
        if items is None or any(isinstance(v, bool) or not isinstance(v, str | int) for v in items):
            raise ConfigError(f"{where} must be a list of strings, got {value!r}")
        return [str(v) for v in items]
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (isinstance(value, bool) and hint is not bool):
        raise ConfigError(f"{where} must be {_KINDS[hint]}, got {value!r}")
    return value


def _section(cls: type, data: Any, file: Path, name: str) -> Any:
    where = f"{file}: {name}"
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    hints = typing.get_type_hints(cls)
    return cls(**{key: _typed(v, hints[key], f"{file}: {name}.{key}") for key, v in data.items()})


def load_config(path: str | Path | None = None) -> Config:
    """Read the configuration from ``path``, ``$NARRMON_CONFIG`` or defaults."""
    import yaml

    chosen = path or os.environ.get(ENV_CONFIG)
    if not chosen:
        default = Path("narrmon.yaml")
        if not default.is_file():
            return Config()
        chosen = default
    file = Path(chosen)
    if not file.is_file():
        raise ConfigError(f"configuration file not found: {file}")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: expected a mapping at the top level")
    unknown = sorted(set(data) - set(_SECTIONS) - {"models_dir", "db_url"})
    if unknown:
        raise ConfigError(f"{file}: unknown section(s) {', '.join(unknown)}")
    config = Config(source=str(file))
    for name, cls in _SECTIONS.items():
        setattr(config, name, _section(cls, data.get(name), file, name))
    config.models_dir = _typed(
        data.get("models_dir", config.models_dir), str, f"{file}: models_dir"
    )
    config.db_url = _typed(data.get("db_url"), str | None, f"{file}: db_url")
    return config


def store_url(config: Config, db: str | None = None) -> str:
    """The store URL: ``db`` (``--db``), else ``$NARRMON_DB_URL``, else ``config.db_url``,
    else the SQLite default."""
    from narrmon.store.connect import resolve_db_url

    return resolve_db_url(db, config.db_url)


def open_store(config: Config, db: str | None = None, *, create: bool = True) -> Store:
    """Open (and migrate) the store :func:`store_url` names.

    Commands that only read pass ``create=False``: a mistyped or missing store is then
    an error naming it, not a new empty one.
    """
    from narrmon.store import Store

    return Store(store_url(config, db), create=create)


def config_and_store(
    path: str | Path | None = None, db: str | None = None, *, create: bool = True
) -> tuple[Config, Store]:
    """The configuration (:func:`load_config`) and its store (:func:`open_store`)."""
    config = load_config(path)
    return config, open_store(config, db, create=create)


def require_env(name: str, what: str) -> str:
    """The value of a required environment variable, or a one-line error naming it."""
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"{what} is not set: set the environment variable {name}")
    return value
