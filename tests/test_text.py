"""Entities and script of a text: one rule for stored posts and for the classifier."""

from __future__ import annotations

import pytest

from classifiers.langid import identify
from narrmon.text import extract_entities, post_script, script_from_counts, script_of


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Косово је Србија", "cyrl"),
        ("Kosovo je Srbija, čak i đak", "latn"),
        ("Косово је Србија https://t.me/kanal/1 @PogledIstok #Kosovo", "cyrl"),
        ("Косово је Србија, каже NATO", "cyrl"),  # 4 Latin letters of 22: under a fifth
        ("Косово је Србија, Kosovo je Srbija", "mixed"),
        ("🔥🔥 123", "none"),
        ("", "none"),
    ],
)
def test_script_of_a_post_and_of_its_classification_agree(text: str, script: str) -> None:
    assert script_of(text) == script
    assert post_script(text) == (None if script == "none" else script)
    if text:
        assert identify(text).script == script


def test_mixed_needs_a_fifth_of_the_letters_in_the_smaller_script():
    assert script_from_counts(80, 20) == "mixed"
    assert script_from_counts(81, 19) == "cyrl"
    assert script_from_counts(19, 81) == "latn"
    assert script_from_counts(0, 0) == "none"


def test_entities_come_in_order_without_duplicates():
    text = "#Kosovo je Srbija @istok https://rt.rs/a. #Kosovo t.me/kanal/2"
    assert extract_entities(text, ["https://hidden.example"]) == (
        ("Kosovo",),
        ("istok",),
        ("https://rt.rs/a", "t.me/kanal/2", "https://hidden.example"),
    )
