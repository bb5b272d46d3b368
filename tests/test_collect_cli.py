"""The collect, refresh and telegram commands; the rate-limit module; the example config."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from telethon import errors

import collectors.telegram.client as tg_client
from collectors.ratelimit import (
    Budget,
    BudgetExhausted,
    Deferred,
    MinuteLimiter,
    RequestGate,
    RetryAfter,
    backoff,
)
from narrmon.cli import main
from narrmon.config import load_config
from narrmon.pipeline.collect import list_sources
from narrmon.store import Store
from tests.collect_fakes import FakeClock, FakeTelegram, channel, message

REPO = Path(__file__).resolve().parent.parent
QUERY = "(Kosovo OR Косово) (Krim OR Donbas OR presedan) -is:retweet"


@pytest.fixture
def telegram_env(monkeypatch):
    monkeypatch.setenv("NARRMON_TELEGRAM_API_ID", "12345")
    monkeypatch.setenv("NARRMON_TELEGRAM_API_HASH", "0123456789abcdef")
    monkeypatch.setenv("NARRMON_TELEGRAM_SESSION", "1fake")


def test_collect_telegram_prints_a_row_per_channel(
    telegram_env, sqlite_store, tmp_path, monkeypatch, capsys
):
    tg = FakeTelegram()
    tg.add_channel(channel(11, "istok"), [message(11, i, f"post {i}") for i in range(1, 6)])
    tg.add_channel(channel(12, "spor"), [message(12, 1, "x")])
    tg.fail = lambda name, target: (
        _raise(errors.FloodWaitError(request=None, capture=7200))
        if (name, target) == ("iter_messages", 12)
        else None
    )
    monkeypatch.setattr(tg_client, "make_telethon_client", lambda creds: tg)
    cfg = tmp_path / "narrmon.yaml"
    cfg.write_text("telegram:\n  channels: [istok, spor, nestao]\n", encoding="utf-8")
    code = main(["collect", "telegram", "--config", str(cfg), "--db", sqlite_store.url])
    out = " ".join(re.sub("[│┃]", " ", capsys.readouterr().out).split())
    assert code == 1  # nestao failed
    assert "telegram istok 5 0 5" in out
    assert "deferred until" in out and "flood" in out
    assert "failed: username not" in out

    code = main(
        [
            "collect",
            "telegram",
            "--channel",
            "istok",
            "--config",
            str(cfg),
            "--db",
            sqlite_store.url,
            "--json",
        ]
    )
    assert code == 0
    assert '"new": 0' in capsys.readouterr().out


def test_refresh_and_bad_platform(telegram_env, sqlite_store, tmp_path, monkeypatch, capsys):
    tg = FakeTelegram()
    tg.add_channel(channel(11, "istok"), [message(11, i, f"post {i}") for i in range(1, 4)])
    monkeypatch.setattr(tg_client, "make_telethon_client", lambda creds: tg)
    cfg = tmp_path / "narrmon.yaml"
    cfg.write_text("telegram:\n  channels: [istok]\n", encoding="utf-8")
    assert main(["collect", "all", "--config", str(cfg), "--db", sqlite_store.url]) == 0
    capsys.readouterr()
    assert main(["refresh", "--days", "3650", "--config", str(cfg), "--db", sqlite_store.url]) == 0
    assert "3 snapshots, 0 newly deleted" in capsys.readouterr().out
    assert main(["collect", "mastodon", "--db", sqlite_store.url]) == 2


def _raise(exc):
    raise exc


def test_every_collect_command_has_help(capsys):
    for args in (["collect"], ["refresh"], ["telegram", "login"]):
        assert main([*args, "--help"]) == 0
    out = capsys.readouterr().out
    assert "StringSession" not in out and "session string" in out


def test_example_config_loads_and_lists_its_sources():
    cfg = load_config(REPO / "narrmon.example.yaml")
    sources = list_sources(cfg)
    assert ("x", "(Kosovo OR Косово) (Krim OR Donbas OR presedan) -is:retweet") in sources
    assert ("x", "@istok_rs") in sources and ("telegram", "ruski_balkan_info") in sources
    assert cfg.telegram.max_wait_seconds == 300 and cfg.refresh.days == 7


def test_minute_limiter_never_exceeds_the_window():
    clock = FakeClock()
    limiter = MinuteLimiter(10, clock)
    times = []
    for _ in range(35):
        limiter.acquire()
        times.append(clock.time())
        clock.advance(0.5)
    assert max(sum(1 for u in times if t <= u < t + 60) for t in times) == 10
    assert times[-1] - times[0] < 3 * 60 + 10


def test_gate_waits_defers_and_spends_the_budget():
    clock = FakeClock()
    gate = RequestGate(budget=Budget(3), per_minute=100, max_wait=60, clock=clock)
    answers = iter([RetryAfter(30, "slow down"), None])

    def call():
        verdict = next(answers)
        if verdict:
            raise TimeoutError("wait")
        return "ok"

    assert gate.call(call, classify=lambda e: RetryAfter(30, "slow down")) == "ok"
    assert clock.sleeps == [30]
    with pytest.raises(Deferred) as deferred:
        gate.call(_raise, TimeoutError(), classify=lambda e: RetryAfter(600, "flood"))
    assert deferred.value.reason == "flood: asked to wait 600 s"
    with pytest.raises(BudgetExhausted):
        gate.call(lambda: "never", classify=lambda e: None)
    assert [backoff(n) for n in (1, 2, 3, 6, 9)] == [2, 4, 8, 60, 60]


def test_store_is_reopened_with_the_collection_columns(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    from narrmon.store import schema

    assert {"first_msg_id", "last_msg_id"} <= set(schema.posts.c.keys())
    assert "resume" in schema.cursors.c
    store.dispose()


class _Unreachable(FakeTelegram):
    async def connect(self) -> None:
        raise ConnectionError("Connection to Telegram failed 5 time(s)")


def test_collect_all_with_telegram_unreachable_still_collects_x(
    telegram_env, sqlite_store, tmp_path, monkeypatch, capsys
):
    import responses

    from narrmon.store import schema
    from tests.collect_fakes import XRouter

    monkeypatch.setenv("NARRMON_X_BEARER_TOKEN", "test-token")
    monkeypatch.setattr(tg_client, "make_telethon_client", lambda creds: _Unreachable())
    cfg = tmp_path / "narrmon.yaml"
    cfg.write_text(f"telegram:\n  channels: [istok]\nx:\n  queries: ['{QUERY}']\n", "utf-8")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        XRouter(rsps).on("/2/tweets/search/recent", (200, "search_page1.json"))
        code = main(["collect", "all", "--config", str(cfg), "--db", sqlite_store.url, "--json"])
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    assert [(s["platform"], s["source"], s["status"]) for s in report["sources"]] == [
        ("telegram", "(connection)", "failed"),
        ("x", QUERY, "ok"),
    ]
    assert report["sources"][0]["reason"] == (
        "cannot connect to Telegram (ConnectionError: Connection to Telegram failed 5 time(s))"
    )
    assert report["new"] == 2
    with sqlite_store.engine.connect() as conn:
        runs = conn.execute(select(schema.import_runs.c.kind, schema.import_runs.c.status))
        assert sorted(tuple(r) for r in runs) == [
            ("collect-telegram", "failed"),
            ("collect-x", "ok"),
        ]


def test_invalid_session_string_is_one_failed_row(
    telegram_env, sqlite_store, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("NARRMON_TELEGRAM_SESSION", "1AAAA")  # the real StringSession refuses it
    cfg = tmp_path / "narrmon.yaml"
    cfg.write_text("telegram:\n  channels: [istok]\n", encoding="utf-8")
    code = main(["collect", "telegram", "--config", str(cfg), "--db", sqlite_store.url, "--json"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err
    (row,) = json.loads(captured.out)["sources"]
    assert row["reason"] == (
        "the Telegram session string (NARRMON_TELEGRAM_SESSION) is not valid: run "
        "`narrmon telegram login` and store the session string it prints"
    )
