"""X collection: a real tweepy.Client against recorded payloads served by `responses`."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
import tweepy
from sqlalchemy import select

from collectors.x.types import XSource
from narrmon.config import Config
from narrmon.pipeline.collect import collect, list_sources, refresh
from narrmon.store import Store, schema
from tests.collect_fakes import T0, FakeClock, XRouter

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

USER = "/2/users/by/username/istok_rs"
TIMELINE = "/2/users/1001/tweets"
SEARCH = "/2/tweets/search/recent"
LOOKUP = "/2/tweets"
QUERY = "(Kosovo OR Косово) (Krim OR Donbas OR presedan) -is:retweet"
NEWEST = "1900000000000000005"


def config(accounts=("istok_rs",), queries=(), **x) -> Config:
    cfg = Config()
    cfg.x.accounts, cfg.x.queries = list(accounts), list(queries)
    for k, v in x.items():
        setattr(cfg.x, k, v)
    return cfg


def client() -> tweepy.Client:
    return tweepy.Client(bearer_token="test-token", wait_on_rate_limit=False)


def rows(store: Store, table) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table))]


def post_view(store: Store) -> list[tuple]:
    keep = ("post_id", "account_id", "text", "reply_to", "reposted_id", "lang", "content_hash")
    return sorted(tuple(r[k] for k in keep) for r in rows(store, schema.posts))


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield XRouter(rsps)


def timeline(api: XRouter, *page2) -> XRouter:
    api.on(USER, (200, "user_istok_rs.json"))
    return api.on(
        TIMELINE,
        (200, "timeline_page1.json"),
        *(page2 or [(200, "timeline_page2.json")]),
        (200, "empty.json"),
    )


def test_sources_are_listed_for_the_dag():
    cfg = config(accounts=["istok_rs"], queries=[QUERY])
    cfg.telegram.channels = ["ruski_balkan"]
    assert list_sources(cfg) == [
        ("telegram", "ruski_balkan"),
        ("x", "@istok_rs"),
        ("x", QUERY),
    ]
    assert XSource.parse("@istok_rs").kind == "user"
    assert XSource.parse(QUERY).kind == "query"


def test_timeline_pages_by_next_token_and_moves_since_id_once_complete(store: Store, api):
    timeline(api)
    clock = FakeClock()
    report = collect(config(), store, "x", x_client=client(), clock=clock)
    (row,) = report.rows
    assert (row.source, row.status, row.new, row.position) == ("@istok_rs", "ok", 5, NEWEST)
    first, second = api.params(TIMELINE)
    assert "pagination_token" not in first and second["pagination_token"] == "7140dibdnow9c7btw4"
    assert first["expansions"] == "author_id,referenced_tweets.id"
    assert "public_metrics" in first["tweet.fields"] and "entities" in first["tweet.fields"]
    posts = {r["post_id"]: r for r in rows(store, schema.posts)}
    assert posts[NEWEST]["url"] == f"https://x.com/istok_rs/status/{NEWEST}"
    assert posts["1900000000000000004"]["reposted_id"] == "1800000000000000001"
    assert posts["1900000000000000003"]["reply_to"] == "1900000000000000001"
    assert posts["1900000000000000003"]["lang"] is None  # "und"
    acc = rows(store, schema.accounts)[0]
    assert (acc["account_id"], acc["handle"], acc["followers"]) == ("1001", "istok_rs", 5000)
    snap = [s for s in rows(store, schema.metric_snapshots) if s["post_id"] == NEWEST][0]
    assert (snap["impressions"], snap["likes"], snap["reposts"]) == (100, 1, 2)

    again = collect(config(), store, "x", x_client=client(), clock=clock)
    assert again.rows[0].new == 0
    assert api.params(TIMELINE)[-1]["since_id"] == NEWEST
    assert len(api.params(USER)) == 1  # the user id is cached


def test_recent_search_with_a_query(sqlite_store: Store, api):
    api.on(SEARCH, (200, "search_page1.json"))
    report = collect(config((), [QUERY]), sqlite_store, "x", x_client=client(), clock=FakeClock())
    assert (report.rows[0].source, report.rows[0].new) == (QUERY, 2)
    assert api.params(SEARCH)[0]["query"] == QUERY
    assert sqlite_store.get_cursor("x", f"query:{QUERY}")["position"] == "1900000000000000105"


def test_429_within_max_wait_sleeps_until_the_reset(sqlite_store: Store, api):
    clock = FakeClock()
    reset = {"x-rate-limit-reset": str(int(clock.time()) + 120)}
    timeline(api, (429, "rate_limited.json", reset), (200, "timeline_page2.json"))
    report = collect(config(), sqlite_store, "x", x_client=client(), clock=clock)
    assert (report.rows[0].status, report.rows[0].new) == ("ok", 5)
    assert 121.0 in clock.sleeps  # until the reset, plus a second


def test_long_429_defers_and_the_rerun_equals_an_uninterrupted_run(store: Store, api, tmp_path):
    clock = FakeClock()
    reset = int(clock.time()) + 900
    timeline(api, (429, "rate_limited.json", {"x-rate-limit-reset": str(reset)}))
    report = collect(config(), store, "x", x_client=client(), clock=clock)
    (row,) = report.rows
    assert (row.status, row.new) == ("deferred", 3)
    assert row.deferred_until == T0 + timedelta(seconds=901)
    cur = store.get_cursor("x", "user:istok_rs")
    assert cur["position"] is None  # since_id moves only when the walk is complete
    assert '"until_id":"1900000000000000003"' in cur["resume"]

    early = collect(config(), store, "x", x_client=client(), clock=clock)
    assert early.rows[0].status == "deferred"
    clock.advance(901)
    api.on(TIMELINE, (200, "timeline_page2.json"), (200, "empty.json"))
    late = collect(config(), store, "x", x_client=client(), clock=clock)
    assert (late.rows[0].status, late.rows[0].new, late.rows[0].position) == ("ok", 2, NEWEST)
    assert api.params(TIMELINE)[-1]["until_id"] == "1900000000000000003"
    assert store.get_cursor("x", "user:istok_rs")["resume"] is None

    reference = Store(f"sqlite:///{tmp_path / 'ref.db'}")
    timeline(api)
    collect(config(), reference, "x", x_client=client(), clock=FakeClock())
    assert post_view(store) == post_view(reference)
    reference.dispose()


def test_crash_mid_walk_then_rerun_has_no_gap_and_no_duplicate(store: Store, api):
    timeline(api, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        collect(config(), store, "x", x_client=client(), clock=FakeClock())
    assert len(rows(store, schema.posts)) == 3
    timeline(api)
    api.on(TIMELINE, (200, "timeline_page2.json"), (200, "empty.json"))
    report = collect(config(), store, "x", x_client=client(), clock=FakeClock())
    assert (report.rows[0].new, report.rows[0].position) == (2, NEWEST)
    assert len(rows(store, schema.posts)) == 5


def test_5xx_is_retried_with_backoff_then_given_up(sqlite_store: Store, api):
    clock = FakeClock()
    timeline(
        api,
        (503, "service_unavailable.json"),
        (503, "service_unavailable.json"),
        (200, "timeline_page2.json"),
    )
    ok = collect(config(), sqlite_store, "x", x_client=client(), clock=clock)
    assert (ok.rows[0].status, ok.rows[0].new) == ("ok", 5)
    assert clock.sleeps == [2.0, 4.0]

    api.on(TIMELINE, (503, "service_unavailable.json"))
    sqlite_store_cursor = sqlite_store.get_cursor("x", "user:istok_rs")
    assert sqlite_store_cursor["position"] == NEWEST
    down = collect(config(), sqlite_store, "x", x_client=client(), clock=clock)
    assert down.rows[0].reason == "X server error 503, still failing after 4 retries"


def test_unknown_user_and_refused_token_fail_that_source_only(sqlite_store: Store, api):
    api.on("/2/users/by/username/nestao", (200, "user_not_found.json"))
    api.on(SEARCH, (401, "unauthorized.json"))
    cfg = config(["nestao"], [QUERY])
    report = collect(cfg, sqlite_store, "x", x_client=client(), clock=FakeClock())
    assert [r.reason for r in report.rows] == [
        "X user @nestao not found (suspended or renamed?)",
        "X refused the bearer token (401 Unauthorized)",
    ]


def test_refresh_appends_snapshots_and_marks_missing_tweets_deleted(store: Store, api):
    timeline(api)
    clock = FakeClock()
    collect(config(), store, "x", x_client=client(), clock=clock)
    api.on(LOOKUP, (200, "tweets_lookup.json"))
    clock.advance(3600)
    report = refresh(config(), store, 30, x_client=client(), clock=clock)
    (row,) = report.rows
    # 1 …001 is absent without an error: deleted; …002 is protected: kept
    assert (row.snapshots, row.deleted) == (2, 2)
    ids = api.params(LOOKUP)[0]["ids"].split(",")
    assert len(ids) == 5
    posts = {r["post_id"]: r for r in rows(store, schema.posts)}
    assert posts["1900000000000000003"]["deleted_at"] == T0 + timedelta(hours=1)
    assert posts["1900000000000000001"]["deleted_at"] == T0 + timedelta(hours=1)
    assert posts["1900000000000000002"]["deleted_at"] is None
    latest = [s for s in rows(store, schema.metric_snapshots) if s["post_id"] == NEWEST]
    assert sorted(s["impressions"] for s in latest) == [100, 9000]


def test_a_tweet_the_parser_refuses_is_quarantined_and_the_rest_collected(store: Store, api):
    api.on(USER, (200, "user_istok_rs.json"))
    api.on(TIMELINE, (200, "timeline_future_tweet.json"), (200, "empty.json"))
    report = collect(config(), store, "x", x_client=client(), clock=FakeClock())
    (row,) = report.rows
    assert (row.status, row.new) == ("ok", 1)
    assert [r["post_id"] for r in rows(store, schema.posts)] == ["1900000000000000022"]
    (bad,) = rows(store, schema.quarantine)
    assert (bad["file"], bad["location"], bad["source"]) == (
        "x:api",
        "tweet 1900000000000000021",
        "x-api",
    )
    assert "in the future" in bad["reason"]
