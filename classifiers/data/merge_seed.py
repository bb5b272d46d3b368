"""Merge the hand-written seed parts into ``classifiers/data/seed.jsonl`` and check it.

Run as ``python -m classifiers.data.merge_seed [--parts DIR] [--out FILE] [--force]``.

- Reads ``seed_parts/part_*.jsonl`` in name order and keeps ``id``, ``text``,
  ``labels``, ``kind`` and ``register`` of each line (labels put in taxonomy order;
  a line without a register, as in parts A-I, is ``social``).
- Drops exact duplicates and near-duplicates: texts equal after normalisation (so a
  post and its copy in the other script are one), or whose word sets overlap by
  :data:`NEAR_DUPLICATE_JACCARD` or more. The first one (in part and line order) stays.
  A near-duplicate with *different* labels (a deliberate contrast pair) is kept, but it
  joins the split of the post it resembles, so no pair straddles train and test.
- Assigns ``"split": "train" | "test"``: a post is in the test split when a stable hash of
  its id (of its group's first id, for contrast pairs) falls in the lowest
  :data:`TEST_SHARE` of the hash range. The split of a post never changes when posts are
  added. Each label set is split at the same rate; the per-label test shares are printed.
- Prints the corpus checks of the issue (counts per label, unlabelled, hard negatives,
  counter-narratives using the narrative's words, Cyrillic and diacritic-free shares,
  ekavian and ijekavian markers) and exits 1, writing nothing, if a requirement is not met
  (``--force`` writes anyway, for development).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson

from classifiers import LABELS
from classifiers.corpus import SPLIT_TEST, SPLIT_TRAIN, write_jsonl
from classifiers.langid import SCRIPT_CYRILLIC, SCRIPT_LATIN, cue_counts, script_of
from classifiers.normalize import MASKS, normalize

DATA_DIR = Path(__file__).resolve().parent
PARTS_DIR = DATA_DIR / "seed_parts"
OUT_PATH = DATA_DIR / "seed.jsonl"
KINDS = ("narrative", "counter", "counter_uses_words", "hard_negative", "chatter")
KEPT_KEYS = ("id", "text", "labels", "kind", "register")
# Registers of parts J on (WRITING_BRIEF.md); parts A-I were written as social posts.
REGISTERS = ("wire", "headline", "analysis", "statement", "comment", "telegram", "social")
DEFAULT_REGISTER = "social"
TEST_SHARE = 0.20
SPLIT_SALT = "narrmon-seed-split-v1"
NEAR_DUPLICATE_JACCARD = 0.8
NEAR_DUPLICATE_MIN_WORDS = 5  # shorter texts are only compared exactly

MIN_POSTS = 1500
MIN_PER_LABEL = 200
MIN_UNLABELLED = 500
MIN_HARD_NEGATIVES = 250
MIN_COUNTER_USES_WORDS = 150
MIN_CYRILLIC_SHARE = 0.35
MIN_DIACRITIC_FREE_SHARE = 0.15
MIN_DIALECT_POSTS = 100  # posts with ekavian markers, and with ijekavian markers
MIN_TEST_PER_LABEL = 30

_DIACRITICS = re.compile("[čćšžđČĆŠŽĐ]")


def read_parts(parts_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every good line of the part files, and the problems of the bad ones."""
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    seen_ids: set[str] = set()
    for path in sorted(parts_dir.glob("part_*.jsonl")):
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.name}: line {number}"
            try:
                row = _check_row(orjson.loads(line), seen_ids)
            except (orjson.JSONDecodeError, ValueError) as exc:
                problems.append(f"{where}: {exc}")
                continue
            seen_ids.add(row["id"])
            rows.append(row)
    return rows, problems


def _check_row(obj: Any, seen_ids: set[str]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    row = {key: obj.get(key) for key in KEPT_KEYS}
    if not isinstance(row["id"], str) or not row["id"]:
        raise ValueError("id missing")
    if row["id"] in seen_ids:
        raise ValueError(f"duplicate id {row['id']}")
    if not isinstance(row["text"], str) or not row["text"].strip():
        raise ValueError(f"{row['id']}: text missing or empty")
    labels = row["labels"]
    if not isinstance(labels, list) or set(labels) - set(LABELS):
        raise ValueError(f"{row['id']}: labels must be a list of {', '.join(LABELS)}")
    if row["kind"] not in KINDS:
        raise ValueError(f"{row['id']}: kind {row['kind']!r} is not one of {', '.join(KINDS)}")
    row["register"] = row["register"] or DEFAULT_REGISTER
    if row["register"] not in REGISTERS:
        raise ValueError(
            f"{row['id']}: register {row['register']!r} is not one of {', '.join(REGISTERS)}"
        )
    row["labels"] = [label for label in LABELS if label in labels]
    return row


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in normalize(text).split() if w not in MASKS)


def deduplicate(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str], dict]:
    """Drop duplicates; return kept rows, what was dropped, and id -> group's first id."""
    kept: list[dict[str, Any]] = []
    dropped: list[str] = []
    group_of: dict[str, str] = {}
    by_view: dict[str, dict[str, Any]] = {}
    index: dict[str, list[int]] = defaultdict(list)  # word -> positions in ``kept``
    word_sets: list[frozenset[str]] = []
    for row in rows:
        view = normalize(row["text"])
        if view in by_view:
            dropped.append(f"{row['id']}: same text as {by_view[view]['id']}")
            continue
        words = _words(row["text"])
        twin = _near_twin(words, word_sets, index)
        if twin is not None and kept[twin]["labels"] == row["labels"]:
            dropped.append(f"{row['id']}: near-duplicate of {kept[twin]['id']}")
            continue
        group_of[row["id"]] = group_of[kept[twin]["id"]] if twin is not None else row["id"]
        by_view[view] = row
        for w in words:
            index[w].append(len(kept))
        word_sets.append(words)
        kept.append(row)
    return kept, dropped, group_of


def _near_twin(
    words: frozenset[str], word_sets: list[frozenset[str]], index: dict[str, list[int]]
) -> int | None:
    if len(words) < NEAR_DUPLICATE_MIN_WORDS:
        return None
    shared: Counter[int] = Counter()
    for w in words:
        shared.update(index.get(w, ()))
    for pos, n in shared.most_common():
        other = word_sets[pos]
        union = len(words | other)
        if len(other) >= NEAR_DUPLICATE_MIN_WORDS and n / union >= NEAR_DUPLICATE_JACCARD:
            return pos
        if n / max(len(words), 1) < NEAR_DUPLICATE_JACCARD:
            break
    return None


def split_of(group_id: str) -> str:
    """``test`` for the lowest :data:`TEST_SHARE` of the hash range of ids, else ``train``."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{group_id}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    return SPLIT_TEST if position < TEST_SHARE else SPLIT_TRAIN


def corpus_checks(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The figures the issue asks for, and the requirements that are not met."""
    per_label = Counter(label for r in rows for label in r["labels"])
    test_per_label = Counter(
        label for r in rows if r["split"] == SPLIT_TEST for label in r["labels"]
    )
    scripts = Counter(script_of(r["text"]) for r in rows)
    latin = [r for r in rows if script_of(r["text"]) == SCRIPT_LATIN]
    no_diacritics = sum(1 for r in latin if not _DIACRITICS.search(r["text"]))
    cues = [cue_counts(r["text"]) for r in rows]
    n = len(rows)
    figures: dict[str, Any] = {
        "posts": n,
        "per_label": {label: per_label[label] for label in LABELS},
        "unlabelled": sum(1 for r in rows if not r["labels"]),
        "hard_negatives": sum(1 for r in rows if r["kind"] == "hard_negative" and not r["labels"]),
        "counter_uses_words": sum(
            1
            for r in rows
            if r["kind"] == "counter_uses_words" and "counter_narrative" in r["labels"]
        ),
        "per_kind": dict(Counter(r["kind"] for r in rows)),
        "per_register": dict(Counter(r["register"] for r in rows)),
        "per_part": dict(sorted(Counter(r["id"].split("-", 1)[0] for r in rows).items())),
        "media_registers": _register_figures([r for r in rows if r["register"] != "social"]),
        "scripts": dict(scripts),
        "cyrillic_share": round(scripts[SCRIPT_CYRILLIC] / n, 3) if n else 0.0,
        "diacritic_free_share": round(no_diacritics / n, 3) if n else 0.0,
        "diacritic_free_share_of_latin": round(no_diacritics / len(latin), 3) if latin else 0.0,
        "ekavian_posts": sum(1 for c in cues if c["ekavian"]),
        "ijekavian_posts": sum(1 for c in cues if c["ijekavian"]),
        "split": dict(Counter(r["split"] for r in rows)),
        "test_per_label": {label: test_per_label[label] for label in LABELS},
        "test_unlabelled": sum(1 for r in rows if r["split"] == SPLIT_TEST and not r["labels"]),
    }
    return figures, _failures(figures)


def _register_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Posts written in the registers of real media (parts J on): the brief's counts."""
    n = len(rows)
    cyrillic = sum(1 for r in rows if script_of(r["text"]) == SCRIPT_CYRILLIC)
    return {
        "posts": n,
        "cyrillic_share": round(cyrillic / n, 3) if n else 0.0,
        "hard_negatives": sum(1 for r in rows if r["kind"] == "hard_negative" and not r["labels"]),
        "rebuttals": sum(1 for r in rows if "counter_narrative" in r["labels"]),
        "kosovo_precedent": sum(1 for r in rows if "kosovo_precedent" in r["labels"]),
    }


def _failures(f: dict[str, Any]) -> list[str]:
    need = [
        (f["posts"] >= MIN_POSTS, f"posts {f['posts']} < {MIN_POSTS}"),
        (f["unlabelled"] >= MIN_UNLABELLED, f"unlabelled {f['unlabelled']} < {MIN_UNLABELLED}"),
        (
            f["hard_negatives"] >= MIN_HARD_NEGATIVES,
            f"hard negatives {f['hard_negatives']} < {MIN_HARD_NEGATIVES}",
        ),
        (
            f["counter_uses_words"] >= MIN_COUNTER_USES_WORDS,
            f"counter_uses_words {f['counter_uses_words']} < {MIN_COUNTER_USES_WORDS}",
        ),
        (
            f["cyrillic_share"] >= MIN_CYRILLIC_SHARE,
            f"Cyrillic share {f['cyrillic_share']} < {MIN_CYRILLIC_SHARE}",
        ),
        (
            f["diacritic_free_share"] >= MIN_DIACRITIC_FREE_SHARE,
            f"diacritic-free share {f['diacritic_free_share']} < {MIN_DIACRITIC_FREE_SHARE}",
        ),
        (
            f["ekavian_posts"] >= MIN_DIALECT_POSTS,
            f"ekavian posts {f['ekavian_posts']} < {MIN_DIALECT_POSTS}",
        ),
        (
            f["ijekavian_posts"] >= MIN_DIALECT_POSTS,
            f"ijekavian posts {f['ijekavian_posts']} < {MIN_DIALECT_POSTS}",
        ),
    ]
    for label in LABELS:
        need.append(
            (
                f["per_label"][label] >= MIN_PER_LABEL,
                f"{label}: {f['per_label'][label]} posts < {MIN_PER_LABEL}",
            )
        )
        need.append(
            (
                f["test_per_label"][label] >= MIN_TEST_PER_LABEL,
                f"{label}: {f['test_per_label'][label]} test posts < {MIN_TEST_PER_LABEL}",
            )
        )
    return [message for ok, message in need if not ok]


def merge(parts_dir: Path = PARTS_DIR) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Merged, de-duplicated, split rows; the dropped duplicates; the bad lines."""
    rows, problems = read_parts(parts_dir)
    kept, dropped, group_of = deduplicate(rows)
    for row in kept:
        row["split"] = split_of(group_of[row["id"]])
    return kept, dropped, problems


def main(argv: list[str] | None = None) -> int:
    """Merge, check, and write the seed corpus; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m classifiers.data.merge_seed")
    parser.add_argument("--parts", type=Path, default=PARTS_DIR, help="folder of part_*.jsonl")
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="the merged file")
    parser.add_argument("--force", action="store_true", help="write even if checks fail")
    args = parser.parse_args(argv)
    rows, dropped, problems = merge(args.parts)
    figures, failures = corpus_checks(rows)
    for message in problems:
        print(f"bad line: {message}", file=sys.stderr)
    for message in dropped:
        print(f"dropped: {message}")
    print(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
    failures = [f"bad line: {m}" for m in problems] + failures
    for message in failures:
        print(f"FAILED: {message}", file=sys.stderr)
    if failures and not args.force:
        print(f"not written: {len(failures)} requirement(s) not met", file=sys.stderr)
        return 1
    n = write_jsonl(args.out, ({k: r[k] for k in (*KEPT_KEYS, "split")} for r in rows))
    print(f"wrote {n} posts to {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
