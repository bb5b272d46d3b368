"""Telegram collection through a fake client returning real telethon TL objects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from telethon import errors
from telethon.tl import types

from collectors.telegram.channels import resolved
from collectors.telegram.parse import parse_page
from collectors.telegram.types import TelegramSource, normalize_ref
from narrmon.config import Config
from narrmon.pipeline.collect import collect, refresh
from narrmon.records import AlbumSpan
from narrmon.store import Store, schema
from narrmon.store.queries import stats, telegram_gaps
from tests.collect_fakes import T0, FakeClock, FakeTelegram, channel, message, service

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

CID = 1_500_000_001
OTHER = 1_500_000_002


def config(*channels: str, **telegram) -> Config:
    cfg = Config()
    cfg.telegram.channels = list(channels)
    for k, v in telegram.items():
        setattr(cfg.telegram, k, v)
    return cfg


def history(cid: int, n: int, *, album_at: int | None = None) -> list:
    msgs = []
    for i in range(1, n + 1):
        gid = 777 if album_at is not None and album_at <= i < album_at + 3 else None
        text = "" if gid and i != album_at + 1 else f"post {i} #Kosovo"
        msgs.append(message(cid, i, text, views=10 * i, grouped_id=gid, media=bool(gid)))
    return msgs


def rows(store: Store, table) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table))]


def post_view(store: Store) -> list[tuple]:
    keep = ("post_id", "account_id", "created_at", "text", "content_hash", "last_msg_id")
    return sorted(tuple(r[k] for k in keep) for r in rows(store, schema.posts))


def snapshot_view(store: Store) -> list[tuple]:
    keep = ("post_id", "captured_at", "views", "forwards", "reactions")
    return sorted(tuple(r[k] for k in keep) for r in rows(store, schema.metric_snapshots))


# -- parse ---------------------------------------------------------------------------


def test_normalize_ref_accepts_every_way_of_naming_a_channel():
    assert normalize_ref("@Ruski_Balkan") == "ruski_balkan"
    assert normalize_ref("https://t.me/Ruski_Balkan/123") == "ruski_balkan"
    assert normalize_ref("t.me/s/ruski_balkan") == "ruski_balkan"
    assert normalize_ref("-1001500000001") == "1500000001"
    assert normalize_ref("1500000001") == "1500000001"
    source = TelegramSource("https://t.me/Ruski_Balkan")
    assert (source.name, source.label, source.key) == (
        "ruski_balkan",
        "https://t.me/Ruski_Balkan",
        "channel:ruski_balkan",
    )


def test_parse_message_reads_metrics_forwards_entities_and_edits():
    edited = T0 - timedelta(hours=1)
    msg = message(
        CID,
        42,
        "Косово је преседан #Krim @istok https://example.org/a",
        views=5400,
        forwards=12,
        replies=7,
        reactions={"👍": 30, "🔥": 5},
        fwd=(OTHER, 99),
        edit_date=edited,
    )
    msg.entities = [types.MessageEntityTextUrl(offset=0, length=6, url="https://hidden.example")]
    page = parse_page([msg], resolved(channel(CID, "Istok")), T0)
    (post,), (snap,) = page.posts, page.snapshots
    assert post.post_id == f"{CID}/42"
    assert post.account_id == str(CID)
    assert post.url == "https://t.me/Istok/42"
    assert post.forwarded_from_account == str(OTHER)
    assert post.forwarded_from_post == f"{OTHER}/99"
    assert post.hashtags == ("Krim",)
    assert post.mentions == ("istok",)
    assert post.links == ("https://example.org/a", "https://hidden.example")
    assert post.edited_at == edited
    assert post.script == "cyrl"
    assert (snap.views, snap.forwards, snap.replies) == (5400, 12, 7)
    assert snap.reactions == 35
    assert snap.reactions_by_emoji == {"👍": 30, "🔥": 5}


def test_album_is_one_post_and_service_messages_are_skipped():
    parts = [
        message(CID, 10, "", views=50, grouped_id=9, media=True, reactions={"👍": 2}),
        message(CID, 11, "caption", views=55, grouped_id=9, media=True, reactions={"👍": 1}),
        message(CID, 12, "", views=52, grouped_id=9, media=True),
    ]
    page = parse_page([*parts, service(CID, 13)], resolved(channel(CID, "istok")), T0)
    assert [p.post_id for p in page.posts] == [f"{CID}/11"]
    assert page.posts[0].text == "caption" and page.posts[0].has_media
    assert page.spans == [AlbumSpan("telegram", f"{CID}/11", 10, 12)]
    assert page.snapshots[0].views == 55 and page.snapshots[0].reactions == 3
    assert page.last_id == 13


# -- collection ----------------------------------------------------------------------


def test_collect_pages_caches_the_channel_and_resumes_from_the_cursor(store: Store):
    clock = FakeClock()
    tg = FakeTelegram(clock)
    tg.add_channel(channel(CID, "Istok"), history(CID, 250, album_at=99), subscribers=4321)
    cfg = config("@istok")
    report = collect(cfg, store, "telegram", telegram_client=tg, clock=clock)
    (row,) = report.rows
    assert (row.status, row.new, row.position) == ("ok", 248, "250")
    # the album 99-101 straddled the first page: held back, then read whole
    assert tg.calls[:2] == [("get_entity", "istok"), ("iter_messages", CID)]
    assert tg.count("iter_messages") == 3 and tg.count("GetFullChannelRequest") == 1
    acc = rows(store, schema.accounts)[0]
    assert (acc["account_id"], acc["handle"], acc["followers"]) == (str(CID), "Istok", 4321)
    assert acc["access_hash"] == CID * 7 + 1
    assert store.get_cursor("telegram", "channel:istok")["position"] == "250"

    tg.history[CID].append(message(CID, 251, "new one"))
    clock.advance(3600)
    again = collect(cfg, store, "telegram", telegram_client=tg, clock=clock)
    assert (again.rows[0].new, again.rows[0].requests) == (1, 1)
    assert tg.count("get_entity") == 1  # never resolved again
    assert tg.count("GetFullChannelRequest") == 1  # subscribers at most daily
    clock.advance(86400)
    collect(cfg, store, "telegram", telegram_client=tg, clock=clock)
    assert tg.count("GetFullChannelRequest") == 2


def test_crash_after_k_pages_then_rerun_equals_an_uninterrupted_run(store: Store, tmp_path):
    def world(clock):
        tg = FakeTelegram(clock)
        tg.add_channel(channel(CID, "istok"), history(CID, 430, album_at=199))
        return tg

    reference = Store(f"sqlite:///{tmp_path / 'ref.db'}")
    clock = FakeClock()
    collect(config("istok"), reference, "telegram", telegram_client=world(clock), clock=clock)

    clock = FakeClock()
    tg = world(clock)
    pages = []

    def crash_on_third_page(name, target):
        if name == "iter_messages":
            pages.append(target)
            if len(pages) == 3:
                raise KeyboardInterrupt  # the process dies mid-run

    tg.fail = crash_on_third_page
    with pytest.raises(KeyboardInterrupt):
        collect(config("istok"), store, "telegram", telegram_client=tg, clock=clock)
    assert len(post_view(store)) == 198  # two pages written (the album held back)
    assert store.get_cursor("telegram", "channel:istok")["position"] == "198"
    tg.fail = None
    second = collect(config("istok"), store, "telegram", telegram_client=tg, clock=clock)
    assert second.rows[0].status == "ok"
    assert post_view(store) == post_view(reference)
    assert snapshot_view(store) == snapshot_view(reference)
    assert len(post_view(store)) == 428
    reference.dispose()


def test_short_flood_wait_is_slept_through_on_the_clock(sqlite_store: Store):
    clock = FakeClock()
    tg = FakeTelegram(clock)
    tg.add_channel(channel(CID, "istok"), history(CID, 150))
    seen = []

    def flood_once(name, target):
        if name == "iter_messages" and not seen:
            seen.append(1)
            raise errors.FloodWaitError(request=None, capture=42)

    tg.fail = flood_once
    report = collect(config("istok"), sqlite_store, "telegram", telegram_client=tg, clock=clock)
    assert (report.rows[0].status, report.rows[0].new) == ("ok", 150)
    assert 42 in clock.sleeps


def test_long_flood_wait_defers_the_channel_and_the_next_run_resumes(store: Store):
    clock = FakeClock()
    tg = FakeTelegram(clock)
    tg.add_channel(channel(CID, "istok"), history(CID, 250))
    tg.add_channel(channel(OTHER, "zapad"), history(OTHER, 20))
    pages = []

    def flood(name, target):
        if name == "iter_messages" and target == CID:
            pages.append(1)
            if len(pages) == 2:
                raise errors.FloodWaitError(request=None, capture=3600)

    tg.fail = flood
    cfg = config("istok", "zapad")
    report = collect(cfg, store, "telegram", telegram_client=tg, clock=clock)
    istok, zapad = report.rows
    assert istok.status == "deferred" and istok.new == 100
    assert istok.deferred_until == T0 + timedelta(seconds=3600)
    assert "flood wait" in istok.reason
    assert (zapad.status, zapad.new) == ("ok", 20)
    cur = store.get_cursor("telegram", "channel:istok")
    assert cur["position"] == "100" and cur["deferred_until"] == T0 + timedelta(seconds=3600)

    calls = len(tg.calls)
    early = collect(cfg, store, "telegram", ["istok"], telegram_client=tg, clock=clock)
    assert early.rows[0].status == "deferred" and len(tg.calls) == calls  # no request

    clock.advance(3600)
    late = collect(cfg, store, "telegram", ["istok"], telegram_client=tg, clock=clock)
    assert (late.rows[0].status, late.rows[0].new) == ("ok", 150)
    cur = store.get_cursor("telegram", "channel:istok")
    assert cur["deferred_until"] is None and cur["note"] is None


def test_private_renamed_and_vanished_channels_are_reported_and_others_continue(
    sqlite_store: Store,
):
    clock = FakeClock()
    tg = FakeTelegram(clock)
    tg.add_channel(channel(CID, "istok"), history(CID, 5))
    tg.add_channel(channel(OTHER, "zatvoren"), history(OTHER, 5))

    def private(name, target):
        if name == "iter_messages" and target == OTHER:
            raise errors.ChannelPrivateError(request=None)

    tg.fail = private
    cfg = config("zatvoren", "nestao", "istok")
    report = collect(cfg, sqlite_store, "telegram", telegram_client=tg, clock=clock)
    by = {r.source: r for r in report.rows}
    assert by["zatvoren"].reason == "channel is private or we are banned from it"
    assert by["nestao"].reason == "username not found (renamed or deleted?)"
    assert (by["istok"].status, by["istok"].new) == ("ok", 5)
    assert [r.source for r in report.failed] == ["zatvoren", "nestao"]


def test_users_bots_and_private_channels_are_refused_unless_allowed(sqlite_store: Store):
    clock = FakeClock()
    tg = FakeTelegram(clock)
    user = types.User(id=42, access_hash=5, username="someone", first_name="Some")
    bot = types.User(id=43, access_hash=6, username="somebot", bot=True)
    tg.entities.update({"someone": user, "somebot": bot})
    tg.add_channel(channel(OTHER, None, title="Invite only"), history(OTHER, 3))
    cfg = config("someone", "somebot", str(OTHER))
    report = collect(cfg, sqlite_store, "telegram", telegram_client=tg, clock=clock)
    assert [r.reason for r in report.rows] == [
        "someone is a user, not a public channel; set telegram.include_private to collect it",
        "somebot is a bot, not a public channel; set telegram.include_private to collect it",
        f"{OTHER} is a private channel, not a public channel; "
        "set telegram.include_private to collect it",
    ]
    allowed = collect(
        config(str(OTHER), include_private=True),
        sqlite_store,
        "telegram",
        telegram_client=tg,
        clock=clock,
    )
    assert (allowed.rows[0].status, allowed.rows[0].new) == ("ok", 3)
    post = rows(sqlite_store, schema.posts)[0]
    assert post["url"] == f"https://t.me/c/{OTHER}/1"


def test_request_budget_holds_across_channels_of_a_run(sqlite_store: Store):
    clock = FakeClock()
    tg = FakeTelegram(clock)
    names = ["a_chan", "b_chan", "c_chan"]
    for i, name in enumerate(names):
        tg.add_channel(channel(CID + i, name), history(CID + i, 50))
    cfg = config(*names, request_budget=7)
    report = collect(cfg, sqlite_store, "telegram", telegram_client=tg, clock=clock)
    assert [r.status for r in report.rows] == ["ok", "ok", "deferred"]
    assert report.rows[2].reason == "the run's request budget of 7 is used up"
    assert report.rows[2].deferred_until is None
    assert len(tg.calls) == 7 == report.requests["telegram"]
    again = collect(cfg, sqlite_store, "telegram", ["c_chan"], telegram_client=tg, clock=clock)
    assert (again.rows[0].status, again.rows[0].new) == ("ok", 50)


def test_fifty_channels_use_at_least_90_percent_of_the_rate_and_never_exceed_it(
    sqlite_store: Store,
):
    rate = 20
    clock = FakeClock()
    tg = FakeTelegram(clock, per_minute=rate, latency=0.2)
    names = [f"kanal_{i:02d}" for i in range(50)]
    for i, name in enumerate(names):
        tg.add_channel(channel(CID + i, name), history(CID + i, 120))
    cfg = config(*names, requests_per_minute=rate, page_size=50, request_budget=10_000)
    report = collect(cfg, sqlite_store, "telegram", telegram_client=tg, clock=clock)
    assert all(r.status == "ok" for r in report.rows) and report.new == 50 * 120
    assert tg.flood_answers == 0
    times = tg.times
    assert len(times) == 50 * 5  # resolve, 3 pages, subscribers
    assert max(sum(1 for u in times if t <= u < t + 60) for t in times) <= rate
    start = times[0]
    minutes = int((times[-1] - start) // 60)
    per_minute = [
        sum(1 for u in times if start + 60 * m <= u < start + 60 * (m + 1)) for m in range(minutes)
    ]
    assert minutes >= 10 and min(per_minute) >= 0.9 * rate


# -- refresh and completeness ----------------------------------------------------------


def test_refresh_appends_snapshots_updates_edits_and_marks_vanished_posts(store: Store):
    clock = FakeClock()
    tg = FakeTelegram(clock)
    tg.add_channel(channel(CID, "istok"), history(CID, 12, album_at=5))
    cfg = config("istok")
    collect(cfg, store, "telegram", telegram_client=tg, clock=clock)
    assert len(rows(store, schema.posts)) == 10

    msgs = {m.id: m for m in tg.history[CID]}
    msgs[1].views = 9999
    msgs[2].message, msgs[2].edit_date = "post 2, corrected", T0
    tg.history[CID] = [m for m in tg.history[CID] if m.id != 3]
    clock.advance(3600)
    report = refresh(cfg, store, 7, telegram_client=tg, clock=clock)
    (row,) = report.rows
    assert (row.status, row.snapshots, row.deleted, row.updated) == ("ok", 9, 1, 1)
    assert tg.count("get_messages") == 1
    posts = {r["post_id"]: r for r in rows(store, schema.posts)}
    assert posts[f"{CID}/3"]["deleted_at"] == T0 + timedelta(hours=1)
    assert posts[f"{CID}/2"]["text"] == "post 2, corrected"
    views = [r["views"] for r in rows(store, schema.metric_snapshots) if r["post_id"] == f"{CID}/1"]
    assert sorted(views) == [10, 9999]

    clock.advance(3600)
    again = refresh(cfg, store, 7, telegram_client=tg, clock=clock)
    assert again.rows[0].deleted == 0 and again.rows[0].snapshots == 9
    posts = {r["post_id"]: r for r in rows(store, schema.posts)}
    assert posts[f"{CID}/3"]["deleted_at"] == T0 + timedelta(hours=1)  # first time kept
    assert len(posts) == 10  # never removed


def test_gaps_count_missing_message_ids_but_not_album_parts(store: Store, capsys):
    clock = FakeClock()
    tg = FakeTelegram(clock)
    msgs = [m for m in history(CID, 20, album_at=7) if m.id not in (4, 5, 15)]
    tg.add_channel(channel(CID, "istok"), msgs)
    collect(config("istok"), store, "telegram", telegram_client=tg, clock=clock)
    (gap,) = telegram_gaps(store)
    assert gap == {
        "account_id": str(CID),
        "handle": "istok",
        "posts": 15,
        "first_id": 1,
        "last_id": 20,
        "missing_ids": 3,
        "holes": 2,
        "largest_hole": 2,
        "deleted": 0,
    }
    from narrmon.cli.store_cmds import print_stats

    data = stats(store)
    assert data["gaps"] == [gap]
    print_stats(data)
    out = capsys.readouterr().out
    assert "Telegram message-id gaps per channel" in out and "@istok" in out


def test_an_unauthorised_session_is_one_failed_row(sqlite_store: Store, monkeypatch):
    import collectors.telegram.client as tg_client
    from narrmon.pipeline.collect import Credentials, TelegramCredentials

    fake = FakeTelegram()
    fake.authorized = False
    monkeypatch.setattr(tg_client, "make_telethon_client", lambda creds: fake)
    creds = Credentials(telegram=TelegramCredentials(1, "h" * 32, "1BVtsOKQ"))  # redacted if seen
    report = collect(config("istok"), sqlite_store, "telegram", credentials=creds)
    (row,) = report.failed
    assert (row.source, row.reason) == (
        "(connection)",
        "the Telegram session is not logged in (or was revoked): run "
        "`narrmon telegram login` and store the new session string",
    )


def test_a_message_the_parser_refuses_is_quarantined_and_the_rest_collected(store: Store):
    clock = FakeClock()
    tg = FakeTelegram(clock)
    msgs = history(CID, 3)
    msgs[1].date = T0 + timedelta(days=5)  # days ahead of the collector's clock
    tg.add_channel(channel(CID, "Istok"), msgs)
    report = collect(config("@istok"), store, "telegram", telegram_client=tg, clock=clock)
    (row,) = report.rows
    assert (row.status, row.new, row.position) == ("ok", 2, "3")
    (bad,) = rows(store, schema.quarantine)
    assert (bad["file"], bad["location"], bad["source"]) == (
        f"telegram:{CID}",
        "message 2",
        "telegram-api",
    )
    assert "in the future" in bad["reason"] and '"id":2,' in bad["payload"]
