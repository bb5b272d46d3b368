"""Hostile records, mixed with good ones, through all four importers on both backends.

Each example writes a file where hypothesis picks, record by record, a good record or
one of the malformed kinds that crashed an import before (issue 14), then a second,
good file. The import must end without a traceback, keep every good record (counted in
the store) and quarantine every bad one once, at its own line or record.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from narrmon.pipeline import import_paths
from narrmon.store import Store, schema

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BIG = 2**63  # one over the largest count the store holds
DEEP = "[" * 100_000 + "]" * 100_000  # an array nested 100,000 deep
YEAR_1 = "0001-01-01T00:00:00+05:00"  # before year 1 once in UTC
YEAR_9999 = "9999-12-31T23:00:00-05:00"  # after year 9999 once in UTC
LONG_ID = "9" * 200  # longer than any id column
_tags = itertools.count(100)  # a fresh account per example: examples share one store


@dataclass
class Mutation:
    """A malformed kind: how it changes a good record, and whether the post survives."""

    change: Callable[[dict], object]  # returns the record, or a raw JSON/CSV text
    post_kept: bool = False  # the post is good, only a part of it is quarantined
    where: str = ""  # suffix of the quarantine location after the record's own


def _set(path: str, value: object) -> Callable[[dict], dict]:
    def change(record: dict) -> dict:
        *parents, last = path.split(".")
        node = record
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
        return record

    return change


def _raw(text: str) -> Callable[[dict], str]:
    return lambda record: text


# -- telethon JSON ------------------------------------------------------------------

TELETHON = {
    "entities: 5": Mutation(_set("entities", 5)),
    "reactions.results: 5": Mutation(_set("reactions.results", 5)),
    "reaction as a string": Mutation(_set("reactions.results", ["👍"])),
    "reaction kind as a string": Mutation(
        _set("reactions.results", [{"_": "ReactionCount", "reaction": "👍", "count": 1}])
    ),
    "views 2^63": Mutation(_set("views", BIG)),
    "date near year 1": Mutation(_set("date", YEAR_1)),
    "date near year 9999": Mutation(_set("date", YEAR_9999)),
    "forward name object": Mutation(
        _set("fwd_from", {"_": "MessageFwdHeader", "from_name": {"_": "User"}})
    ),
    "forward name surrogate": Mutation(_set("fwd_from", {"from_name": "\ud800"})),
    "forward name NUL": Mutation(_set("fwd_from", {"from_name": "a\x00b"})),
    "channel id too long": Mutation(_set("peer_id.channel_id", LONG_ID)),
    "nested 100,000 deep": Mutation(_raw(DEEP)),
}


def telethon_good(tag: int, i: int) -> dict:
    return {
        "_": "Message",
        "id": i,
        "peer_id": {"_": "PeerChannel", "channel_id": tag},
        "date": f"2026-11-09T07:{i % 60:02d}:00+00:00",
        "message": f"Косово пост {i}",
        "post": True,
        "views": 10 + i,
        "entities": [],
        "reactions": {
            "_": "MessageReactions",
            "results": [
                {
                    "_": "ReactionCount",
                    "reaction": {"_": "ReactionEmoji", "emoticon": "👍"},
                    "count": 2,
                }
            ],
        },
    }


# -- Telegram Desktop export --------------------------------------------------------

EXPORT = {
    "forward name object": Mutation(_set("forwarded_from", {"name": "x"})),
    "forward name surrogate": Mutation(_set("forwarded_from", "\ud800")),
    "forward name NUL": Mutation(_set("forwarded_from", "a\x00b")),
    "date near year 1": Mutation(
        lambda r: {k: v for k, v in r.items() if k != "date_unixtime"} | {"date": YEAR_1}
    ),
    "unixtime 2^63": Mutation(_set("date_unixtime", str(BIG))),
    "text: 5": Mutation(_set("text", 5)),
    "text part: 5": Mutation(_set("text", [5])),
    "reply id too long": Mutation(_set("reply_to_message_id", LONG_ID)),
    "forward id too long": Mutation(_set("forwarded_from_id", f"channel{LONG_ID}")),
    "nested 100,000 deep": Mutation(_raw(DEEP)),
}


def export_good(tag: int, i: int) -> dict:
    return {
        "id": i,
        "type": "message",
        "date": "2026-11-09T07:00:00",
        "date_unixtime": str(1_762_671_600 + 60 * i),
        "from": "Kanal",
        "from_id": f"channel{tag}",
        "text": f"Косово пост {i}",
    }


# -- X JSONL ------------------------------------------------------------------------

TWEET = ": data[0]"  # where a bad tweet of a page is

X = {
    "referenced_tweets: 5": Mutation(_set("data.0.referenced_tweets", 5), where=TWEET),
    "entities.hashtags: 5": Mutation(_set("data.0.entities.hashtags", 5), where=TWEET),
    "includes.users: 5": Mutation(_set("includes.users", 5), True, ": includes.users"),
    "username object": Mutation(
        lambda r: _set("includes.users", [r["includes"]["users"][0] | {"username": {"a": 1}}])(r),
        True,
        ": includes.users[0]",
    ),
    "likes 2^63": Mutation(_set("data.0.public_metrics.like_count", BIG), where=TWEET),
    "date near year 1": Mutation(_set("data.0.created_at", YEAR_1), where=TWEET),
    "author id too long": Mutation(_set("data.0.author_id", LONG_ID), where=TWEET),
    "id with NUL": Mutation(_set("data.0.id", "1\x00"), where=TWEET),
    "nested 100,000 deep": Mutation(_raw(DEEP)),
}


def x_good(tag: int, i: int) -> dict:
    author = str(tag)
    return {
        "data": {
            "0": {
                "id": f"{tag}{i:05d}",
                "author_id": author,
                "text": f"Kosovo je Srbija {i} #Kosovo",
                "created_at": "2026-11-09T18:24:56.000Z",
                "entities": {"hashtags": [{"tag": "Kosovo"}]},
                "public_metrics": {"like_count": 3, "impression_count": 100},
            }
        },
        "includes": {"users": [{"id": author, "username": f"u{tag}", "name": "U"}]},
        "__twarc": {"retrieved_at": "2026-11-10T09:15:00+00:00"},
    }


def x_page(record: dict | str) -> dict | str:
    """A page as X sends it: ``data`` is a list (built as a dict above for ``_set``)."""
    if isinstance(record, dict) and isinstance(record.get("data"), dict):
        record["data"] = list(record["data"].values())
    return record


# -- CSV ----------------------------------------------------------------------------

CSV_HEADER = "platform,post_id,account,created_at,text,views,account_handle"
CSV = {
    "views 2^63": Mutation(_set("views", str(BIG))),
    "date near year 1": Mutation(_set("created_at", YEAR_1)),
    "date near year 9999": Mutation(_set("created_at", YEAR_9999)),
    "post id too long": Mutation(_set("post_id", LONG_ID)),
    "account id too long": Mutation(_set("account", LONG_ID)),
    "handle too long": Mutation(_set("account_handle", "h" * 200)),
    "handle NUL": Mutation(_set("account_handle", "a\x00b")),
    "unclosed quote": Mutation(_set("text", '"Kosovo is open')),
}


def csv_good(tag: int, i: int) -> dict:
    return {
        "platform": "x",
        "post_id": f"{tag}{i:05d}",
        "account": str(tag),
        "created_at": "2026-11-09T07:00:00Z",
        "text": f"Kosovo je Srbija {i}",
        "views": str(i),
        "account_handle": f"h{tag}",
    }


# -- writing the files and checking the store ---------------------------------------


def _json(record: object) -> str:
    return record if isinstance(record, str) else json.dumps(record)


def write_file(kind: str, path: Path, tag: int, picks: list[str | None]) -> tuple[set, list]:
    """Write the records; return the post ids expected in the store and bad locations."""
    good_of, mutations = FORMATS[kind]
    kept: set[str] = set()
    bad: list[str] = []
    lines: list[str] = []
    for i, pick in enumerate(picks, 1):
        record: object = good_of(tag, i)
        mutation = mutations[pick] if pick else None
        if mutation is not None:
            record = mutation.change(record)
        if kind == "x-jsonl":
            record = x_page(record)
        if mutation is None or mutation.post_kept:
            kept.add(_post_id(kind, tag, i))
        number = i + 1 if kind in ("csv", "telegram-export", "telethon-json-array") else i
        if mutation is not None:
            bad.append(_location(kind, i, number) + mutation.where)
        lines.append(_line(kind, record))
    if kind == "csv":
        text = "\n".join([CSV_HEADER, *lines]) + "\n"
    elif kind == "telegram-export":
        text = f'{{"name": "Kanal", "type": "public_channel", "id": {tag}, "messages": [\n'
        text += ",\n".join(lines) + "\n]}\n"
    elif kind == "telethon-json-array":
        text = "[\n" + ",\n".join(lines) + "\n]\n"
    else:
        text = "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return kept, bad


def _line(kind: str, record: object) -> str:
    if kind != "csv":
        return _json(record)
    assert isinstance(record, dict)
    return ",".join(record[c] for c in CSV_HEADER.split(","))


def _post_id(kind: str, tag: int, i: int) -> str:
    return (
        f"{tag}/{i}"
        if kind.startswith("telethon") or kind == "telegram-export"
        else f"{tag}{i:05d}"
    )


def _location(kind: str, i: int, line: int) -> str:
    if kind == "telethon-json-array":
        return f"record {i - 1} (line {line})"
    if kind == "telegram-export":
        return f"messages[{i - 1}] (line {line})"
    return f"line {line}"


FORMATS: dict[str, tuple[Callable[[int, int], dict], dict[str, Mutation]]] = {
    "telethon-json": (telethon_good, TELETHON),
    "telethon-json-array": (telethon_good, TELETHON),
    "telegram-export": (export_good, EXPORT),
    "x-jsonl": (x_good, X),
    "csv": (csv_good, CSV),
}


def stored_posts(store: Store, account: str) -> set[str]:
    t = schema.posts
    with store.engine.connect() as conn:
        return set(conn.execute(select(t.c.post_id).where(t.c.account_id == account)).scalars())


def quarantined(store: Store, path: Path) -> list[tuple[str, str]]:
    t = schema.quarantine
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.c.location, t.c.reason).where(t.c.file == str(path)))
        return sorted((location, reason) for location, reason in rows)


def picks_of(kind: str) -> st.SearchStrategy[list[str | None]]:
    """A good first record (a JSON Lines file must start readable), then any mix."""
    names = [None, None, *FORMATS[kind][1]]
    return st.lists(st.sampled_from(names), min_size=1, max_size=10).map(lambda p: [None, *p])


@pytest.mark.parametrize("kind", list(FORMATS))
def test_hostile_records_are_quarantined_and_good_ones_kept(
    store: Store, tmp_path: Path, kind: str
) -> None:
    real_kind = "telethon-json" if kind.startswith("telethon") else kind
    suffix = (
        ".csv" if kind == "csv" else ".jsonl" if kind in ("x-jsonl", "telethon-json") else ".json"
    )

    @EXAMPLES
    @given(picks=picks_of(kind))
    def check(picks: list[str | None]) -> None:
        tag, later_tag = next(_tags), next(_tags)
        bad_file = tmp_path / f"hostile_{tag}{suffix}"
        good_file = tmp_path / f"good_{later_tag}{suffix}"
        kept, bad = write_file(kind, bad_file, tag, picks)
        later, _ = write_file(kind, good_file, later_tag, [None, None])
        report = import_paths(store, real_kind, [bad_file, good_file])
        assert report.failed_files == []
        account = str(tag)
        assert stored_posts(store, account) == kept
        assert stored_posts(store, str(later_tag)) == later
        rows = quarantined(store, bad_file)
        assert [location for location, _ in rows] == sorted(bad), rows
        assert all(reason and not reason.startswith("malformed record") for _, reason in rows)
        assert quarantined(store, good_file) == []

    check()


def test_count_over_bigint_names_the_limit(tmp_path: Path, sqlite_store: Store) -> None:
    path = tmp_path / "big.jsonl"
    write_file("telethon-json", path, 7, [None, "views 2^63"])
    import_paths(sqlite_store, "telethon-json", [path])
    ((location, reason),) = quarantined(sqlite_store, path)
    assert location == "line 2"
    assert reason == (
        f"views {BIG} is over the largest count the store holds (9223372036854775807)"
    )


def test_reasons_name_the_problem(tmp_path: Path, sqlite_store: Store) -> None:
    path = tmp_path / "dump.json"
    picks = [None, "entities: 5", "date near year 1", "forward name object", "nested 100,000 deep"]
    write_file("telethon-json-array", path, 8, picks)
    import_paths(sqlite_store, "telethon-json", [path])
    assert quarantined(sqlite_store, path) == [
        ("record 1 (line 3)", "entities is a int, not a list"),
        ("record 2 (line 4)", f"date {YEAR_1!r} is not a date"),
        ("record 3 (line 5)", "forward name is a dict, not a string"),
        ("record 4 (line 6)", "arrays or objects nested too deep to read (no record is)"),
    ]


def test_unclosed_csv_quote_names_its_line_and_keeps_the_rows_after(
    tmp_path: Path, sqlite_store: Store
) -> None:
    path = tmp_path / "posts.csv"
    kept, _ = write_file("csv", path, 9, [None, "unclosed quote", None, None])
    import_paths(sqlite_store, "csv", [path])
    assert stored_posts(sqlite_store, "9") == kept == {"900001", "900003", "900004"}
    assert quarantined(sqlite_store, path) == [
        ("line 3", "a quoted cell opened on line 3 does not close where the row ends")
    ]


def test_duplicate_ids_in_a_file_are_counted(tmp_path: Path, sqlite_store: Store) -> None:
    path = tmp_path / "dup.jsonl"
    first, second = telethon_good(10, 1), telethon_good(10, 1) | {"message": "druga verzija"}
    path.write_text(f"{json.dumps(first)}\n{json.dumps(second)}\n", encoding="utf-8")
    report = import_paths(sqlite_store, "telethon-json", [path])
    assert report.duplicates == 1
    with sqlite_store.engine.connect() as conn:
        texts = conn.execute(select(schema.posts.c.text).where(schema.posts.c.account_id == "10"))
        assert list(texts.scalars()) == ["druga verzija"]


def test_zip_given_as_json_is_named_a_zip(tmp_path: Path, sqlite_store: Store) -> None:
    import zipfile

    archive = tmp_path / "result.json"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("result.json", "[]")
    later = tmp_path / "later.jsonl"
    write_file("telethon-json", later, 11, [None])
    report = import_paths(sqlite_store, "telethon-json", [archive, later])
    assert report.failed_files == [
        f"{archive}: result.json is a zip archive, not text: unpack it and import the "
        "file(s) inside"
    ]
    assert stored_posts(sqlite_store, "11") == {"11/1"}


def test_cli_summary_counts_duplicates(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from narrmon.cli import app

    path = tmp_path / "dup.jsonl"
    record = json.dumps(telethon_good(12, 1))
    path.write_text(f"{record}\n{record}\n{record}\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["import", "telethon-json", str(path), "--db", f"sqlite:///{tmp_path / 'n.db'}"]
    )
    assert result.exit_code == 0, result.output
    assert "  2 duplicate post id(s) within a file: the last of each is kept" in result.output


def test_deep_message_in_a_skipped_chat_costs_nothing(tmp_path: Path, sqlite_store: Store) -> None:
    chats = [
        {"name": "p", "type": "personal_chat", "id": 5, "messages": ["DEEP"]},
        {"name": "c", "type": "public_channel", "id": 13, "messages": [export_good(13, 1)]},
    ]
    path = tmp_path / "result.json"
    text = json.dumps({"chats": {"list": chats}}).replace('"DEEP"', DEEP)
    path.write_text(text, encoding="utf-8")
    report = import_paths(sqlite_store, "telegram-export", [path])
    assert report.failed_files == []
    assert stored_posts(sqlite_store, "13") == {"13/1"}
    assert sum(report.skipped.values()) == 1


def test_import_count_limit_is_the_store_limit() -> None:
    from collectors.importers.common import MAX_COUNT
    from narrmon.store.schema import BIGINT_MAX

    assert MAX_COUNT == BIGINT_MAX
