"""The daily HTML opens in headless Chromium, and a phone-width screenshot shows the figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from narrmon.config import Config
from narrmon.pipeline import report
from narrmon.store import Store
from tests.report_store import DAY, build, headless_chromium

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

PHONE = "414,2400"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_daily_html_renders_in_headless_chromium(sqlite_store: Store, tmp_path) -> None:
    build(sqlite_store)
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    html = report.daily_report(Config(), sqlite_store, DAY, tmp_path / "d", now=now)[0]
    shot = tmp_path / "daily.png"
    headless_chromium(
        tmp_path / "profile", f"--screenshot={shot}", f"--window-size={PHONE}", html.as_uri()
    )
    data = shot.read_bytes()
    assert data.startswith(PNG_MAGIC)
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (414, 2400)
    assert len(data) > 50_000  # a page of figures, not a blank one


def test_cli_report_daily_and_weekly(sqlite_store: Store, tmp_path) -> None:
    from typer.testing import CliRunner

    from narrmon.cli import app

    build(sqlite_store)
    runner = CliRunner()
    db = ["--db", sqlite_store.url]
    daily = runner.invoke(app, ["report", "daily", "--date", DAY, "--out", str(tmp_path), *db])
    assert daily.exit_code == 0, daily.output
    assert (tmp_path / "2026-11-20" / "narrmon-daily-2026-11-20.html").is_file()
    pdf = tmp_path / "w.pdf"
    weekly = runner.invoke(app, ["report", "weekly", "--week", "2026-W47", "--out", str(pdf), *db])
    assert weekly.exit_code == 0, weekly.output
    assert pdf.read_bytes().startswith(b"%PDF")
    bad = runner.invoke(app, ["report", "weekly", "--week", "2026-47", *db])
    assert bad.exit_code == 1
    assert "not an ISO week: '2026-47'" in str(bad.exception)
