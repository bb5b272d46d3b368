"""
### narrmon_refresh_metrics

Every 6 hours: re-reads the reach (views, forwards, replies, reactions; likes, reposts,
quotes, impressions) of posts younger than the configured horizon and appends metric
snapshots, so each post's growth is kept. The horizon counts back from the end of the
run's data interval (a manual run without one: the clock), so rerunning a run refreshes
the same posts. Posts that vanished are marked deleted with
the time they were first found missing. A platform whose Connection is not set is
skipped with a note.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task

from narrmon.orchestration import DEFAULT_ARGS, TELEGRAM_POOL, X_POOL


@dag(
    description="Every 6 hours: re-read the reach of recent posts and append metric snapshots",
    schedule="0 */6 * * *",
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["narrmon", "collect", "reach"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def narrmon_refresh_metrics() -> None:
    """Append fresh metric snapshots for recent posts."""

    @task(pool=TELEGRAM_POOL)
    def refresh_telegram() -> dict:
        from narrmon.orchestration import refresh_platform

        return refresh_platform("telegram", get_current_context().get("data_interval_end"))

    @task(pool=X_POOL)
    def refresh_x() -> dict:
        from narrmon.orchestration import refresh_platform

        return refresh_platform("x", get_current_context().get("data_interval_end"))

    refresh_telegram()
    refresh_x()


narrmon_refresh_metrics()
