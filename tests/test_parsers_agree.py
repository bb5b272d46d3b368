"""Live collection and file import of the same payloads give the same records.

Telegram: real telethon TL objects, parsed live from ``Message.to_dict()`` and imported
from a dump of the same dicts. X: one recorded v2 page (with a long post and its
``note_tweet``) served to a real tweepy client through ``responses``, and imported from
the same file. Only ``source`` and the raw payloads may differ.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses
import tweepy
from sqlalchemy import select
from telethon.tl import types

from collectors.importers import telethon_json, x_jsonl
from collectors.ratelimit import Budget, RequestGate
from collectors.telegram.channels import resolved
from collectors.telegram.parse import parse_page
from collectors.x.client import XApi
from collectors.x.parse import page_records
from narrmon.config import Config
from narrmon.pipeline.collect import collect
from narrmon.pipeline.ingest import import_paths
from narrmon.records import Account, AlbumSpan, MetricSnapshot, Post
from narrmon.store import Store, schema
from narrmon.store.queries import telegram_gaps
from reports.data import load_window
from reports.gaps import missing_ids
from tests.collect_fakes import (
    T0,
    X_FIXTURES,
    FakeClock,
    XRouter,
    channel,
    dump_default,
    message,
    service,
)

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

CID = 1_500_000_001
OTHER = 1_500_000_002
CAPTURED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # T0, the dump's name stamp below
DUMP_NAME = "istok__2025-03-01T12-00Z.jsonl"
TIMELINE = "/2/users/1001/tweets"
LONG_POST = "1900000000000000012"
UTF8 = {"content-type": "application/json; charset=utf-8"}  # as X sends it
PAGE = (200, "timeline_long_post.json", UTF8)


def write_dump(path: Path, objects: list[object]) -> Path:
    lines = (json.dumps(o.to_dict(), default=dump_default, ensure_ascii=False) for o in objects)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def without_source(records: list[object]) -> list[object]:
    return [dataclasses.replace(r, source="") if isinstance(r, Post) else r for r in records]


def of_type(records: list[object], kind: type) -> list[object]:
    return [r for r in records if isinstance(r, kind)]


def telegram_messages() -> list[object]:
    """A page of history: entities, reactions, an edit, a forward, an album, a service."""
    edited = T0 - timedelta(hours=1)
    first = message(
        CID,
        41,
        "Косово је Србија #Kosovo @istok https://example.org/a",
        views=5400,
        forwards=12,
        replies=7,
        reactions={"👍": 30, "🔥": 5},
        edit_date=edited,
    )
    first.entities = [types.MessageEntityTextUrl(offset=0, length=6, url="https://hidden.example")]
    forward = message(CID, 42, "Krim, Donbas, pa Republika Srpska", fwd=(OTHER, 99))
    forward.reply_to = types.MessageReplyHeader(reply_to_msg_id=41)
    album = [  # the caption on the middle part: the post is 44, covering 43-45
        message(CID, 43, "", views=50, grouped_id=9, media=True, reactions={"👍": 2}),
        message(CID, 44, "Албум: три слике", views=55, grouped_id=9, media=True),
        message(CID, 45, "", views=52, grouped_id=9, media=True, reactions={"❤": 1}),
    ]
    quiet = message(CID, 47, "Без бројки", views=None, forwards=None)
    return [first, forward, *album, service(CID, 46), quiet]


@pytest.mark.parametrize("username", ["istok", None])
def test_live_telegram_and_the_telethon_importer_give_identical_records(
    tmp_path: Path, username: str | None
) -> None:
    chan = channel(CID, username)
    messages = telegram_messages()
    live = parse_page(messages, resolved(chan), CAPTURED)
    # a dump names its channel only by a Channel object; without a username it has none
    dump = write_dump(tmp_path / DUMP_NAME, [chan, *messages] if username else messages)
    imported = list(telethon_json.iter_records(dump))

    assert without_source(of_type(imported, Post)) == without_source(live.posts)
    assert of_type(imported, MetricSnapshot) == live.snapshots
    assert (
        of_type(imported, AlbumSpan) == live.spans == [AlbumSpan("telegram", f"{CID}/44", 43, 45)]
    )
    posts = {p.post_id: p for p in live.posts}
    assert sorted(posts) == [f"{CID}/{i}" for i in (41, 42, 44, 47)]
    link = "https://t.me/istok/41" if username else f"https://t.me/c/{CID}/41"
    assert posts[f"{CID}/41"].url == link
    assert posts[f"{CID}/42"].forwarded_from_account == str(OTHER)
    assert posts[f"{CID}/42"].forwarded_from_post == f"{OTHER}/99"
    assert posts[f"{CID}/42"].reply_to == f"{CID}/41"
    assert posts[f"{CID}/44"].text == "Албум: три слике" and posts[f"{CID}/44"].has_media
    snaps = {s.post_id: s for s in live.snapshots}
    assert sorted(snaps) == [f"{CID}/{i}" for i in (41, 42, 44)]  # 47: no metric known
    assert (snaps[f"{CID}/44"].views, snaps[f"{CID}/44"].reactions) == (55, 3)
    assert snaps[f"{CID}/44"].reactions_by_emoji == {"👍": 2, "❤": 1}
    assert snaps[f"{CID}/42"].reactions is None  # not observed, not 0
    assert {p.source for p in of_type(imported, Post)} == {"telethon-json"}
    assert {p.source for p in live.posts} == {"telegram-api"}


def test_an_imported_album_records_its_span_so_its_parts_are_no_gap(
    tmp_path: Path, store: Store
) -> None:
    dump = write_dump(tmp_path / DUMP_NAME, [channel(CID, "istok"), *telegram_messages()])
    report = import_paths(store, "telethon-json", [dump])
    assert (report.counts.imported, report.rejects) == (4, [])
    with store.engine.connect() as conn:
        spans = conn.execute(
            select(
                schema.posts.c.post_id, schema.posts.c.first_msg_id, schema.posts.c.last_msg_id
            ).where(schema.posts.c.first_msg_id.is_not(None))
        ).all()
    assert [tuple(r) for r in spans] == [(f"{CID}/44", 43, 45)]
    (gap,) = telegram_gaps(store)
    # 41-47 minus the service message 46: the album's other parts are covered
    assert (gap["first_id"], gap["last_id"], gap["missing_ids"], gap["holes"]) == (41, 47, 1, 1)
    start = T0 - timedelta(days=3)
    with store.engine.connect() as conn:  # the reports count the same way
        (in_window,) = missing_ids(conn, load_window(conn, start, T0, "none"), start)
    assert (in_window["missing_ids"], in_window["ranges"]) == (1, ["46"])


# -- X -------------------------------------------------------------------------------


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield XRouter(rsps)


def client() -> tweepy.Client:
    return tweepy.Client(bearer_token="test-token", wait_on_rate_limit=False)


def test_live_x_and_the_x_importer_give_identical_records(tmp_path: Path, api) -> None:
    api.on(TIMELINE, PAGE)
    gate = RequestGate(budget=Budget(10), per_minute=1000, max_wait=0, clock=FakeClock())
    response = XApi(client(), gate).users_tweets(
        "1001", since_id=None, until_id=None, token=None, max_results=100
    )
    tweets = [t.data for t in response.data]
    users = [u.data for u in response.includes["users"]]
    live = page_records(tweets, users, CAPTURED)
    accounts, posts, snapshots = live.accounts, live.posts, live.snapshots
    assert live.rejected == []

    (request,) = api.params(TIMELINE)
    assert "note_tweet" in request["tweet.fields"].split(",")

    page = shutil.copy(X_FIXTURES / "timeline_long_post.json", tmp_path / "page.json")
    os.utime(page, (CAPTURED.timestamp(), CAPTURED.timestamp()))  # the capture time
    imported = list(x_jsonl.iter_records(page))
    assert of_type(imported, Account) == accounts
    assert without_source(of_type(imported, Post)) == without_source(posts)
    assert of_type(imported, MetricSnapshot) == snapshots

    by_id = {p.post_id: p for p in posts}
    page_json = json.loads((X_FIXTURES / "timeline_long_post.json").read_text(encoding="utf-8"))
    long_post = page_json["data"][0]
    assert by_id[LONG_POST].text == long_post["note_tweet"]["text"] != long_post["text"]
    assert len(by_id[LONG_POST].text) > 280 and by_id[LONG_POST].text.endswith("rt.rs/kosovo")
    reply = by_id["1900000000000000011"]
    assert reply.links == ("https://www.politika.rs/kosovo-krim",)  # the unwound link
    assert (reply.reply_to, reply.has_media, reply.lang) == ("1900000000000000001", True, None)


def test_a_long_post_collected_live_is_stored_whole(store: Store, api) -> None:
    api.on("/2/users/by/username/istok_rs", (200, "user_istok_rs.json"))
    api.on(TIMELINE, PAGE, (200, "empty.json"))
    cfg = Config()
    cfg.x.accounts = ["istok_rs"]
    report = collect(cfg, store, "x", x_client=client(), clock=FakeClock())
    assert [(r.status, r.new) for r in report.rows] == [("ok", 2)]
    with store.engine.connect() as conn:
        text = conn.execute(
            select(schema.posts.c.text).where(schema.posts.c.post_id == LONG_POST)
        ).scalar_one()
    page_json = json.loads((X_FIXTURES / "timeline_long_post.json").read_text(encoding="utf-8"))
    assert text == page_json["data"][0]["note_tweet"]["text"]
