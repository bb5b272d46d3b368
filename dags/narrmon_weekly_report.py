"""
### narrmon_weekly_report

Mondays at 06:00 UTC: the weekly PDF of the previous ISO week (cover, executive summary,
charts, top posts, methodology), written under `reports.out_dir` and e-mailed through
the configured SMTP server when `smtp` is set (password from `NARRMON_SMTP_PASSWORD`).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task

from narrmon.orchestration import DEFAULT_ARGS


@dag(
    schedule="0 6 * * 1",
    start_date=pendulum.datetime(2026, 11, 2, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["narrmon", "report"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def narrmon_weekly_report() -> None:
    """The weekly PDF of the previous ISO week."""

    @task
    def weekly() -> dict:
        from narrmon.orchestration import previous_iso_week, weekly_run

        return weekly_run(previous_iso_week(get_current_context()["logical_date"]))

    weekly()


narrmon_weekly_report()
