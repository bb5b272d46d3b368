"""The telethon dump importer on dumps made from real telethon TL objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telethon.tl import types as tl
from telethon.tl.types.messages import ChatFull

from collectors.importers.telethon_json import iter_records
from narrmon.records import Account, AlbumSpan, MetricSnapshot, Post, Rejected, Skipped
from tests.collect_fakes import dump_default

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

CHANNEL = 1487851422
OTHER = 1312345678
T0 = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)
DUMP_NAME = "kosovo_online__2026-11-10T08-30Z.json"
CAPTURED = datetime(2026, 11, 10, 8, 30, tzinfo=UTC)


def dumps(obj: object) -> str:
    return json.dumps(obj.to_dict(), default=dump_default, ensure_ascii=False)


def message(msg_id: int, text: str, **kw: object) -> tl.Message:
    kw.setdefault("views", 1000 + msg_id)
    kw.setdefault("forwards", 3)
    return tl.Message(
        id=msg_id,
        peer_id=tl.PeerChannel(CHANNEL),
        date=T0 + timedelta(minutes=msg_id),
        message=text,
        post=True,
        entities=kw.pop("entities", []),
        **kw,
    )


def chat_full() -> ChatFull:
    channel = tl.Channel(
        id=CHANNEL,
        title="Косово онлајн",
        photo=tl.ChatPhotoEmpty(),
        date=T0 - timedelta(days=900),
        broadcast=True,
        username="kosovo_online",
        access_hash=123456789,
    )
    full = tl.ChannelFull(
        id=CHANNEL,
        about="Вести",
        read_inbox_max_id=0,
        read_outbox_max_id=0,
        unread_count=0,
        chat_photo=tl.PhotoEmpty(id=0),
        notify_settings=tl.PeerNotifySettings(),
        bot_info=[],
        pts=1,
        participants_count=48210,
    )
    return ChatFull(full_chat=full, chats=[channel], users=[])


def telethon_objects() -> list[object]:
    """A channel dump: description, posts, a forward, an album, a service message."""
    reactions = tl.MessageReactions(
        results=[
            tl.ReactionCount(reaction=tl.ReactionEmoji(emoticon="👍"), count=40),
            tl.ReactionCount(reaction=tl.ReactionEmoji(emoticon="🔥"), count=2),
            tl.ReactionCount(reaction=tl.ReactionCustomEmoji(document_id=777), count=1),
        ]
    )
    return [
        chat_full(),
        message(
            10,
            "Косово је Србија! #Kosovo @rt_srbija https://t.me/kosovo_online/9 Детаљи",
            replies=tl.MessageReplies(replies=12, replies_pts=5, comments=True),
            reactions=reactions,
            edit_date=T0 + timedelta(hours=2),
            entities=[
                tl.MessageEntityHashtag(offset=18, length=7),
                tl.MessageEntityTextUrl(offset=68, length=6, url="https://example.rs/a"),
            ],
        ),
        message(
            11,
            "Kosovo precedent: Krim, Donbas, pa Republika Srpska",
            fwd_from=tl.MessageFwdHeader(
                date=T0 - timedelta(days=1), from_id=tl.PeerChannel(OTHER), channel_post=555
            ),
            reply_to=tl.MessageReplyHeader(reply_to_msg_id=10),
        ),
        message(12, "", grouped_id=99, media=tl.MessageMediaPhoto(), views=500),
        message(13, "Албум: три слике", grouped_id=99, media=tl.MessageMediaPhoto(), views=500),
        message(14, "", grouped_id=99, media=tl.MessageMediaPhoto(), views=500),
        tl.MessageService(
            id=15,
            peer_id=tl.PeerChannel(CHANNEL),
            date=T0 + timedelta(minutes=15),
            action=tl.MessageActionPinMessage(),
        ),
        message(16, "No metrics known", views=None, forwards=None),
    ]


def write_array(path: Path, objects: list[object]) -> Path:
    path.write_text("[\n" + ",\n".join(dumps(o) for o in objects) + "\n]\n", encoding="utf-8")
    return path


def write_jsonl(path: Path, objects: list[object]) -> Path:
    path.write_text("".join(dumps(o) + "\n" for o in objects), encoding="utf-8")
    return path


def by_type(records: list[object]) -> dict[type, list]:
    kinds = (Account, Post, MetricSnapshot, AlbumSpan, Rejected, Skipped)
    out: dict[type, list] = {kind: [] for kind in kinds}
    for r in records:
        out[type(r)].append(r)
    return out


def test_dump_from_real_telethon_objects(tmp_path: Path) -> None:
    path = write_array(tmp_path / DUMP_NAME, telethon_objects())
    got = by_type(list(iter_records(path)))
    assert got[Rejected] == []
    (account,) = got[Account]
    assert account == Account(
        "telegram",
        str(CHANNEL),
        handle="kosovo_online",
        title="Косово онлајн",
        followers=48210,
        kind="channel",
        observed_at=CAPTURED,
    )
    posts = {p.post_id: p for p in got[Post]}
    assert sorted(posts) == [f"{CHANNEL}/{i}" for i in (10, 11, 13, 16)]
    first = posts[f"{CHANNEL}/10"]
    assert first.url == "https://t.me/kosovo_online/10"
    assert first.created_at == T0 + timedelta(minutes=10)
    assert first.edited_at == T0 + timedelta(hours=2)
    assert first.hashtags == ("Kosovo",)
    assert first.mentions == ("rt_srbija",)
    assert first.links == ("https://t.me/kosovo_online/9", "https://example.rs/a")
    assert first.script == "cyrl"
    assert first.collected_at == CAPTURED
    assert json.loads(first.raw)["id"] == 10
    fwd = posts[f"{CHANNEL}/11"]
    assert (fwd.forwarded_from_account, fwd.forwarded_from_post) == (str(OTHER), f"{OTHER}/555")
    assert fwd.reply_to == f"{CHANNEL}/10"
    assert fwd.script == "latn"
    album = posts[f"{CHANNEL}/13"]
    assert album.text == "Албум: три слике" and album.has_media
    assert got[AlbumSpan] == [AlbumSpan("telegram", f"{CHANNEL}/13", 12, 14)]
    snaps = {s.post_id: s for s in got[MetricSnapshot]}
    assert sorted(snaps) == [f"{CHANNEL}/{i}" for i in (10, 11, 13)]  # 16 has no metrics
    s10 = snaps[f"{CHANNEL}/10"]
    assert (s10.views, s10.forwards, s10.replies, s10.reactions) == (1010, 3, 12, 43)
    assert s10.reactions_by_emoji == {"👍": 40, "🔥": 2, "custom:777": 1}
    assert s10.captured_at == CAPTURED
    assert snaps[f"{CHANNEL}/11"].replies is None and snaps[f"{CHANNEL}/11"].reactions is None
    skipped = [(s.reason, s.count) for s in got[Skipped]]
    assert skipped.count(("album part (the album is one post)", 1)) == 2
    assert ("service message (not a post)", 1) in skipped


def test_json_array_and_json_lines_give_the_same_records(tmp_path: Path) -> None:
    objects = telethon_objects()
    array = list(iter_records(write_array(tmp_path / DUMP_NAME, objects)))
    (tmp_path / "lines").mkdir()
    lines = list(iter_records(write_jsonl(tmp_path / "lines" / DUMP_NAME, objects)))
    assert array == lines
    assert [getattr(r, "raw", None) for r in array] == [getattr(r, "raw", None) for r in lines]


def test_capture_time_is_the_file_time_without_a_name_stamp(tmp_path: Path) -> None:
    import os

    path = write_jsonl(tmp_path / "dump.jsonl", [message(1, "Здраво")])
    stamp = datetime(2026, 11, 1, 12, 0, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    post, snap = [r for r in iter_records(path) if isinstance(r, (Post, MetricSnapshot))]
    assert post.collected_at == snap.captured_at == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    # no Channel in the file: the username is unknown, the link is by channel id
    assert post.url == f"https://t.me/c/{CHANNEL}/1"


def test_two_readings_within_one_second_are_two_snapshots(tmp_path: Path) -> None:
    import os

    from narrmon.pipeline.ingest import import_paths
    from narrmon.store import Store

    store = Store(f"sqlite:///{tmp_path / 'n.db'}")
    second = datetime(2026, 11, 1, 12, 0, tzinfo=UTC).timestamp()
    for i, (views, offset) in enumerate([(100, 0.2), (180, 0.7)]):
        folder = tmp_path / f"r{i}"
        folder.mkdir()
        path = write_jsonl(folder / "dump.jsonl", [message(1, "Здраво", views=views)])
        os.utime(path, (second + offset, second + offset))
        import_paths(store, "telethon-json", [path])
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT views FROM metric_snapshots ORDER BY captured_at"
        ).fetchall()
    assert [r[0] for r in rows] == [100, 180]
