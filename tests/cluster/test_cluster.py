"""`make airflow-cluster`: the production shape on one machine, proven end to end.

PostgreSQL metadata, CeleryExecutor on Redis, scheduler, API server, DAG processor,
triggerer and two Celery workers as separate processes, narrmon's store in a PostgreSQL
schema. ``narrmon_collect`` (a fake Telegram of four channels and recorded X, put into the
workers by ``tests/cluster/inject``), ``narrmon_classify`` and ``narrmon_daily_report``
run through the workers. Checked: tasks ran on both workers; no two Telegram sessions
were ever open at once (the ``telegram_api`` pool, across workers); every post is in the
store exactly once and classified; the daily report is written; `make airflow-stop`
leaves no process behind.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from narrmon.store import Store, schema
from tests.cluster import fake_world
from tests.cluster.conftest import REPO, commands_of, database_exists, redis_url

pytestmark = pytest.mark.cluster

TELEGRAM_CONN = {
    "conn_type": "generic",
    "login": "12345",
    "password": "0123456789abcdef0123",
    "extra": {"session": "1fake-session"},
}
X_CONN = {"conn_type": "generic", "password": "AAAA-fake-bearer-token-for-cluster-tests"}
WORKERS = ("worker1@", "worker2@")
PROCESSES = ("api-server", "scheduler", "dag-processor", "triggerer", "worker1", "worker2")


def _activity(path: Path) -> list[tuple[str, str, str, float]]:
    """``(event, worker, pid, time)`` of each line the fake Telegram wrote."""
    rows = []
    for line in path.read_text("utf-8").splitlines():
        event, host, pid, at = line.split()
        rows.append((event, host, pid, float(at)))
    return rows


def _disjoint(intervals: list[tuple[float, float]]) -> bool:
    ordered = sorted(intervals)
    pairs = zip(ordered, ordered[1:], strict=False)
    return all(a_end <= b_start for (_, a_end), (b_start, _) in pairs)


def _when(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def _wait_first_run(airflow, dag_id: str) -> dict:
    deadline = time.monotonic() + 120
    while not (runs := airflow.runs(dag_id)):
        assert time.monotonic() < deadline, f"no run of {dag_id} was scheduled"
        time.sleep(1)
    return runs[0]


def test_collect_classify_report_through_two_celery_workers(
    airflow_factory, metadata_db, new_pg_schema, small_model, tmp_path
) -> None:
    server, db_name = metadata_db
    broker = redis_url()
    store_url = new_pg_schema()
    activity = tmp_path / "telegram_activity.log"
    config = tmp_path / "narrmon.yaml"
    config.write_text(
        f"telegram:\n  channels: [{', '.join(fake_world.CHANNEL_POSTS)}]\n"
        f"x:\n  accounts: [{fake_world.X_ACCOUNT}]\n"
        f"reports:\n  out_dir: {tmp_path / 'reports'}\n"
        f"models_dir: {small_model.models_dir}\n",
        encoding="utf-8",
    )
    airflow = airflow_factory(
        {
            "NARRMON_AIRFLOW_PG": server,
            "NARRMON_AIRFLOW_DB": db_name,
            "NARRMON_CELERY_BROKER": broker,
            "NARRMON_CONFIG": str(config),
            "NARRMON_DB_URL": store_url,
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"narrmon_test_{uuid.uuid4().hex[:8]}",
            "AIRFLOW__CELERY__SYNC_PARALLELISM": "1",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.cluster.fake_world.hostname",
            "AIRFLOW_CONN_NARRMON_TELEGRAM": json.dumps(TELEGRAM_CONN),
            "AIRFLOW_CONN_NARRMON_X": json.dumps(X_CONN),
            "PYTHONPATH": f"{REPO / 'tests' / 'cluster' / 'inject'}:{REPO}",
            fake_world.ACTIVITY_ENV: str(activity),
        }
    )
    said = airflow.start("airflow-cluster")
    assert "CeleryExecutor" in said and "2 workers" in said, said
    assert database_exists(server, db_name)
    started = {pid.stem: int(pid.read_text()) for pid in (airflow.home / "run").glob("*.pid")}
    assert set(started) == set(PROCESSES), started
    for group in started.values():
        os.killpg(group, 0)  # alive, each in its own process group
    airflow.wait_for_dags({"narrmon_collect", "narrmon_classify", "narrmon_daily_report"})

    # Unpausing collect schedules its latest hour; classify follows on the posts Asset.
    for dag_id in ("narrmon_classify", "narrmon_collect"):
        assert airflow.unpause(dag_id).status_code == 200
    first = _wait_first_run(airflow, "narrmon_collect")
    collect = airflow.wait_run("narrmon_collect", first["dag_run_id"])
    classify = airflow.trigger("narrmon_classify")
    assert classify.status_code == 200, classify.text
    airflow.wait_run("narrmon_classify", classify.json()["dag_run_id"])
    assert airflow.unpause("narrmon_daily_report").status_code == 200
    daily = airflow.trigger("narrmon_daily_report", {"day": fake_world.DAY.date().isoformat()})
    assert daily.status_code == 200, daily.text
    airflow.wait_run("narrmon_daily_report", daily.json()["dag_run_id"])

    tasks = {
        "collect": airflow.tasks("narrmon_collect", collect["dag_run_id"]),
        "classify": airflow.tasks("narrmon_classify", classify.json()["dag_run_id"]),
        "daily": airflow.tasks("narrmon_daily_report", daily.json()["dag_run_id"]),
    }
    hosts = {t["hostname"] for run in tasks.values() for t in run}
    assert len(hosts) == 2 and all(any(h.startswith(w) for h in hosts) for w in WORKERS), hosts

    telegram = [t for t in tasks["collect"] if t["task_id"] == "collect_telegram"]
    assert len(telegram) == len(fake_world.CHANNEL_POSTS)
    assert {t["state"] for t in telegram} == {"success"}
    assert _disjoint([(_when(t["start_date"]), _when(t["end_date"])) for t in telegram])
    events = _activity(activity)
    assert not [e for e in events if e[0] == "overlap"], events
    starts = {pid: at for event, _, pid, at in events if event == "start"}
    ends = {pid: at for event, _, pid, at in events if event == "end"}
    assert len(events) == 2 * len(starts) and set(starts) == set(ends), events
    assert len(starts) >= len(fake_world.CHANNEL_POSTS)  # a session per channel and run
    assert _disjoint([(starts[pid], ends[pid]) for pid in starts]), events

    store = Store(store_url)
    try:
        with store.engine.connect() as conn:
            keys = conn.execute(select(schema.posts.c.platform, schema.posts.c.post_id)).all()
            classified = conn.execute(
                select(func.count(func.distinct(schema.classifications.c.post_id)))
            ).scalar_one()
            snapshots = conn.execute(
                select(schema.metric_snapshots.c.platform, schema.metric_snapshots.c.post_id)
            ).all()
    finally:
        store.dispose()
    expected = fake_world.expected_posts()
    assert len(keys) == len(set(keys)) == len(expected)
    assert {tuple(k) for k in keys} == expected
    assert {tuple(s) for s in snapshots} == expected
    assert classified == len(expected)

    reports = tmp_path / "reports" / "daily"
    day = fake_world.DAY.date().isoformat()
    written = [p for p in reports.rglob("*") if p.is_file() and day in p.name]
    assert {p.suffix for p in written} >= {".html", ".json", ".csv"}, written
    figures = next(p for p in written if p.suffix == ".json").read_text("utf-8")
    assert day in figures

    assert "stopped" in airflow.stop()
    assert commands_of(airflow.home) == []
