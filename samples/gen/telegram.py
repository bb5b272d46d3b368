"""Telegram half of the sample: the channels' timelines, reach, and the capture files."""

from __future__ import annotations

import heapq
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from samples.gen.common import (
    DAYS,
    PRO_KREMLIN,
    TG_CAPTURES,
    WINDOW_END,
    PoolEntry,
    dumps,
    random_times,
)
from samples.gen.telegram_channels import CHANNELS, TgChannel, TgMsg
from samples.gen.telegram_tl import chat_full, message_at, photo_media, tg_entities, video

# (time, kind, payload) of an event an emitted post schedules for later
Later = list[tuple[datetime, str, Any]]

LIVE_STREAM_ANNOUNCEMENTS = ("вечерас у 20ч на нашем каналу", "večeras u 20h uživo")


def _post_kind(rng: random.Random, ch: TgChannel) -> str:
    """What a regular posting slot of ``ch`` carries."""
    r = rng.random()
    if r < ch.forward_share:
        return "forward"
    if r < ch.forward_share + 0.04:
        return "media_only"
    if r < ch.forward_share + 0.07:
        return "album"
    if r < ch.forward_share + 0.22:
        return "photo"
    if r < ch.forward_share + 0.27:
        return "video"
    return "text"


def _reaction_prefs(labels: tuple[str, ...]) -> dict[str, float]:
    """Relative popularity of reaction emojis under a post with these labels."""
    if "counter_narrative" in labels:
        return {"👍": 5, "❤": 3, "👏": 2, "🤔": 2, "🤡": 1.5}
    if PRO_KREMLIN.intersection(labels):
        return {
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
    return {"👍": 4, "❤": 3, "😁": 1.5, "😢": 1.2, "😱": 1, "🔥": 1, "🤔": 0.5}


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

    def _channel_events(
        self, ci: int, ch: TgChannel, seq: int
    ) -> tuple[list[tuple[datetime, int, int, str, Any]], int]:
        """Regular posting slots, dated texts and pins of one channel; returns the next seq."""
        rng = self.rng
        events: list[tuple[datetime, int, int, str, Any]] = []
        for day in DAYS:
            n = rng.randint(*ch.per_day)
            for t in random_times(rng, day, n):
                events.append((t, ci, seq, _post_kind(rng, ch), None))
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
        return events, seq

    def build(self) -> None:
        events: list[tuple[datetime, int, int, str, Any]] = []
        seq = 0
        for ci, ch in enumerate(CHANNELS):
            more, seq = self._channel_events(ci, ch, seq)
            events += more
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
    ) -> Later:
        if kind == "pin":
            self._emit_pin(ch, t)
            return []
        if kind in ("call_start", "call_end"):
            self._new(ch, t, "service", action=kind, call_duration=payload)
            return []
        if kind == "forward":
            src = self._forward_source(ch, t)
            if src is not None:
                self._emit_copy(ch, t, "forward", src)
                return []
            kind = "text"
        if kind == "media_only":
            rng = self.rng
            media = photo_media(rng, t) if rng.random() < 0.6 else video(rng, t)
            self._reach(self._new(ch, t, "media_only", media=media))
            return []
        entry = payload if isinstance(payload, PoolEntry) else self._pick_text(ch, t, deck)
        if entry is None:
            src = self._repost_source(ch, t)
            if src is not None:
                self._emit_copy(ch, t, "repost", src)
            return []
        return self._emit_entry(ch, t, kind, entry)

    def _emit_pin(self, ch: TgChannel, t: datetime) -> None:
        cands = [
            m
            for m in self.msgs[ch.key][-30:]
            if m.kind in ("text", "photo", "video") and m.entry and m.pinned_at is None
        ]
        if not cands:
            return
        target = max(cands, key=lambda m: (len(m.labels) > 0, m.views, m.msg_id))
        target.pinned_at = t
        self.pins[ch.key].append((t, target.msg_id))
        self._new(ch, t, "service", action="pin", reply_to_id=target.msg_id)

    def _emit_copy(self, ch: TgChannel, t: datetime, kind: str, src: TgMsg) -> None:
        """A forward of another channel's post, or a repost of one of the channel's own."""
        msg = self._new(
            ch,
            t,
            kind,
            text=src.text,
            fwd_src=src,
            media=src.media,
            entities=list(src.entities),
        )
        self._reach(msg)

    def _emit_entry(self, ch: TgChannel, t: datetime, kind: str, entry: PoolEntry) -> Later:
        rng = self.rng
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
            self._emit_album(ch, t, text, entry, author, edit)
            return []
        media = None
        if kind == "photo":
            media = photo_media(rng, t)
        elif kind == "video":
            media = video(rng, t)
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
        return self._follow_ups(ch, t, entry)

    def _emit_album(
        self,
        ch: TgChannel,
        t: datetime,
        text: str,
        entry: PoolEntry,
        author: str | None,
        edit: datetime | None,
    ) -> None:
        rng = self.rng
        gid = 13_900_000_000_000_000 + rng.randrange(10**14)
        head = self._new(
            ch,
            t,
            "album_head",
            text=text,
            entry=entry,
            grouped_id=gid,
            media=photo_media(rng, t),
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
                media=photo_media(rng, t),
            )
            self._reach(item, base=head)

    def _follow_ups(self, ch: TgChannel, t: datetime, entry: PoolEntry) -> Later:
        """Updates written for this post and live streams it announces."""
        rng = self.rng
        later: Later = []
        # follow-ups written for this post (e.g. "UPDATE: ... found") come a day later
        for e in self.pool:
            if e.follows and e.voice == ch.voice and entry.text.startswith(e.follows):
                later.append(
                    (t + timedelta(hours=rng.randint(16, 30), minutes=rng.randrange(60)), "text", e)
                )
        # announced live streams take place at 20h local time the same day
        low = entry.text.lower()
        announced = any(a in low for a in LIVE_STREAM_ANNOUNCEMENTS)
        if announced and len(self.uses[(ch.key, entry.idx)]) == 1:
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
            prefs = _reaction_prefs(labels)
            shares = [rng.gammavariate(prefs.get(e, 0.3), 1.0) for e in emojis]
            s = sum(shares)
            for e, w in zip(emojis, shares, strict=False):
                c = int(total * w / s)
                if c > 0:
                    msg.reactions[e] = c

    # ---- files

    def write(self, out: Path) -> list[dict[str, Any]]:
        files = []
        tdir = out / "telegram"
        tdir.mkdir(parents=True, exist_ok=True)
        for ch in CHANNELS:
            for cap in TG_CAPTURES:
                msgs = [m for m in self.msgs[ch.key] if m.date < cap]
                msgs.sort(key=lambda m: m.msg_id, reverse=True)
                head = chat_full(ch, cap, msgs[0].msg_id if msgs else 0, self.pins[ch.key])
                elems = [dumps(head.to_dict())]
                elems += [dumps(message_at(m, cap, self.msgs[ch.key]).to_dict()) for m in msgs]
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
