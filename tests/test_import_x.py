"""The X v2 JSON Lines importer on twarc2-style pages and flattened tweets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.importers.x_jsonl import iter_records
from narrmon.records import Account, MetricSnapshot, Post, Rejected, Skipped

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

RETRIEVED = "2026-11-10T09:15:00+00:00"


def tweet(tweet_id: str, author_id: str, text: str, **kw: object) -> dict:
    base = {
        "id": tweet_id,
        "author_id": author_id,
        "text": text,
        "created_at": "2026-11-09T18:24:56.000Z",
        "lang": "sr",
        "edit_history_tweet_ids": [tweet_id],
        "public_metrics": {
            "retweet_count": 4,
            "reply_count": 1,
            "like_count": 30,
            "quote_count": 2,
            "bookmark_count": 0,
            "impression_count": 1520,
        },
    }
    base.update(kw)
    return base


def user(user_id: str, username: str, followers: int) -> dict:
    return {
        "id": user_id,
        "username": username,
        "name": username.title(),
        "public_metrics": {"followers_count": followers, "following_count": 10},
    }


def page() -> dict:
    return {
        "data": [
            tweet(
                "1850000000000000001",
                "11",
                "Косово је Србија #Kosovo @vucic https://t.co/abc",
                entities={
                    "hashtags": [{"start": 17, "end": 24, "tag": "Kosovo"}],
                    "mentions": [{"start": 25, "end": 31, "username": "vucic", "id": "12"}],
                    "urls": [{"url": "https://t.co/abc", "expanded_url": "https://rts.rs/x"}],
                },
                referenced_tweets=[{"type": "quoted", "id": "1849999999999999999"}],
                attachments={"media_keys": ["3_1"]},
            ),
            tweet(
                "1850000000000000002",
                "12",
                "RT @dusan: Kosovo precedent",
                lang="und",
                referenced_tweets=[{"type": "retweeted", "id": "1849999999999999998"}],
                public_metrics={
                    "retweet_count": 7,
                    "reply_count": 0,
                    "like_count": 0,
                    "quote_count": 0,
                },
            ),
            tweet(
                "1850000000000000003",
                "11",
                "@dusan slažem se",
                referenced_tweets=[{"type": "replied_to", "id": "1849999999999999997"}],
            ),
        ],
        "includes": {
            "users": [user("11", "srbin_info", 20500), user("12", "dusan", 800)],
            "tweets": [tweet("1849999999999999999", "13", "referenced, not imported")],
        },
        "meta": {"result_count": 3, "next_token": "b26v89c19zqg8o3f"},
        "errors": [
            {"title": "Not Found Error", "detail": "Could not find tweet", "type": "x"},
            {"title": "Forbidden", "detail": "User has been suspended", "type": "x"},
        ],
        "__twarc": {
            "url": "https://api.twitter.com/2/tweets/search/recent",
            "version": "2.14.0",
            "retrieved_at": RETRIEVED,
        },
    }


def kinds(records: list) -> dict[type, list]:
    out: dict[type, list] = {Account: [], Post: [], MetricSnapshot: [], Rejected: [], Skipped: []}
    for r in records:
        out[type(r)].append(r)
    return out


def test_twarc2_page(tmp_path: Path) -> None:
    path = tmp_path / "search.jsonl"
    path.write_text(json.dumps(page(), ensure_ascii=False) + "\n", encoding="utf-8")
    got = kinds(list(iter_records(path)))
    captured = datetime(2026, 11, 10, 9, 15, tzinfo=UTC)
    assert got[Rejected] == []
    assert {a.handle: a.followers for a in got[Account]} == {"srbin_info": 20500, "dusan": 800}
    assert all(a.observed_at == captured for a in got[Account])
    posts = {p.post_id: p for p in got[Post]}
    assert sorted(posts) == ["1850000000000000001", "1850000000000000002", "1850000000000000003"]
    first = posts["1850000000000000001"]
    assert first.account_id == "11"
    assert first.url == "https://x.com/srbin_info/status/1850000000000000001"
    assert (first.hashtags, first.mentions, first.links) == (
        ("Kosovo",),
        ("vucic",),
        ("https://rts.rs/x",),
    )
    assert first.quoted_id == "1849999999999999999" and first.has_media and first.lang == "sr"
    assert posts["1850000000000000002"].reposted_id == "1849999999999999998"
    assert posts["1850000000000000002"].lang is None  # "und"
    assert posts["1850000000000000003"].reply_to == "1849999999999999997"
    snaps = {s.post_id: s for s in got[MetricSnapshot]}
    s1 = snaps["1850000000000000001"]
    assert (s1.reposts, s1.replies, s1.likes, s1.quotes, s1.bookmarks, s1.impressions) == (
        4,
        1,
        30,
        2,
        0,
        1520,
    )
    assert s1.captured_at == captured and s1.views is None
    assert snaps["1850000000000000002"].impressions is None  # not in the payload: unknown
    assert sorted(s.reason for s in got[Skipped]) == [
        "X API error: Forbidden",
        "X API error: Not Found Error",
    ]


def test_flattened_tweets_and_a_single_response_file(tmp_path: Path) -> None:
    flat = tweet(
        "1850000000000000009", "11", "Republika Srpska", author=user("11", "srbin_info", 21000)
    )
    flat["__twarc"] = {"retrieved_at": RETRIEVED}
    flat_path = tmp_path / "flat.jsonl"
    flat_path.write_text(json.dumps(flat) + "\n", encoding="utf-8")
    got = kinds(list(iter_records(flat_path)))
    assert [a.followers for a in got[Account]] == [21000]
    assert [p.url for p in got[Post]] == ["https://x.com/srbin_info/status/1850000000000000009"]
    assert [s.likes for s in got[MetricSnapshot]] == [30]

    single = tmp_path / "response.json"
    single.write_text(json.dumps(page(), indent=2), encoding="utf-8")  # pretty-printed
    got_single = kinds(list(iter_records(single)))
    assert len(got_single[Post]) == 3 and got_single[Rejected] == []


def test_tweets_without_author_or_date_are_quarantined(tmp_path: Path) -> None:
    body = {"data": [{"id": "1", "text": "no fields requested", "edit_history_tweet_ids": ["1"]}]}
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    (bad,) = list(iter_records(path))
    assert bad == Rejected(
        str(path),
        "line 1: data[0]",
        "missing author_id (request tweet.fields=author_id)",
        bad.payload,
    )
