"""Walk X timelines and recent searches newest first, resumable at any page.

X returns the newest tweets first, so ``since_id`` (the cursor's position) may only move
to the newest id once a whole walk is read. Until then each page is written together
with ``resume = {"newest_id", "until_id"}``: a run that stops (a crash, a long 429, the
budget) resumes below ``until_id`` with the same ``since_id`` and loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import tweepy

from collectors.outcome import SourceResult
from collectors.ratelimit import Clock, clock_now
from collectors.runner import collect_source, run_guarded
from collectors.x.client import XApi
from collectors.x.constants import IDS_PER_REQUEST, PLATFORM, SOURCE
from collectors.x.exceptions import XError, XSourceUnavailable
from collectors.x.parse import missing_ids, page_records, tweet_snapshot, user_account
from collectors.x.types import XSource
from narrmon.config import XConfig
from narrmon.store import Store, collect_state

log = logging.getLogger(__name__)

Fetch = Callable[[str | None, str | None, str | None], tweepy.Response]


class XCollector:
    """Collects X accounts and queries into a store through one :class:`XApi`."""

    def __init__(self, store: Store, api: XApi, config: XConfig, clock: Clock) -> None:
        self.store = store
        self.api = api
        self.config = config
        self.clock = clock

    def collect(self, source: XSource) -> SourceResult:
        """Read one source's new tweets; never raises for an expected failure."""

        def work(state: dict | None, result: SourceResult) -> None:
            self._walk(source.key, self._fetcher(source), state, result)

        result = SourceResult(PLATFORM, source.label)
        return collect_source(
            self.store, self.clock, result, source.key, work, (XError,), self._requests
        )

    def _requests(self) -> int:
        return self.api.gate.requests

    def _fetcher(self, source: XSource) -> Fetch:
        n = self.config.page_size
        if source.kind == "query":
            return lambda since, until, token: self.api.search_recent(
                source.value, since_id=since, until_id=until, token=token, max_results=n
            )
        user_id = self.user_id(source.value)
        return lambda since, until, token: self.api.users_tweets(
            user_id, since_id=since, until_id=until, token=token, max_results=n
        )

    def user_id(self, username: str) -> str:
        """The account id of ``username``, from the store or looked up once and cached."""
        cached = collect_state.find_account(self.store, PLATFORM, username)
        if cached is not None:
            return cached.account_id
        response = self.api.get_user(username)
        if response.data is None:
            raise XSourceUnavailable(f"X user @{username} not found (suspended or renamed?)")
        user = response.data.data
        account = user_account(user, clock_now(self.clock), raw=dict(user))
        with self.store.begin() as conn:
            self.store.upsert_accounts(conn, [account])
        return account.account_id

    def _walk(self, key: str, fetch: Fetch, state: dict | None, result: SourceResult) -> None:
        since = state["position"] if state else None
        resume = (state or {}).get("resume") or {}
        newest, until = resume.get("newest_id"), resume.get("until_id")
        lowest = until
        token: str | None = None
        while True:
            response = fetch(since, until, token)
            tweets = [t.data for t in response.data or ()]
            users = [u.data for u in (response.includes or {}).get("users", ())]
            now = clock_now(self.clock)
            page = page_records(tweets, users, now)
            ids = [p.post_id for p in page.posts]
            if ids:
                newest = _max_id(newest, *ids)
                lowest = _min_id(lowest, *ids)
            token = (response.meta or {}).get("next_token")
            done = token is None
            position = (newest or since) if done else since
            with self.store.begin() as conn:
                counts = self.store.write_batch(
                    accounts=page.accounts,
                    posts=page.posts,
                    snapshots=page.snapshots,
                    rejected=page.rejected,
                    source=SOURCE,
                    cursor=(PLATFORM, key, position),
                    conn=conn,
                )
                walk = None if done else {"newest_id": newest, "until_id": lowest}
                collect_state.set_resume(conn, PLATFORM, key, walk)
            result.add(counts)
            result.position = position
            if done:
                return

    # -- reach refresh -----------------------------------------------------------------

    def refresh(self, post_ids: Sequence[str]) -> SourceResult:
        """Re-read the metrics of tweets; mark deleted the ones X no longer has."""

        def work(result: SourceResult) -> None:
            for at in range(0, len(post_ids), IDS_PER_REQUEST):
                self._refresh_batch(list(post_ids[at : at + IDS_PER_REQUEST]), result)

        result = SourceResult(PLATFORM, f"{len(post_ids)} tweets")
        return run_guarded(result, work, (XError,), self._requests)

    def _refresh_batch(self, ids: list[str], result: SourceResult) -> None:
        response = self.api.get_tweets(ids)
        tweets = [t.data for t in response.data or ()]
        now = clock_now(self.clock)
        snapshots = [s for s in (tweet_snapshot(t, now) for t in tweets) if s is not None]
        included = (response.includes or {}).get("users", ())
        users = [user_account(u.data, now, raw=dict(u.data)) for u in included]
        deleted, unavailable = missing_ids(ids, (t["id"] for t in tweets), response.errors or ())
        if unavailable:
            log.info("%d tweets unavailable (protected or suspended)", len(unavailable))
        with self.store.begin() as conn:
            counts = self.store.write_batch(accounts=users, snapshots=snapshots, conn=conn)
            result.deleted += collect_state.mark_deleted(conn, PLATFORM, deleted, now)
        result.snapshots += counts.snapshots


def _max_id(*ids: Any) -> str:
    return str(max(int(i) for i in ids if i is not None))


def _min_id(*ids: Any) -> str:
    return str(min(int(i) for i in ids if i is not None))
