"""X half of the sample: who tweets, retweets, quotes and replies what, and when."""

from __future__ import annotations

import math
import random
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from samples.gen.common import (
    ALNUM,
    DAYS,
    PRO_KREMLIN,
    QUOTERS,
    TWITTER_EPOCH_MS,
    WINDOW_END,
    WINDOW_START,
    PoolEntry,
    pick_hour,
    random_times,
)
from samples.gen.x_accounts import X_USERS
from samples.gen.x_api import Tweet, XWriter
from samples.gen.x_users import XUser

# How much each voice likes to retweet / quote each other voice.
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


class XBuilder:
    """Builds the accounts' tweets and writes twarc2 search and lookup files."""

    def __init__(self, rng: random.Random, pool: list[PoolEntry]) -> None:
        self.rng = rng
        self.pool = pool
        self.tweets: list[Tweet] = []
        self.used_ids: set[int] = set()
        # Copies: the accounts get ids and times here, and X_USERS must stay as written
        # so that generating twice in one process gives the same files.
        self.users = [replace(u) for u in X_USERS]
        self.by_name = {u.username: u for u in self.users}
        for u in self.users:
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
        code = "".join(self.rng.choices(ALNUM, k=10))
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
        accts = [u for u in self.users if u.voice == e.voice and f"@{u.username}" not in e.text]
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

    def _units(self, entries: list[PoolEntry]) -> list[list[PoolEntry]]:
        """Single texts and whole threads (in part order) of one voice, shuffled."""
        singles = [e for e in entries if e.thread is None]
        threads: dict[str, list[PoolEntry]] = {}
        for e in entries:
            if e.thread is not None:
                threads.setdefault(e.thread, []).append(e)
        units: list[list[PoolEntry]] = [[e] for e in singles]
        units += [sorted(v, key=lambda x: x.part) for _, v in sorted(threads.items())]
        self.rng.shuffle(units)
        return units

    def _plan_posts(self, seq: int) -> tuple[list[tuple[datetime, int, XUser, PoolEntry]], int]:
        """When and by whom each pool text is tweeted; returns the plan and the next seq."""
        rng = self.rng
        plan: list[tuple[datetime, int, XUser, PoolEntry]] = []
        by_voice: dict[str, list[PoolEntry]] = {}
        for e in self.pool:
            by_voice.setdefault(e.voice, []).append(e)
        for voice, entries in by_voice.items():
            units = self._units(entries)
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
                accts = [u for u in self.users if u.voice == voice]
                chosen = rng.sample(accts, copies) if copies > 1 else [self._account_for(head)]
                for k, u in enumerate(chosen):
                    tk = t + timedelta(seconds=k * rng.randrange(40, 1500))
                    for j, part in enumerate(unit):
                        plan.append(
                            (tk + timedelta(seconds=j * rng.randrange(50, 160)), seq, u, part)
                        )
                        seq += 1
        return plan, seq

    def _plan_retweets(self, seq: int) -> list[tuple[datetime, int, XUser]]:
        rng = self.rng
        rts: list[tuple[datetime, int, XUser]] = []
        for u in self.users:
            lo, hi = u.per_day_rt
            for day in DAYS:
                n = int(rng.uniform(lo, hi) + rng.random())
                for t in random_times(rng, day, n):
                    rts.append((t, seq, u))
                    seq += 1
        return rts

    def build(self) -> None:
        plan, seq = self._plan_posts(0)
        rts = self._plan_retweets(seq)
        events: list[tuple[datetime, int, str, Any]] = []
        events += [(t, s, "post", (u, e)) for t, s, u, e in plan]
        events += [(t, s, "rt", u) for t, s, u in rts]
        events = [ev for ev in events if WINDOW_START <= ev[0] < WINDOW_END]
        events.sort(key=lambda ev: (ev[0], ev[1]))
        last_thread: dict[tuple[str, str], Tweet] = {}
        for t, _, what, payload in events:
            if what == "post":
                self._play_post(payload[0], t, payload[1], last_thread)
            else:
                self._retweet(payload, t)

    def _play_post(
        self, u: XUser, t: datetime, e: PoolEntry, last_thread: dict[tuple[str, str], Tweet]
    ) -> None:
        """Tweet ``e``: as a thread part, a reply to a mentioned account, a quote, or plain."""
        if e.thread is not None and e.part > 1:
            prev = last_thread.get((u.username, e.thread))
            tw = self._post(u, t, e, "thread", prev) if prev else self._post(u, t, e)
            last_thread[(u.username, e.thread)] = tw
            return
        m = re.match(r"@(\w+)", e.text)
        if m and m.group(1) in self.by_name:
            target = self._latest_by(self.by_name[m.group(1)], t)
            if target is not None:
                self._post(u, t, e, "reply", target)
                return
        if e.labels and e.voice in QUOTERS and self.rng.random() < 0.25:
            target = self._quote_target(u, t)
            if target is not None:
                self._post(u, t, e, "quote", target)
                return
        tw = self._post(u, t, e)
        if e.thread is not None:
            last_thread[(u.username, e.thread)] = tw

    def _latest_by(self, u: XUser, t: datetime) -> Tweet | None:
        for tw in reversed(self.tweets):
            if tw.user is u and tw.kind != "retweet" and tw.created < t - timedelta(minutes=3):
                return tw
        return None

    def _candidates(self, u: XUser, t: datetime, hours: float) -> tuple[list[Tweet], list[float]]:
        aff = AFFINITY[u.voice]
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

    # ---- files

    def write(self, out: Path) -> list[dict[str, Any]]:
        return XWriter(self.rng, self.tweets, self.by_name).write(out)

    def totals(self) -> dict[str, Any]:
        kinds: dict[str, int] = {}
        for tw in self.tweets:
            kinds[tw.kind] = kinds.get(tw.kind, 0) + 1
        return {
            "accounts": len(self.users),
            "posts": len(self.tweets),
            "by_kind": dict(sorted(kinds.items())),
        }
