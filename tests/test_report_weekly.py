"""The weekly PDF: its text (pdftotext) keeps both scripts and all narratives; markup is inert."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

import pytest

from narrmon.config import Config
from narrmon.errors import InputError
from narrmon.pipeline import report
from narrmon.store import Store
from reports.weekly import parse_week
from reports.weekly_pdf import para_text, register_fonts
from tests.report_store import LABELS, build, need_tool

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _text(pdf) -> str:
    out = subprocess.run(
        [need_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


@pytest.fixture
def weekly_pdf(sqlite_store: Store, tmp_path):
    build(sqlite_store)
    models = tmp_path / "models" / "m1"
    models.mkdir(parents=True)
    card = {
        "version": "m1",
        "heldout": {
            "micro_f1": 0.812,
            "macro_f1": 0.774,
            "per_label": {
                label: {"precision": 0.8, "recall": 0.7, "f1": 0.75, "support": 40}
                for label in LABELS
            },
        },
    }
    (models / "model.json").write_text(json.dumps(card), encoding="utf-8")
    config = Config(models_dir=str(tmp_path / "models"))
    return report.weekly_report(config, sqlite_store, "2026-W47", tmp_path / "w.pdf", now=NOW)


def test_pdf_text_keeps_both_scripts_and_all_labels(weekly_pdf) -> None:
    text = _text(weekly_pdf)
    flat = " ".join(text.split())
    assert "Косово је преседан за Крим" in flat  # Cyrillic excerpt
    assert "Rusija je jedini prijatelj Srbije: čuva Kosovo, ćirilica, šume, žito, đak" in flat
    for label in LABELS:
        assert label in flat, label
    assert "ISO week 2026-W47: 16 November 2026 to 22 November 2026" in flat
    assert "Data window: posts created 2026-11-16 00:00 UTC to 2026-11-23 00:00 UTC" in flat
    assert "heldout: micro F1 0.812, macro F1 0.774" in flat  # the model card's figures
    assert "Missing message ids: @kanal_a" in flat


def test_markup_in_posts_neither_breaks_nor_changes_the_pdf(weekly_pdf) -> None:
    flat = " ".join(_text(weekly_pdf).split())
    assert "<script>alert(1)</script> <para>Kosovo</para> & precedent </b>" in flat
    assert "& <b>Донбас</b>; чувајте се" in flat


def test_para_text_escapes_and_drops_missing_glyphs() -> None:
    register_fonts()
    assert para_text("<b>a</b> & <para>") == "&lt;b&gt;a&lt;/b&gt; &amp; &lt;para&gt;"
    assert para_text("đak 🔥\nčas\x07") == "đak <br/>čas"


def test_pdf_pages_render(weekly_pdf, tmp_path) -> None:
    subprocess.run(
        [need_tool("pdftoppm"), "-png", "-r", "40", str(weekly_pdf), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 5 and all(p.stat().st_size > 2000 for p in pages)


@pytest.mark.parametrize("bad", ["2026-47", "2026-W60", "W47"])
def test_bad_week_is_a_clear_error(bad: str) -> None:
    with pytest.raises(InputError, match="not an ISO week"):
        parse_week(bad)
