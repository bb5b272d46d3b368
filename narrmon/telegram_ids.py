"""Telegram post ids and the message ids they cover; the one home of both rules.

A Telegram post id is ``"<channel>/<message>"``: message ids count up by one per
message within a channel, so they are unique only with the channel's id. An album post
covers the ids ``first`` to ``last`` of its parts (its own id is the captioned part's).

:func:`missing_ranges` finds the message ids no stored post covers, between the posts
of one channel: a message deleted before it was read, a service message, or a hole in
collection. The module is part of the kernel: the collectors, the store (``narrmon
stats``) and the reports all use it.
"""

from __future__ import annotations

from collections.abc import Iterable

Span = tuple[int, int]  # the first and last message id a post covers


def post_id(channel: int | str, message: int | str) -> str:
    """The post id of message ``message`` of channel ``channel``."""
    return f"{channel}/{message}"


def split_post_id(value: str) -> tuple[str, int] | None:
    """``(channel, message id)`` of a Telegram post id, or None if it is not one."""
    channel, _, tail = value.rpartition("/")
    if not channel or not tail.isdigit():
        return None
    return channel, int(tail)


def message_id(value: str) -> int | None:
    """The message id of a Telegram post id, or None if it is not one."""
    parts = split_post_id(value)
    return parts[1] if parts is not None else None


def message_span(value: str, first: int | None = None, last: int | None = None) -> Span | None:
    """The message ids a post covers: its own id widened to its album's ``first``..``last``."""
    anchor = message_id(value)
    if anchor is None:
        return None
    return min(anchor, first or anchor), max(anchor, last or anchor)


def missing_ranges(spans: Iterable[Span], covered_to: int | None = None) -> list[Span]:
    """Message-id ranges between ``spans`` that none covers, in order.

    ``covered_to`` is the last id known covered before the spans (the post just before
    a report's window); without it the lowest span is the left edge. Nothing after the
    highest span counts: those messages may simply not be read yet.
    """
    ordered = sorted(spans)
    if not ordered:
        return []
    covered = ordered[0][0] - 1 if covered_to is None else covered_to
    holes: list[Span] = []
    for first, last in ordered:
        if first > covered + 1:
            holes.append((covered + 1, first - 1))
        covered = max(covered, last)
    return holes
