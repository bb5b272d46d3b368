"""X half of the sample on disk: the ``Tweet`` record and twarc2 search/lookup pages."""

from __future__ import annotations

import random
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from samples.gen.common import (
    DAYS,
    DIGITS_LOWER,
    HASHTAG_RE,
    MENTION_RE,
    SEARCH_URL,
    TWARC_VERSION,
    WINDOW_START,
    X_LOOKUPS,
    PoolEntry,
    decay,
    dumps,
    iso_z,
)
from samples.gen.x_accounts import X_USERS
from samples.gen.x_users import XUser

LOOKUP_URL = "https://api.twitter.com/2/tweets"
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


def search_query() -> str:
    """The full-archive search query: every sample account."""
    return "(" + " OR ".join(f"from:{u.username}" for u in X_USERS) + ")"


class XWriter:
    """Serialises built tweets as twarc2 pages, with metrics grown to the retrieval time."""

    def __init__(self, rng: random.Random, tweets: list[Tweet], by_name: dict[str, XUser]) -> None:
        self.rng = rng
        self.tweets = tweets
        self.by_name = by_name

    # ---- objects

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

    # ---- files

    def write(self, out: Path) -> list[dict[str, Any]]:
        """Write one search file per day and the lookup files; return their manifest rows."""
        xdir = out / "x"
        xdir.mkdir(parents=True, exist_ok=True)
        ordered = sorted(self.tweets, key=lambda tw: tw.tweet_id)
        files = [self._write_search(xdir, day, ordered) for day in DAYS]
        files += [self._write_lookup(xdir, when, ordered) for when in X_LOOKUPS]
        return files

    def _search_chunks(self, todays: list[Tweet]) -> list[list[Tweet]]:
        # full-archive search often returns short pages before max_results is reached
        chunks = []
        rest = todays
        while rest:
            size = self.rng.randint(30, 100)
            chunks.append(rest[:size])
            rest = rest[size:]
        return chunks

    def _write_search(self, xdir: Path, day: datetime, ordered: list[Tweet]) -> dict[str, Any]:
        rng = self.rng
        todays = [tw for tw in ordered if day <= tw.created < day + timedelta(days=1)]
        todays.reverse()  # search returns newest first
        at = day + timedelta(
            days=1,
            hours=5,
            minutes=rng.randrange(60),
            seconds=rng.randrange(60),
            microseconds=rng.randrange(10**6),
        )
        chunks = self._search_chunks(todays)
        tokens = ["b26v89c19zqg8o3f" + "".join(rng.choices(DIGITS_LOWER, k=16)) for _ in chunks]
        lines = []
        for k, chunk in enumerate(chunks):
            params = {
                **FIELDS,
                "query": search_query(),
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
        return {
            "path": f"x/{name}",
            "platform": "x",
            "kind": "search",
            "captured_at": at.isoformat(timespec="microseconds"),
            "posts": len(todays),
            "pages": len(chunks),
        }

    def _write_lookup(self, xdir: Path, when: datetime, ordered: list[Tweet]) -> dict[str, Any]:
        rng = self.rng
        subset = [tw for tw in ordered if tw.created < when - timedelta(hours=1)]
        chunks = [subset[i : i + 100] for i in range(0, len(subset), 100)]
        lines = []
        for k, chunk in enumerate(chunks):
            params = {"ids": ",".join(str(tw.tweet_id) for tw in chunk), **FIELDS}
            url = LOOKUP_URL + "?" + urllib.parse.urlencode(params)
            page_at = when + timedelta(
                seconds=k * 1.7 + rng.uniform(0, 1), microseconds=rng.randrange(10**6)
            )
            lines.append(dumps(self.page(chunk, page_at, url, None)))
        name = f"lookup_{when.strftime('%Y-%m-%d')}.jsonl"
        (xdir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return {
            "path": f"x/{name}",
            "platform": "x",
            "kind": "lookup",
            "captured_at": when.isoformat(),
            "posts": len(subset),
            "pages": len(chunks),
        }
