"""
### narrmon_collect

Hourly collection of new posts: one mapped task per configured Telegram channel (pool
`telegram_api`) and per X account or query (pool `x_api`); the pools cap concurrent use
of each API across all runs. Credentials come from the Connections `narrmon_telegram`
(login = API id, password = API hash, extra `session` = StringSession) and `narrmon_x`
(password = bearer token). A source deferred by a long rate limit succeeds with a note
and resumes on the next run; a private, renamed or vanished source fails (and retries).
Each successful task emits the Asset `narrmon://posts`, which triggers `narrmon_classify`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from narrmon.orchestration import (
    DEFAULT_ARGS,
    POSTS_ASSET_URI,
    TELEGRAM_POOL,
    X_POOL,
)

POSTS = Asset(POSTS_ASSET_URI)


@dag(
    description="Hourly: collect new posts of each configured Telegram channel, X account, query",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["narrmon", "collect"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def narrmon_collect() -> None:
    """Collect new posts of every configured source."""

    @task
    def telegram_sources() -> list[str]:
        from narrmon.orchestration import sources

        return sources("telegram")

    @task
    def x_sources() -> list[str]:
        from narrmon.orchestration import sources

        return sources("x")

    @task(pool=TELEGRAM_POOL, outlets=[POSTS], map_index_template="{{ task.op_kwargs['source'] }}")
    def collect_telegram(source: str) -> dict:
        from narrmon.orchestration import collect_source

        return collect_source("telegram", source)

    @task(pool=X_POOL, outlets=[POSTS], map_index_template="{{ task.op_kwargs['source'] }}")
    def collect_x(source: str) -> dict:
        from narrmon.orchestration import collect_source

        return collect_source("x", source)

    collect_telegram.expand(source=telegram_sources())
    collect_x.expand(source=x_sources())


narrmon_collect()
