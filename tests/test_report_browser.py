"""The daily page in a real browser: Playwright driving Debian's chromium (no download).

Layout at 1280 px and at a phone's 420 px (no horizontal overflow, checked on the DOM
and on a full-page screenshot), the tables' sorting and filtering, and hostile post
text that stays text while it is filtered. Skipped, saying why, without chromium or
the ``playwright`` package (``make sysdeps`` installs chromium).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from narrmon.config import Config
from narrmon.pipeline import report
from narrmon.records import Account, MetricSnapshot, Post
from narrmon.store import Store
from tests.report_store import DAY, build, need_tool, t

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WIDTHS = (1280, 420)
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> Kosovo'
LONG_TITLE = "Најдужиназивканалабезразмакаиликојиникадненестаје" * 3
LONG_URL = "https://t.me/c/777/1?" + "x" * 300


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless chromium from the system, driven by Playwright."""
    chromium = need_tool("chromium")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


def _page_file(store: Store, tmp_path: Path) -> Path:
    build(store)
    account = Account("telegram", "777", None, LONG_TITLE, 10, "channel", t(20, 0))
    posts = [
        Post("telegram", "777/1", "777", t(20, 7), text=HOSTILE, url=LONG_URL, source="test"),
        Post("telegram", "777/2", "777", t(20, 6), text="б" * 400, source="test"),
    ]
    snaps = [MetricSnapshot("telegram", "777/1", t(21, 10), views=5000)]
    store.write_batch(accounts=[account], posts=posts, snapshots=snaps, source="test")
    return report.daily_report(Config(), store, DAY, tmp_path / "daily", now=NOW)[0]


@pytest.fixture
def page_file(sqlite_store: Store, tmp_path: Path) -> Path:
    return _page_file(sqlite_store, tmp_path)


def _open(browser: Any, path: Path, width: int) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    return page, errors, requests


OVERFLOW = """() => {
  const root = document.documentElement;
  const tables = [...document.querySelectorAll("table")]
    .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
    .map(t => t.tHead.rows[0].cells[0].textContent);
  const sticking = [...document.querySelectorAll("main *")]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
    .map(e => e.tagName + "." + e.className);
  return {page: root.scrollWidth, viewport: root.clientWidth, tables, sticking};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_page_fits_the_width_without_horizontal_overflow(
    browser: Any, page_file: Path, tmp_path: Path, width: int
) -> None:
    page, errors, requests = _open(browser, page_file, width)
    found = page.evaluate(OVERFLOW)
    assert found == {"page": width, "viewport": width, "tables": [], "sticking": []}
    shot = tmp_path / f"daily-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert int.from_bytes(data[16:20], "big") == width  # nothing wider to capture
    assert int.from_bytes(data[20:24], "big") > 2000  # the whole report, not a blank page
    # on a phone each table row is a card of "column: value" lines; at 1280 a table row
    display = page.evaluate(
        "getComputedStyle(document.querySelector('table.data tbody tr')).display"
    )
    assert display == ("block" if width < 760 else "table-row")
    assert errors == [] and requests == [page_file.as_uri()]  # offline: loads nothing
    page.close()


def _column(page: Any, table: Any, name: str) -> list[str]:
    return table.evaluate(
        """(t, name) => [...t.tBodies[0].rows].filter(r => !r.hidden)
             .map(r => r.querySelector(`td[data-label="${name}"]`).textContent.trim())""",
        name,
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_tables_sort_and_filter(browser: Any, page_file: Path, width: int) -> None:
    page, errors, _ = _open(browser, page_file, width)
    box = page.locator("[data-table]", has=page.locator("input[aria-label='Filter accounts']"))
    table = box.first.locator("table")
    # stored order: by views; unknown views stay last whichever way a column is sorted
    assert _column(page, table, "account")[:2] == [LONG_TITLE, "@srb_x"]
    table.locator("button[title='sort by posts']").click()  # numbers: most first
    assert _column(page, table, "posts") == ["2", "2", "2", "1", "1"]
    assert table.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    table.locator("button[title='sort by account']").click()  # text: A to Z
    assert _column(page, table, "account") == [
        "@kanal_a",
        "@kanal_b",
        "@srb_x",
        "Kanal C (export)",
        LONG_TITLE,
    ]
    table.locator("button[title='sort by account']").click()  # again: Z to A
    assert _column(page, table, "account")[0] == LONG_TITLE
    table.locator("button[title='sort by views']").click()
    views = [v.split()[0] for v in _column(page, table, "views")]  # "5,000 (1 of 2 known)"
    assert views[:4] == ["5,000", "1,000", "650", "80"]
    assert views[-1].startswith("unknown")  # Kanal C: no views known, last
    table.locator("button[title='sort by views']").click()  # fewest first, unknown last
    ascending = [v.split()[0] for v in _column(page, table, "views")]
    assert ascending[:4] == ["80", "650", "1,000", "5,000"] and ascending[-1].startswith("unknown")
    search = box.first.locator("input.filter")
    search.fill("KANAL")  # case-insensitive, over every cell
    assert sorted(_column(page, table, "account")) == ["@kanal_a", "@kanal_b", "Kanal C (export)"]
    assert box.first.locator(".count").text_content() == "3 of 5 shown"
    search.fill("kanal telegram 500")  # every word must match
    assert _column(page, table, "account") == ["@kanal_b"]
    search.fill("")
    assert len(_column(page, table, "account")) == 5
    assert box.first.locator(".count").text_content() == ""
    assert errors == []
    page.close()


def test_hostile_post_text_stays_text_while_filtered(browser: Any, page_file: Path) -> None:
    page, errors, requests = _open(browser, page_file, 1280)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0  # the post's <img> is text, not an element
    cards = page.locator("[data-cards]")
    cards.locator("input.filter").fill("onerror")
    shown = cards.locator("[data-item]:not([hidden]) .text")
    assert shown.count() >= 1
    assert set(shown.all_text_contents()) == {HOSTILE}
    # sections with no matching post are hidden with their heading
    hidden = cards.locator("section[data-group][hidden] h3").all_text_contents()
    assert "Russia as protector: top 1" in hidden
    cards.locator("input.filter").fill("<script>window.__pwned=2</script>")
    assert set(shown.all_text_contents()) == {HOSTILE}
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script").count() == 1 and page.locator("img").count() == 0
    link = page.locator(f"a[href='{LONG_URL}']")
    assert link.count() == 1  # the post carries no narrative: in the overall list only
    assert errors == [] and requests == [page_file.as_uri()]
    page.close()
