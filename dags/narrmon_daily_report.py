"""
### narrmon_daily_report

Daily, for the UTC day of the run's data interval: brings the rollups up to date, writes
the daily report (HTML, CSV, JSON) under `reports.out_dir/daily/`, and lists the
narrative spikes of that day (e-mailed when `smtp` is configured). Catchup is on, so a
backfill (`airflow backfill create --dag-id narrmon_daily_report --from-date … --to-date …`)
writes the reports of past days. Rerunning a day rewrites the same files with the same
figures.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from narrmon.orchestration import DEFAULT_ARGS


@dag(
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=True,
    max_active_runs=2,
    tags=["narrmon", "report"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def narrmon_daily_report() -> None:
    """Rollups, daily report and alerts for the data interval's day."""

    @task
    def daily() -> dict:
        from narrmon.orchestration import daily_run, report_day

        return daily_run(report_day(get_current_context()["data_interval_start"]))

    daily()


narrmon_daily_report()
