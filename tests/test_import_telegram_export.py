"""The Telegram Desktop export importer: both shapes, both formats, the chat filter."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.importers.telegram_export import iter_records
from narrmon.records import Account, MetricSnapshot, Post, Rejected, Skipped

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def kinds(records: list) -> dict[type, list]:
    out: dict[type, list] = {Account: [], Post: [], MetricSnapshot: [], Rejected: [], Skipped: []}
    for r in records:
        out[type(r)].append(r)
    return out


def test_single_chat_current_format() -> None:
    got = kinds(list(iter_records(FIXTURES / "telegram_single_chat.json")))
    assert got[Rejected] == [] and got[MetricSnapshot] == []  # exports have no views
    assert got[Account] == [Account("telegram", "1487851422", title="Српски вести", kind="channel")]
    posts = {p.post_id: p for p in got[Post]}
    assert sorted(posts) == ["1487851422/201", "1487851422/202", "1487851422/204"]
    first = posts["1487851422/201"]
    # date_unixtime is exact; the local "date" (UTC+1) is ignored
    assert first.created_at == datetime(2026, 11, 9, 7, 0, tzinfo=UTC)
    assert first.text == "Косово је Србија #Kosovo детаљи: https://rts.rs/a овде"
    assert first.hashtags == ("Kosovo",)
    assert first.links == ("https://rts.rs/a", "https://example.rs/hidden")
    assert first.edited_at == datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    assert first.has_media and first.script == "cyrl"
    fwd = posts["1487851422/202"]
    assert (fwd.forwarded_from_name, fwd.forwarded_from_account) == ("Rusija danas", "1000000001")
    assert fwd.reply_to == "1487851422/201"
    assert [(s.reason, s.count) for s in got[Skipped]] == [("service message (not a post)", 1)]


def test_full_account_old_format_skips_private_chats() -> None:
    got = kinds(list(iter_records(FIXTURES / "telegram_account_old.json")))
    posts = {p.post_id: p for p in got[Post]}
    assert sorted(posts) == ["2222222222/10", "3333333333/7"]
    # old format: local time, the offset (+02:00) read from the epoch "edited" sentinel
    assert posts["2222222222/10"].created_at == datetime(2019, 3, 1, 10, 0, tzinfo=UTC)
    assert posts["2222222222/10"].edited_at is None
    assert posts["3333333333/7"].text == "Republika Srpska, www.srpska.info"
    assert posts["3333333333/7"].links == ("www.srpska.info",)
    assert sorted((s.reason, s.count) for s in got[Skipped]) == [
        ("messages of personal_chat chats (--all-chats imports them)", 2),
        ("messages of private_group chats (--all-chats imports them)", 1),
        ("service message (not a post)", 1),
    ]
    assert {a.account_id: a.kind for a in got[Account]} == {
        "2222222222": "channel",
        "3333333333": "supergroup",
    }


def test_all_chats_imports_personal_chats_too() -> None:
    got = kinds(list(iter_records(FIXTURES / "telegram_account_old.json", all_chats=True)))
    assert len(got[Post]) == 5
    assert {a.kind for a in got[Account]} == {"channel", "supergroup", "user", "group"}


def test_bare_message_array_is_one_channel(tmp_path: Path) -> None:
    single = json.loads((FIXTURES / "telegram_single_chat.json").read_text(encoding="utf-8"))
    path = tmp_path / "messages.json"
    path.write_text(json.dumps(single["messages"], ensure_ascii=False), encoding="utf-8")
    got = kinds(list(iter_records(path)))
    assert sorted(p.post_id for p in got[Post]) == [
        "1487851422/201",
        "1487851422/202",
        "1487851422/204",
    ]
    assert got[Account][0].title == "Српски вести"  # the "from" of the channel's messages


def test_reimport_is_identical(tmp_path: Path) -> None:
    copy = tmp_path / "result.json"
    shutil.copy(FIXTURES / "telegram_single_chat.json", copy)
    assert list(iter_records(copy)) == list(iter_records(copy))
