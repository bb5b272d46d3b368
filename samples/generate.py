"""Deterministic generator of narrmon's bundled sample data.

The sample covers two ISO weeks (46 and 47: 2026-11-09 00:00 UTC to 2026-11-22 23:59 UTC)
of four fictional public Telegram channels and about thirty fictional X accounts that
write in Serbian, Bosnian and Montenegrin. Every post body comes from the hand-written
pools in ``samples/pool/`` (``telegram.jsonl`` and ``x.jsonl``); this module only decides
who posts which text when, and how its reach grows. It writes the files exactly as the
real collection tools would have saved them:

* ``telegram/<username>__<YYYY-MM-DDTHH-MMZ>.json``: one file per channel per capture, a
  JSON array whose first element is ``messages.ChatFull(...).to_dict()`` and whose other
  elements are ``Message.to_dict()`` / ``MessageService.to_dict()`` of every message
  posted before the capture, newest first, with views, forwards, replies and reactions as
  of that capture. The objects are real telethon TL objects, serialised the way telethon
  dump scripts do (datetimes as ISO strings, bytes as lists of ints).
* ``x/search_<YYYY-MM-DD>.jsonl``: one twarc2 full-archive search per day, one API
  response page (at most 100 tweets) per line, retrieved early the next morning.
* ``x/lookup_<YYYY-MM-DD>.jsonl``: twarc2 hydration of the same tweets later on, with
  grown public metrics.
* ``MANIFEST.json``: every file with its sha256, post count and capture time, and totals.

The run uses one ``random.Random(20261122)`` and no wall-clock time, so running it twice
gives byte-identical files.

Usage::

    python -m samples.generate [--out DIR]     # default: samples/data
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import inspect
import json
import math
import random
import re
import typing
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telethon.tl import types
from telethon.tl.types import messages as tl_messages

SEED = 20261122
UTC = UTC
HERE = Path(__file__).resolve().parent
POOL_DIR = HERE / "pool"
DEFAULT_OUT = HERE / "data"

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
LABELS = ("kosovo_precedent", "russia_protector", "rs_secession", "anti_west", "counter_narrative")
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


# "vrijeme", "mlijeko", "djeca", "mjesto", "sjećanje" ... but not "Srbije" or "objekat"
IJEKAVIAN = re.compile(r"\w(?:ije|ије)\w|(?<![oо])[dmbvstcдмбвстц](?:je|је)", re.IGNORECASE)
URL_RE = re.compile(r"(?:https?://|t\.me/)[^\s)]+")
HASHTAG_RE = re.compile(r"(?<![\w/])#\w+")
MENTION_RE = re.compile(r"(?<![\w/])@\w+")


# --------------------------------------------------------------------------- telegram


@dataclass
class TgChannel:
    key: str
    voice: str
    channel_id: int
    username: str
    title: str
    about: str
    created: datetime
    subscribers: int
    subs_per_day: int
    per_day: tuple[int, int]
    comments: bool
    signatures: bool
    reactions: tuple[str, ...]
    signature_lines: tuple[str, ...]
    signature_prob: float
    forward_share: float
    forward_from: tuple[str, ...]
    borrow: str  # "cyrillic" / "latin" / "" : which texts of the sibling voice it copies
    borrow_from: str
    first_msg_id: int
    access_hash: int = 0
    photo_id: int = 0
    authors: tuple[str, ...] = ()


CHANNELS: list[TgChannel] = [
    TgChannel(
        key="istok",
        voice="tg_istok",
        channel_id=1700000001,
        username="ruski_balkan_info",
        title="Руски Балкан Инфо 🇷🇺🇷🇸",
        about="Вести из Русије и са Балкана без цензуре. Сарадња и реклама: @rbi_urednik",
        created=datetime(2022, 3, 2, 17, 4, 11, tzinfo=UTC),
        subscribers=48210,
        subs_per_day=55,
        per_day=(20, 26),
        comments=True,
        signatures=False,
        reactions=("👍", "🔥", "❤", "🙏", "💯", "😡", "🤡", "😢"),
        signature_lines=(
            "\n\n👉 @ruski_balkan_info",
            "\n\n🇷🇺 Руски Балкан Инфо | Прати нас: https://t.me/ruski_balkan_info",
        ),
        signature_prob=0.35,
        forward_share=0.12,
        forward_from=("krajina",),
        borrow="cyrillic",
        borrow_from="tg_krajina",
        first_msg_id=41873,
    ),
    TgChannel(
        key="krajina",
        voice="tg_krajina",
        channel_id=1700000002,
        username="krajina_glas_bl",
        title="Глас Крајине | Бања Лука",
        about="Бањалука, Крајина и Српска. Вијести, саобраћај, вријеме. "
        "Пишите нам: @glas_krajine_bot",
        created=datetime(2020, 9, 14, 8, 30, 2, tzinfo=UTC),
        subscribers=23420,
        subs_per_day=22,
        per_day=(20, 24),
        comments=True,
        signatures=False,
        reactions=("👍", "❤", "🔥", "🙏", "😢", "😁", "😡", "👎"),
        signature_lines=("\n\n📢 Глас Крајине — @krajina_glas_bl",),
        signature_prob=0.30,
        forward_share=0.16,
        forward_from=("istok",),
        borrow="cyrillic",
        borrow_from="tg_istok",
        first_msg_id=18244,
    ),
    TgChannel(
        key="tabloid",
        voice="tg_tabloid",
        channel_id=1700000003,
        username="brzo_vesti_rs",
        title="BRZO VESTI ⚡️",
        about="Najbrže vesti iz Srbije i sveta ⚡️ Saradnja: @brzovesti_marketing",
        created=datetime(2021, 5, 20, 21, 12, 45, tzinfo=UTC),
        subscribers=61330,
        subs_per_day=85,
        per_day=(20, 26),
        comments=False,
        signatures=False,
        reactions=("👍", "🔥", "😱", "😁", "❤", "😢", "🤬", "🤡"),
        signature_lines=("\n\n⚡️ Prati BRZO VESTI 👉 t.me/brzo_vesti_rs",),
        signature_prob=0.25,
        forward_share=0.20,
        forward_from=("istok", "krajina"),
        borrow="latin",
        borrow_from="tg_krajina",
        first_msg_id=96102,
    ),
    TgChannel(
        key="provjera",
        voice="tg_provjera",
        channel_id=1700000004,
        username="provjereno_ba",
        title="Provjereno.ba | činjenice",
        about="Provjera činjenica i praćenje dezinformacija u BiH i regionu. "
        "Prijavite sumnjivu objavu: @provjereno_prijave_bot",
        created=datetime(2019, 11, 3, 10, 0, 37, tzinfo=UTC),
        subscribers=9850,
        subs_per_day=14,
        per_day=(19, 22),
        comments=True,
        signatures=True,
        reactions=("👍", "❤", "🤔", "👏", "🙏", "🤡", "😢"),
        signature_lines=(
            "\n\n🔎 Provjereno.ba | Prijavite sumnjivu objavu: @provjereno_prijave_bot",
        ),
        signature_prob=0.30,
        forward_share=0.10,
        forward_from=("istok", "krajina", "tabloid"),
        borrow="",
        borrow_from="",
        first_msg_id=7311,
        authors=("Lejla K.", "Dino M.", "Redakcija", "Amra H."),
    ),
]


@dataclass
class TgMsg:
    channel: TgChannel
    msg_id: int
    date: datetime
    kind: str  # text, photo, video, album_head, album_item, media_only, forward, repost, service
    text: str = ""
    entry: PoolEntry | None = None
    fwd_src: TgMsg | None = None
    grouped_id: int | None = None
    edit_date: datetime | None = None
    media: Any = None
    entities: list[Any] = field(default_factory=list)
    post_author: str | None = None
    reply_to_id: int | None = None
    action: str | None = None  # pin, call_start, call_end
    call_duration: int | None = None
    pinned_at: datetime | None = None
    views: int = 0
    forwards: int = 0
    replies: int = 0
    reactions: dict[str, int] = field(default_factory=dict)
    tau: float = 12.0
    repliers: tuple[int, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        if self.entry is not None:
            return self.entry.labels
        if self.fwd_src is not None:
            return self.fwd_src.labels
        return ()


def tg_entities(text: str) -> list[Any]:
    """Entities Telegram would attach: URLs, hashtags, mentions, bold headline."""
    spans: list[tuple[int, int, str]] = []
    for m in URL_RE.finditer(text):
        spans.append((m.start(), m.end(), "url"))
    for m in HASHTAG_RE.finditer(text):
        spans.append((m.start(), m.end(), "hashtag"))
    for m in MENTION_RE.finditer(text):
        if not any(s <= m.start() < e for s, e, _ in spans):
            spans.append((m.start(), m.end(), "mention"))
    first = text.split("\n", 1)[0]
    letters = [c for c in first if c.isalpha()]
    if "\n" in text and len(letters) >= 8:
        upper = sum(1 for c in letters if c.isupper())
        if upper / len(letters) > 0.7:
            spans.append((0, len(first), "bold"))
    out = []
    for start, end, kind in sorted(spans):
        off, length = utf16_len(text[:start]), utf16_len(text[start:end])
        if kind == "url":
            out.append(types.MessageEntityUrl(offset=off, length=length))
        elif kind == "hashtag":
            out.append(types.MessageEntityHashtag(offset=off, length=length))
        elif kind == "mention":
            out.append(types.MessageEntityMention(offset=off, length=length))
        else:
            out.append(types.MessageEntityBold(offset=off, length=length))
    return out


class TelegramBuilder:
    """Builds the channels' timelines and writes the capture files."""

    def __init__(self, rng: random.Random, pool: list[PoolEntry]) -> None:
        self.rng = rng
        self.pool = pool
        self.msgs: dict[str, list[TgMsg]] = {c.key: [] for c in CHANNELS}
        self.next_id = {c.key: c.first_msg_id for c in CHANNELS}
        self.by_key = {c.key: c for c in CHANNELS}
        self.uses: dict[tuple[str, int], list[datetime]] = {}
        self.pins: dict[str, list[tuple[datetime, int]]] = {c.key: [] for c in CHANNELS}
        for c in CHANNELS:
            c.access_hash = rng.randrange(-(2**63), 2**63)
            c.photo_id = rng.randrange(5 * 10**18, 6 * 10**18)

    # ---- media

    def _photo(self, date: datetime) -> Any:
        rng = self.rng
        w, h = rng.choice([(1280, 720), (1280, 853), (1080, 1080), (960, 1280), (1280, 960)])
        big = rng.randrange(90_000, 260_000)
        return tl(
            types.Photo,
            id=rng.randrange(5 * 10**18, 6 * 10**18),
            access_hash=rng.randrange(-(2**63), 2**63),
            file_reference=bytes([2]) + bytes(rng.randrange(256) for _ in range(28)),
            date=date,
            sizes=[
                types.PhotoStrippedSize(
                    type="i", bytes=bytes(rng.randrange(256) for _ in range(40))
                ),
                types.PhotoSize(
                    type="m", w=320, h=int(320 * h / w), size=rng.randrange(9_000, 24_000)
                ),
                types.PhotoSize(
                    type="x", w=800, h=int(800 * h / w), size=rng.randrange(40_000, 90_000)
                ),
                types.PhotoSizeProgressive(
                    type="y",
                    w=w,
                    h=h,
                    sizes=sorted(rng.randrange(8_000, big) for _ in range(4)) + [big],
                ),
            ],
            dc_id=rng.choice([2, 4]),
            video_sizes=[],
        )

    def _video(self, date: datetime) -> Any:
        rng = self.rng
        w, h = rng.choice([(1280, 720), (720, 1280), (848, 480)])
        duration = rng.randrange(8, 190)
        doc = tl(
            types.Document,
            id=rng.randrange(5 * 10**18, 6 * 10**18),
            access_hash=rng.randrange(-(2**63), 2**63),
            file_reference=bytes([2]) + bytes(rng.randrange(256) for _ in range(28)),
            date=date,
            mime_type="video/mp4",
            size=duration * rng.randrange(90_000, 260_000),
            dc_id=rng.choice([2, 4]),
            attributes=[
                tl(
                    types.DocumentAttributeVideo,
                    duration=float(duration),
                    w=w,
                    h=h,
                    supports_streaming=True,
                ),
                types.DocumentAttributeFilename(file_name=f"video_{rng.randrange(10**6):06d}.mp4"),
            ],
            thumbs=[
                types.PhotoStrippedSize(
                    type="i", bytes=bytes(rng.randrange(256) for _ in range(36))
                ),
                types.PhotoSize(
                    type="m",
                    w=320 if w > h else 180,
                    h=180 if w > h else 320,
                    size=rng.randrange(6_000, 15_000),
                ),
            ],
            video_thumbs=[],
        )
        return tl(types.MessageMediaDocument, document=doc, video=True, alt_documents=[])

    # ---- text choice

    def _deck(self, ch: TgChannel) -> list[PoolEntry]:
        own = [e for e in self.pool if e.voice == ch.voice and not e.on and not e.follows]
        sib = []
        if ch.borrow:
            for e in self.pool:
                # channels copy each other's narrative posts, not each other's local news
                if (
                    e.voice == ch.borrow_from
                    and e.labels
                    and not e.on
                    and not e.follows
                    and e.lang is None
                ):
                    if (ch.borrow == "cyrillic") == e.cyrillic:
                        sib.append(e)
        return own + sib

    def _pick_text(self, ch: TgChannel, when: datetime, deck: list[PoolEntry]) -> PoolEntry | None:
        """A text not used by this channel in the last 4 days and used at most twice."""
        tiers: list[list[PoolEntry]] = [[], []]
        for e in deck:
            used = self.uses.get((ch.key, e.idx), [])
            if len(used) >= 2 or (used and when - used[-1] < timedelta(days=4)):
                continue
            tiers[len(used)].append(e)
        candidates = tiers[0]  # fresh texts first, repeats only when none is left
        if not candidates:
            if not tiers[1] or self.rng.random() < 0.5:
                return None  # the caller re-forwards one of the channel's older posts
            candidates = tiers[1]
        weights = [3.0 if e.voice == ch.voice else 1.0 for e in candidates]
        return self.rng.choices(candidates, weights=weights)[0]

    # ---- timeline

    def build(self) -> None:
        rng = self.rng
        events: list[tuple[datetime, int, int, str, Any]] = []
        seq = 0
        for ci, ch in enumerate(CHANNELS):
            for day in DAYS:
                n = rng.randint(*ch.per_day)
                for t in random_times(rng, day, n):
                    r = rng.random()
                    if r < ch.forward_share:
                        kind = "forward"
                    elif r < ch.forward_share + 0.04:
                        kind = "media_only"
                    elif r < ch.forward_share + 0.07:
                        kind = "album"
                    elif r < ch.forward_share + 0.22:
                        kind = "photo"
                    elif r < ch.forward_share + 0.27:
                        kind = "video"
                    else:
                        kind = "text"
                    events.append((t, ci, seq, kind, None))
                    seq += 1
            for e in self.pool:
                if e.voice == ch.voice and e.on:
                    d = datetime.fromisoformat(e.on).replace(tzinfo=UTC)
                    t = d + timedelta(hours=rng.randint(5, 10), minutes=rng.randrange(60))
                    events.append((t, ci, seq, "text", e))
                    seq += 1
            # a pinned post or two per channel
            for d in rng.sample(range(1, 13), 2):
                t = DAYS[d] + timedelta(hours=rng.randint(7, 17), minutes=rng.randrange(60))
                events.append((t, ci, seq, "pin", None))
                seq += 1
        heapq.heapify(events)
        decks = {ch.key: self._deck(ch) for ch in CHANNELS}
        while events:
            t, ci, _, kind, payload = heapq.heappop(events)
            ch = CHANNELS[ci]
            if t >= WINDOW_END:
                continue
            made = self._emit(ch, t, kind, payload, decks[ch.key])
            for follow in made:
                heapq.heappush(events, (follow[0], ci, seq, follow[1], follow[2]))
                seq += 1

    def _new(self, ch: TgChannel, date: datetime, kind: str, **kw: Any) -> TgMsg:
        msg = TgMsg(channel=ch, msg_id=self.next_id[ch.key], date=date, kind=kind, **kw)
        self.next_id[ch.key] += 1
        self.msgs[ch.key].append(msg)
        return msg

    def _frame(self, ch: TgChannel, entry: PoolEntry) -> str:
        text = entry.text
        if ch.signature_lines and self.rng.random() < ch.signature_prob:
            sig = self.rng.choice(ch.signature_lines)
            if ch.username not in text:
                text += sig
        return text

    def _emit(
        self, ch: TgChannel, t: datetime, kind: str, payload: Any, deck: list[PoolEntry]
    ) -> list[tuple[datetime, str, Any]]:
        rng = self.rng
        later: list[tuple[datetime, str, Any]] = []
        if kind == "pin":
            cands = [
                m
                for m in self.msgs[ch.key][-30:]
                if m.kind in ("text", "photo", "video") and m.entry and m.pinned_at is None
            ]
            if not cands:
                return later
            target = max(cands, key=lambda m: (len(m.labels) > 0, m.views, m.msg_id))
            target.pinned_at = t
            self.pins[ch.key].append((t, target.msg_id))
            self._new(ch, t, "service", action="pin", reply_to_id=target.msg_id)
            return later
        if kind in ("call_start", "call_end"):
            self._new(ch, t, "service", action=kind, call_duration=payload)
            return later
        if kind == "forward":
            src = self._forward_source(ch, t)
            if src is None:
                kind = "text"
            else:
                msg = self._new(
                    ch,
                    t,
                    "forward",
                    text=src.text,
                    fwd_src=src,
                    media=src.media,
                    entities=list(src.entities),
                )
                self._reach(msg)
                return later
        if kind == "media_only":
            media = (
                tl(types.MessageMediaPhoto, photo=self._photo(t))
                if rng.random() < 0.6
                else self._video(t)
            )
            msg = self._new(ch, t, "media_only", media=media)
            self._reach(msg)
            return later
        entry = payload if isinstance(payload, PoolEntry) else self._pick_text(ch, t, deck)
        if entry is None:
            src = self._repost_source(ch, t)
            if src is None:
                return later
            msg = self._new(
                ch,
                t,
                "repost",
                text=src.text,
                fwd_src=src,
                media=src.media,
                entities=list(src.entities),
            )
            self._reach(msg)
            return later
        self.uses.setdefault((ch.key, entry.idx), []).append(t)
        text = self._frame(ch, entry)
        author = rng.choice(ch.authors) if ch.signatures else None
        edit = None
        if rng.random() < 0.07:
            edit = t + timedelta(seconds=rng.randrange(60, 3 * 3600))
        reply_to = None
        if entry.follows is not None:
            for m in reversed(self.msgs[ch.key]):
                if m.entry and m.entry.text.startswith(entry.follows):
                    reply_to = m.msg_id
                    break
        if kind == "album":
            gid = 13_900_000_000_000_000 + rng.randrange(10**14)
            head = self._new(
                ch,
                t,
                "album_head",
                text=text,
                entry=entry,
                grouped_id=gid,
                media=tl(types.MessageMediaPhoto, photo=self._photo(t)),
                entities=tg_entities(text),
                post_author=author,
                edit_date=edit,
            )
            self._reach(head)
            for _ in range(rng.randint(1, 2)):
                item = self._new(
                    ch,
                    t,
                    "album_item",
                    grouped_id=gid,
                    post_author=author,
                    media=tl(types.MessageMediaPhoto, photo=self._photo(t)),
                )
                self._reach(item, base=head)
            return later
        media = None
        if kind == "photo":
            media = tl(types.MessageMediaPhoto, photo=self._photo(t))
        elif kind == "video":
            media = self._video(t)
        msg = self._new(
            ch,
            t,
            kind,
            text=text,
            entry=entry,
            media=media,
            entities=tg_entities(text),
            post_author=author,
            edit_date=edit,
            reply_to_id=reply_to,
        )
        self._reach(msg)
        # follow-ups written for this post (e.g. "UPDATE: ... found") come a day later
        for e in self.pool:
            if e.follows and e.voice == ch.voice and entry.text.startswith(e.follows):
                later.append(
                    (t + timedelta(hours=rng.randint(16, 30), minutes=rng.randrange(60)), "text", e)
                )
        # announced live streams take place at 20h local time the same day
        low = entry.text.lower()
        if ("вечерас у 20ч на нашем каналу" in low or "večeras u 20h uživo" in low) and len(
            self.uses[(ch.key, entry.idx)]
        ) == 1:
            start = t.replace(hour=19, minute=0, second=rng.randrange(5, 50))
            if start > t:
                dur = rng.randrange(3600, 5400)
                later.append((start, "call_start", None))
                later.append((start + timedelta(seconds=dur), "call_end", dur))
        return later

    def _forward_source(self, ch: TgChannel, t: datetime) -> TgMsg | None:
        cands, weights = [], []
        for key in ch.forward_from:
            for m in self.msgs[key]:
                if (
                    m.kind in ("text", "photo", "video")
                    and m.entry
                    and timedelta(minutes=20) < t - m.date < timedelta(hours=36)
                ):
                    if ch.key == "provjera" and not m.entry.narrative:
                        continue
                    if any(f.fwd_src is m for f in self.msgs[ch.key][-60:]):
                        continue
                    cands.append(m)
                    weights.append((3.0 if m.entry.narrative else 0.6) * (1 + m.views / 5000))
        if not cands:
            return None
        return self.rng.choices(cands, weights=weights)[0]

    def _repost_source(self, ch: TgChannel, t: datetime) -> TgMsg | None:
        cands = [
            m
            for m in self.msgs[ch.key]
            if m.kind in ("text", "photo", "video")
            and m.entry
            and t - m.date > timedelta(days=2)
            and not any(r.fwd_src is m for r in self.msgs[ch.key])
        ]
        if not cands:
            return None
        return self.rng.choice(cands)

    # ---- reach

    def _reach(self, msg: TgMsg, base: TgMsg | None = None) -> None:
        rng = self.rng
        ch = msg.channel
        if base is not None:
            msg.views = int(base.views * rng.uniform(0.93, 1.0))
            msg.tau = base.tau
            return
        reach = min(0.95, max(0.06, rng.lognormvariate(math.log(0.28), 0.38)))
        labels = msg.labels
        if ch.key == "provjera":
            if "counter_narrative" in labels:
                reach *= 1.25
        elif PRO_KREMLIN.intersection(labels):
            reach *= 1.3
        if msg.kind == "media_only":
            reach *= 0.8
        msg.views = int(ch.subscribers * reach)
        msg.tau = rng.uniform(8.0, 18.0)
        share = rng.uniform(0.001, 0.008) * (2.5 if PRO_KREMLIN.intersection(labels) else 1.0)
        msg.forwards = int(msg.views * share)
        react = rng.uniform(0.004, 0.02) * (1.5 if labels else 1.0)
        total = int(msg.views * react)
        if ch.comments and msg.kind != "album_item":
            msg.replies = int(msg.views * rng.uniform(0.0005, 0.004) * (2 if labels else 1))
            msg.repliers = tuple(rng.randrange(10**8, 7 * 10**9) for _ in range(3))
        if total > 0:
            emojis = list(ch.reactions)
            if "counter_narrative" in labels:
                prefs = {"👍": 5, "❤": 3, "👏": 2, "🤔": 2, "🤡": 1.5}
            elif PRO_KREMLIN.intersection(labels):
                prefs = {
                    "👍": 5,
                    "🔥": 3,
                    "💯": 2,
                    "🙏": 2,
                    "😡": 2 if "anti_west" in labels else 0.5,
                    "❤": 2,
                    "🤬": 1.5,
                    "👎": 0.7,
                    "🤡": 0.6,
                }
            else:
                prefs = {"👍": 4, "❤": 3, "😁": 1.5, "😢": 1.2, "😱": 1, "🔥": 1, "🤔": 0.5}
            shares = [rng.gammavariate(prefs.get(e, 0.3), 1.0) for e in emojis]
            s = sum(shares)
            for e, w in zip(emojis, shares, strict=False):
                c = int(total * w / s)
                if c > 0:
                    msg.reactions[e] = c

    # ---- serialisation

    def message_at(self, m: TgMsg, cap: datetime) -> Any:
        ch = m.channel
        peer = types.PeerChannel(channel_id=ch.channel_id)
        age = (cap - m.date).total_seconds() / 3600
        if m.kind == "service":
            if m.action == "pin":
                action = types.MessageActionPinMessage()
            else:
                call = types.InputGroupCall(
                    id=m.msg_id * 7919 + ch.channel_id, access_hash=ch.access_hash ^ m.msg_id
                )
                if m.action == "call_end":
                    cands = [
                        x
                        for x in self.msgs[ch.key]
                        if x.action == "call_start" and x.msg_id < m.msg_id
                    ]
                    start = cands[-1]
                    call = types.InputGroupCall(
                        id=start.msg_id * 7919 + ch.channel_id,
                        access_hash=ch.access_hash ^ start.msg_id,
                    )
                action = types.MessageActionGroupCall(call=call, duration=m.call_duration)
            reply = None
            if m.reply_to_id is not None:
                reply = tl(types.MessageReplyHeader, reply_to_msg_id=m.reply_to_id)
            return tl(
                types.MessageService,
                id=m.msg_id,
                peer_id=peer,
                date=m.date,
                action=action,
                post=True,
                reply_to=reply,
                reactions=None,
            )
        views = max(1, int(m.views * decay(age, m.tau, 0.7)))
        fwds = int(m.forwards * decay(age, m.tau * 0.6, 0.7))
        fwd = None
        if m.fwd_src is not None:
            src = m.fwd_src
            fwd = tl(
                types.MessageFwdHeader,
                date=src.date,
                from_id=types.PeerChannel(channel_id=src.channel.channel_id),
                channel_post=src.msg_id,
                post_author=src.post_author,
            )
        replies = None
        if ch.comments and m.kind != "album_item":
            n = int(m.replies * decay(age, m.tau * 0.5, 0.8))
            replies = tl(
                types.MessageReplies,
                replies=n,
                replies_pts=2_000_000 + m.msg_id * 9 + n,
                comments=True,
                recent_repliers=[types.PeerUser(user_id=u) for u in m.repliers[: min(3, n)]]
                if n
                else None,
                channel_id=ch.channel_id + 100,
                max_id=(900_000 + m.msg_id * 5 + n) if n else None,
            )
        reactions = None
        counts = []
        for e, c in m.reactions.items():
            now = int(c * decay(age, m.tau * 0.5, 0.8))
            if now > 0:
                counts.append((now, e))
        if counts:
            counts.sort(key=lambda x: (-x[0], ch.reactions.index(x[1])))
            reactions = tl(
                types.MessageReactions,
                results=[
                    tl(types.ReactionCount, reaction=types.ReactionEmoji(emoticon=e), count=c)
                    for c, e in counts
                ],
                recent_reactions=[],
                top_reactors=[],
            )
        reply = None
        if m.reply_to_id is not None:
            reply = tl(types.MessageReplyHeader, reply_to_msg_id=m.reply_to_id)
        edit = m.edit_date if m.edit_date is not None and m.edit_date <= cap else None
        return tl(
            types.Message,
            id=m.msg_id,
            peer_id=peer,
            date=m.date,
            message=m.text,
            post=True,
            pinned=m.pinned_at is not None and m.pinned_at <= cap,
            fwd_from=fwd,
            reply_to=reply,
            media=m.media,
            entities=m.entities,
            views=views,
            forwards=fwds,
            replies=replies,
            edit_date=edit,
            edit_hide=False,
            post_author=m.post_author,
            grouped_id=m.grouped_id,
            reactions=reactions,
            restriction_reason=[],
        )

    def chat_full(self, ch: TgChannel, cap: datetime, last_id: int) -> Any:
        days = (cap - WINDOW_START).total_seconds() / 86400
        subs = ch.subscribers + int(ch.subs_per_day * days)
        pinned = [mid for t, mid in self.pins[ch.key] if t <= cap]
        if ch.key == "provjera":
            available = tl(types.ChatReactionsAll, allow_custom=False)
        else:
            available = types.ChatReactionsSome(
                reactions=[types.ReactionEmoji(emoticon=e) for e in ch.reactions]
            )
        full = tl(
            types.ChannelFull,
            id=ch.channel_id,
            about=ch.about,
            read_inbox_max_id=last_id,
            read_outbox_max_id=0,
            unread_count=0,
            chat_photo=tl(
                types.Photo,
                id=ch.photo_id,
                access_hash=ch.access_hash ^ 0x5A5A,
                file_reference=b"\x00" + ch.channel_id.to_bytes(8, "big"),
                date=ch.created + timedelta(minutes=3),
                sizes=[
                    types.PhotoSize(type="a", w=160, h=160, size=7421),
                    types.PhotoSize(type="b", w=320, h=320, size=20183),
                    types.PhotoSize(type="c", w=640, h=640, size=61225),
                ],
                dc_id=2,
                video_sizes=[],
            ),
            notify_settings=types.PeerNotifySettings(),
            bot_info=[],
            pts=ch.first_msg_id * 3 + last_id,
            participants_count=subs,
            linked_chat_id=ch.channel_id + 100 if ch.comments else None,
            pinned_msg_id=pinned[-1] if pinned else None,
            available_reactions=available,
            reactions_limit=11,
            stats_dc=2 if ch.key != "provjera" else 4,
            pending_suggestions=[],
            recent_requesters=[],
        )
        chat = tl(
            types.Channel,
            id=ch.channel_id,
            title=ch.title,
            photo=tl(
                types.ChatPhoto,
                photo_id=ch.photo_id,
                dc_id=2,
                stripped_thumb=b"\x01\x28\x28" + ch.channel_id.to_bytes(8, "big"),
            ),
            date=ch.created,
            broadcast=True,
            access_hash=ch.access_hash,
            username=ch.username,
            signatures=ch.signatures,
            has_link=ch.comments,
            restriction_reason=[],
            usernames=[],
            level=ch.channel_id % 5 + 1,
        )
        return tl_messages.ChatFull(full_chat=full, chats=[chat], users=[])

    def write(self, out: Path) -> list[dict[str, Any]]:
        files = []
        tdir = out / "telegram"
        tdir.mkdir(parents=True, exist_ok=True)
        for ch in CHANNELS:
            for cap in TG_CAPTURES:
                msgs = [m for m in self.msgs[ch.key] if m.date < cap]
                msgs.sort(key=lambda m: m.msg_id, reverse=True)
                head = self.chat_full(ch, cap, msgs[0].msg_id if msgs else 0)
                elems = [dumps(head.to_dict())]
                elems += [dumps(self.message_at(m, cap).to_dict()) for m in msgs]
                body = "[\n" + ",\n".join(elems) + "\n]\n"
                name = f"{ch.username}__{cap.strftime('%Y-%m-%dT%H-%MZ')}.json"
                (tdir / name).write_text(body, encoding="utf-8")
                files.append(
                    {
                        "path": f"telegram/{name}",
                        "platform": "telegram",
                        "account": ch.username,
                        "captured_at": cap.isoformat(),
                        "posts": sum(1 for m in msgs if m.kind != "service"),
                        "service_messages": sum(1 for m in msgs if m.kind == "service"),
                    }
                )
        return files

    def totals(self) -> dict[str, Any]:
        allm = [m for ms in self.msgs.values() for m in ms]
        posts = [m for m in allm if m.kind != "service"]
        per_day = []
        for ch in CHANNELS:
            for day in DAYS:
                per_day.append(
                    sum(1 for m in self.msgs[ch.key] if day <= m.date < day + timedelta(days=1))
                )
        return {
            "channels": len(CHANNELS),
            "posts": len(posts),
            "service_messages": len(allm) - len(posts),
            "forwards": sum(1 for m in posts if m.fwd_src is not None),
            "albums": len({m.grouped_id for m in posts if m.grouped_id}),
            "media_only": sum(1 for m in posts if m.kind in ("media_only", "album_item")),
            "edited": sum(1 for m in posts if m.edit_date is not None),
            "posts_per_channel_day": {"min": min(per_day), "max": max(per_day)},
        }


# --------------------------------------------------------------------------- X


@dataclass
class XUser:
    username: str
    name: str
    voice: str
    followers: int
    following: int
    tweets_before: int
    listed: int
    likes: int
    created: datetime
    description: str
    location: str | None = None
    verified_type: str = "none"
    per_day_rt: tuple[float, float] = (0.0, 1.0)
    home: tuple[str, ...] = ()
    weight: float = 1.0
    ijekavian: bool = False
    user_id: str = ""
    image: str = ""


def _u(
    username: str,
    name: str,
    voice: str,
    followers: int,
    following: int,
    tweets: int,
    created: str,
    description: str,
    location: str | None = None,
    verified: str = "none",
    rt: tuple[float, float] = (0.0, 1.0),
    home: tuple[str, ...] = (),
    weight: float = 1.0,
    ij: bool = False,
) -> XUser:
    return XUser(
        username=username,
        name=name,
        voice=voice,
        followers=followers,
        following=following,
        tweets_before=tweets,
        listed=max(0, followers // 180),
        likes=tweets * 2 + followers // 3,
        created=datetime.fromisoformat(created).replace(tzinfo=UTC),
        description=description,
        location=location,
        verified_type=verified,
        per_day_rt=rt,
        home=home,
        weight=weight,
        ijekavian=ij or voice == "x_rs_patriot",
    )


BIH = (
    "Sarajev",
    "Сарајев",
    "Mostar",
    "Мостар",
    "Tuzl",
    "Тузл",
    "Zenic",
    "Зениц",
    "Koševo",
    "Skenderij",
    "Trebević",
    "Bihać",
    "FBiH",
    "Kreka",
)
RS = (
    "Banjaluk",
    "Бањалук",
    "Бања Лук",
    "Trebinj",
    "Требињ",
    "Bijeljin",
    "Бијељин",
    "Prijedor",
    "Doboj",
    "Добој",
    "Laktaš",
    "Лакташ",
    "Narodna skupština RS",
    "Народна скупштина РС",
    "RTRS",
    "Zvornik",
    "Кастел",
    "Kastel",
    "Krajin",
    "Крајин",
    "Vrbas",
    "Врбас",
    "Господска",
)
MNE = (
    "Podgoric",
    "Подгориц",
    "Kotor",
    "Котор",
    "Cetinj",
    "Цетињ",
    "Ulcinj",
    "Herceg Novi",
    "Crne Gore",
    "Crna Gora",
    "Црне Горе",
    "Nikšić",
    "Бока",
)
ECON = (
    "Inflacij",
    "inflacij",
    "NBS",
    "plat",
    "плат",
    "goriv",
    "горив",
    "cene",
    "Cijen",
    "cijen",
    "BDP",
    "РЗС",
    "RZS",
    "Elektroprivred",
    "naftovod",
    "Arcelor",
    "NIS",
)

X_USERS: list[XUser] = [
    # RS / Dodik fan accounts
    _u(
        "srpska_zauvijek",
        "Srpska zauvijek 🇷🇸",
        "x_rs_patriot",
        8240,
        1310,
        21400,
        "2016-01-09",
        "Република Српска 🇷🇸 | Вјера, породица, отаџбина",
        "Republika Srpska",
        rt=(1, 3),
    ),
    _u(
        "krajiski_vuk",
        "Krajiški vuk",
        "x_rs_patriot",
        3120,
        870,
        9800,
        "2019-06-28",
        "Krajišnik. Borac do groba 🔴🔵",
        "Banja Luka",
        rt=(0.5, 2),
        home=RS,
    ),
    _u(
        "drina_nije_granica",
        "Дрина није граница",
        "x_rs_patriot",
        12410,
        402,
        30200,
        "2014-11-02",
        "Један народ, једна држава. 🇷🇸🇷🇸",
        rt=(1, 3),
    ),
    _u(
        "trebinje_sokol",
        "Соко из Требиња",
        "x_rs_patriot",
        1930,
        655,
        4100,
        "2021-03-17",
        "Требиње ☀️ Херцеговина",
        "Требиње",
        rt=(0, 2),
        home=("Trebinj", "Требињ"),
    ),
    _u(
        "srpkinja_iz_bl",
        "Srpkinja iz BL ☦️",
        "x_rs_patriot",
        5610,
        1190,
        15800,
        "2018-08-05",
        "Majka, pravnica, Banjalučanka. Stavovi su lični.",
        "Banjaluka",
        rt=(0.5, 2),
        home=RS,
    ),
    # pro-Russian commentators
    _u(
        "ruski_ugao",
        "Руски угао",
        "x_rus_commentator",
        24120,
        611,
        48100,
        "2015-05-21",
        "Русија, Балкан, мултиполарни свет. Аналитика без западних филтера.",
        rt=(1, 3),
        weight=1.4,
    ),
    _u(
        "balkan_multipolar",
        "Balkan Multipolar",
        "x_rus_commentator",
        15030,
        1022,
        26300,
        "2020-02-11",
        "Geopolitika | BRICS | Balkan. RT ≠ endorsement",
        "Beograd",
        rt=(1, 3),
    ),
    _u(
        "analiticar_istok",
        "Аналитичар Исток",
        "x_rus_commentator",
        9810,
        508,
        17700,
        "2017-10-30",
        "Бивши дипломата. Пишем о међународном праву и двоструким стандардима.",
        rt=(0, 2),
    ),
    _u(
        "istocni_vetar",
        "Источни ветар 🇷🇺🇷🇸",
        "x_rus_commentator",
        31240,
        290,
        61900,
        "2014-03-03",
        "Истина коју вам CNN неће рећи. Телеграм: t.me/ruski_balkan_info",
        rt=(1, 4),
        weight=1.3,
    ),
    _u(
        "slovenski_svet",
        "Словенски свет",
        "x_rus_commentator",
        18160,
        744,
        22900,
        "2016-07-07",
        "Православље, историја, словенско братство ☦️",
        rt=(0, 2),
    ),
    # bot-like amplifiers
    _u(
        "patriota_rs_1389",
        "Patriota 1389",
        "x_amplifier",
        742,
        4911,
        88100,
        "2023-01-12",
        "🇷🇸🇷🇺 Kosovo je Srbija 🇷🇸🇷🇺",
        rt=(4, 9),
    ),
    _u(
        "srbija_budi_se77",
        "Србија буди се 🇷🇸🇷🇺",
        "x_amplifier",
        1218,
        4030,
        57300,
        "2022-10-02",
        "Пробуди се Србијо! #КосовоЈеСрбија",
        rt=(4, 8),
    ),
    _u("zastava_3x", "🇷🇸🇷🇸🇷🇸", "x_amplifier", 391, 2988, 41200, "2024-04-19", "", rt=(3, 7)),
    _u(
        "kosovo_srce_srb",
        "Косово срце Србије",
        "x_amplifier",
        2305,
        3711,
        103400,
        "2021-12-25",
        "Ко не памти 1999, не зна шта је слобода 🕯",
        rt=(4, 9),
    ),
    _u(
        "vesti_bez_cenzure",
        "Vesti bez cenzure",
        "x_amplifier",
        6130,
        2650,
        74600,
        "2020-06-01",
        "Vesti koje mejnstrim krije 👇 vesti-bez-cenzure.info",
        rt=(3, 8),
    ),
    # journalists and outlets
    _u(
        "novinarka_bgd",
        "Jelena Pavić",
        "x_journalist",
        21340,
        1844,
        33100,
        "2012-09-14",
        "Novinarka. Spoljna politika, UN, Balkan. Stavovi lični.",
        "Beograd",
        "blue",
        rt=(0, 1),
        weight=1.4,
    ),
    _u(
        "sa_dopisnik",
        "Dopisnik iz Sarajeva",
        "x_journalist",
        14210,
        1520,
        25200,
        "2013-04-02",
        "Izvještavam iz BiH od 2009. DM otvoren.",
        "Sarajevo",
        "blue",
        rt=(0, 1),
        home=BIH,
        ij=True,
    ),
    _u(
        "bl_reporter",
        "BL Reporter",
        "x_journalist",
        7730,
        930,
        18900,
        "2016-02-20",
        "Vijesti iz Banjaluke i Republike Srpske.",
        "Banja Luka",
        rt=(0, 1),
        home=RS + ("Dodik",),
        ij=True,
    ),
    _u(
        "pg_vijesti",
        "PG Vijesti",
        "x_journalist",
        33050,
        310,
        91200,
        "2011-11-11",
        "Najnovije vijesti iz Crne Gore i regiona.",
        "Podgorica",
        "business",
        rt=(0, 1),
        home=MNE,
        ij=True,
    ),
    _u(
        "bg_ekonomija",
        "Ekonomija BG",
        "x_journalist",
        11020,
        640,
        14500,
        "2018-01-29",
        "Cene, plate, kursevi, budžet. Brojke bez spina.",
        "Beograd",
        rt=(0, 1),
        home=ECON,
    ),
    _u(
        "dnevni_pregled_rs",
        "Дневни преглед",
        "x_journalist",
        58110,
        120,
        142300,
        "2010-06-15",
        "Вести из Србије, региона и света. 24/7.",
        "Beograd",
        "business",
        rt=(0, 1),
        weight=1.6,
    ),
    # fact-checkers and analysts
    _u(
        "provjereno_ba",
        "Provjereno.ba",
        "x_factcheck",
        19070,
        811,
        12900,
        "2019-11-03",
        "Provjera činjenica | BiH i region | t.me/provjereno_ba",
        "Sarajevo",
        "business",
        rt=(0, 1),
        weight=1.3,
        ij=True,
    ),
    _u(
        "cinjenice_prvo",
        "Činjenice prvo",
        "x_factcheck",
        12080,
        1212,
        9400,
        "2018-05-08",
        "Fact-checking platforma. Pošaljite nam sumnjiv sadržaj.",
        "Novi Sad",
        rt=(0, 1),
    ),
    _u(
        "balkan_disinfo_lab",
        "Balkan Disinfo Lab",
        "x_factcheck",
        8910,
        2033,
        5200,
        "2021-09-09",
        "Istražujemo koordinisane kampanje na Balkanu. OSINT.",
        rt=(0, 1),
        ij=True,
    ),
    _u(
        "analitika_sa",
        "Analitika SA",
        "x_factcheck",
        4210,
        1430,
        3700,
        "2015-03-23",
        "Think tank. Javne politike, vladavina prava, EU integracije.",
        "Sarajevo",
        rt=(0, 1),
        ij=True,
    ),
    # ordinary users
    _u(
        "marko_nbg",
        "Marko",
        "x_citizen",
        641,
        712,
        8300,
        "2015-08-17",
        "NBG | IT | Zvezda | kafa",
        "Novi Beograd",
        rt=(0, 0.6),
    ),
    _u(
        "ajla_sarajevo",
        "Ajla",
        "x_citizen",
        1312,
        904,
        11200,
        "2014-12-01",
        "Sarajevo 💛 arhitektica, mačke, planine",
        "Sarajevo",
        rt=(0, 0.6),
        home=BIH,
        ij=True,
    ),
    _u(
        "bokeljka_kotor",
        "Bokeljka",
        "x_citizen",
        884,
        560,
        6100,
        "2017-06-06",
        "Boka ⚓️ more, kafa, knjige",
        "Kotor",
        rt=(0, 0.5),
        home=MNE,
        ij=True,
    ),
    _u(
        "deda_iz_zemuna",
        "Деда из Земуна",
        "x_citizen",
        9420,
        201,
        15300,
        "2019-02-14",
        "Пензионер. Унук ме научио Твитер. Пишем шта мислим.",
        "Земун",
        rt=(0, 0.5),
        weight=1.3,
    ),
    _u(
        "delija_1991",
        "Delija 1991 🔴⚪️",
        "x_citizen",
        2110,
        1650,
        27900,
        "2013-05-29",
        "Crvena zvezda do smrti. Bari 1991.",
        "Beograd",
        rt=(0, 0.8),
    ),
    _u(
        "vlado_mostar",
        "Vlado",
        "x_citizen",
        412,
        380,
        2900,
        "2020-10-10",
        "Mostar, Neretva, ribolov.",
        "Mostar",
        rt=(0, 0.4),
        home=("Mostar", "Neretv"),
        ij=True,
    ),
    _u(
        "ana_ns",
        "Ana",
        "x_citizen",
        1705,
        830,
        9900,
        "2016-09-21",
        "Novi Sad 🌉 učiteljica, trčanje, kuvanje",
        "Novi Sad",
        rt=(0, 0.6),
        home=("Novi Sad", "Нови Сад", "Novosad", "Новосад"),
    ),
    _u(
        "kafana_filozof",
        "Kafanski filozof",
        "x_citizen",
        27300,
        490,
        38100,
        "2012-02-02",
        "Mudrosti za šankom. Ne shvatajte ozbiljno.",
        rt=(0, 0.7),
        weight=1.5,
    ),
]


@dataclass
class Tweet:
    tweet_id: int
    user: XUser
    created: datetime
    text: str
    kind: str  # original, reply, quote, retweet, thread
    entry: PoolEntry | None = None
    ref: Tweet | None = None  # retweeted / quoted / replied-to tweet
    conversation: int = 0
    in_reply_to_user: XUser | None = None
    lang: str = "sr"
    urls: list[dict[str, Any]] = field(default_factory=list)
    # final values; actual retweets / quotes / replies generated here are added on top
    impressions: int = 0
    likes: int = 0
    retweets: int = 0
    replies: int = 0
    quotes: int = 0
    bookmarks: int = 0
    tau: float = 3.0
    children: list[Tweet] = field(default_factory=list)

    @property
    def labels(self) -> tuple[str, ...]:
        if self.entry is not None:
            return self.entry.labels
        return self.ref.labels if self.ref is not None else ()


class XBuilder:
    """Builds the accounts' tweets and writes twarc2 search and lookup files."""

    def __init__(self, rng: random.Random, pool: list[PoolEntry]) -> None:
        self.rng = rng
        self.pool = pool
        self.tweets: list[Tweet] = []
        self.used_ids: set[int] = set()
        self.by_name = {u.username: u for u in X_USERS}
        for u in X_USERS:
            u.created += timedelta(seconds=rng.randrange(86400))
            if u.created.year >= 2014:
                u.user_id = str(self._snowflake(u.created))
            else:
                u.user_id = str(rng.randrange(10**8, 3 * 10**9))
            folder = rng.randrange(10**18, 2 * 10**18)
            stem = "".join(rng.choices(ALNUM + "_-", k=8))
            u.image = f"https://pbs.twimg.com/profile_images/{folder}/{stem}_normal.jpg"

    def _snowflake(self, dt: datetime) -> int:
        ms = int(dt.timestamp() * 1000) + self.rng.randrange(0, 999)
        while True:
            sid = (
                ((ms - TWITTER_EPOCH_MS) << 22)
                | (self.rng.randrange(32) << 17)
                | (self.rng.randrange(32) << 12)
                | self.rng.randrange(4096)
            )
            if sid not in self.used_ids:
                self.used_ids.add(sid)
                return sid

    def _lang(self, e: PoolEntry | None, text: str) -> str:
        letters = re.sub(r"https?://\S+|[@#]\w+", "", text)
        nletters = sum(1 for c in letters if c.isalpha())
        if nletters < 12:
            return "und"
        if e is not None and e.lang:
            return e.lang
        if re.search("[\u0400-\u04ff]", letters):
            return "sr"
        if re.search(r"\b(the|should|you|about)\b", letters):
            return "en"
        r = self.rng.random()
        if e is not None and e.ijekavian:
            return "bs" if r < 0.55 else ("hr" if r < 0.85 else "sr")
        return "sr" if r < 0.7 else ("hr" if r < 0.9 else "bs")

    def _tco(self, url: str) -> dict[str, Any]:
        code = "".join(
            self.rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=10)
        )
        display = re.sub(r"^https?://", "", url)
        if len(display) > 26:
            display = display[:25] + "…"
        return {"url": f"https://t.co/{code}", "expanded_url": url, "display_url": display}

    def _shorten(self, text: str) -> tuple[str, list[dict[str, Any]]]:
        urls = []

        def repl(m: re.Match[str]) -> str:
            u = self._tco(m.group(0))
            urls.append(u)
            return u["url"]

        return re.sub(r"https?://\S+", repl, text), urls

    def _account_for(self, e: PoolEntry) -> XUser:
        # nobody replies to or mentions themselves
        accts = [u for u in X_USERS if u.voice == e.voice and f"@{u.username}" not in e.text]
        homed = [u for u in accts if u.home and any(k in e.text for k in u.home)]
        if homed:
            return self.rng.choice(homed)
        plain = [u for u in accts if not u.home] or accts
        same = [u for u in plain if u.ijekavian == e.ijekavian]
        plain = same or plain
        return self.rng.choices(plain, weights=[u.weight for u in plain])[0]

    def _metrics(self, tw: Tweet) -> None:
        rng = self.rng
        u = tw.user
        boost = 1.0
        labels = tw.labels
        if PRO_KREMLIN.intersection(labels):
            boost = 1.4
        elif "counter_narrative" in labels:
            boost = 1.15
        tw.impressions = int(
            u.followers * rng.lognormvariate(math.log(0.35), 0.7) * boost
        ) + rng.randrange(20, 200)
        tw.likes = int(tw.impressions * rng.uniform(0.008, 0.035))
        tw.retweets = int(tw.likes * rng.uniform(0.08, 0.35) * boost)
        tw.replies = int(tw.likes * rng.uniform(0.04, 0.18))
        tw.quotes = int(tw.retweets * rng.uniform(0.03, 0.12))
        tw.bookmarks = int(tw.likes * rng.uniform(0.02, 0.09))
        tw.tau = rng.uniform(1.5, 5.0)

    def _post(
        self,
        u: XUser,
        when: datetime,
        e: PoolEntry,
        kind: str = "original",
        ref: Tweet | None = None,
    ) -> Tweet:
        text, urls = self._shorten(e.text)
        tid = self._snowflake(when)
        tw = Tweet(
            tweet_id=tid,
            user=u,
            created=when,
            text=text,
            kind=kind,
            entry=e,
            urls=urls,
            conversation=tid,
        )
        if kind == "quote" and ref is not None:
            q = self._tco(f"https://x.com/{ref.user.username}/status/{ref.tweet_id}")
            tw.text = f"{text} {q['url']}"
            tw.urls.append(q)
            tw.ref = ref
            ref.children.append(tw)
        elif kind in ("reply", "thread") and ref is not None:
            tw.ref = ref
            tw.conversation = ref.conversation
            tw.in_reply_to_user = ref.user
            ref.children.append(tw)
        tw.lang = self._lang(e, e.text)
        self._metrics(tw)
        self.tweets.append(tw)
        return tw

    def build(self) -> None:
        rng = self.rng
        plan: list[tuple[datetime, int, XUser, PoolEntry]] = []
        seq = 0
        by_voice: dict[str, list[PoolEntry]] = {}
        for e in self.pool:
            by_voice.setdefault(e.voice, []).append(e)
        for voice, entries in by_voice.items():
            singles = [e for e in entries if e.thread is None]
            threads: dict[str, list[PoolEntry]] = {}
            for e in entries:
                if e.thread is not None:
                    threads.setdefault(e.thread, []).append(e)
            units: list[list[PoolEntry]] = [[e] for e in singles]
            units += [sorted(v, key=lambda x: x.part) for _, v in sorted(threads.items())]
            rng.shuffle(units)
            for i, unit in enumerate(units):
                head = unit[0]
                if head.on:
                    day = datetime.fromisoformat(head.on).replace(tzinfo=UTC)
                else:
                    day = DAYS[(i * 14) // len(units)]
                    if rng.random() < 0.35:
                        day = DAYS[rng.randrange(14)]
                t = day + timedelta(hours=pick_hour(rng), seconds=rng.randrange(3600))
                copies = rng.choice([2, 2, 3]) if voice == "x_amplifier" else 1
                accts = [u for u in X_USERS if u.voice == voice]
                chosen = rng.sample(accts, copies) if copies > 1 else [self._account_for(head)]
                for k, u in enumerate(chosen):
                    tk = t + timedelta(seconds=k * rng.randrange(40, 1500))
                    for j, part in enumerate(unit):
                        plan.append(
                            (tk + timedelta(seconds=j * rng.randrange(50, 160)), seq, u, part)
                        )
                        seq += 1
        # retweet slots
        rts: list[tuple[datetime, int, XUser]] = []
        for u in X_USERS:
            lo, hi = u.per_day_rt
            for day in DAYS:
                n = int(rng.uniform(lo, hi) + rng.random())
                for t in random_times(rng, day, n):
                    rts.append((t, seq, u))
                    seq += 1
        events: list[tuple[datetime, int, str, Any]] = []
        events += [(t, s, "post", (u, e)) for t, s, u, e in plan]
        events += [(t, s, "rt", u) for t, s, u in rts]
        events = [ev for ev in events if WINDOW_START <= ev[0] < WINDOW_END]
        events.sort(key=lambda ev: (ev[0], ev[1]))
        last_thread: dict[tuple[str, str], Tweet] = {}
        for t, _, what, payload in events:
            if what == "post":
                u, e = payload
                if e.thread is not None and e.part > 1:
                    prev = last_thread.get((u.username, e.thread))
                    tw = self._post(u, t, e, "thread", prev) if prev else self._post(u, t, e)
                    last_thread[(u.username, e.thread)] = tw
                    continue
                m = re.match(r"@(\w+)", e.text)
                if m and m.group(1) in self.by_name:
                    target = self._latest_by(self.by_name[m.group(1)], t)
                    if target is not None:
                        self._post(u, t, e, "reply", target)
                        continue
                if e.labels and e.voice in QUOTERS and rng.random() < 0.25:
                    target = self._quote_target(u, t)
                    if target is not None:
                        self._post(u, t, e, "quote", target)
                        continue
                tw = self._post(u, t, e)
                if e.thread is not None:
                    last_thread[(u.username, e.thread)] = tw
            else:
                self._retweet(payload, t)

    def _latest_by(self, u: XUser, t: datetime) -> Tweet | None:
        for tw in reversed(self.tweets):
            if tw.user is u and tw.kind != "retweet" and tw.created < t - timedelta(minutes=3):
                return tw
        return None

    AFFINITY: dict[str, dict[str, float]] = {
        "x_amplifier": {
            "x_rus_commentator": 3,
            "x_rs_patriot": 3,
            "x_amplifier": 1.5,
            "x_journalist": 0.4,
        },
        "x_rus_commentator": {
            "x_rus_commentator": 2,
            "x_rs_patriot": 1,
            "x_journalist": 0.7,
            "x_amplifier": 0.3,
        },
        "x_rs_patriot": {
            "x_rs_patriot": 2,
            "x_rus_commentator": 1.5,
            "x_amplifier": 0.5,
            "x_journalist": 0.5,
        },
        "x_journalist": {"x_journalist": 2, "x_factcheck": 1, "x_citizen": 0.2},
        "x_factcheck": {"x_factcheck": 2, "x_journalist": 1.2},
        "x_citizen": {"x_citizen": 2, "x_journalist": 1, "x_factcheck": 0.3},
    }

    def _candidates(self, u: XUser, t: datetime, hours: float) -> tuple[list[Tweet], list[float]]:
        aff = self.AFFINITY[u.voice]
        cands, weights = [], []
        for tw in reversed(self.tweets):
            age = (t - tw.created).total_seconds() / 3600
            if age > hours:
                break
            if age < 0.05 or tw.kind == "retweet" or tw.user is u:
                continue
            w = aff.get(tw.user.voice, 0)
            if w <= 0:
                continue
            labels = tw.labels
            if u.voice in ("x_amplifier", "x_rus_commentator", "x_rs_patriot"):
                if "counter_narrative" in labels:
                    continue
                w *= 3 if PRO_KREMLIN.intersection(labels) else 0.4
            elif u.voice == "x_factcheck":
                w *= 2 if "counter_narrative" in labels else 0.6
            cands.append(tw)
            weights.append(w * (1 + tw.impressions / 8000) / (1 + age / 12))
        return cands, weights

    def _retweet(self, u: XUser, t: datetime) -> None:
        cands, weights = self._candidates(u, t, 72)
        done = {
            tw.ref.tweet_id
            for tw in self.tweets[-400:]
            if tw.kind == "retweet" and tw.user is u and tw.ref is not None
        }
        pairs = [(c, w) for c, w in zip(cands, weights, strict=False) if c.tweet_id not in done]
        if not pairs:
            return
        target = self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]
        body = f"RT @{target.user.username}: {target.text}"
        if len(body) > 140:
            body = body[:139] + "…"
        tid = self._snowflake(t)
        tw = Tweet(
            tweet_id=tid,
            user=u,
            created=t,
            text=body,
            kind="retweet",
            ref=target,
            conversation=tid,
            lang=target.lang,
            urls=[x for x in target.urls if x["url"] in body],
        )
        target.children.append(tw)
        self.tweets.append(tw)

    def _quote_target(self, u: XUser, t: datetime) -> Tweet | None:
        cands, weights = self._candidates(u, t, 48)
        if u.voice == "x_factcheck":
            pairs = [
                (c, w)
                for c, w in zip(cands, weights, strict=False)
                if PRO_KREMLIN.intersection(c.labels)
            ]
            if not pairs:
                cands, weights = [], []
                for tw in reversed(self.tweets):
                    if (t - tw.created) > timedelta(hours=48):
                        break
                    if tw.kind != "retweet" and PRO_KREMLIN.intersection(tw.labels):
                        cands.append(tw)
                        weights.append(1 + tw.impressions / 8000)
            else:
                cands, weights = [p[0] for p in pairs], [p[1] for p in pairs]
        else:  # commentators quote tweets that carry a narrative, adding their own take
            pairs = [(c, w) for c, w in zip(cands, weights, strict=True) if c.labels]
            cands, weights = [p[0] for p in pairs], [p[1] for p in pairs]
        if not cands:
            return None
        return self.rng.choices(cands, weights=weights)[0]

    # ---- serialisation

    def _entities(self, tw: Tweet) -> dict[str, Any]:
        text = tw.text
        ent: dict[str, Any] = {}
        tags = [
            {"start": m.start(), "end": m.end(), "tag": m.group(0)[1:]}
            for m in HASHTAG_RE.finditer(text)
        ]
        mentions = []
        for m in MENTION_RE.finditer(text):
            u = self.by_name.get(m.group(0)[1:])
            if u is not None:
                mentions.append(
                    {"start": m.start(), "end": m.end(), "username": u.username, "id": u.user_id}
                )
        urls = []
        pos = 0
        for u in tw.urls:
            i = text.find(u["url"], pos)
            if i < 0:
                continue
            pos = i + len(u["url"])
            urls.append({"start": i, "end": pos, **u})
        if tags:
            ent["hashtags"] = tags
        if mentions:
            ent["mentions"] = mentions
        if urls:
            ent["urls"] = urls
        return ent

    def metrics_at(self, tw: Tweet, at: datetime) -> dict[str, int]:
        if tw.kind == "retweet" and tw.ref is not None:
            orig = self.metrics_at(tw.ref, at)
            return {
                "retweet_count": orig["retweet_count"],
                "reply_count": 0,
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
            }
        age = (at - tw.created).total_seconds() / 3600
        f = decay(age, tw.tau, 0.6)
        kids = [c for c in tw.children if c.created <= at]
        return {
            "retweet_count": int(tw.retweets * f) + sum(1 for c in kids if c.kind == "retweet"),
            "reply_count": int(tw.replies * f)
            + sum(1 for c in kids if c.kind in ("reply", "thread")),
            "like_count": int(tw.likes * f),
            "quote_count": int(tw.quotes * f) + sum(1 for c in kids if c.kind == "quote"),
            "bookmark_count": int(tw.bookmarks * f),
            "impression_count": int(tw.impressions * f),
        }

    def tweet_obj(self, tw: Tweet, at: datetime) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "id": str(tw.tweet_id),
            "text": tw.text,
            "author_id": tw.user.user_id,
            "created_at": iso_z(tw.created),
            "conversation_id": str(tw.conversation),
            "lang": tw.lang,
            "possibly_sensitive": False,
            "reply_settings": "everyone",
            "edit_history_tweet_ids": [str(tw.tweet_id)],
            "public_metrics": self.metrics_at(tw, at),
        }
        ent = self._entities(tw)
        if ent:
            obj["entities"] = ent
        if tw.ref is not None:
            rtype = {"retweet": "retweeted", "quote": "quoted"}.get(tw.kind, "replied_to")
            obj["referenced_tweets"] = [{"type": rtype, "id": str(tw.ref.tweet_id)}]
        if tw.in_reply_to_user is not None:
            obj["in_reply_to_user_id"] = tw.in_reply_to_user.user_id
        return obj

    def user_obj(self, u: XUser, at: datetime) -> dict[str, Any]:
        days = (at - WINDOW_START).total_seconds() / 86400
        growth = 1 + days * (0.0025 if u.voice != "x_amplifier" else 0.001)
        posted = sum(1 for tw in self.tweets if tw.user is u and tw.created <= at)
        obj: dict[str, Any] = {
            "id": u.user_id,
            "username": u.username,
            "name": u.name,
            "created_at": iso_z(u.created),
            "description": u.description,
            "protected": False,
            "verified": u.verified_type != "none",
            "verified_type": u.verified_type,
            "profile_image_url": u.image,
            "public_metrics": {
                "followers_count": int(u.followers * growth),
                "following_count": u.following
                + int(days * (3 if u.voice == "x_amplifier" else 0.3)),
                "tweet_count": u.tweets_before + posted,
                "listed_count": u.listed,
                "like_count": u.likes + int(days * 7),
            },
        }
        if u.location:
            obj["location"] = u.location
        return obj

    def page(
        self, tweets: Sequence[Tweet], at: datetime, url: str, meta: dict[str, Any] | None
    ) -> dict[str, Any]:
        users: list[XUser] = []
        refs: list[Tweet] = []

        def add_user(u: XUser | None) -> None:
            if u is not None and u not in users:
                users.append(u)

        for tw in tweets:
            add_user(tw.user)
            add_user(tw.in_reply_to_user)
            for m in MENTION_RE.finditer(tw.text):
                add_user(self.by_name.get(m.group(0)[1:]))
            if tw.ref is not None and tw.ref not in refs:
                refs.append(tw.ref)
        for r in refs:
            add_user(r.user)
        out: dict[str, Any] = {
            "data": [self.tweet_obj(tw, at) for tw in tweets],
            "includes": {"users": [self.user_obj(u, at) for u in users]},
        }
        if refs:
            out["includes"]["tweets"] = [self.tweet_obj(r, at) for r in refs]
        if meta is not None:
            out["meta"] = meta
        out["__twarc"] = {
            "url": url,
            "version": TWARC_VERSION,
            "retrieved_at": at.isoformat(timespec="microseconds"),
        }
        return out

    FIELDS = {
        "expansions": "author_id,in_reply_to_user_id,referenced_tweets.id,"
        "referenced_tweets.id.author_id,entities.mentions.username,attachments.poll_ids,"
        "attachments.media_keys,geo.place_id,edit_history_tweet_ids",
        "tweet.fields": "attachments,author_id,context_annotations,conversation_id,created_at,"
        "edit_controls,entities,geo,id,in_reply_to_user_id,lang,public_metrics,text,"
        "possibly_sensitive,referenced_tweets,reply_settings,source,withheld",
        "user.fields": "created_at,description,entities,id,location,name,pinned_tweet_id,"
        "profile_image_url,protected,public_metrics,url,username,verified,verified_type,withheld",
    }

    def query(self) -> str:
        return "(" + " OR ".join(f"from:{u.username}" for u in X_USERS) + ")"

    def write(self, out: Path) -> list[dict[str, Any]]:
        rng = self.rng
        xdir = out / "x"
        xdir.mkdir(parents=True, exist_ok=True)
        files = []
        ordered = sorted(self.tweets, key=lambda tw: tw.tweet_id)
        for day in DAYS:
            todays = [tw for tw in ordered if day <= tw.created < day + timedelta(days=1)]
            todays.reverse()  # search returns newest first
            at = day + timedelta(
                days=1,
                hours=5,
                minutes=rng.randrange(60),
                seconds=rng.randrange(60),
                microseconds=rng.randrange(10**6),
            )
            # full-archive search often returns short pages before max_results is reached
            chunks = []
            rest = todays
            while rest:
                size = rng.randint(30, 100)
                chunks.append(rest[:size])
                rest = rest[size:]
            tokens = ["b26v89c19zqg8o3f" + "".join(rng.choices(DIGITS_LOWER, k=16)) for _ in chunks]
            lines = []
            for k, chunk in enumerate(chunks):
                params = {
                    **self.FIELDS,
                    "query": self.query(),
                    "max_results": "100",
                    "start_time": iso_z(day),
                    "end_time": iso_z(day + timedelta(days=1)),
                }
                if k:
                    params["next_token"] = tokens[k - 1]
                url = SEARCH_URL + "?" + urllib.parse.urlencode(params)
                meta: dict[str, Any] = {
                    "newest_id": str(chunk[0].tweet_id),
                    "oldest_id": str(chunk[-1].tweet_id),
                    "result_count": len(chunk),
                }
                if k + 1 < len(chunks):
                    meta["next_token"] = tokens[k]
                page_at = at + timedelta(seconds=k * rng.uniform(1.1, 3.5))
                lines.append(dumps(self.page(chunk, page_at, url, meta)))
            name = f"search_{day.strftime('%Y-%m-%d')}.jsonl"
            (xdir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            files.append(
                {
                    "path": f"x/{name}",
                    "platform": "x",
                    "kind": "search",
                    "captured_at": at.isoformat(timespec="microseconds"),
                    "posts": len(todays),
                    "pages": len(chunks),
                }
            )
        for when in X_LOOKUPS:
            subset = [tw for tw in ordered if tw.created < when - timedelta(hours=1)]
            chunks = [subset[i : i + 100] for i in range(0, len(subset), 100)]
            lines = []
            for k, chunk in enumerate(chunks):
                params = {"ids": ",".join(str(tw.tweet_id) for tw in chunk), **self.FIELDS}
                url = "https://api.twitter.com/2/tweets?" + urllib.parse.urlencode(params)
                page_at = when + timedelta(
                    seconds=k * 1.7 + rng.uniform(0, 1), microseconds=rng.randrange(10**6)
                )
                lines.append(dumps(self.page(chunk, page_at, url, None)))
            name = f"lookup_{when.strftime('%Y-%m-%d')}.jsonl"
            (xdir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            files.append(
                {
                    "path": f"x/{name}",
                    "platform": "x",
                    "kind": "lookup",
                    "captured_at": when.isoformat(),
                    "posts": len(subset),
                    "pages": len(chunks),
                }
            )
        return files

    def totals(self) -> dict[str, Any]:
        kinds: dict[str, int] = {}
        for tw in self.tweets:
            kinds[tw.kind] = kinds.get(tw.kind, 0) + 1
        return {
            "accounts": len(X_USERS),
            "posts": len(self.tweets),
            "by_kind": dict(sorted(kinds.items())),
        }


# --------------------------------------------------------------------------- main


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generate(out: Path = DEFAULT_OUT) -> dict[str, Any]:
    """Write the whole sample under ``out`` and return the manifest."""
    out = Path(out)
    rng = random.Random(SEED)
    for sub in ("telegram", "x"):
        d = out / sub
        if d.is_dir():
            for f in d.iterdir():
                if f.is_file():
                    f.unlink()
    tg = TelegramBuilder(rng, load_pool("telegram"))
    tg.build()
    x = XBuilder(rng, load_pool("x"))
    x.build()
    files = tg.write(out) + x.write(out)
    for f in files:
        p = out / f["path"]
        f["sha256"] = sha256(p)
        f["bytes"] = p.stat().st_size
    tg_totals = tg.totals()
    x_totals = x.totals()
    manifest = {
        "description": "narrmon bundled sample data: fictional Telegram channels and X accounts, "
        "texts from samples/pool/, generated by samples/generate.py",
        "seed": SEED,
        "window": {
            "start": WINDOW_START.isoformat(),
            "end": WINDOW_END.isoformat(),
            "iso_weeks": ["2026-W46", "2026-W47"],
        },
        "files": sorted(files, key=lambda f: f["path"]),
        "totals": {
            "telegram": {
                **tg_totals,
                "files": sum(1 for f in files if f["platform"] == "telegram"),
                "captures": [c.isoformat() for c in TG_CAPTURES],
            },
            "x": {
                **x_totals,
                "files": sum(1 for f in files if f["platform"] == "x"),
                "lookups": [c.isoformat() for c in X_LOOKUPS],
            },
            "posts": tg_totals["posts"] + x_totals["posts"],
        },
    }
    (out / "MANIFEST.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output directory (default: samples/data)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    manifest = generate(args.out)
    t = manifest["totals"]
    print(
        f"telegram: {t['telegram']['posts']} posts in {t['telegram']['files']} files; "
        f"x: {t['x']['posts']} posts in {t['x']['files']} files; total {t['posts']} posts "
        f"-> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
