"""The weekly PDF: its text (pdftotext) keeps both scripts and names every narrative in words;
markup is inert; its pages render with content; an empty week gets one page that says so;
the charts keep legends off the bars, every tick label whole and distinct."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

import numpy as np
import pytest

from narrmon.config import Config
from narrmon.errors import InputError
from narrmon.pipeline import report
from narrmon.store import Store
from reports.style import LABEL_NAMES
from reports.weekly import parse_week, weekly_figures
from reports.weekly_pdf import para_text, register_fonts
from tests.report_store import LABELS, build, need_tool

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WORDS = {label: LABEL_NAMES[label] for label in LABELS}


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
    card = {  # the shape narrmon train writes (classifiers.registry)
        "version": "m1",
        "created_at": "2026-11-01T00:00:00+00:00",
        "training_data_sha256": "ab" * 32,
        "data": {"train_posts": 900, "test_posts": 200},
        "metrics": {
            "cross_validated": {"micro_f1": 0.79, "macro_f1": 0.75, "n": 900, "folds": 5},
            "held_out": {
                "micro_f1": 0.812,
                "macro_f1": 0.774,
                "n": 200,
                "per_label": {
                    label: {"precision": 0.8, "recall": 0.7, "f1": 0.75, "support": 40}
                    for label in LABELS
                },
            },
        },
    }
    (models / "model.json").write_text(json.dumps(card), encoding="utf-8")
    config = Config(models_dir=str(tmp_path / "models"))
    return report.weekly_report(config, sqlite_store, "2026-W47", tmp_path / "w.pdf", now=NOW)


def test_pdf_text_keeps_both_scripts_and_names_labels_in_words(weekly_pdf) -> None:
    text = _text(weekly_pdf)
    flat = " ".join(text.split())
    assert "Косово је преседан за Крим" in flat  # Cyrillic excerpt
    assert "Rusija je jedini prijatelj Srbije: čuva Kosovo, ćirilica, šume, žito, đak" in flat
    for name in WORDS.values():
        assert name in flat, name
    for raw in (*LABELS, "_all", "metrics.", "cross_validated", "sha256", "TAXONOMY", "per_label"):
        assert raw not in flat, raw
    assert "ISO week 2026-W47: 16 November 2026 to 22 November 2026" in flat
    assert "Data window: posts created 2026-11-16 00:00 UTC to 2026-11-23 00:00 UTC" in flat
    # The model card's figures, said for readers.
    assert "measured on 200 example posts kept apart from training (overall F1 0.81)" in flat
    assert "Precision: of the posts the model marks with a narrative" in flat
    assert "@kanal_a: 2 Telegram message number(s) missing between collected posts (9, 11)" in flat


def test_summary_says_the_week_in_words(weekly_pdf) -> None:
    flat = " ".join(_text(weekly_pdf).split())
    # 8 posts in the week (2026-W47), from 4 accounts; 1 post the week before.
    assert (
        "In week 2026-W47 narrmon collected 8 posts from 4 accounts, up 700% on the week before"
        in flat
    )
    assert "6 of them (75%) carried at least one tracked narrative" in flat
    assert "The most frequent narrative was Kosovo precedent: 3 posts from 2 accounts" in flat
    assert "No narrative spiked this week" in flat  # under 7 days of history: no spikes


def test_language_comes_from_the_classifier_when_not_collected(store: Store) -> None:
    build(store)
    with store.engine.connect() as conn:
        figures = weekly_figures(conn, "m1", "2026-W47", NOW, "models")
    # Five posts have no collected language; the classifier put every post in "sr".
    assert figures["splits"]["language"] == {"sr": [8, 6]}
    assert "unknown" not in figures["splits"]["script"]


def test_empty_week_is_one_page_that_says_so(store: Store, tmp_path) -> None:
    build(store)
    pdf = report.weekly_report(
        Config(models_dir=str(tmp_path)), store, "2026-W40", tmp_path / "e.pdf", now=NOW
    )
    pages = _text(pdf).split("\f")
    flat = " ".join(" ".join(pages).split())
    assert "No posts in this week: no data." in flat  # on the cover
    assert "No data for this week" in flat
    assert "The store holds posts created from 2026-11-14 09:00 UTC to 2026-11-20 13:00 UTC" in flat
    for absent in ("The week in brief", "Top channels", "Most viewed posts"):
        assert absent not in flat, absent
    assert len([p for p in pages if p.strip()]) <= 4  # cover, no data, methodology


def test_markup_in_posts_neither_breaks_nor_changes_the_pdf(weekly_pdf) -> None:
    flat = " ".join(_text(weekly_pdf).split())
    assert "<script>alert(1)</script> <para>Kosovo</para> & precedent </b>" in flat
    assert "& <b>Донбас</b>; чувајте се" in flat


def test_para_text_escapes_and_drops_missing_glyphs() -> None:
    register_fonts()
    assert para_text("<b>a</b> & <para>") == "&lt;b&gt;a&lt;/b&gt; &amp; &lt;para&gt;"
    assert para_text("đak 🔥\nčas\x07") == "đak <br/>čas"


def test_pdf_pages_render_with_content(weekly_pdf, tmp_path) -> None:
    from PIL import Image

    subprocess.run(
        [need_tool("pdftoppm"), "-png", "-r", "40", str(weekly_pdf), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 5
    coloured = 0
    for path in pages:
        with Image.open(path) as page:
            assert page.size == (331, 468), path  # A4 at 40 dpi
            pixels = np.asarray(page.convert("RGB"), dtype=int).reshape(-1, 3)
        inked = int((pixels.sum(axis=1) < 600).sum())
        assert inked > 0.005 * len(pixels), f"{path.name} is blank"
        spread = pixels.max(axis=1) - pixels.min(axis=1)
        coloured += bool((spread > 60).any())
    assert coloured >= 2  # the charts and the narrative colour keys


def _renderer(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return FigureCanvasAgg(fig).get_renderer()


def _boxes(fig, artists):
    renderer = _renderer(fig)
    fig.draw(renderer)
    return [a.get_window_extent(renderer) for a in artists if a.get_visible() and a.get_text()]


def test_top_channels_legend_never_covers_a_bar() -> None:
    from reports.charts import top_channels_figure

    rows = [
        {"account": f"@kanal_{i}", "narrative_posts": dict.fromkeys(LABELS, 10)} for i in range(10)
    ]
    fig = top_channels_figure(rows)
    renderer = _renderer(fig)
    fig.draw(renderer)
    legend = fig.legends[0].get_window_extent(renderer)
    (ax,) = fig.axes
    for bar in ax.patches:
        assert not legend.overlaps(bar.get_window_extent()), "legend over a bar"


def test_split_labels_are_whole_and_views_ticks_distinct() -> None:
    from reports.charts import daily_lines_figure, splits_figure

    fig = splits_figure(
        {
            "Platform": {"Telegram": (700, 300), "X": (600, 400)},
            "Script": {"Cyrillic": (600, 300), "Latin": (600, 300), "both scripts": (17, 3)},
            "Language": {"Serbian": (900, 500), "BCMS, variety not told": (300, 200)},
        }
    )
    width = fig.get_figwidth() * fig.dpi
    panels = fig.axes
    for i, ax in enumerate(panels):
        for box in _boxes(fig, ax.get_yticklabels()):
            assert box.x0 >= 0 and box.x1 <= width  # inside the image, not clipped
            if i:  # and clear of the panel to its left
                assert box.x0 >= panels[i - 1].get_window_extent().x1
    days = [f"2026-11-{d}" for d in range(16, 23)]
    series = {
        label: {"posts": [3, 5, 4, 6, 2, 3, 4], "views": [900, 1500, 2600, 3100, 1800, 2200, 1200]}
        for label in LABELS
    }
    fig = daily_lines_figure(days, series)
    fig.draw(_renderer(fig))
    views = fig.axes[1]
    ticks = [t.get_text() for t in views.get_yticklabels() if t.get_text()]
    assert len(ticks) >= 3 and len(set(ticks)) == len(ticks), ticks
    posts = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert all("." not in t for t in posts), posts  # whole posts only


@pytest.mark.parametrize("bad", ["2026-47", "2026-W60", "W47"])
def test_bad_week_is_a_clear_error(bad: str) -> None:
    with pytest.raises(InputError, match="not an ISO week"):
        parse_week(bad)


def test_the_weekly_report_reads_model_json_through_the_registry(tmp_path) -> None:
    from classifiers import registry

    folder = tmp_path / "2026-11-20T0000Z-abc"
    folder.mkdir()
    (folder / registry.META_FILE).write_text('{"metrics": {"held_out": null}}', encoding="utf-8")
    assert registry.read_meta(tmp_path, folder.name) == {"metrics": {"held_out": None}}
    assert registry.read_meta(tmp_path, "no-such-version") is None
    assert registry.read_meta(tmp_path, None) is None
    (folder / registry.META_FILE).write_text("{not json", encoding="utf-8")
    assert registry.read_meta(tmp_path, folder.name) is None
