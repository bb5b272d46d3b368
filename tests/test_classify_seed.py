"""The seed merge: duplicates dropped, a stable split, loud failures."""

from __future__ import annotations

import json
from pathlib import Path

import cyrtranslit

from classifiers.data import merge_seed
from classifiers.data.merge_seed import main, merge, split_of

ROWS = [
    {
        "id": "A-1",
        "text": "Kosovo je presedan za Krim, sami su to priznali.",
        "labels": ["kosovo_precedent"],
        "kind": "narrative",
    },
    {
        "id": "A-2",
        "text": "Savet bezbednosti danas raspravlja o izveštaju za Kosovo.",
        "labels": [],
        "kind": "hard_negative",
    },
    {
        "id": "A-3",
        "text": "Kosovo nije nikakav presedan za Krim, to je ruska propaganda.",
        "labels": ["counter_narrative"],
        "kind": "counter_uses_words",
    },
    {
        "id": "B-1",
        "text": cyrtranslit.to_cyrillic("Kosovo je presedan za Krim, sami su to priznali.", "sr"),
        "labels": ["kosovo_precedent"],
        "kind": "narrative",
    },
    {
        "id": "B-2",
        "text": "Savet bezbednosti danas raspravlja o izvestaju za Kosovo!",
        "labels": [],
        "kind": "hard_negative",
    },
    {
        "id": "B-3",
        "text": "Kosovo jeste presedan za Krim, to je ruska propaganda.",
        "labels": ["kosovo_precedent"],
        "kind": "narrative",
        "extra": 1,
    },
]


def _write_parts(folder: Path, rows: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for part in ("A", "B"):
        lines = [json.dumps(r, ensure_ascii=False) for r in rows if r["id"].startswith(part)]
        (folder / f"part_{part}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_duplicates_in_either_script_are_dropped_and_contrast_pairs_share_a_split(
    tmp_path: Path,
) -> None:
    _write_parts(tmp_path, ROWS)
    rows, dropped, problems = merge(tmp_path)
    assert problems == []
    assert [r["id"] for r in rows] == ["A-1", "A-2", "A-3", "B-3"]
    assert dropped == ["B-1: same text as A-1", "B-2: same text as A-2"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["B-3"]["split"] == by_id["A-3"]["split"] == split_of("A-3")
    assert set(by_id["B-3"]) == {"id", "text", "labels", "kind", "register", "split"}


def test_the_split_of_a_post_never_changes_when_posts_are_added(tmp_path: Path) -> None:
    _write_parts(tmp_path / "few", ROWS[:3])
    _write_parts(tmp_path / "more", ROWS)
    few = {r["id"]: r["split"] for r in merge(tmp_path / "few")[0]}
    more = {r["id"]: r["split"] for r in merge(tmp_path / "more")[0]}
    assert all(more[i] == s for i, s in few.items())
    shares = [split_of(f"X-{i}") for i in range(5000)]
    assert 0.18 < shares.count("test") / len(shares) < 0.22


def test_unmet_requirements_fail_loudly_and_write_nothing(tmp_path: Path, capsys) -> None:
    _write_parts(
        tmp_path / "parts",
        [*ROWS, {"id": "B-9", "text": "x", "labels": ["nope"], "kind": "chatter"}],
    )
    out = tmp_path / "seed.jsonl"
    assert main(["--parts", str(tmp_path / "parts"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"FAILED: posts 4 < {merge_seed.MIN_POSTS}" in err
    assert "FAILED: bad line: part_B.jsonl: line 4: B-9: labels must be a list of" in err
    assert not out.exists()
    assert main(["--parts", str(tmp_path / "parts"), "--out", str(out), "--force"]) == 1
    assert len(out.read_text().splitlines()) == 4


def test_the_committed_seed_corpus_meets_the_requirements() -> None:
    rows = [json.loads(line) for line in merge_seed.OUT_PATH.read_text().splitlines()]
    figures, failures = merge_seed.corpus_checks(rows)
    assert failures == []
    assert figures["posts"] >= merge_seed.MIN_POSTS


def test_registers_default_to_social_and_are_checked(tmp_path: Path) -> None:
    rows = [
        {**ROWS[0], "register": "wire"},
        ROWS[1],
        {**ROWS[2], "register": "blog"},
    ]
    _write_parts(tmp_path / "parts", rows)
    kept, _, problems = merge(tmp_path / "parts")
    assert [(r["id"], r["register"]) for r in kept] == [("A-1", "wire"), ("A-2", "social")]
    assert problems == [
        "part_A.jsonl: line 3: A-3: register 'blog' is not one of "
        + ", ".join(merge_seed.REGISTERS)
    ]
    figures, _ = merge_seed.corpus_checks(kept)
    assert figures["per_register"] == {"wire": 1, "social": 1}
    assert figures["media_registers"]["posts"] == 1
    assert figures["per_part"] == {"A": 2}
