"""
### narrmon_classify

Runs whenever new posts land (the Asset `narrmon://posts`, emitted by `narrmon_collect`):
labels the posts the active model has not classified yet. Idempotent: a rerun finds
nothing left to do. Fails with a clear message when no model is active (`narrmon train`).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from narrmon.orchestration import DEFAULT_ARGS, POSTS_ASSET_URI


@dag(
    description="Label new posts with the active narrative model (runs on narrmon://posts)",
    schedule=[Asset(POSTS_ASSET_URI)],
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["narrmon", "classify"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def narrmon_classify() -> None:
    """Label new posts with the active model."""

    @task
    def classify() -> dict:
        from narrmon.orchestration import classify_new

        return classify_new()

    classify()


narrmon_classify()
