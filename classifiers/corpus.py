"""Labelled posts in the docs/labels.md format: JSON Lines with ``text`` and ``labels``.

Extra keys are kept. A bad line is reported with its file and line number and skipped;
the good lines beside it are used. A file with no good line at all is an error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from classifiers import LABELS
from narrmon.errors import InputError

SEED_PATH = Path(__file__).resolve().parent / "data" / "seed.jsonl"
SPLIT_TRAIN = "train"
SPLIT_TEST = "test"
_SPACES = re.compile(r"\s+")


@dataclass
class LabelledPost:
    """One labelled text; ``extra`` holds the keys besides ``text`` and ``labels``."""

    text: str
    labels: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def split(self) -> str | None:
        """``train`` or ``test`` when the file says so."""
        return self.extra.get("split")


@dataclass
class Corpus:
    """The good records of one or more files, and the problems met reading them."""

    posts: list[LabelledPost] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def text_key(text: str) -> str:
    """A hash identifying a text up to white space and case (analyst answers match on it)."""
    canonical = _SPACES.sub(" ", text).strip().casefold()
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).hexdigest()


def parse_record(obj: Any) -> LabelledPost:
    """One JSON object as a labelled post, or ``ValueError`` saying what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError('"text" is missing or not a string')
    labels = obj.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ValueError('"labels" is missing or not a list of strings')
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ValueError(f"unknown label(s) {', '.join(unknown)}; known: {', '.join(LABELS)}")
    ordered = tuple(label for label in LABELS if label in labels)
    extra = {k: v for k, v in obj.items() if k not in ("text", "labels")}
    return LabelledPost(text=text, labels=ordered, extra=extra)


def read_labelled(paths: Sequence[Path | str]) -> Corpus:
    """Read labelled JSON Lines files; bad lines become ``problems`` naming file and line."""
    corpus = Corpus()
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise InputError(f"no such file: {path}")
        good = 0
        with path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    corpus.posts.append(parse_record(orjson.loads(line)))
                    good += 1
                except (orjson.JSONDecodeError, ValueError) as exc:
                    corpus.problems.append(f"{path}: line {number}: {exc}")
        if good == 0:
            raise InputError(
                f"{path}: no labelled posts (a JSON object per line with text, labels)"
            )
    return corpus


def write_jsonl(path: Path | str, rows: Iterable[dict[str, Any]]) -> int:
    """Write dicts as JSON Lines (UTF-8, non-ASCII kept); returns the number written."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("wb") as handle:
        for row in rows:
            handle.write(orjson.dumps(row) + b"\n")
            n += 1
    return n
