"""Normalisation, script and language, and the features read off the normalised view."""

from __future__ import annotations

import cyrtranslit
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from classifiers.corpus import SEED_PATH, read_labelled
from classifiers.features import CharNgramCounter, ConceptPairs, word_concepts
from classifiers.langid import bcms_variety, identify, script_of
from classifiers.normalize import (
    feature_tokens,
    feature_view,
    feature_view_reference,
    normalize,
    strip_diacritics,
    to_latin,
)

LATIN_LETTERS = "abcdefghijklmnoprstuvzčćšžđABCDEFGHIJKLMNOPRSTUVZČĆŠŽĐ"
CYRILLIC_LETTERS = "абвгдђежзијклљмнњопрстћуфхцчџшАБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШ"
OTHER = " \n.,!?:;-–„“\"'()#@0123456789🔥👇🇷🇸❗️⚡"


def test_all_caps_cyrillic_becomes_plain_lower_case_latin() -> None:
    assert normalize("ЉУБАВ И ЊЕГОШ") == "ljubav i njegos"
    assert normalize("ЏЕП") == "dzep"


def test_mixed_script_words_are_repaired_by_their_majority() -> None:
    assert normalize("Kоsovo") == "kosovo"  # Cyrillic о in a Latin word
    assert normalize("Коcово") == "kosovo"  # Latin c in a Cyrillic word
    assert normalize("Рutin") == "putin"  # Cyrillic Р in a Latin word reads as P
    assert normalize("НАТO") == "nato"  # Latin O in a Cyrillic word


def test_dj_and_dj_with_stroke_are_one_feature() -> None:
    forms = ["Đorđe", "Djordje", "ĐORĐE", "Ђорђе", "djordje"]
    assert {normalize(f) for f in forms} == {"djordje"}
    assert normalize("šišanje") == normalize("sisanje") == "sisanje"


def test_emoji_only_text_keeps_each_emoji_as_a_token() -> None:
    assert normalize("🔥🔥👇") == "🔥 🔥 👇"
    assert normalize("⚡️🇷🇸🇷🇺") == "⚡ 🇷🇸 🇷🇺"


def test_link_only_text_is_a_mask() -> None:
    assert normalize("https://t.me/pogled_sa_istoka/4411") == "_chan_"
    assert normalize("https://example.com/a/b?c=1") == "_url_"
    assert normalize("   ") == ""


def test_channels_handles_and_numbers_are_masked_but_years_kept() -> None:
    text = "Forwarded from Pogled sa Istoka\nNATO 1999. i 15.000 ljudi @balkan_glas #Kosovo"
    assert normalize(text) == "_chan_ nato 1999 i _num_ ljudi _user_ kosovo"
    assert normalize("Прослеђено из Поглед\nХИТНО") == "_chan_ hitno"


def test_to_latin_agrees_with_cyrtranslit_after_lower_casing() -> None:
    text = "ЉУБАВ Ђорђе џеп НЕБЕНЗЈА у СБ УН"
    assert to_latin(text) == cyrtranslit.to_latin(text.lower(), "sr")
    assert cyrtranslit.to_latin("ЉУБАВ", "sr") == "LjUBAV"  # why we lower-case first


def test_strip_diacritics_keeps_case() -> None:
    assert strip_diacritics("Đorđe Čačak ŠTA") == "Djordje Cacak STA"


def test_feature_view_marks_quotes_questions_and_negated_words() -> None:
    text = "„Kosovo je presedan.“ Ne, nije presedan, a Krim nije bio referendum? https://x.com/a?b"
    assert feature_view(text) == (
        "_q_ kosovo je presedan _q_ ne nije presedan neg_presedan a krim nije bio neg_bio "
        "referendum neg_referendum _qm_ _url_"
    )
    assert feature_view("Nije @balkan_glas 2008 presedan") == (
        "nije _user_ 2008 neg_2008 presedan neg_presedan"
    )
    assert feature_view("") == "" and feature_view("🔥🔥") == "🔥 🔥"


def test_feature_view_is_the_same_in_either_script() -> None:
    cyrillic = "„Донбас је као Косово.“ Не, није. Зашто? Ђорђе нема појма"
    expected = feature_view(cyrillic)
    assert "neg_nije" not in expected and "_q_" in expected and "neg_pojma" in expected
    other = cyrtranslit.to_latin(cyrillic, "sr")
    assert feature_view(other) == feature_view(strip_diacritics(other)) == expected


latin_text = st.text(alphabet=LATIN_LETTERS + OTHER, max_size=80)
cyrillic_text = st.text(alphabet=CYRILLIC_LETTERS + OTHER, max_size=80)


@settings(max_examples=300, deadline=None)
@given(latin_text)
def test_latin_text_and_its_cyrillic_and_diacritic_free_forms_agree(text: str) -> None:
    expected = normalize(text)
    assert normalize(cyrtranslit.to_cyrillic(text, "sr")) == expected
    assert normalize(strip_diacritics(text)) == expected
    assert feature_view(cyrtranslit.to_cyrillic(text, "sr")) == feature_view(text)


@settings(max_examples=300, deadline=None)
@given(cyrillic_text)
def test_cyrillic_text_and_its_latin_and_diacritic_free_forms_agree(text: str) -> None:
    expected = normalize(text)
    latin = cyrtranslit.to_latin(text, "sr")
    assert normalize(latin) == expected
    assert normalize(strip_diacritics(latin)) == expected
    assert feature_view(latin) == feature_view(strip_diacritics(latin)) == feature_view(text)


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Косово је Србија", "cyrl"),
        ("Kosovo je Srbija", "latn"),
        ("Косово је Србија #Kosovo #Srbija", "cyrl"),  # hashtags are left out
        ("Косово је Србија, Kosovo je Srbija", "mixed"),
        ("🔥🔥", "none"),
    ],
)
def test_script_comes_from_the_letters(text: str, script: str) -> None:
    assert script_of(text) == script


def test_links_do_not_make_a_cyrillic_post_mixed() -> None:
    assert identify("Косово је Србија https://t.me/kanal/1 @PogledIstok").script == "cyrl"


@pytest.mark.parametrize(
    ("text", "in_scope", "lang"),
    [
        ("Ово вријеме показује да је Русија једини прави пријатељ Србије.", True, "sr"),
        ("Putin je potpisao ugovore o pripajanju, javlja agencija.", True, "bcms"),
        ("Путин подписал договоры о присоединении четырёх регионов.", False, "ru"),
        ("The Security Council met on Kosovo on Tuesday.", False, "en"),
        ("https://t.me/pogled_sa_istoka/4411", False, "und"),
        ("👇👇👇", False, "und"),
    ],
)
def test_identify_marks_posts_in_and_out_of_scope(text: str, in_scope: bool, lang: str) -> None:
    info = identify(text)
    assert (info.in_scope, info.lang) == (in_scope, lang)


@pytest.mark.parametrize(
    ("text", "variety"),
    [
        ("Lepo vreme danas, deca su napolju.", "sr"),
        ("Tko je to rekao? Tisuću puta sam ponovio.", "hr"),
        ("Ova historija se ponavlja svake sedmice.", "bs"),
        ("Đe si, brate? Śutra idemo.", "cnr"),
        ("Dobar dan svima.", "bcms"),
    ],
)
def test_variety_cues(text: str, variety: str) -> None:
    assert bcms_variety(text) == variety


def test_concepts_name_what_a_post_brings_together() -> None:
    assert set(word_concepts("pristini")) == {"KOS"}
    assert set(word_concepts("luhansku")) == {"ANX"}
    assert word_concepts("kriminal") == ()  # "krim" is Crimea, "kriminal" is not
    assert set(word_concepts("neg_presedan")) == {"NEG"}
    assert set(word_concepts("_qm_")) == {"QM"}
    latin = "Zašto Priština može, a Luhansk ne može?"
    cyrillic = "Зашто Приштина може, а Луганск не може?"
    concepts = ConceptPairs().fit([feature_view(latin)])
    names = list(concepts.get_feature_names_out())
    assert {"ANX", "KOS", "QM", "ANX&KOS", "KOS&QM"} <= set(names)
    rows = concepts.transform([feature_view(latin), feature_view(cyrillic), "kiša danas"])
    assert (rows[0] != rows[1]).nnz == 0  # either script: the same features
    assert rows[2].nnz == 0


def test_char_ngram_counts_equal_scikit_learns_char_wb() -> None:
    texts = [
        feature_view(t)
        for t in (
            "Косово Косово Крим, двоструки аршини",
            "Kosovo i Krim: dvostruki aršini, opet Kosovo",
            "Prištini nije trebao referendum",
            "Крим референдум Приштина Приштина",
        )
    ]
    texts = [" ".join(w for w in t.split() if len(w) >= 4) for t in texts]  # see docstring
    ours = CharNgramCounter(ngram_range=(2, 5), min_df=2).fit(texts)
    theirs = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, lowercase=False)
    expected = theirs.fit_transform(texts).toarray()
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    assert (ours.transform(texts).toarray() == expected).all()
    assert expected.max() >= 2  # repeated words and shared n-grams are summed


HOMOGLYPHS = str.maketrans("oaepc", "оаерс")  # Latin letters to their Cyrillic twins
DECORATIONS = (
    "{} 🔥🔥👇",
    "🇷🇸🇷🇺 {}",
    "{} https://t.me/kanal/123 i www.primer.rs/vest",
    "Forwarded from Kanal Vesti\n{}",
    "Переслано из @kanal_rs: {}",
    "@korisnik {} 1999. i 2008, 12.000 ljudi, 3:0",
    "„{}“ – kažu oni? «Da» ili ‚ne‘?",
    "{}\n\nNije tako. Ne, nikada! Nema presedana; niti će ga biti",
    "{}  dvostruki  razmaci\tі tab\u00a0i nbsp",
    "Ово је ćirilica i latinica {} zajedno",
    "Café, naïve, Ελλάδα, Ángel: {}",
    "ЉУБАВ И ЊЕГОШ {} ĐORĐE",
    "{} ⚡️❗️👍🏽👨‍👩‍👧 ☺",
    "Kоsovo и НАТO, Рutin i Коcово: {}",
    "Тwиттер {} x.com",
    "{} ﬁnale ＫＯＳＯＶＯ 𝐊𝐫𝐢𝐦",
)


def varied_posts() -> list[str]:
    """Some hundreds of posts: seed texts in both scripts, without diacritics, with
    homoglyphs, emoji, links, handles, channel lines, numbers, quotes and negations."""
    seed = [p.text for p in read_labelled([SEED_PATH]).posts][::97][:60]
    posts = ["", " ", "?", "„“", "nije", "ne ne ne ne", "🔥", "\n"]
    for i, text in enumerate(seed):
        forms = [text, cyrtranslit.to_cyrillic(text, "sr"), strip_diacritics(text)]
        forms.append(text.translate(HOMOGLYPHS))
        for j, form in enumerate(forms):
            posts.append(DECORATIONS[(i + j) % len(DECORATIONS)].format(form))
    return posts


def test_the_piecewise_feature_view_equals_the_reference() -> None:
    posts = varied_posts()
    assert len(posts) >= 200
    for _ in range(2):  # once to fill the cache of pieces, once read from it
        for text in posts:
            expected = feature_view_reference(text)
            assert feature_view(text) == expected, text
            assert feature_tokens(text) == expected.split(), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=LATIN_LETTERS + CYRILLIC_LETTERS + OTHER + "oaepcé \t", max_size=80))
def test_the_piecewise_feature_view_equals_the_reference_on_any_text(text: str) -> None:
    assert feature_view(text) == feature_view_reference(text)
