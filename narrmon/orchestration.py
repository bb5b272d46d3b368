"""Task bodies for the Airflow DAGs: each opens the configuration and store, calls one
:mod:`narrmon.pipeline` step and returns a small JSON-able dict of counts and paths for
XCom (never data).

Importing this module is cheap and touches nothing: DAG files import it at parse time
for :data:`DEFAULT_ARGS`; everything heavy (the pipeline, Airflow's hooks, the store)
is imported inside the functions, which run only inside tasks.

Each task body logs narrmon's figures (counts, spikes, files) as lines of the task log,
besides returning them. A configuration error (a missing Connection, a bad setting, no
trained model, a bad param) cannot be cured by waiting, so it fails the task at once,
without the retries (:func:`fail_fast`, Airflow's ``AirflowFailException``); other
failures, such as a source that cannot be read right now, are retried.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
ENV_MODELS_DIR = "NARRMON_MODELS_DIR"  # the workers' model registry, over models_dir

POSTS_ASSET_URI = "narrmon://posts"
TELEGRAM_CONN_ID = "narrmon_telegram"
X_CONN_ID = "narrmon_x"
TELEGRAM_POOL = "telegram_api"
X_POOL = "x_api"
DEFAULT_ARGS: dict[str, Any] = {
    "owner": "narrmon",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


def fail_fast(body: Callable[..., T]) -> Callable[..., T]:
    """Run a task body; a configuration error fails the task at once, without retries.

    The message (logged, and the exception's) says what to fix; it never holds a secret
    (narrmon's errors never do).
    """

    @functools.wraps(body)
    def run(*args: Any, **kwargs: Any) -> T:
        from narrmon.errors import ConfigError, InputError, StoreNotFound, StoreURLError

        try:
            return body(*args, **kwargs)
        except (ConfigError, InputError, StoreURLError, StoreNotFound) as exc:
            from airflow.sdk.exceptions import AirflowFailException

            message = f"{exc} (a configuration error: failed without retrying)"
            log.error("%s", message)
            raise AirflowFailException(message) from None

    return run


def _config() -> Any:
    from narrmon.config import load_config

    config = load_config()
    if os.environ.get(ENV_MODELS_DIR):
        config.models_dir = os.environ[ENV_MODELS_DIR]
    return config


def _context() -> tuple[Any, Any]:
    from narrmon.config import open_store

    config = _config()
    return config, open_store(config)


def _require_model(config: Any) -> None:
    """A clear error, before any work, when the model registry has no active model."""
    from classifiers import registry
    from narrmon.errors import ConfigError

    if registry.active_version(config.models_dir) is None:
        where = Path(config.models_dir).resolve()
        raise ConfigError(
            f"no trained model in {where}: trigger the DAG narrmon_retrain once (it trains "
            f"and activates the first model, a few minutes), or run `narrmon train "
            f"--models-dir {where}`, or point {ENV_MODELS_DIR} (or models_dir in "
            "narrmon.yaml) at a folder that has one, such as out/demo/models after make demo"
        )


# -- credentials -------------------------------------------------------------------


def _connection(conn_id: str) -> Any | None:
    """An Airflow Connection, or None when it is not defined."""
    from airflow.sdk import BaseHook

    try:
        return BaseHook.get_connection(conn_id)
    except Exception as exc:  # AirflowNotFoundException, across Airflow versions
        if "isn't defined" in str(exc) or "not found" in str(exc).lower():
            return None
        raise


def credentials_for(platform: str) -> Any:
    """Credentials for ``platform`` from the Airflow Connections (see the README)."""
    from collectors.telegram.types import TelegramCredentials, parse_api_id
    from collectors.x.types import XCredentials
    from narrmon.errors import ConfigError
    from narrmon.pipeline.collect import Credentials

    if platform == "telegram":
        conn = _connection(TELEGRAM_CONN_ID)
        if conn is None:
            raise ConfigError(f"the Airflow Connection {TELEGRAM_CONN_ID} is not defined")
        session = (conn.extra_dejson or {}).get("session")
        if not (conn.login and conn.password and session):
            raise ConfigError(
                f"the Airflow Connection {TELEGRAM_CONN_ID} needs login (API id), "
                "password (API hash) and the extra 'session'"
            )
        api_id = parse_api_id(conn.login, f"{TELEGRAM_CONN_ID} login")
        tg = TelegramCredentials(api_id=api_id, api_hash=conn.password, session=session)
        return Credentials(telegram=tg)
    conn = _connection(X_CONN_ID)
    if conn is None or not conn.password:
        raise ConfigError(
            f"the Airflow Connection {X_CONN_ID} (password = bearer token) is not set"
        )
    return Credentials(x=XCredentials(bearer_token=conn.password))


# -- tasks -------------------------------------------------------------------------


@fail_fast
def sources(platform: str) -> list[str]:
    """The configured sources of one platform (reads the configuration file only)."""
    from narrmon.pipeline.collect import list_sources

    found = [source for plat, source in list_sources(_config()) if plat == platform]
    log.info("%d %s source(s) configured: %s", len(found), platform, ", ".join(found) or "none")
    return found


@fail_fast
def collect_source(platform: str, source: str) -> dict[str, Any]:
    """Collect one source. Deferred is a success with a note; failed raises (and retries)."""
    from collectors.outcome import DEFERRED, FAILED
    from narrmon.errors import NarrmonError
    from narrmon.pipeline.collect import collect

    config, store = _context()
    report = collect(config, store, platform, [source], credentials=credentials_for(platform))
    row = report.rows[0]
    result = row.as_dict()
    log.info(
        "%s %s: %s; %d new, %d updated, %d unchanged posts, %d metric snapshots, %d requests",
        platform,
        source,
        row.status,
        row.new,
        row.updated,
        row.unchanged,
        row.snapshots,
        row.requests,
    )
    if row.status == FAILED:
        raise NarrmonError(f"{platform} {source}: {row.reason}")
    if row.status == DEFERRED:
        result["note"] = f"deferred until {row.deferred_until}: {row.reason}"
        log.warning("%s %s %s", platform, source, result["note"])
    return result


@fail_fast
def classify_new() -> dict[str, Any]:
    """Label the posts the active model has not seen yet."""
    from narrmon.pipeline.classify import classify_posts

    config, store = _context()
    _require_model(config)
    counts = classify_posts(config, store)
    log.info(
        "classified %d posts with model %s: %d out of scope, %d already done; labels: %s",
        counts.classified,
        counts.model_version,
        counts.out_of_scope,
        counts.skipped,
        ", ".join(f"{k} {v}" for k, v in counts.labelled.items()),
    )
    return counts.as_dict()


@fail_fast
def refresh_platform(platform: str, now: datetime | None = None) -> dict[str, Any]:
    """Re-read the reach of recent posts of one platform (skipped without a Connection).

    ``now`` is where the horizon counts back from (a DAG run's data interval end).
    """
    from narrmon.errors import ConfigError
    from narrmon.pipeline.collect import refresh

    config, store = _context()
    try:
        creds = credentials_for(platform)
    except ConfigError as exc:
        log.warning("reach refresh of %s skipped: %s", platform, exc)
        return {"platform": platform, "skipped": str(exc)}
    report = refresh(config, store, platform=platform, credentials=creds, now=now)
    log.info(
        "reach refresh of %s posts since %s: %d metric snapshots appended, %d posts found "
        "deleted, %d source(s) failed, %d deferred",
        platform,
        report.since.isoformat() if report.since else "?",
        report.snapshots,
        report.deleted,
        len(report.failed),
        len(report.deferred),
    )
    if report.failed:
        from narrmon.errors import NarrmonError

        raise NarrmonError("; ".join(f"{r.source}: {r.reason}" for r in report.failed))
    return report.as_dict()


@fail_fast
def report_day(
    interval_start: datetime | None, chosen: str | None = None, run_after: datetime | None = None
) -> date:
    """The UTC day a daily run reports on.

    ``chosen`` (a manual run's ``day`` param) wins; else the day the data interval
    starts; a manual run without an interval reports on the day before it ran.
    """
    from datetime import UTC

    if chosen:
        from narrmon.pipeline.report import parse_day

        return parse_day(chosen)
    if interval_start is not None:
        return interval_start.astimezone(UTC).date()
    if run_after is None:
        raise ValueError("a daily run needs a data interval, a run date or a day param")
    return (run_after.astimezone(UTC) - timedelta(days=1)).date()


def previous_iso_week(run_date: datetime) -> str:
    """``YYYY-Www`` of the ISO week before the one ``run_date`` falls in."""
    year, week, _ = (run_date.date() - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


@fail_fast
def report_week(
    logical_date: datetime | None, chosen: str | None = None, run_after: datetime | None = None
) -> str:
    """The ISO week a weekly run reports on.

    ``chosen`` (a manual run's ``week`` param, ``2026-W47``) wins; else the week before
    the run's logical date; a manual run has none in Airflow 3, so the week before the
    one it was triggered in.
    """
    if chosen:
        from reports.weekly import parse_week

        parse_week(chosen)  # a clear error for a bad param
        return chosen.strip()
    when = logical_date or run_after
    if when is None:
        raise ValueError("a weekly run needs a logical date, a run date or a week param")
    return previous_iso_week(when)


def _log_spikes(day: date, spikes: list[Any]) -> None:
    if not spikes:
        log.info("no narrative spikes on %s", day)
    for s in spikes:
        log.info(
            "spike on %s: %s %s %d, trailing mean %.1f (sd %.1f, threshold %.1f)",
            day,
            s.label,
            s.metric,
            s.value,
            s.mean,
            s.std,
            s.threshold,
        )


@fail_fast
def daily_run(day: date) -> dict[str, Any]:
    """Rollups, the daily report and the spike alerts of one UTC day."""
    from narrmon.pipeline.report import daily_run as run_day

    config, store = _context()
    paths, found = run_day(config, store, day, send=config.smtp.enabled)
    log.info("daily report of %s: %d files, the page %s", day, len(paths), paths[0])
    _log_spikes(day, found.spikes)
    if found.emailed_to:
        log.info("spike alert e-mailed to %d recipient(s)", found.emailed_to)
    return {
        "date": day.isoformat(),
        "files": [str(p) for p in paths],
        "spikes": len(found.spikes),
        "emailed_to": found.emailed_to,
    }


@fail_fast
def weekly_run(week: str) -> dict[str, Any]:
    """The weekly PDF of an ISO week, e-mailed when SMTP is configured."""
    from narrmon.pipeline.report import send_weekly, weekly_report

    config, store = _context()
    figures: dict[str, Any] = {}
    path = weekly_report(config, store, week, keep=figures)
    total = next((r for r in figures.get("summary", []) if r["label"] == "_all"), {})
    log.info(
        "weekly PDF %s: %s; %d posts from %d accounts, %s views",
        week,
        path,
        total.get("posts", 0),
        total.get("accounts", 0),
        f"{total.get('views', 0):,}",
    )
    for s in figures.get("spikes", []):
        log.info(
            "spike on %s: %s %s %d, trailing mean %.1f",
            s["date"],
            s["label"],
            s["metric"],
            s["value"],
            s["trailing_mean"],
        )
    if not figures.get("spikes"):
        log.info("no narrative spikes in %s", week)
    sent = 0
    if config.smtp.enabled:
        sent = send_weekly(config, week, path)
        log.info("weekly PDF e-mailed to %d recipient(s)", sent)
    return {
        "week": week,
        "file": str(path),
        "posts": total.get("posts", 0),
        "spikes": len(figures.get("spikes", [])),
        "emailed_to": sent,
    }


@fail_fast
def retrain_run(data_files: list[str]) -> dict[str, Any]:
    """Retrain with analyst labels; promote only if no label's held-out F1 drops."""
    from narrmon.pipeline.classify import retrain
    from narrmon.progress import Stages

    config, store = _context()
    stages = Stages("retrain", log.info)
    result = retrain(config, store, data_files, progress=stages)
    stages.done()
    summary = {
        "version": result.trained.version,
        "previous": result.previous,
        "promoted": result.promoted,
        "dropped": result.dropped,
        "f1_new": result.f1_new,
        "f1_previous": result.f1_previous,
    }
    log.info("retrain: %s", summary)
    return summary
