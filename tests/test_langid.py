"""The language gate against lingua on every post, on our own labelled check set.

``fixtures/langid/check_set.jsonl`` was written for this project: BCMS in Latin with and
without diacritics and in Cyrillic (Serbian, Croatian, Bosnian, Montenegrin), Russian,
Ukrainian, Macedonian, Bulgarian, Slovene, English and Albanian, short and long, plus
emoji-only and links-only posts. Each line has the text, its language and whether it is
in scope.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from classifiers.langid import (
    ACCOUNT_MIN_POSTS,
    LanguageGate,
    identify,
    identify_with_lingua,
    quick_scope,
)
from tests.conftest import FIXTURES

CHECK_SET = FIXTURES / "langid" / "check_set.jsonl"
AGREEMENT = 0.99


@pytest.fixture(scope="module")
def check_set() -> list[dict]:
    return [json.loads(line) for line in CHECK_SET.read_text(encoding="utf-8").splitlines()]


def test_the_check_set_covers_every_language_form_and_length(check_set: list[dict]) -> None:
    langs = Counter(row["lang"] for row in check_set)
    for code in ("sr", "hr", "bs", "cnr", "ru", "uk", "mk", "bg", "sl", "en", "sq", "und"):
        assert langs[code] >= 3, code
    forms = Counter(row["form"] for row in check_set)
    assert {"latin", "latin_no_diacritics", "cyrillic", "emoji", "links"} <= set(forms)
    assert Counter(row["length"] for row in check_set)["long"] >= 10


def test_gate_agrees_with_lingua_on_every_post_about_scope(check_set: list[dict]) -> None:
    gate = LanguageGate()
    got = gate.identify_many([row["text"] for row in check_set])
    reference = [identify_with_lingua(row["text"]) for row in check_set]
    agree = sum(g.in_scope == r.in_scope for g, r in zip(got, reference, strict=True))
    assert agree / len(check_set) >= AGREEMENT, f"{agree} of {len(check_set)}"
    truth = [row["in_scope"] for row in check_set]
    right_gate = sum(g.in_scope == t for g, t in zip(got, truth, strict=True))
    right_lingua = sum(r.in_scope == t for r, t in zip(reference, truth, strict=True))
    assert right_gate >= right_lingua  # where they differ, the gate is not the worse
    assert gate.steps["quick"] > gate.steps["lingua"]  # most posts never reach lingua


def test_quick_decisions_are_right_wherever_they_are_taken(check_set: list[dict]) -> None:
    decided = [(row, quick_scope(row["text"])) for row in check_set]
    decided = [(row, info) for row, info in decided if info is not None]
    wrong = [row["text"] for row, info in decided if info.in_scope != row["in_scope"]]
    assert len(decided) >= len(check_set) // 2
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Что происходит с нашими деньгами?", "ru"),
        ("Що відбувається на фронті?", "uk"),
        ("Денес во Охрид ќе има концерт.", "mk"),
        ("Kosova është shtet i pavarur dhe sovran.", "sq"),
        ("The Security Council met on Kosovo on Tuesday.", "en"),
    ],
)
def test_out_of_scope_posts_keep_their_language(text: str, lang: str) -> None:
    info = identify(text)
    assert (info.in_scope, info.lang) == (False, lang)


def test_a_silent_post_takes_its_accounts_variety() -> None:
    gate = LanguageGate()
    texts = [
        "Tko je to rekao? Tisuću puta sam ponovio.",
        "Sabor je ovaj tjedan raspravljao o obrani.",
        "Europski zastupnici su opet šutjeli.",
        "Dobar dan svima.",
    ]
    accounts = ["hr_kanal"] * 3 + ["hr_kanal"]
    infos = gate.identify_many(texts, accounts)
    assert [i.lang for i in infos] == ["hr", "hr", "hr", "hr"]
    assert identify("Dobar dan svima.").lang == "bcms"  # no history: the text is silent
    other = gate.identify_many(["Dobar dan svima."], ["drugi_kanal"])
    assert other[0].lang == "bcms"


def test_cyrillic_bcms_is_serbian_unless_a_cue_says_otherwise() -> None:
    assert identify("Добар дан свима, браћо.").lang == "sr"
    assert identify("Đe si, brate? Śutra idemo.").lang == "cnr"


def test_an_undecided_post_takes_a_stable_accounts_side_without_lingua() -> None:
    gate = LanguageGate()
    decided = ["Rusija je jedini pravi prijatelj srpskog naroda, nije li tako?"] * ACCOUNT_MIN_POSTS
    gate.identify_many(decided, ["kanal"] * ACCOUNT_MIN_POSTS)
    assert quick_scope("Sramota.") is None  # the text alone cannot decide
    lingua_before = gate.steps["lingua"]
    info = gate.identify_many(["Sramota."], ["kanal"])[0]
    assert info.in_scope and gate.steps["lingua"] == lingua_before
    assert gate.steps["account"] == 1
    gate.identify_many(["Sramota."], ["nepoznat"])  # an account with no history: lingua
    assert gate.steps["lingua"] == lingua_before + 1
