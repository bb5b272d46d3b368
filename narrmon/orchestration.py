"""Task bodies for the Airflow DAGs: each opens the configuration and store, calls one
:mod:`narrmon.pipeline` step and returns a small JSON-able dict of counts and paths for
XCom (never data).

Importing this module is cheap and touches nothing: DAG files import it at parse time
for :data:`DEFAULT_ARGS`; everything heavy (the pipeline, Airflow's hooks, the store)
is imported inside the functions, which run only inside tasks.
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)

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


def _context() -> tuple[Any, Any]:
    from narrmon.config import load_config
    from narrmon.store import Store

    config = load_config()
    return config, Store(os.environ.get("NARRMON_DB_URL") or config.db_url)


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


def sources(platform: str) -> list[str]:
    """The configured sources of one platform (reads the configuration file only)."""
    from narrmon.config import load_config
    from narrmon.pipeline.collect import list_sources

    return [source for plat, source in list_sources(load_config()) if plat == platform]


def collect_source(platform: str, source: str) -> dict[str, Any]:
    """Collect one source. Deferred is a success with a note; failed raises (and retries)."""
    from narrmon.errors import NarrmonError
    from narrmon.pipeline.collect import collect

    config, store = _context()
    report = collect(config, store, platform, [source], credentials=credentials_for(platform))
    row = report.rows[0]
    result = row.as_dict()
    if row.status == "failed":
        raise NarrmonError(f"{platform} {source}: {row.reason}")
    if row.status == "deferred":
        result["note"] = f"deferred until {row.deferred_until}: {row.reason}"
        log.warning("%s %s %s", platform, source, result["note"])
    return result


def classify_new() -> dict[str, Any]:
    """Label the posts the active model has not seen yet."""
    from narrmon.pipeline.classify import classify_posts

    config, store = _context()
    return classify_posts(config, store).as_dict()


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
    if report.failed:
        from narrmon.errors import NarrmonError

        raise NarrmonError("; ".join(f"{r.source}: {r.reason}" for r in report.failed))
    return report.as_dict()


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


def daily_run(day: date) -> dict[str, Any]:
    """Rollups, the daily report and the spike alerts of one UTC day."""
    from narrmon.pipeline.report import alerts, daily_report

    config, store = _context()
    paths = daily_report(config, store, day)
    found = alerts(config, store, day, send=config.smtp.enabled)
    return {
        "date": day.isoformat(),
        "files": [str(p) for p in paths],
        "spikes": len(found.spikes),
        "emailed_to": found.emailed_to,
    }


def weekly_run(week: str) -> dict[str, Any]:
    """The weekly PDF of an ISO week, e-mailed when SMTP is configured."""
    from narrmon.pipeline.report import weekly_report

    config, store = _context()
    path = weekly_report(config, store, week)
    sent = 0
    if config.smtp.enabled:
        from reports.alerts import send_email

        sent = send_email(
            config.smtp,
            f"narrmon weekly report {week}",
            f"The weekly report {week} is attached.",
            attachments=[path],
        )
    return {"week": week, "file": str(path), "emailed_to": sent}


def retrain_run(data_files: list[str]) -> dict[str, Any]:
    """Retrain with analyst labels; promote only if no label's held-out F1 drops."""
    from narrmon.pipeline.classify import retrain

    config, store = _context()
    result = retrain(config, store, data_files)
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
