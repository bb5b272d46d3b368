"""Walk Telegram channels page by page and write each page with its cursor.

Per channel: resolve once (the id and access hash are cached in ``accounts``), read the
history above the cursor oldest first, write each page and the cursor in one
transaction, then refresh the subscriber count when it is older than
``subscriber_refresh_hours``. A long flood wait or an exhausted budget keeps what was
written and marks the channel deferred; a private or vanished channel is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telethon.tl import types

from collectors.outcome import SourceResult
from collectors.ratelimit import Clock, clock_now
from collectors.runner import collect_source, run_guarded
from collectors.telegram.channels import (
    channel_account,
    channel_raw,
    entity_kind,
    full_channel_followers,
    is_public_channel,
    resolved,
)
from collectors.telegram.client import TelegramApi
from collectors.telegram.constants import (
    IDS_PER_REQUEST,
    KIND_CHANNEL,
    KIND_SUPERGROUP,
    PAGE_SIZE_MAX,
    PLATFORM,
    SOURCE,
)
from collectors.telegram.exceptions import ChannelUnavailable, NotPublicSource, TelegramError
from collectors.telegram.parse import live_records, parse_page
from collectors.telegram.types import ResolvedChannel, TelegramSource, normalize_ref
from narrmon import telegram_ids
from narrmon.config import TelegramConfig
from narrmon.records import MetricSnapshot, Post
from narrmon.store import Store, collect_state

log = logging.getLogger(__name__)


class TelegramCollector:
    """Collects channels into a store through one :class:`TelegramApi`."""

    def __init__(
        self, store: Store, api: TelegramApi, config: TelegramConfig, clock: Clock
    ) -> None:
        self.store = store
        self.api = api
        self.config = config
        self.clock = clock

    # -- collection --------------------------------------------------------------------

    def collect(self, source: TelegramSource) -> SourceResult:
        """Read one channel's new messages; never raises for an expected failure."""
        key = source.key

        def work(state: dict | None, result: SourceResult) -> None:
            channel = self.resolve(source.ref)
            self._read_history(channel, key, state, result)
            self._refresh_followers(channel)

        result = SourceResult(PLATFORM, source.label)
        return collect_source(
            self.store, self.clock, result, key, work, (TelegramError,), self._requests
        )

    def _requests(self) -> int:
        return self.api.gate.requests if self.api.gate else 0

    def resolve(self, ref: str) -> ResolvedChannel:
        """The channel from the store's cache, or resolved once and cached."""
        norm = normalize_ref(ref)
        cached = collect_state.find_account(self.store, PLATFORM, norm)
        if cached is not None and cached.access_hash is not None:
            return ResolvedChannel(
                channel_id=int(cached.account_id),
                access_hash=cached.access_hash,
                username=cached.handle,
                kind=cached.kind or KIND_CHANNEL,
                followers_at=cached.followers_at,
            )
        entity = self.api.get_entity(int(norm) if norm.isdigit() else norm)
        self._check_public(ref, entity)
        channel = resolved(entity)
        raw = channel_raw(entity) if isinstance(entity, types.Channel) else None
        with self.store.begin() as conn:
            self.store.upsert_accounts(conn, [channel_account(channel, raw=raw)])
            collect_state.cache_access_hash(
                conn, PLATFORM, str(channel.channel_id), channel.access_hash
            )
        log.info("resolved Telegram %s as id %s (cached)", norm, channel.channel_id)
        return channel

    def _check_public(self, ref: str, entity: Any) -> None:
        if self.config.include_private or is_public_channel(entity):
            return
        kind = entity_kind(entity)
        what = f"a private {kind}" if kind in (KIND_CHANNEL, KIND_SUPERGROUP) else f"a {kind}"
        raise NotPublicSource(
            f"{ref} is {what}, not a public channel; set telegram.include_private to collect it"
        )

    def _read_history(
        self, channel: ResolvedChannel, key: str, state: dict | None, result: SourceResult
    ) -> None:
        position = _position(state)
        if position is None:
            position = collect_state.last_stored_message_id(self.store, str(channel.channel_id))
        min_id = position or 0
        page_size = min(self.config.page_size, PAGE_SIZE_MAX)
        wrote = False
        while True:
            messages = self.api.history_page(channel, min_id, page_size)
            full = len(messages) >= page_size
            if full:
                messages = hold_back_open_album(messages)
            if not messages:
                break
            page = parse_page(messages, channel, clock_now(self.clock))
            with self.store.begin() as conn:
                counts = self.store.write_batch(
                    posts=page.posts,
                    snapshots=page.snapshots,
                    rejected=page.rejected,
                    source=SOURCE,
                    cursor=(PLATFORM, key, str(page.last_id)),
                    conn=conn,
                )
                spans = {s.post_id: (s.first, s.last) for s in page.spans}
                collect_state.set_album_spans(conn, PLATFORM, spans)
            wrote = True
            result.add(counts)
            min_id = page.last_id
            if not full:
                break
        result.position = str(min_id)
        if not wrote and (state is None or state.get("deferred_until") or state.get("note")):
            with self.store.begin() as conn:  # first visit, or clear an expired deferral
                self.store.set_cursor(conn, PLATFORM, key, str(min_id))

    def _refresh_followers(self, channel: ResolvedChannel) -> None:
        if channel.kind not in (KIND_CHANNEL, KIND_SUPERGROUP):
            return
        now = clock_now(self.clock)
        fresh = timedelta(hours=self.config.subscriber_refresh_hours)
        if channel.followers_at is not None and now - channel.followers_at < fresh:
            return
        full = self.api.full_channel(channel)
        followers = full_channel_followers(full)
        if followers is None:
            return
        account = channel_account(channel, followers=followers, observed_at=now)
        with self.store.begin() as conn:
            self.store.upsert_accounts(conn, [account])

    # -- reach refresh -----------------------------------------------------------------

    def refresh(
        self, account_id: str, posts: Sequence[tuple[str, int | None, int | None]]
    ) -> SourceResult:
        """Re-read the metrics of ``posts`` of one channel; mark vanished ones deleted."""

        def work(result: SourceResult) -> None:
            cached = collect_state.find_account(self.store, PLATFORM, account_id)
            if cached is None or (cached.access_hash is None and not cached.handle):
                raise ChannelUnavailable("channel was never resolved; collect it once first")
            channel = self.resolve(cached.handle or account_id)
            if cached.handle:
                result.source = f"{account_id} (@{cached.handle})"
            for start_at in range(0, len(posts), IDS_PER_REQUEST):
                self._refresh_batch(channel, posts[start_at : start_at + IDS_PER_REQUEST], result)

        return run_guarded(
            SourceResult(PLATFORM, account_id), work, (TelegramError,), self._requests
        )

    def _refresh_batch(
        self,
        channel: ResolvedChannel,
        posts: Sequence[tuple[str, int | None, int | None]],
        result: SourceResult,
    ) -> None:
        wanted: dict[int, str] = {}
        for post_id, first, last in posts:
            low, high = _span(post_id, first, last)
            for msg_id in range(low, high + 1):
                wanted[msg_id] = post_id
        found = self.api.messages_by_id(channel, list(wanted))
        parts: dict[str, list[Any]] = {}
        for msg_id, msg in zip(wanted, found, strict=False):
            if isinstance(msg, types.Message):
                parts.setdefault(wanted[msg_id], []).append(msg)
        now = clock_now(self.clock)
        fresh_posts: list[Post] = []
        snapshots: list[MetricSnapshot] = []
        gone: list[str] = []
        for post_id, _, _ in posts:
            group = parts.get(post_id)
            if not group or all(m.id != telegram_ids.message_id(post_id) for m in group):
                gone.append(post_id)
                continue
            post, snapshot, _ = live_records([m.to_dict() for m in group], channel, now)
            if post.edited_at is not None:  # edited since: keep the new text
                fresh_posts.append(post)
            if snapshot is not None:
                snapshots.append(snapshot)
        with self.store.begin() as conn:
            counts = self.store.write_batch(
                posts=fresh_posts, snapshots=snapshots, source=SOURCE, conn=conn
            )
            result.deleted += collect_state.mark_deleted(conn, PLATFORM, gone, now)
        result.updated += counts.updated
        result.unchanged += counts.unchanged
        result.snapshots += counts.snapshots


def hold_back_open_album(messages: list[Any]) -> list[Any]:
    """Drop a trailing album that may continue on the next page (unless it is all)."""
    last_group = getattr(messages[-1], "grouped_id", None)
    if not last_group:
        return messages
    kept = list(messages)
    while kept and getattr(kept[-1], "grouped_id", None) == last_group:
        kept.pop()
    return kept or messages


def _position(state: dict | None) -> int | None:
    if state is None or state.get("position") in (None, ""):
        return None
    return int(state["position"])


def _span(post_id: str, first: int | None, last: int | None) -> telegram_ids.Span:
    span = telegram_ids.message_span(post_id, first, last)
    if span is None:
        raise TelegramError(f"post id {post_id!r} is not <channel id>/<message id>")
    return span
