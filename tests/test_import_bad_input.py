"""Bad input: each bad record is quarantined with file + location; good ones beside it kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from collectors.importers import csv_posts, telegram_export, telethon_json, x_jsonl
from collectors.importers.common import ARCHIVES, MAX_TEXT_CHARS
from narrmon.errors import InputError
from narrmon.records import Post, Rejected, Skipped
from tests.test_import_telethon import dumps, message

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

GOOD = [dumps(message(i, f"Косово пост {i}")) for i in range(1, 6)]


def posts_and_rejects(records: list) -> tuple[list[str], list[Rejected]]:
    return (
        [r.post_id.split("/")[1] for r in records if isinstance(r, Post)],
        [r for r in records if isinstance(r, Rejected)],
    )


def test_truncated_json_array_keeps_what_precedes_the_break(tmp_path: Path) -> None:
    text = "[\n" + ",\n".join(GOOD) + "\n]\n"
    cut = text.index(GOOD[3]) + 40  # inside the fourth message
    path = tmp_path / "dump.json"
    path.write_text(text[:cut], encoding="utf-8")
    ids, rejects = posts_and_rejects(list(telethon_json.iter_records(path)))
    assert ids == ["1", "2", "3"]
    (broken,) = rejects
    size = len(text[:cut].encode())
    # the break is where the unterminated string "_ of the fourth message starts
    assert broken.location == f"line 5, column 39 (byte {size - 2})"
    assert broken.reason == (
        f"invalid JSON: Unterminated string starting at; the rest of the file (2 of {size:,} "
        "bytes) was not read"
    )
    assert str(path) == broken.file


def test_corrupt_jsonl_line_costs_only_that_line(tmp_path: Path) -> None:
    lines = [*GOOD]
    lines[2] = lines[2].replace(', "peer_id"', ',, "peer_id"', 1)
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ids, rejects = posts_and_rejects(list(telethon_json.iter_records(path)))
    assert ids == ["1", "2", "4", "5"]
    assert [(r.location, r.reason.split(":")[0]) for r in rejects] == [
        ("line 3", "invalid JSON at column 26")
    ]


def test_wrong_encoding_is_named_and_ascii_records_survive(tmp_path: Path) -> None:
    path = tmp_path / "cp1250.jsonl"
    good = dumps(message(1, "plain ascii")).encode()
    bad = dumps(message(2, "Čačak, Šabac i Đakovica")).encode("utf-8").decode().encode("cp1250")
    path.write_bytes(good + b"\n" + bad + b"\n")
    ids, rejects = posts_and_rejects(list(telethon_json.iter_records(path)))
    assert ids == ["1"]
    assert rejects[0].location == "line 2"
    assert rejects[0].reason.startswith("not UTF-8 text (byte 0xc8 at character ")
    assert "convert it to UTF-8" in rejects[0].reason


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "utf16.jsonl"
    path.write_bytes("\n".join(GOOD[:2]).encode("utf-16"))
    ids, rejects = posts_and_rejects(list(telethon_json.iter_records(path)))
    assert (ids, rejects) == (["1", "2"], [])
    array = tmp_path / "utf16.json"
    array.write_bytes(("[" + ",".join(GOOD[:2]) + "]").encode("utf-16"))
    assert posts_and_rejects(list(telethon_json.iter_records(array))) == (["1", "2"], [])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m: m.pop("date"), "missing date"),
        (lambda m: m.pop("peer_id"), "missing peer_id (the channel the message belongs to)"),
        (lambda m: m.update(views=-3), "views is negative (-3)"),
        (
            lambda m: m.update(date="2999-01-01T00:00:00+00:00"),
            "date 2999-01-01T00:00:00+00:00 is in the future",
        ),
        (lambda m: m.update(date="yesterday"), "date 'yesterday' is not a date"),
        (lambda m: m.update(message="a\u0000b"), "message text contains a NUL character"),
        (
            lambda m: m.update(message="x" * (MAX_TEXT_CHARS + 1)),
            f"message text is {MAX_TEXT_CHARS + 1:,} characters long, over the 100,000 limit",
        ),
    ],
)
def test_bad_values_are_quarantined_with_the_reason(tmp_path: Path, change, reason: str) -> None:
    bad = json.loads(dumps(message(3, "bad")))
    change(bad)
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join([GOOD[0], json.dumps(bad), GOOD[1]]) + "\n", encoding="utf-8")
    ids, rejects = posts_and_rejects(list(telethon_json.iter_records(path)))
    assert ids == ["1", "2"]
    assert [(r.file, r.location, r.reason) for r in rejects] == [(str(path), "line 2", reason)]


def test_megabyte_text_in_a_json_array_is_quarantined_and_reading_goes_on(tmp_path: Path) -> None:
    huge = dumps(message(3, "ж" * 2_000_000))
    path = tmp_path / "dump.json"
    path.write_text("[" + ",".join([GOOD[0], huge, GOOD[1]]) + "]", encoding="utf-8")
    ids, rejects = posts_and_rejects(list(telethon_json.iter_records(path)))
    assert ids == ["1", "2"]
    assert rejects[0].location == "record 1 (line 1)"
    assert len(rejects[0].payload) == 4096


def test_not_json_at_all_is_refused_as_a_file(tmp_path: Path) -> None:
    path = tmp_path / "cassette.yaml"
    path.write_text("".join(f"key{i}: value\n" for i in range(20)), encoding="utf-8")
    with pytest.raises(InputError, match=r"^not JSON or JSON Lines: lines 1-10 cannot be read"):
        list(x_jsonl.iter_records(path))


def test_telegram_export_truncated(tmp_path: Path) -> None:
    source = Path(__file__).parent / "fixtures" / "import" / "telegram_single_chat.json"
    text = source.read_text(encoding="utf-8")
    path = tmp_path / "result.json"
    path.write_text(text[: text.index('"id": 204')], encoding="utf-8")
    records = list(telegram_export.iter_records(path))
    assert [r.post_id for r in records if isinstance(r, Post)] == [
        "1487851422/201",
        "1487851422/202",
    ]
    (broken,) = [r for r in records if isinstance(r, Rejected)]
    assert broken.reason.startswith("invalid JSON: ")
    assert broken.location.startswith("line ")


def test_csv_rows(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(
        "platform,post_id,account,created_at,text,views,followers\n"
        "telegram,1/1,1,2026-11-01T10:00:00Z,Косово,100,5000\n"
        "x,2,9,2026-11-01 10:00:00,,,\n"
        "facebook,3,9,2026-11-01,nope,,\n"
        "x,4,9,2026-11-01,neg,-1,\n"
        "x,5,9,,no date,,\n"
        "x,6,9,2026-11-01,short\n",
        encoding="utf-8",
    )
    records = list(csv_posts.iter_records(path))
    ids, rejects = (
        [r.post_id for r in records if isinstance(r, Post)],
        [r for r in records if isinstance(r, Rejected)],
    )
    assert ids == ["1/1", "2"]
    assert [(r.location, r.reason) for r in rejects] == [
        ("line 4", "platform 'facebook' is not one of telegram, x"),
        ("line 5", "views is negative (-1)"),
        ("line 6", "missing created_at"),
        ("line 7", "5 cells where the header has 7 columns"),
    ]


def test_csv_without_required_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("platform,id,text\nx,1,a\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing CSV column"):
        list(csv_posts.iter_records(path))


# -- property: damage never crashes, never costs the records around it ---------------

LINES = [dumps(message(i, f"Косово је Србија {i} #kosovo")) for i in range(1, 13)]


def test_jsonl_whose_first_line_starts_with_a_bracket_is_still_jsonl(tmp_path: Path) -> None:
    """Damage that puts ``[`` first does not turn the file into a broken JSON array."""
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(["[" + LINES[0], *LINES[1:]]) + "\n", encoding="utf-8")
    ids, rejects = posts_and_rejects(list(telethon_json.iter_records(path)))
    assert ids == [str(i) for i in range(2, 13)]
    assert [r.location for r in rejects] == ["line 1"]
    array = tmp_path / "dump.json"  # one element per line: still read as the array it is
    array.write_text("[\n" + ",\n".join(LINES[:3]) + "\n]\n", encoding="utf-8")
    assert posts_and_rejects(list(telethon_json.iter_records(array))) == (["1", "2", "3"], [])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.integers(0, len(LINES) - 1),
    offset=st.integers(0, 400),
    junk=st.binary(min_size=1, max_size=8),
)
def test_random_damage_to_a_jsonl_line(
    tmp_path_factory, target: int, offset: int, junk: bytes
) -> None:
    path = tmp_path_factory.mktemp("h") / "dump.jsonl"
    raw = [line.encode() for line in LINES]
    line = raw[target]
    offset = min(offset, len(line))
    raw[target] = line[:offset] + junk.replace(b"\n", b" ").replace(b"\r", b" ") + line[offset:]
    data = b"\n".join(raw) + b"\n"
    # Damage that makes the file open like an archive rejects the whole file, by design
    # (tests/test_import_hostile.py covers that); here the file stays JSON Lines.
    assume(not any(data.startswith(magic) for magic, _ in ARCHIVES))
    path.write_bytes(data)
    records = list(telethon_json.iter_records(path))
    ids = [r.post_id.split("/")[1] for r in records if isinstance(r, Post)]
    rejects = [r for r in records if isinstance(r, Rejected)]
    skipped = [r for r in records if isinstance(r, Skipped)]  # damage may rename the "_" tag
    others = [str(i) for i in range(1, 13) if i != target + 1]
    assert [i for i in ids if i != str(target + 1)] == others  # every other line kept
    assert len(ids) + len(rejects) + len(skipped) == len(LINES)  # nothing lost unreported
    assert all(r.location == f"line {target + 1}" for r in rejects)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(1, 3000), junk=st.binary(max_size=4))
def test_random_truncation_of_a_json_array(tmp_path_factory, cut: int, junk: bytes) -> None:
    text = ("[\n" + ",\n".join(LINES) + "\n]\n").encode()
    cut = min(cut, len(text))
    path = tmp_path_factory.mktemp("h") / "dump.json"
    path.write_bytes(text[:cut] + junk)
    records = list(telethon_json.iter_records(path))
    ids = [int(r.post_id.split("/")[1]) for r in records if isinstance(r, Post)]
    rejects = [r for r in records if isinstance(r, Rejected)]
    complete = sum(1 for line in LINES if text.find(line.encode()) + len(line.encode()) <= cut)
    assert ids[:complete] == list(range(1, complete + 1))  # all complete records kept
    if len(ids) < len(LINES):
        assert len(rejects) >= 1 and rejects[-1].reason.startswith("invalid JSON")
