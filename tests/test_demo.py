"""``narrmon demo`` end to end on the bundled samples: counts, files, the weekly PDF, hints."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from rich.console import Console

from classifiers import LABELS
from narrmon.demo import run_demo
from reports.pull import read_pull
from reports.style import LABEL_NAMES
from tests.report_store import need_tool

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, trained) -> tuple[Path, dict, str]:
    out = tmp_path_factory.mktemp("demo")
    shutil.copytree(trained[0], out / "models")  # skip training again: same seed, same model
    console = Console(record=True, width=200)
    summary = run_demo(out, console=console)
    return out, summary, console.export_text()


def test_demo_imports_classifies_and_reports(demo) -> None:
    out, summary, printed = demo
    stats = summary["stats"]
    assert stats["posts_by_platform"] == {"telegram": 1254, "x": 1329}
    assert stats["quarantined"] == 0
    assert summary["classify"]["classified"] == 2583
    assert len(summary["reports"]["daily"]) == 14
    assert set(summary["reports"]["weekly"]) == {"2026-W46", "2026-W47"}
    for path in [*summary["reports"]["daily"].values(), *summary["reports"]["weekly"].values()]:
        assert Path(path).is_file(), path
    assert f"store            {(out / 'narrmon.db').resolve()}" in printed
    assert "weekly PDF 2026-W47" in printed


def test_demo_rerun_adds_nothing(demo) -> None:
    out, summary, _ = demo
    again = run_demo(out, console=Console(record=True, width=200))
    assert again["stats"] == summary["stats"]
    assert again["classify"]["classified"] == 0
    for kind in ("telethon-json", "x-jsonl"):
        assert again["imports"][kind]["imported"] == 0


def test_weekly_pdf_holds_both_scripts_and_every_label(demo) -> None:
    _, summary, _ = demo
    text = _pdf_text(summary["reports"]["weekly"]["2026-W47"])
    assert re.search(r"[А-Яа-яЂђЉљЊњЋћЏџ]{4,}", text), "no Cyrillic excerpt"
    for letter in "čćšžđ":
        assert letter in text, letter
    for label in LABELS:
        assert LABEL_NAMES[label] in text, label
        assert label not in text, label  # named in words only


def _pdf_text(pdf, *args: str) -> str:
    return subprocess.run(
        [need_tool("pdftotext"), *args, str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def w47(demo) -> dict:
    from narrmon.config import AlertsConfig
    from narrmon.store import Store
    from reports.data import latest_model_version
    from reports.weekly import weekly_figures

    out, _, _ = demo
    store = Store(f"sqlite:///{out / 'narrmon.db'}", create=False)
    with store.engine.connect() as conn:
        version = latest_model_version(conn)
        figures = weekly_figures(
            conn, version, "2026-W47", NOW, out / "models", alerts=AlertsConfig()
        )
    store.dispose()
    return figures


def test_weekly_summary_names_the_spikes_the_alerts_find(demo, w47) -> None:
    out, summary, _ = demo
    flat = " ".join(_pdf_text(summary["reports"]["weekly"]["2026-W47"]).split())
    brief = flat[flat.index("The week in brief") : flat.index("Narratives this week and last")]
    assert w47["spikes"], "the sample week has spikes"
    for spike in w47["spikes"]:
        day = date.fromisoformat(spike["date"])
        sentence = (
            f"Spike on {day:%A} {day.day} {day:%B}: {LABEL_NAMES[spike['label']]} reached "
            f"{spike['value']:,} {spike['metric']}"
        )
        assert sentence in brief, sentence
    # The same spikes as `narrmon alerts` for one of those days.
    day = w47["spikes"][0]["date"]
    done = subprocess.run(
        [
            *_narrmon(),
            "alerts",
            "--date",
            day,
            "--json",
            "--db",
            f"sqlite:///{out / 'narrmon.db'}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    alerted = {(s["label"], s["metric"]) for s in json.loads(done.stdout)["spikes"]}
    assert alerted == {(s["label"], s["metric"]) for s in w47["spikes"] if s["date"] == day}
    assert "1,298 posts from 37 accounts" in brief  # words, not the table again
    assert brief.count("■") == 0


def _narrmon() -> list[str]:
    import sys

    return [str(Path(sys.executable).parent / "narrmon")]


def test_weekly_language_is_the_classifiers_for_telegram(w47) -> None:
    languages = w47["splits"]["language"]
    assert "unknown" not in languages, languages  # Telegram posts carry no collected language
    assert sum(v[0] for v in languages.values()) == w47["posts"] == 1298
    assert max(languages, key=lambda k: languages[k][0]) in ("sr", "bcms")


def test_weekly_links_are_not_the_channels_own_and_are_normalised(w47) -> None:
    links = {x["link"]: x for x in w47["top_links"]}
    assert links, "the sample week shares links"
    for link in links:
        assert link.startswith("https://") and "://www." not in link, link
        assert not link.endswith("/") and "utm_" not in link, link
    # brzo_vesti_rs's footer (t.me/brzo_vesti_rs under most of its posts) is not a shared link
    assert "https://t.me/brzo_vesti_rs" not in links
    # ruski_balkan_info's own link counts only where other channels share it
    assert links["https://t.me/ruski_balkan_info"]["accounts"] == 3


def test_weekly_top_posts_per_narrative_then_overall_marked(demo, w47) -> None:
    _, summary, _ = demo
    for label, posts in w47["top_posts_by_label"].items():
        assert len(posts) == 5 and all(label in p["labels"] for p in posts), label
    flat = " ".join(_pdf_text(summary["reports"]["weekly"]["2026-W47"]).split())
    per_label = flat.index("Most viewed posts of each narrative")
    overall = flat.index("most viewed posts overall")
    assert per_label < overall
    unlabelled = sum(1 for p in w47["top_posts"] if not p["labels"])
    assert f"{unlabelled} of these {len(w47['top_posts'])} carry no tracked narrative" in flat
    assert flat[overall:].count("no tracked narrative") == unlabelled + 1


HEADINGS = {
    *LABEL_NAMES.values(),
    "Top links shared",
    "Narratives this week and last",
    "Sources",
    "Reach, defined honestly",
    "The narratives",
    "The classifier and how well it does",
    "Data gaps",
}


def test_weekly_pdf_has_no_heading_alone_at_the_foot_of_a_page(demo) -> None:
    _, summary, _ = demo
    for week, pdf in summary["reports"]["weekly"].items():
        pages = _pdf_text(pdf).split("\f")
        for number, page in enumerate(pages, 1):
            lines = [x.strip() for x in page.splitlines() if x.strip()]
            body = [x for x in lines if not x.startswith("narrmon weekly report 20")]
            if body:
                assert body[-1] not in HEADINGS, f"{week} page {number} ends with {body[-1]!r}"


def test_every_printed_hint_works_as_printed(demo) -> None:
    out, _, printed = demo
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Explore from this folder"))
    hints = [line.strip() for line in lines[start + 1 :] if line.strip()]
    assert len(hints) == 6
    expected = ["stats", "quarantine", "pull", "alerts", "classify", "label"]
    assert [shlex.split(hint)[1] for hint in hints] == expected
    for hint in hints:  # from the folder the demo ran in, with no environment to help
        env = {k: v for k, v in os.environ.items() if not k.startswith("NARRMON_")}
        done = subprocess.run(shlex.split(hint), capture_output=True, text=True, env=env)
        assert done.returncode == 0, f"{hint}\n{done.stderr}"
        assert "error" not in done.stderr, f"{hint}\n{done.stderr}"
    assert len(read_pull(out / "pull-2026-W47.xlsx")) > 1000
    assert (out / "to-label.csv").read_text(encoding="utf-8-sig").count("\n") > 20
