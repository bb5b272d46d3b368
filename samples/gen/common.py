"""Shared constants and helpers of the sample generator: window, pool, rng, time, JSON, TL."""

from __future__ import annotations

import inspect
import json
import math
import random
import re
import typing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from narrmon.records import LABELS

SEED = 20261122
SAMPLES_DIR = Path(__file__).resolve().parent.parent
POOL_DIR = SAMPLES_DIR / "pool"
DEFAULT_OUT = SAMPLES_DIR / "data"

WINDOW_START = datetime(2026, 11, 9, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 23, tzinfo=UTC)  # exclusive
DAYS = [WINDOW_START + timedelta(days=i) for i in range(14)]
TG_CAPTURES = [
    datetime(2026, 11, 16, 6, 0, tzinfo=UTC),
    datetime(2026, 11, 20, 6, 0, tzinfo=UTC),
    datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
]
X_LOOKUPS = [
    datetime(2026, 11, 16, 7, 0, tzinfo=UTC),
    datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
]
TWARC_VERSION = "2.14.0"
TWITTER_EPOCH_MS = 1288834974657
QUOTERS = ("x_factcheck", "x_rus_commentator", "x_rs_patriot")
SEARCH_URL = "https://api.twitter.com/2/tweets/search/all"
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
DIGITS_LOWER = "0123456789abcdefghijklmnopqrstuvwxyz"
PRO_KREMLIN = frozenset(LABELS[:4])

# Posting activity by local hour (CET = UTC+1 in November); index = local hour.
HOUR_WEIGHTS = [
    0.30,
    0.15,
    0.08,
    0.05,
    0.05,
    0.20,
    0.70,
    1.20,
    1.50,
    1.50,
    1.30,
    1.20,
    1.20,
    1.10,
    1.10,
    1.10,
    1.20,
    1.30,
    1.40,
    1.50,
    1.50,
    1.30,
    1.00,
    0.60,
]

# "vrijeme", "mlijeko", "djeca", "mjesto", "sjećanje" ... but not "Srbije" or "objekat"
IJEKAVIAN = re.compile(r"\w(?:ije|ије)\w|(?<![oо])[dmbvstcдмбвстц](?:je|је)", re.IGNORECASE)
URL_RE = re.compile(r"(?:https?://|t\.me/)[^\s)]+")
HASHTAG_RE = re.compile(r"(?<![\w/])#\w+")
MENTION_RE = re.compile(r"(?<![\w/])@\w+")


# --------------------------------------------------------------------------- pool


@dataclass(frozen=True)
class PoolEntry:
    """One hand-written post text with its taxonomy labels and persona voice."""

    idx: int
    text: str
    labels: tuple[str, ...]
    voice: str
    on: str | None = None  # ISO date the text belongs to (holidays, anniversaries)
    follows: str | None = None  # prefix of the post this one updates (a reply)
    thread: str | None = None  # X thread id
    part: int = 0  # position in the X thread
    lang: str | None = None  # set only for texts outside BCMS ("ru", "en")

    @property
    def narrative(self) -> bool:
        return bool(PRO_KREMLIN.intersection(self.labels))

    @property
    def ijekavian(self) -> bool:
        return bool(IJEKAVIAN.search(self.text))

    @property
    def cyrillic(self) -> bool:
        cyr = len(re.findall("[\u0400-\u04ff]", self.text))
        lat = len(re.findall("[A-Za-zčćšžđČĆŠŽĐ]", self.text))
        return cyr > lat


def load_pool(name: str) -> list[PoolEntry]:
    """Read ``samples/pool/<name>.jsonl``."""
    entries = []
    path = POOL_DIR / f"{name}.jsonl"
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        entries.append(
            PoolEntry(
                idx=i,
                text=row["text"],
                labels=tuple(row["labels"]),
                voice=row["voice"],
                on=row.get("on"),
                follows=row.get("follows"),
                thread=row.get("thread"),
                part=int(row.get("part", 0)),
                lang=row.get("lang"),
            )
        )
    return entries


# --------------------------------------------------------------------------- helpers


def iso_z(dt: datetime) -> str:
    """X API timestamp: ``2026-11-12T08:15:00.000Z``."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def json_default(obj: Any) -> Any:
    """``json.dumps`` default as in telethon dump scripts."""
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, bytes):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=json_default)


_FLAG_CACHE: dict[type, list[str]] = {}


def tl(cls: type, **kwargs: Any) -> Any:
    """Build a TL object; unset boolean flags become False, as when read off the wire."""
    if cls not in _FLAG_CACHE:
        params = inspect.signature(cls.__init__).parameters
        _FLAG_CACHE[cls] = [
            n
            for n, p in params.items()
            if p.annotation == typing.Optional[bool]  # noqa: UP045
        ]
    for name in _FLAG_CACHE[cls]:
        kwargs.setdefault(name, False)
    return cls(**kwargs)


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def decay(age_hours: float, tau: float, shape: float) -> float:
    """Share of a post's final reach reached ``age_hours`` after posting (0..1)."""
    if age_hours <= 0:
        return 0.0
    return 1.0 - math.exp(-((age_hours / tau) ** shape))


def pick_hour(rng: random.Random) -> int:
    local = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return (local - 1) % 24


def random_times(rng: random.Random, day: datetime, n: int) -> list[datetime]:
    """``n`` distinct posting times within ``day`` (UTC), sorted."""
    seen: set[int] = set()
    out = []
    while len(out) < n:
        h = pick_hour(rng)
        sec = h * 3600 + rng.randrange(3600)
        if sec in seen:
            continue
        seen.add(sec)
        out.append(day + timedelta(seconds=sec))
    return sorted(out)
