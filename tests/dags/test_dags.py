"""The Airflow DAGs: they parse cleanly, read nothing at parse time, and run end to end.

``dag.test()`` runs the real DAGs inside this process against a temporary store: a fake
Telegram client returning real telethon objects, a real tweepy client against recorded
payloads (``responses``), and Connections from ``AIRFLOW_CONN_*``.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses
from sqlalchemy import func, select, text

import collectors.telegram.client as tg_client
from narrmon.store import Store, schema
from tests.collect_fakes import FakeTelegram, XRouter, channel, message

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

DAG_IDS = {
    "narrmon_collect",
    "narrmon_classify",
    "narrmon_refresh_metrics",
    "narrmon_daily_report",
    "narrmon_weekly_report",
    "narrmon_retrain",
}
DAY = datetime(2026, 11, 20, tzinfo=UTC)  # after the DAGs' start_date
TELEGRAM_SECRET = "0123456789abcdef0123"
X_SECRET = "AAAA-fake-bearer-token-for-dag-tests"
POSTS = [
    "Ко је признао Косово нема право да прича о Криму. Исто правило важи за све! 🇷🇺",
    "Ako je Kosovo moglo da se otcepi, može i Republika Srpska. Referendum odmah.",
    "Danas sunčano u Beogradu, do 14 stepeni. Vikend kišovit.",
    "Русија је једини брат Србије, чува нас у Савету безбедности.",
    "Presedan? ICJ je rekao da je slučaj Kosova sui generis. "
    "Aneksija Krima pod cevima nije referendum.",
]


@pytest.fixture
def dag_env(airflow_db, tmp_path, monkeypatch, trained):
    """A config, a store and Connections for the DAG runs; returns the store."""
    models_dir, _ = trained
    config = tmp_path / "narrmon.yaml"
    config.write_text(
        "telegram:\n  channels: [istok, spor]\n"
        "x:\n  accounts: [istok_rs]\n"
        f"reports:\n  out_dir: {tmp_path / 'reports'}\n"
        f"models_dir: {models_dir}\n",
        encoding="utf-8",
    )
    db_url = f"sqlite:///{tmp_path / 'narrmon.db'}"
    monkeypatch.setenv("NARRMON_CONFIG", str(config))
    monkeypatch.setenv("NARRMON_DB_URL", db_url)
    monkeypatch.setenv(
        "AIRFLOW_CONN_NARRMON_TELEGRAM",
        json.dumps(
            {
                "conn_type": "generic",
                "login": "12345",
                "password": TELEGRAM_SECRET,
                "extra": {"session": "1fake-session"},
            }
        ),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_NARRMON_X", json.dumps({"conn_type": "generic", "password": X_SECRET})
    )
    tg = FakeTelegram()
    start = DAY + timedelta(hours=8)
    tg.add_channel(
        channel(11, "istok"),
        [message(11, i + 1, t, date=start + timedelta(hours=i)) for i, t in enumerate(POSTS)],
    )
    tg.add_channel(channel(12, "spor"), [message(12, 1, POSTS[0], date=start, fwd=(11, 1))])
    monkeypatch.setattr(tg_client, "make_telethon_client", lambda creds: tg)
    store = Store(db_url)
    yield store, tmp_path
    store.dispose()


def _x_api(rsps: responses.RequestsMock) -> XRouter:
    api = XRouter(rsps)
    api.on("/2/users/by/username/istok_rs", (200, "user_istok_rs.json"))
    api.on(
        "/2/users/1001/tweets",
        (200, "timeline_page1.json"),
        (200, "timeline_page2.json"),
        (200, "empty.json"),
    )
    return api


def _snapshot(store: Store) -> dict[str, list]:
    tables = {
        "posts": schema.posts,
        "metric_snapshots": schema.metric_snapshots,
        "accounts": schema.accounts,
        "classifications": schema.classifications,
        "post_labels": schema.post_labels,
    }
    skip = {"id", "updated_at", "first_seen_at", "classified_at"}
    out = {}
    with store.engine.connect() as conn:
        for name, table in tables.items():
            cols = [c for c in table.columns if c.name not in skip]
            out[name] = sorted(map(tuple, conn.execute(select(*cols)).all()), key=repr)
    return out


def _run(run_dagbag, dag_id: str, **kwargs):
    run = run_dagbag.dags[dag_id].test(**kwargs)
    assert run.state == "success", f"{dag_id} ended {run.state}"
    return run


def test_dagbag_imports_every_dag_with_tags_and_retries(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == DAG_IDS
    for dag in dagbag.dags.values():
        assert dag.tags, dag.dag_id
        assert dag.doc_md, dag.dag_id
        for task in dag.tasks:
            assert task.retries >= 2, (dag.dag_id, task.task_id)
            assert task.retry_exponential_backoff, (dag.dag_id, task.task_id)


def test_parsing_reads_no_connection_config_or_store(airflow_db, tmp_path, monkeypatch) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import BaseHook

    calls: list[str] = []
    monkeypatch.setattr(
        BaseHook, "get_connection", classmethod(lambda cls, conn_id: calls.append(conn_id))
    )
    monkeypatch.setenv("NARRMON_CONFIG", str(tmp_path / "missing.yaml"))
    monkeypatch.setenv("NARRMON_DB_URL", f"sqlite:///{tmp_path / 'never.db'}")
    bag = DagBag(dag_folder=str(Path(__file__).resolve().parents[2] / "dags"))
    assert bag.import_errors == {}
    assert set(bag.dags) == DAG_IDS
    assert calls == []
    assert not (tmp_path / "never.db").exists()


def test_pools_cap_each_api(dagbag) -> None:
    collect = dagbag.dags["narrmon_collect"]
    assert collect.get_task("collect_telegram").pool == "telegram_api"
    assert collect.get_task("collect_x").pool == "x_api"
    refresh = dagbag.dags["narrmon_refresh_metrics"]
    assert {t.pool for t in refresh.tasks} == {"telegram_api", "x_api"}


def test_collect_classify_and_daily_report_end_to_end(run_dagbag, dag_env, caplog) -> None:
    store, tmp_path = dag_env
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _x_api(rsps)
        _run(run_dagbag, "narrmon_collect")
    with store.engine.connect() as conn:
        per_platform = dict(
            conn.execute(
                select(schema.posts.c.platform, func.count()).group_by(schema.posts.c.platform)
            ).all()
        )
    assert per_platform == {"telegram": 6, "x": 5}

    _run(run_dagbag, "narrmon_classify")
    with store.engine.connect() as conn:
        classified = conn.execute(select(func.count()).select_from(schema.classifications))
        labels = conn.execute(
            text("SELECT label FROM post_labels WHERE post_id = '11/1'")
        ).scalars()
        assert classified.scalar_one() == 11
        assert "kosovo_precedent" in set(labels)

    # An interval timetable's run for [DAY, DAY + 1) has the logical date DAY + 1 here.
    _run(run_dagbag, "narrmon_daily_report", logical_date=DAY + timedelta(days=1))
    daily = sorted((tmp_path / "reports" / "daily").rglob("*"))
    names = {p.name for p in daily if p.is_file()}
    assert any(n.endswith(".html") for n in names) and any(n.endswith(".json") for n in names)
    figures = json.loads(next(p for p in daily if p.suffix == ".json").read_text("utf-8"))
    assert "2026-11-20" in json.dumps(figures)
    # A manual run names its day in the params.
    run = _run(run_dagbag, "narrmon_daily_report", run_conf={"day": "2026-11-19"})
    assert _xcom(run, "daily")["date"] == "2026-11-19"
    daily = sorted(p for p in (tmp_path / "reports" / "daily").rglob("*") if "11-20" in p.name)

    before = _snapshot(store)
    files_before = {p: p.read_bytes() for p in daily if p.is_file() and p.suffix == ".csv"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        api = _x_api(rsps)
        api.on("/2/users/1001/tweets", (200, "empty.json"))
        _run(run_dagbag, "narrmon_collect")
    _run(run_dagbag, "narrmon_classify")
    _run(run_dagbag, "narrmon_daily_report", logical_date=DAY + timedelta(days=1))
    assert _snapshot(store) == before
    assert {p: p.read_bytes() for p in files_before} == files_before
    logged = caplog.text
    assert TELEGRAM_SECRET not in logged and X_SECRET not in logged


def test_deferred_channel_succeeds_with_a_note(run_dagbag, dag_env) -> None:
    from telethon import errors

    store, _ = dag_env
    tg = tg_client.make_telethon_client(None)
    tg.fail = lambda name, target: (
        (_ for _ in ()).throw(errors.FloodWaitError(request=None, capture=7200))
        if (name, target) == ("iter_messages", 12)
        else None
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _x_api(rsps)
        run = _run(run_dagbag, "narrmon_collect")
    from collectors.telegram.types import TelegramSource

    cursor = store.get_cursor("telegram", TelegramSource("spor").key)
    assert cursor is not None and cursor["deferred_until"] is not None
    assert "flood" in (cursor["note"] or "").lower()
    istok = store.get_cursor("telegram", TelegramSource("istok").key)
    assert istok["position"] == "5" and istok["deferred_until"] is None
    assert run.state == "success"


def test_refresh_and_weekly_report(run_dagbag, dag_env) -> None:
    store, tmp_path = dag_env
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _x_api(rsps)
        _run(run_dagbag, "narrmon_collect")
    with store.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(schema.metric_snapshots))
        before = before.scalar_one()
    # The horizon (7 days) counts back from the run's interval, not from the machine's clock.
    _run(run_dagbag, "narrmon_refresh_metrics", logical_date=DAY + timedelta(days=2))
    with store.engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(schema.metric_snapshots))
        after = after.scalar_one()
    assert after - before == 6  # the six Telegram posts are younger than the horizon
    _run(run_dagbag, "narrmon_refresh_metrics", logical_date=DAY + timedelta(days=30))
    with store.engine.connect() as conn:
        later = conn.execute(select(func.count()).select_from(schema.metric_snapshots))
        assert later.scalar_one() == after  # a month on, they are past it

    _run(run_dagbag, "narrmon_classify")
    # The Monday run after 2026-W47 reports on 2026-W47.
    _run(run_dagbag, "narrmon_weekly_report", logical_date=datetime(2026, 11, 23, 6, tzinfo=UTC))
    pdf = tmp_path / "reports" / "narrmon-weekly-2026-W47.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_retrain_promotes_only_without_an_f1_drop(run_dagbag, dag_env, trained, tmp_path) -> None:
    import shutil

    from classifiers import registry
    from classifiers.corpus import SEED_PATH

    models_dir, first = trained
    copy = tmp_path / "models"
    shutil.copytree(models_dir, copy)
    config = Path(os.environ["NARRMON_CONFIG"])
    config.write_text(
        config.read_text("utf-8").replace(f"models_dir: {models_dir}", f"models_dir: {copy}"),
        encoding="utf-8",
    )
    # Analyst "corrections" that strip kosovo_precedent from 4 in 5 of its training posts.
    bad = tmp_path / "bad_labels.jsonl"
    kept = 0
    with bad.open("w", encoding="utf-8") as out, SEED_PATH.open(encoding="utf-8") as seed:
        for line in seed:
            row = json.loads(line)
            kept += 1
            if row.get("split") != "test" and "kosovo_precedent" in row["labels"] and kept % 5:
                out.write(json.dumps({"text": row["text"], "labels": []}, ensure_ascii=False))
                out.write("\n")
    run = _run(run_dagbag, "narrmon_retrain", run_conf={"data_files": [str(bad)]})
    result = _xcom(run, "retrain")
    assert result["promoted"] is False
    assert "kosovo_precedent" in result["dropped"]
    assert registry.active_version(copy) == first.version
    assert result["version"] in registry.versions(copy)


def _xcom(run, task_id: str):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter_by(dag_id=run.dag_id, run_id=run.run_id, task_id=task_id, key="return_value")
            .one()
        )
        value = row.value
    return json.loads(value) if isinstance(value, str) else value


def test_every_dag_has_a_description(dagbag) -> None:
    for dag in dagbag.dags.values():
        assert dag.description and len(dag.description) > 30, dag.dag_id


def test_manual_weekly_run_takes_a_week_param_and_needs_no_logical_date(
    run_dagbag, dag_env, caplog
) -> None:
    import logging

    store, tmp_path = dag_env
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _x_api(rsps)
        _run(run_dagbag, "narrmon_collect")
    _run(run_dagbag, "narrmon_classify")
    caplog.set_level(logging.INFO, logger="narrmon")
    # As a trigger from the UI or the REST API in Airflow 3: no logical date.
    run = _run(
        run_dagbag,
        "narrmon_weekly_report",
        logical_date=None,
        run_after=datetime(2026, 12, 2, 9, tzinfo=UTC),
        run_conf={"week": "2026-W47"},
    )
    result = _xcom(run, "weekly")
    assert result["week"] == "2026-W47" and result["posts"] == 6  # the Telegram posts
    assert (tmp_path / "reports" / "narrmon-weekly-2026-W47.pdf").read_bytes()[:4] == b"%PDF"
    assert "weekly PDF 2026-W47:" in caplog.text
    assert re.search(
        r"weekly PDF 2026-W47: \S+; 6 posts from 2 accounts, [\d,]+ views", caplog.text
    )
    # Without the param: the ISO week before the one it was triggered in (2026-W49).
    run = _run(
        run_dagbag,
        "narrmon_weekly_report",
        logical_date=None,
        run_after=datetime(2026, 11, 25, 9, tzinfo=UTC),
    )
    assert _xcom(run, "weekly")["week"] == "2026-W47"


def test_task_logs_carry_narrmons_figures(run_dagbag, dag_env, caplog) -> None:
    import logging

    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    caplog.set_level(logging.INFO, logger="narrmon")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _x_api(rsps)
        run = _run(run_dagbag, "narrmon_collect")
    logged = caplog.text
    assert "2 telegram source(s) configured: istok, spor" in logged
    assert "telegram istok: ok; 5 new, 0 updated, 0 unchanged posts" in logged
    assert "x @istok_rs: ok; 5 new" in logged
    # Mapped tasks are named after their source, not 0, 1, 2.
    with create_session() as session:
        names = {
            (ti.task_id, ti.rendered_map_index)
            for ti in session.query(TaskInstance).filter_by(dag_id=run.dag_id, run_id=run.run_id)
            if ti.map_index >= 0
        }
    assert names == {
        ("collect_telegram", "istok"),
        ("collect_telegram", "spor"),
        ("collect_x", "@istok_rs"),
    }
    _run(run_dagbag, "narrmon_classify")
    assert re.search(r"classified 11 posts with model \S+: \d+ out of scope", caplog.text)
    _run(run_dagbag, "narrmon_daily_report", run_conf={"day": "2026-11-20"})
    assert "daily report of 2026-11-20: " in caplog.text
    assert "no narrative spikes on 2026-11-20" in caplog.text  # one day of history


def _ti_states(run) -> dict[str, tuple[str, int]]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        return {
            ti.task_id: (ti.state, ti.try_number)
            for ti in session.query(TaskInstance).filter_by(dag_id=run.dag_id, run_id=run.run_id)
        }


def test_configuration_errors_fail_at_once_without_retrying(
    dagbag, dag_env, monkeypatch, tmp_path, caplog
) -> None:
    """With the DAGs' real retries (3, minutes apart): these runs end at the first try."""
    import logging

    caplog.set_level(logging.INFO, logger="narrmon")
    config = Path(os.environ["NARRMON_CONFIG"])
    empty = tmp_path / "no-models"
    config.write_text(
        re.sub(r"models_dir: .*", f"models_dir: {empty}", config.read_text("utf-8")),
        encoding="utf-8",
    )
    run = dagbag.dags["narrmon_classify"].test()
    assert run.state == "failed"
    assert _ti_states(run) == {"classify": ("failed", 1)}
    said = " ".join(caplog.text.split())
    assert f"no trained model in {empty}: trigger the DAG narrmon_retrain once" in said
    assert "failed without retrying" in said

    monkeypatch.delenv("AIRFLOW_CONN_NARRMON_X")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _x_api(rsps)
        run = dagbag.dags["narrmon_collect"].test()
    assert run.state == "failed"
    states = _ti_states(run)
    assert states["collect_x"] == ("failed", 1)
    assert states["collect_telegram"][0] == "success"
    assert "the Airflow Connection narrmon_x (password = bearer token) is not set" in caplog.text

    config.write_text("alerts:\n  k: three\n", encoding="utf-8")
    run = dagbag.dags["narrmon_daily_report"].test(run_conf={"day": "2026-11-20"})
    assert run.state == "failed" and _ti_states(run) == {"daily": ("failed", 1)}
    assert "alerts.k must be a number, got 'three'" in caplog.text
