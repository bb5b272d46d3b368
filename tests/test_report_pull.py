"""Analyst pulls: values against hand counts, filters, and the file round trips."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

import narrmon
from narrmon.cli import app
from narrmon.errors import InputError
from narrmon.pipeline import report
from narrmon.store import Store
from reports.pull import COLUMN_NAMES, read_pull, write_pull
from tests.report_store import CYRILLIC, DAY, LATIN, MARKUP, build

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead


def _pull(store: Store, **kw) -> pd.DataFrame:
    return report.pull(None, store, DAY, DAY, **kw)


def test_pull_rows_match_hand_values(store: Store) -> None:
    df = _pull(build(store))
    assert tuple(df.columns) == COLUMN_NAMES
    assert list(df["post_id"]) == ["100/10", "100/12", "200/5", "300/7", "t1", "t2"]
    row = df.set_index("post_id").loc["100/10"]
    # views grew over three snapshots: the latest (450, captured 11-21 10:00) is reported
    assert row["snapshots"] == 3
    assert row["snapshot_at"] == pd.Timestamp("2026-11-21 10:00", tz="UTC")
    assert (row["views"], row["forwards"], row["replies"], row["reactions"]) == (450, 3, 1, 12)
    assert row["reach_views"] == 450 and row["engagement"] == 16
    assert row["labels"] == "kosovo_precedent anti_west"
    assert row["score_kosovo_precedent"] == 0.9 and row["score_rs_secession"] == 0.05
    assert row["model_version"] == "m1" and row["text"] == CYRILLIC
    assert (row["account_handle"], row["account_followers"]) == ("kanal_a", 1000)
    export = df.set_index("post_id").loc["300/7"]
    assert export["snapshots"] == 0 and pd.isna(export["views"]) and pd.isna(export["snapshot_at"])
    assert pd.isna(export["engagement"])  # unknown, not 0
    x = df.set_index("post_id").loc["t1"]
    assert (x["impressions"], x["reach_views"], x["engagement"]) == (1000, 1000, 16)
    t2 = df.set_index("post_id").loc["t2"]
    assert pd.isna(t2["reach_views"]) and t2["engagement"] == 0 and t2["labels"] == ""


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"labels": "kosovo_precedent"}, ["100/10", "200/5"]),
        ({"labels": ["kosovo_precedent"], "min_score": 0.65}, ["100/10"]),
        ({"min_score": 0.8}, ["100/10", "100/12", "t1"]),
        ({"platforms": "x"}, ["t1", "t2"]),
        ({"accounts": "@KANAL_A"}, ["100/10", "100/12"]),
        ({"accounts": ["200"]}, ["200/5"]),
        ({"scripts": "cyrl"}, ["100/10"]),
        ({"langs": "sr", "platforms": "telegram", "labels": "rs_secession"}, ["300/7"]),
    ],
)
def test_pull_filters(store: Store, filters: dict, expected: list[str]) -> None:
    assert list(_pull(build(store), **filters)["post_id"]) == expected


def test_pull_window_and_model_version(sqlite_store: Store) -> None:
    build(sqlite_store)
    week = report.pull(None, sqlite_store, "2026-11-14", "2026-11-20")
    assert len(week) == 9
    early = report.pull(None, sqlite_store, "2026-11-20T00:00:00Z", "2026-11-20T09:00:00Z")
    assert list(early["post_id"]) == ["100/10"]  # a time bound is exclusive
    old = report.pull(None, sqlite_store, DAY, DAY, model_version="m0")
    assert old.set_index("post_id").loc["100/12", "labels"] == "anti_west"
    with pytest.raises(InputError, match="unknown label"):
        report.pull(None, sqlite_store, DAY, DAY, labels="kosovo")
    with pytest.raises(InputError, match="empty window"):
        report.pull(None, sqlite_store, "2026-11-21", "2026-11-20")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "jsonl"])
def test_pull_round_trip(sqlite_store: Store, tmp_path, fmt: str) -> None:
    df = report.pull(None, build(sqlite_store), "2026-11-14", "2026-11-20")
    path = write_pull(df, tmp_path / f"pull.{fmt}", fmt)
    back = read_pull(path)
    assert_frame_equal(back, df)
    assert back.set_index("post_id").loc["200/5", "text"] == MARKUP


def test_csv_is_utf8_with_optional_bom(sqlite_store: Store, tmp_path) -> None:
    df = _pull(build(sqlite_store))
    plain = write_pull(df, tmp_path / "a.csv", "csv").read_bytes()
    bom = write_pull(df, tmp_path / "b.csv", "csv", bom=True).read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf") and bom.startswith(b"\xef\xbb\xbf")
    assert LATIN.encode("utf-8") in plain
    raw = pd.read_csv(tmp_path / "b.csv", encoding="utf-8-sig")  # plain pandas reads it too
    assert raw["text"].iloc[1] == LATIN and raw["views"].iloc[0] == 450


def test_cli_pull_and_python_api(sqlite_store: Store, tmp_path) -> None:
    build(sqlite_store)
    out = tmp_path / "k.xlsx"
    args = ["pull", "--since", DAY, "--until", DAY, "--label", "kosovo_precedent"]
    args += ["--format", "xlsx", "--out", str(out), "--db", sqlite_store.url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 posts written to" in result.output
    assert list(pd.read_excel(out)["post_id"]) == ["100/10", "200/5"]
    df = narrmon.pull(DAY, DAY, label="kosovo_precedent", db=sqlite_store.url)
    assert list(df["post_id"]) == ["100/10", "200/5"]
    bad = CliRunner().invoke(app, [*args[:-4], "--format", "xls", "--out", str(out)])
    assert bad.exit_code == 2 and "'xls' is not one of" in bad.output


def test_import_narrmon_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, narrmon; print(sorted({'pandas','sqlalchemy','reports'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_empty_pull_has_the_columns(sqlite_store: Store, tmp_path) -> None:
    df = report.pull(None, sqlite_store, "2026-01-01", "2026-01-02")
    assert len(df) == 0 and tuple(df.columns) == COLUMN_NAMES
    back = read_pull(write_pull(df, tmp_path / "e.parquet", "parquet"))
    assert len(back) == 0


def test_cli_pull_out_must_be_a_file_in_a_folder_that_exists(sqlite_store: Store, tmp_path) -> None:
    build(sqlite_store)
    args = ["pull", "--since", DAY, "--until", DAY, "--format", "csv", "--db", sqlite_store.url]
    wide = {"COLUMNS": "400"}  # one line per message: the paths are long
    folder = CliRunner().invoke(app, [*args, "--out", str(tmp_path)], env=wide)
    assert folder.exit_code == 2
    assert f"{tmp_path} is a folder: give a file name, such as {tmp_path}/pull.csv" in folder.output
    missing = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "no" / "p.csv")], env=wide)
    assert missing.exit_code == 2
    assert f"the folder {tmp_path / 'no'} does not exist" in missing.output


def test_xlsx_is_ready_for_analysts(sqlite_store: Store, tmp_path) -> None:
    import openpyxl
    from openpyxl.utils import get_column_letter

    from narrmon.records import Post
    from reports.pull import COLUMNS
    from tests.report_store import t

    build(sqlite_store)
    odd = [  # a reply whose ids look like numbers, and two links that must not be live
        Post("telegram", "100/20", "100", t(20, 21), text="odgovor", reply_to="0012",
             url="javascript:alert(1)", source="test"),
        Post("telegram", "100/21", "100", t(20, 22), text="x", url="file:///etc/passwd",
             source="test"),
    ]  # fmt: skip
    sqlite_store.write_batch(posts=odd, source="test")
    df = _pull(sqlite_store)
    path = write_pull(df, tmp_path / "p.xlsx", "xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["posts", "columns"]
    sheet = book["posts"]
    header = [c.value for c in sheet[1]]
    assert tuple(header) == COLUMN_NAMES and all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"  # the header stays in view
    last = get_column_letter(len(COLUMNS))
    assert sheet.auto_filter.ref == f"A1:{last}{len(df) + 1}" == f"A1:{last}9"
    width = {name: sheet.column_dimensions[get_column_letter(i)].width for i, name in
             enumerate(header, 1)}  # fmt: skip
    assert width["text"] == 80 and width["url"] == 40
    assert all(width[name] >= len(name) + 2 for name in header if name not in ("url", "text"))
    rows = {r[header.index("post_id")].value: r for r in sheet.iter_rows(min_row=2)}
    col = {name: header.index(name) for name in header}
    link = rows["100/10"][col["url"]]
    assert link.hyperlink.target == "https://t.me/c/100/10" == link.value
    assert link.font.u == "single"
    for pid in ("100/20", "100/21"):  # not http(s): shown as text, never a link
        cell = rows[pid][col["url"]]
        assert cell.hyperlink is None and cell.value.endswith(("alert(1)", "passwd"))
    assert sum(1 for r in rows.values() if r[col["url"]].hyperlink) == 6
    # ids are text cells in the Text format: Excel never turns them into numbers
    for name, pid, value in (
        ("account_id", "100/10", "100"),
        ("post_id", "t1", "t1"),
        ("reply_to", "100/20", "0012"),
        ("reposted_id", "t2", "t1"),
    ):
        cell = rows[pid][col[name]]
        assert (cell.value, cell.data_type, cell.number_format) == (value, "s", "@")
    views = rows["100/10"][col["views"]]
    assert (views.value, views.data_type) == (450, "n")
    created = rows["100/10"][col["created_at"]]
    assert created.is_date and created.number_format == "yyyy-mm-dd hh:mm:ss"
    info = book["columns"]
    assert info.freeze_panes == "A2"
    listed = [
        tuple(c.value for c in r[:3]) for r in info.iter_rows(min_row=2, max_row=len(COLUMNS) + 1)
    ]
    assert [r[0] for r in listed] == list(COLUMN_NAMES)
    assert dict((r[0], r[1]) for r in listed)["account_id"] == "text"
    assert "mixed (both scripts)" in dict((r[0], r[2]) for r in listed)["script"]
    notes = " ".join(
        str(r[0].value) for r in info.iter_rows(min_row=len(COLUMNS) + 2) if r[0].value
    )
    assert "read_pull" in notes and "not 0" in notes
    back = read_pull(path)  # the ids come back as text, "0012" with its zeros
    assert str(back["account_id"].dtype) == "string" and str(back["reply_to"].dtype) == "string"
    assert back.set_index("post_id").loc["100/20", "reply_to"] == "0012"


def test_readme_lists_every_script_value() -> None:
    from pathlib import Path

    from narrmon.text import SCRIPT_MIXED, SCRIPT_NONE, post_script, script_of

    emitted = {post_script(x) for x in ("Косово", "Kosovo", "Kosovo Косово", "123")}
    emitted |= {script_of(x) for x in ("Косово", "Kosovo", "Kosovo Косово", "123")}
    assert emitted == {"cyrl", "latn", SCRIPT_MIXED, SCRIPT_NONE, None}
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `script` |"))
    for value in emitted - {None}:
        assert f"`{value}`" in row, value
    assert "empty" in row  # None: no letters and not classified
