"""
### narrmon_retrain

Manual. Retrains the narrative classifier on the seed corpus plus analyst labels (the
annotations imported with `narrmon label import`, and any JSON Lines files named in the
`data_files` param, as paths on the worker), evaluates it on the held-out split, and
makes it the active model only if no label's F1 drops against the current one. The
returned XCom says which version was trained, whether it was promoted, and why not.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from narrmon.orchestration import DEFAULT_ARGS


@dag(
    description="Manual: retrain with analyst labels; promote only if no label's F1 drops",
    schedule=None,
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["narrmon", "classify", "model"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    params={
        "data_files": Param(
            [],
            type="array",
            items={"type": "string"},
            description="Extra labelled JSON Lines files (docs/labels.md format) on the worker.",
        )
    },
)
def narrmon_retrain() -> None:
    """Retrain with analyst labels and promote only without a per-label F1 drop."""

    @task
    def retrain() -> dict:
        from narrmon.orchestration import retrain_run

        return retrain_run(list(get_current_context()["params"]["data_files"]))

    retrain()


narrmon_retrain()
