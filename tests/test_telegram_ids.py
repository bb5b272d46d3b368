"""Telegram post ids and the missing-message-id rule every count of gaps uses."""

from __future__ import annotations

import pytest

from narrmon import telegram_ids


def test_post_ids_are_built_and_split_in_one_way():
    assert telegram_ids.post_id(1500000001, 42) == "1500000001/42"
    assert telegram_ids.split_post_id("1500000001/42") == ("1500000001", 42)
    assert telegram_ids.split_post_id("user77/3") == ("user77", 3)
    assert telegram_ids.message_id("1500000001/42") == 42
    for not_telegram in ("1900000000000000005", "/42", "1500000001/x", "1500000001/"):
        assert telegram_ids.split_post_id(not_telegram) is None
        assert telegram_ids.message_span(not_telegram) is None


def test_an_album_span_widens_its_post_both_ways():
    assert telegram_ids.message_span("1/11") == (11, 11)
    assert telegram_ids.message_span("1/11", 10, 12) == (10, 12)  # caption on the middle part
    assert telegram_ids.message_span("1/11", None, 13) == (11, 13)  # an old row without first


@pytest.mark.parametrize(
    ("spans", "covered_to", "holes"),
    [
        ([], None, []),
        ([(5, 5)], None, []),  # the lowest post is the left edge
        ([(5, 5), (9, 9)], None, [(6, 8)]),
        ([(9, 9), (5, 5), (6, 7)], None, [(8, 8)]),  # any order
        ([(5, 8), (6, 6), (10, 10)], None, [(9, 9)]),  # a span covers the ids inside it
        ([(10, 12), (11, 11), (13, 13)], None, []),  # an album whose caption is not first
        ([(5, 5)], 1, [(2, 4)]),  # the post before a report's window is the left edge
        ([(5, 5)], 4, []),
        ([(5, 5), (7, 7)], 9, []),  # already covered before the window
    ],
)
def test_missing_ranges(spans, covered_to, holes):
    assert telegram_ids.missing_ranges(spans, covered_to) == holes
