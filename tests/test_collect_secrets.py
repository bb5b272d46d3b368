"""Known fake credentials must appear in no log line, exception, report or store row."""

from __future__ import annotations

import asyncio
import json
import logging
import os

import pytest
import responses
from sqlalchemy import select
from telethon import errors
from telethon.crypto import AuthKey
from telethon.sessions import StringSession

import collectors.telegram.client as tg_client
from collectors.telegram.types import TelegramCredentials
from collectors.x.types import XCredentials
from narrmon.cli import main
from narrmon.config import Config
from narrmon.pipeline.collect import Credentials, collect, refresh
from narrmon.store import Store, schema
from tests.collect_fakes import FakeClock, FakeTelegram, XRouter, channel, message

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

API_ID = "918273645"
API_HASH = "feedc0ffee0123456789abcdefabcdef"
BEARER = "AAAAAAAAAAAAAAAAAAAAAsecretBearer%2Ftoken%3DXYZ987"
LOGGERS = ("", "telethon", "tweepy", "urllib3", "requests", "narrmon", "collectors")


def fake_session() -> str:
    session = StringSession()
    session.set_dc(2, "149.154.167.51", 443)
    session.auth_key = AuthKey(os.urandom(256))
    return session.save()


@pytest.fixture
def secrets_env(monkeypatch):
    session = fake_session()
    monkeypatch.setenv("NARRMON_TELEGRAM_API_ID", API_ID)
    monkeypatch.setenv("NARRMON_TELEGRAM_API_HASH", API_HASH)
    monkeypatch.setenv("NARRMON_TELEGRAM_SESSION", session)
    monkeypatch.setenv("NARRMON_X_BEARER_TOKEN", BEARER)
    return (API_ID, API_HASH, session, BEARER, session[:40], session[-40:])


def dump_store(store: Store) -> str:
    with store.engine.connect() as conn:
        return "\n".join(
            repr(dict(r._mapping))
            for table in (schema.cursors, schema.import_runs, schema.accounts)
            for r in conn.execute(select(table))
        )


def telegram_world(clock: FakeClock) -> FakeTelegram:
    tg = FakeTelegram(clock)
    tg.add_channel(channel(11, "istok"), [message(11, i, f"post {i}") for i in range(1, 4)])
    tg.add_channel(channel(12, "zatvoren"), [message(12, 1, "x")])
    tg.add_channel(channel(13, "spor"), [message(13, 1, "x")])
    tg.add_channel(channel(14, "kvar"), [message(14, 1, "x")])

    def fail(name, target):
        if name != "iter_messages":
            return
        if target == 12:
            raise errors.ChannelPrivateError(request=None)
        if target == 13:
            raise errors.FloodWaitError(request=None, capture=86400)
        if target == 14:
            raise RuntimeError(f"library bug echoing {API_HASH} and {BEARER}")

    tg.fail = fail
    return tg


def test_no_secret_in_logs_exceptions_reports_or_store(
    secrets_env, sqlite_store: Store, caplog, capsys, monkeypatch, tmp_path
):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    texts: list[str] = []
    creds = Credentials.from_env()
    texts += [repr(creds), str(creds), repr(creds.telegram), repr(creds.x)]
    assert repr(creds) == "Credentials(telegram=set, x=set)"

    async def build():  # the real telethon client, as a run makes it (no network)
        return tg_client.make_telethon_client(creds.telegram)

    texts.append(repr(asyncio.run(build())))

    clock = FakeClock()
    cfg = Config()
    cfg.telegram.channels = ["istok", "zatvoren", "spor", "kvar", "nestao"]
    cfg.x.accounts, cfg.x.queries = ["istok_rs"], ["Kosovo Krim"]
    tg = telegram_world(clock)
    report = collect(
        cfg, sqlite_store, "telegram", credentials=creds, telegram_client=tg, clock=clock
    )
    assert [r.status for r in report.rows] == ["ok", "failed", "deferred", "failed", "failed"]
    assert "***" in report.rows[3].reason
    texts.append(json.dumps(report.as_dict(), default=str))
    texts += [r.reason or "" for r in report.rows]

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        api = XRouter(rsps)
        api.on("/2/users/by/username/istok_rs", (200, "user_istok_rs.json"))
        reset = {"x-rate-limit-reset": str(int(clock.time()) + 3600)}
        api.on(
            "/2/users/1001/tweets", (200, "timeline_page1.json"), (429, "rate_limited.json", reset)
        )
        api.on("/2/tweets/search/recent", (401, "unauthorized.json"))
        api.on("/2/tweets", (503, "service_unavailable.json"))
        xr = collect(cfg, sqlite_store, "x", credentials=creds, clock=clock)  # real tweepy client
        assert [r.status for r in xr.rows] == ["deferred", "failed"]
        texts.append(json.dumps(xr.as_dict(), default=str))
        rr = refresh(cfg, sqlite_store, 30, platform="x", credentials=creds, clock=clock)
        texts.append(json.dumps(rr.as_dict(), default=str))
        assert "Bearer ***" in caplog.text  # tweepy's header log was captured, masked

        config_file = tmp_path / "narrmon.yaml"
        config_file.write_text("x:\n  queries: ['Kosovo Krim']\n", encoding="utf-8")
        code = main(["collect", "x", "--config", str(config_file), "--db", sqlite_store.url])
        assert code == 1

    fake = FakeTelegram(clock)
    fake.authorized = False
    monkeypatch.setattr(tg_client, "make_telethon_client", lambda c: fake)
    tr = collect(cfg, sqlite_store, "telegram", credentials=creds)
    assert [r.status for r in tr.rows] == ["failed"]  # one row: the session is not logged in
    texts.append(json.dumps(tr.as_dict(), default=str))
    monkeypatch.setenv("NARRMON_TELEGRAM_API_ID", f"id-{API_HASH}")
    with pytest.raises(Exception) as err:
        TelegramCredentials.from_env()
    assert str(err.value) == (
        "NARRMON_TELEGRAM_API_ID must be the numeric API id from my.telegram.org"
    )
    texts.append(str(err.value))

    out = capsys.readouterr()
    texts += [out.out, out.err, caplog.text, dump_store(sqlite_store)]
    for record in caplog.records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    haystack = "\n".join(texts)
    for secret in secrets_env:
        assert secret not in haystack


def test_a_missing_credential_is_one_line_naming_the_variable(
    sqlite_store: Store, tmp_path, monkeypatch, capsys
):
    monkeypatch.delenv("NARRMON_X_BEARER_TOKEN", raising=False)
    config_file = tmp_path / "narrmon.yaml"
    config_file.write_text("x:\n  accounts: [istok_rs]\n", encoding="utf-8")
    code = main(["collect", "x", "--config", str(config_file), "--db", sqlite_store.url])
    assert code == 1
    err = capsys.readouterr().err
    assert " ".join(err.split()) == (  # rich wraps long lines at the terminal width
        "error: the X bearer token is not set: set the environment variable NARRMON_X_BEARER_TOKEN"
    )
    for var in ("NARRMON_TELEGRAM_API_ID", "NARRMON_TELEGRAM_API_HASH", "NARRMON_TELEGRAM_SESSION"):
        monkeypatch.setenv("NARRMON_TELEGRAM_API_ID", "1")
        monkeypatch.setenv("NARRMON_TELEGRAM_API_HASH", "h")
        monkeypatch.setenv("NARRMON_TELEGRAM_SESSION", "s")
        monkeypatch.delenv(var)
        with pytest.raises(Exception) as err:
            Credentials.from_env(["telegram"])
        assert str(err.value).endswith(f"set the environment variable {var}")
        assert "\n" not in str(err.value)
    assert repr(XCredentials("abc")) == "XCredentials(bearer_token=***)"
