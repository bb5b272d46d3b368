"""Pipeline steps of reporting: rollups, daily report, weekly PDF, pulls and spike alerts.

Each step takes the configuration and the store and returns what it made; the CLI and
the Airflow tasks call these same functions. Reports bring the rollups up to date
first (an incremental run costs only the days touched since the last one).
``model_version`` defaults to the newest model version in ``classifications``.
E-mail (the spike alert, the weekly PDF) is sent from here only, through :func:`_email`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from narrmon.config import Config
from narrmon.errors import InputError
from narrmon.pipeline.coordination import report_section as coordination_section
from narrmon.store import Store
from narrmon.store.core import now_utc


@dataclass
class AlertsResult:
    """The spikes of one day, and whether they were e-mailed."""

    day: date
    model_version: str
    spikes: list[Any] = field(default_factory=list)  # reports.alerts.Spike
    emailed_to: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "model_version": self.model_version or None,
            "spikes": [s.as_dict() for s in self.spikes],
            "emailed_to": self.emailed_to,
        }


def parse_day(text: str | date) -> date:
    """A ``YYYY-MM-DD`` day (a UTC day)."""
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def rollup(
    config: Config, store: Store, *, model_version: str | None = None, full: bool = False
) -> Any:
    """Bring the rollups up to date; returns :class:`reports.rollups.RollupResult`."""
    from reports.rollups import run_rollup

    return run_rollup(store, model_version, full=full)


def daily_report(
    config: Config,
    store: Store,
    day: str | date,
    out_dir: str | Path | None = None,
    *,
    model_version: str | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Write the daily report of a UTC day (HTML, JSON, CSVs); returns paths, HTML first."""
    target = parse_day(day)
    version = rollup(config, store, model_version=model_version).model_version
    return _write_daily(config, store, target, version, out_dir, now)


def _write_daily(
    config: Config,
    store: Store,
    target: date,
    version: str,
    out_dir: str | Path | None,
    now: datetime | None,
    spikes: list[Any] | None = None,
) -> list[Path]:
    from reports.daily import daily_figures
    from reports.daily_output import write_daily

    with store.engine.connect() as conn:
        figures = daily_figures(conn, version, target, config.alerts, now or now_utc(), spikes)
    figures["coordination"] = coordination_section(config, store, target, target, version)
    return write_daily(figures, Path(out_dir or Path(config.reports.out_dir) / "daily"))


def daily_run(
    config: Config, store: Store, day: str | date, *, send: bool = False
) -> tuple[list[Path], AlertsResult]:
    """The daily report and the spike alerts of a UTC day, rolling up and finding the
    spikes once; the alert is e-mailed when ``send`` and there are spikes."""
    from reports.alerts import find_spikes

    target = parse_day(day)
    version = rollup(config, store).model_version
    with store.engine.connect() as conn:
        spikes = find_spikes(conn, version, target, config.alerts)
    paths = _write_daily(config, store, target, version, None, None, spikes)
    return paths, _alert(config, target, version, spikes, send)


def weekly_report(
    config: Config,
    store: Store,
    week: str,
    out: str | Path | None = None,
    *,
    model_version: str | None = None,
    now: datetime | None = None,
    keep: dict[str, Any] | None = None,
) -> Path:
    """Write the weekly PDF of an ISO week (``2026-W47``); returns its path.

    ``keep``, a dict, is filled with the figures the PDF shows (for a caller's log).
    """
    from reports.weekly import weekly_figures
    from reports.weekly_pdf import build_pdf

    result = rollup(config, store, model_version=model_version)
    with store.engine.connect() as conn:
        figures = weekly_figures(
            conn,
            result.model_version,
            week,
            now or now_utc(),
            config.models_dir,
            alerts=config.alerts,
        )
    period = figures["period"]
    figures["coordination"] = coordination_section(
        config, store, period["from"], period["to"], result.model_version
    )
    if keep is not None:
        keep.update(figures)
    path = Path(out) if out else Path(config.reports.out_dir) / f"narrmon-weekly-{week}.pdf"
    return build_pdf(figures, path)


def alerts(
    config: Config,
    store: Store,
    day: str | date,
    *,
    model_version: str | None = None,
    send: bool = False,
) -> AlertsResult:
    """The spikes of a UTC day with the posts behind each; e-mailed when ``send``."""
    from reports.alerts import find_spikes

    target = parse_day(day)
    version = rollup(config, store, model_version=model_version).model_version
    with store.engine.connect() as conn:
        spikes = find_spikes(conn, version, target, config.alerts)
    return _alert(config, target, version, spikes, send)


def _alert(config: Config, day: date, version: str, spikes: list[Any], send: bool) -> AlertsResult:
    from reports.alerts import alert_text

    out = AlertsResult(day, version, spikes)
    if send and spikes:
        subject = f"narrmon: {len(spikes)} narrative spike(s) on {day}"
        out.emailed_to = _email(config, subject, alert_text(day, spikes, version))
    return out


def send_weekly(config: Config, week: str, path: Path) -> int:
    """E-mail the weekly PDF of ``week`` to ``smtp.to``; returns the recipients accepted."""
    return _email(
        config,
        f"narrmon weekly report {week}",
        f"The weekly report {week} is attached.",
        attachments=[path],
    )


def _email(config: Config, subject: str, body: str, attachments: list[Path] | None = None) -> int:
    """The one place narrmon sends e-mail (SMTP settings from the config, see send_email)."""
    from reports.alerts import send_email

    return send_email(config.smtp, subject, body, attachments=attachments or ())


def pull(
    config: Config | None,
    store: Store,
    since: str | date | datetime,
    until: str | date | datetime,
    *,
    labels: Any = None,
    platforms: Any = None,
    accounts: Any = None,
    langs: Any = None,
    scripts: Any = None,
    min_score: float | None = None,
    model_version: str | None = None,
) -> Any:
    """One row per post in the window that the filters keep, as a pandas DataFrame."""
    from reports.pull import make_query, pull_frame
    from reports.rollups import resolve_model_version

    query = make_query(
        since,
        until,
        labels=labels,
        platforms=platforms,
        accounts=accounts,
        langs=langs,
        scripts=scripts,
        min_score=min_score,
    )
    with store.engine.connect() as conn:
        version = resolve_model_version(conn, model_version)
        return pull_frame(conn, query, version)


def export_pull(frame: Any, out: str | Path, fmt: str, *, bom: bool = False) -> Path:
    """Write a pull (csv, parquet, xlsx, jsonl); returns the path."""
    from reports.pull import write_pull

    return write_pull(frame, Path(out), fmt, bom=bom)


def report_all(
    config: Config, store: Store, out_dir: str | Path, *, progress: Any = None
) -> dict[str, Any]:
    """Rollups, a daily report for every day with posts and a PDF for every ISO week.

    Returns ``{"rollup": ..., "daily": {day: html path}, "weekly": {week: pdf path}}``;
    ``progress`` (a callable) is told of each report as it starts.
    """
    say = progress or (lambda _stage: None)
    from sqlalchemy import select

    from narrmon.store import schema
    from reports.data import as_day
    from reports.weekly import iso_week

    out = Path(out_dir)
    result = rollup(config, store)
    rd = schema.rollup_days
    with store.engine.connect() as conn:
        q = select(rd.c.day).where(rd.c.model_version == result.model_version, rd.c.posts > 0)
        days = sorted(as_day(d) for (d,) in conn.execute(q))
    daily = {}
    for d in days:
        say(f"daily report {d}")
        daily[d.isoformat()] = daily_report(config, store, d, out / "daily")[0]
    weekly = {}
    for w in sorted({iso_week(d) for d in days}):
        say(f"weekly PDF {w}")
        weekly[w] = weekly_report(config, store, w, out / f"narrmon-weekly-{w}.pdf")
    return {"rollup": result.as_dict(), "daily": daily, "weekly": weekly}
