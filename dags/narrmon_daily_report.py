"""
### narrmon_daily_report

Daily, for the UTC day of the run's data interval: brings the rollups up to date, writes
the daily report (HTML, CSV, JSON) under `reports.out_dir/daily/`, and lists the
narrative spikes of that day (e-mailed when `smtp` is configured). Catchup is on, so a
backfill (`airflow backfill create --dag-id narrmon_daily_report --from-date … --to-date …`)
writes the reports of past days. A manual run reports on the day given in its `day`
param (`--conf '{"day": "2026-11-20"}'`), else on the day before it was triggered.
Rerunning a day rewrites the same files with the same figures.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from narrmon.orchestration import DEFAULT_ARGS


@dag(
    description="Daily: rollups, the daily report (HTML, CSV, JSON) and spike alerts of a UTC day",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=True,
    max_active_runs=2,
    tags=["narrmon", "report"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    params={
        "day": Param(
            None,
            type=["null", "string"],
            format="date",
            description="UTC day to report on (YYYY-MM-DD); empty: the data interval's day.",
        )
    },
)
def narrmon_daily_report() -> None:
    """Rollups, daily report and alerts for the data interval's day."""

    @task
    def daily() -> dict:
        from narrmon.orchestration import daily_run, report_day

        context = get_current_context()
        day = report_day(
            context.get("data_interval_start"),
            context["params"]["day"],
            context["dag_run"].run_after,
        )
        return daily_run(day)

    daily()


narrmon_daily_report()
