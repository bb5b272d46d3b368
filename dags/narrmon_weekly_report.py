"""
### narrmon_weekly_report

Mondays at 06:00 UTC: the weekly PDF of the previous ISO week (cover, summary naming
the week's spikes, charts, top posts per narrative, methodology), written under
`reports.out_dir` and e-mailed through the configured SMTP server when `smtp` is set
(password from `NARRMON_SMTP_PASSWORD`). A manual run reports on the ISO week given in
its `week` param (`--conf '{"week": "2026-W47"}'`), else on the week before the one it
was triggered in. The task log names the week's posts, accounts, views and spikes.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from narrmon.orchestration import DEFAULT_ARGS


@dag(
    description="Mondays: the weekly PDF of the previous ISO week (manual runs: week param)",
    schedule="0 6 * * 1",
    start_date=pendulum.datetime(2026, 11, 2, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["narrmon", "report"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    params={
        "week": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}-W\d{2}$",
            description="ISO week to report on (YYYY-Www, e.g. 2026-W47); "
            "empty: the week before the run.",
        )
    },
)
def narrmon_weekly_report() -> None:
    """The weekly PDF of the previous ISO week."""

    @task
    def weekly() -> dict:
        from narrmon.orchestration import report_week, weekly_run

        context = get_current_context()
        week = report_week(
            context.get("logical_date"),
            context["params"]["week"],
            context["dag_run"].run_after,
        )
        return weekly_run(week)

    weekly()


narrmon_weekly_report()
