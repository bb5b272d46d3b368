"""The project's own docs: present, cited instead of files users lack, in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

from narrmon.records import LABELS
from reports.pull import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CODE_DIRS = ("narrmon", "collectors", "classifiers", "reports", "dags", "bench", "scripts")


def test_every_column_of_a_pull_is_documented_as_the_code_defines_it() -> None:
    rows = re.findall(r"^\| `([^`]+)` \| (\w+) \| (.+) \|$", (DOCS / "pull.md").read_text(), re.M)
    assert rows == [(name, kind, meaning) for name, kind, meaning in COLUMNS]


def test_labels_page_defines_every_label() -> None:
    text = (DOCS / "labels.md").read_text()
    for label in LABELS:
        assert f"| `{label}` |" in text, label


def test_code_and_readme_cite_only_docs_that_exist() -> None:
    cited: set[str] = set()
    sources = [ROOT / "README.md", ROOT / "samples" / "README.md"]
    for folder in CODE_DIRS:
        sources += [p for p in (ROOT / folder).rglob("*.py")]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "TAXONOMY.md" not in text and "DESIGN.md" not in text, path
        cited.update(re.findall(r"docs/[\w-]+\.md", text))
    assert cited, "nothing cites docs/"
    missing = sorted(c for c in cited if not (ROOT / c).is_file())
    assert not missing, missing
