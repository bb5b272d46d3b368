"""`make airflow` on PostgreSQL takes a burst: three DAGs unpaused and three runs triggered
within one second through the REST API. On SQLite metadata the same burst answered HTTP
500 "Database error" and killed the scheduler (``database is locked``); here every call
answers 200, every run succeeds and the scheduler is still heartbeating afterwards. Then
the other DAGs are triggered by hand the same way, and every task log is read back.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from tests.cluster.conftest import (
    LOG_PORTS,
    commands_of,
    database_exists,
    free_ports,
)

pytestmark = pytest.mark.cluster

BURST = ("narrmon_collect", "narrmon_refresh_metrics", "narrmon_classify")


def test_burst_of_triggers_against_make_airflow(
    airflow_factory, metadata_db, small_model, tmp_path
) -> None:
    server, db_name = metadata_db
    models_dir = small_model.models_dir
    config = tmp_path / "narrmon.yaml"  # no sources and no Connections: every task is quick
    config.write_text(
        "telegram:\n  channels: []\nx:\n  accounts: []\n"
        f"reports:\n  out_dir: {tmp_path / 'reports'}\nmodels_dir: {models_dir}\n",
        encoding="utf-8",
    )
    log_port, trigger_port = free_ports(2, LOG_PORTS)
    airflow = airflow_factory(
        {
            "NARRMON_AIRFLOW_PG": server,
            "NARRMON_AIRFLOW_DB": db_name,
            "NARRMON_CONFIG": str(config),
            "NARRMON_DB_URL": f"sqlite:///{tmp_path / 'narrmon.db'}",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(trigger_port),
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        }
    )
    said = airflow.start("airflow")
    assert "LocalExecutor" in said and db_name in said and "SQLite" not in said
    assert database_exists(server, db_name)  # created by `make airflow`
    missing = tmp_path / "missing.jsonl"
    by_hand = {  # triggered by hand after the burst: conf, end state, task, log line
        "narrmon_daily_report": ({"day": "2026-11-20"}, "success", "daily", "daily report of"),
        "narrmon_weekly_report": ({"week": "2026-W47"}, "success", "weekly", "weekly PDF"),
        "narrmon_retrain": (
            {"data_files": [str(missing)]},
            "failed",
            "retrain",
            f"no such file: {missing} (a configuration error: failed without retrying)",
        ),
    }
    airflow.wait_for_dags(set(BURST) | set(by_hand))

    with ThreadPoolExecutor(len(BURST)) as pool:
        started = time.monotonic()
        unpaused = list(pool.map(airflow.unpause, BURST))
        triggered = list(pool.map(airflow.trigger, BURST))
        elapsed = time.monotonic() - started
    assert elapsed < 1.0
    answers = [(r.request.method, r.request.url.path, r.status_code) for r in unpaused + triggered]
    assert all(status == 200 for _, _, status in answers), answers

    manual = {r.json()["dag_id"]: r.json()["dag_run_id"] for r in triggered}
    for dag_id, run_id in manual.items():
        airflow.wait_run(dag_id, run_id)
    for dag_id in BURST:  # the scheduled runs that unpausing created finish too
        runs = airflow.runs(dag_id)
        deadline = time.monotonic() + 120
        while any(r["state"] not in ("success", "failed") for r in runs):
            assert time.monotonic() < deadline, (dag_id, [r["state"] for r in runs])
            time.sleep(1)
            runs = airflow.runs(dag_id)
        assert {r["state"] for r in runs} == {"success"}, (dag_id, runs)

    finished = max(datetime.fromisoformat(r["end_date"]) for d in BURST for r in airflow.runs(d))
    deadline = time.monotonic() + 60
    while True:  # the scheduler goes on heartbeating after the burst
        health = airflow.get("/api/v2/monitor/health")
        beat = datetime.fromisoformat(health["scheduler"]["latest_scheduler_heartbeat"])
        if beat > finished or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert health["metadatabase"]["status"] == "healthy"
    assert health["scheduler"]["status"] == "healthy", health
    assert beat > finished, (beat, finished)
    assert any("scheduler" in " ".join(cmd) for cmd in commands_of(airflow.home))
    log = (airflow.home / "run" / "standalone.log").read_text("utf-8", errors="replace")
    assert "database is locked" not in log

    # Every DAG answers a manual trigger through the REST API: it succeeds, or fails at
    # once (first try) with a message saying what to fix; its task log carries narrmon's
    # figures, not only the returned dict.
    logs = {
        ("narrmon_collect", "telegram_sources"): "0 telegram source(s) configured: none",
        ("narrmon_refresh_metrics", "refresh_telegram"): "reach refresh of telegram skipped",
        ("narrmon_classify", "classify"): "classified 0 posts with model",
    }
    for (dag_id, task_id), said in logs.items():
        assert said in airflow.task_log(dag_id, manual[dag_id], task_id), (dag_id, task_id)
    for dag_id, (conf, state, task_id, said) in by_hand.items():
        airflow.unpause(dag_id)
        answer = airflow.trigger(dag_id, conf)
        assert answer.status_code == 200, (dag_id, answer.text)
        run_id = answer.json()["dag_run_id"]
        airflow.wait_run(dag_id, run_id, expect=state)
        (task,) = airflow.tasks(dag_id, run_id)
        assert (task["task_id"], task["state"], task["try_number"]) == (task_id, state, 1)
        assert said in " ".join(airflow.task_log(dag_id, run_id, task_id).split()), dag_id

    assert "stopped" in airflow.stop()
    assert commands_of(airflow.home) == []
