"""Script and language of a post: which posts the classifier is for.

The script comes from the letters (``cyrl``, ``latn``, ``mixed``, or ``none`` for text
without letters) by :func:`narrmon.text.script_of`, the rule every parser stores posts
with. Whether a post is Bosnian/Croatian/Montenegrin/Serbian (in scope) is
decided by :class:`LanguageGate` in three steps, cheapest first:

1. **Letters and words** (:func:`quick_scope`), exact where they speak: ``ђ ћ đ`` (and
   ``ć``) are BCMS only among the candidate languages; ``ы э ё є і ї ґ ѓ ќ ѕ й щ ь ю я ъ``
   without ``ј љ њ џ`` are Russian, Ukrainian, Bulgarian or Macedonian; ``ë ç`` are
   Albanian; and function words only one candidate language uses (``nije``, ``zbog``,
   ``koji``; Slovene ``ki``, ``tudi``; English ``the``; Albanian ``dhe``; Serbian
   Cyrillic ``је``, ``су`` against Macedonian ``во``, ``дека``) decide when only one
   language's words are there. Text with fewer than three letters (emoji, links) has no
   language.
2. **The account**: a channel's language is stable, so a post the first step cannot
   decide takes its account's side when that account's decided posts are at least
   :data:`ACCOUNT_MIN_POSTS` and :data:`ACCOUNT_STABLE_SHARE` one way.
3. **lingua** for what is left: its summed confidence in Bosnian, Croatian and Serbian
   (lingua 2.1.1 has no Montenegrin model; Montenegrin is in scope through its closeness
   to the other three).

:func:`identify_with_lingua` is the reference the gate is checked against (lingua on
every post; ``tests/test_langid.py``). ``sr``, ``bs``, ``hr`` and ``cnr`` come from our
own cues (:func:`bcms_variety`: ekavian or ijekavian reflexes, lexical markers, Cyrillic
script), else from the account's history where the text is silent, else ``bcms``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from classifiers import langwords as w
from classifiers.normalize import fold_diacritics, folded_latin, remove_links, to_latin
from narrmon.text import (
    SCRIPT_CYRILLIC,
    SCRIPT_LATIN,
    letter_counts,
    script_from_counts,
    script_of,
)

LANG_BCMS = "bcms"  # in scope, variety unknown
LANG_UNDETERMINED = "und"

DETECTOR_LANGUAGES = (
    "BOSNIAN",
    "CROATIAN",
    "SERBIAN",
    "MACEDONIAN",
    "BULGARIAN",
    "SLOVENE",
    "RUSSIAN",
    "UKRAINIAN",
    "ENGLISH",
    "ALBANIAN",
)
# Russian or Bulgarian written with letters both share: told apart by lingua alone.
CYRILLIC_NEIGHBOURS = ("RUSSIAN", "BULGARIAN", "UKRAINIAN", "MACEDONIAN")
_IN_SCOPE_LINGUA = frozenset({"BOSNIAN", "CROATIAN", "SERBIAN"})
_ISO = {
    "MACEDONIAN": "mk",
    "BULGARIAN": "bg",
    "SLOVENE": "sl",
    "RUSSIAN": "ru",
    "UKRAINIAN": "uk",
    "ENGLISH": "en",
    "ALBANIAN": "sq",
}
LINGUA_CHARS = 200  # what lingua reads of a long post: as good a decision, 10x cheaper
IN_SCOPE_SHARE = 0.5  # lingua's summed confidence in Bosnian, Croatian and Serbian
MIN_LETTERS = 3  # fewer letters than this: no language at all
MIN_WORD_HITS = 2  # distinct "only" words of one language that decide alone
LONG_TEXT_WORDS = 8  # distinct words from which one "only" word decides (the others'd show)
ACCOUNT_MIN_POSTS = 20  # decided posts of an account before its side is taken
ACCOUNT_STABLE_SHARE = 0.95  # share of those posts on one side
VARIETY_MIN_VOTES = 3  # posts whose text named the variety, before the account's is used
VARIETY_STABLE_SHARE = 0.75

# Letters only the BCMS alphabets have among the detector's languages.
_BCMS_ONLY_LETTERS = re.compile("[ђћĐđЂЋ]")
_WORDS = re.compile(r"[^\W\d_]+")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04FF]+")
_LATIN_WORD = re.compile(r"[A-Za-z\u00C0-\u024F]+")
_SLOVENE_BCMS_LETTERS = frozenset("čšžČŠŽ")

# Function words of BCMS that Slovene lacks, and of Slovene that BCMS lacks.
_BCMS_WORDS = re.compile(r"\b(?:nije|nisu|zbog|nego|vec|kad|kada|sta|cemo|cete|koji|koja|koje)\b")
_SLOVENE_WORDS = re.compile(r"\b(?:ki|v|tudi|zaradi|ker|sem|kaj|danes|vendar|zdaj)\b")
# Montenegrin letters and the jotated forms only Montenegrin writes.
_CNR_LETTERS = re.compile(r"[śź]|\bđe\b|\bђе\b|\bсјутра\b|\bśutra\b", re.IGNORECASE)


@dataclass(frozen=True)
class LanguageInfo:
    """Script, language code and whether the classifier applies to a post."""

    script: str
    lang: str
    in_scope: bool


def _build(names: Sequence[str]) -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in names)).build()


@lru_cache(maxsize=1)
def detector() -> Any:
    """The lingua detector over :data:`DETECTOR_LANGUAGES`, built once."""
    return _build(DETECTOR_LANGUAGES)


@lru_cache(maxsize=1)
def cyrillic_detector() -> Any:
    """lingua over :data:`CYRILLIC_NEIGHBOURS`: which out-of-scope Cyrillic language."""
    return _build(CYRILLIC_NEIGHBOURS)


def _cue_index() -> tuple[dict[str, tuple[str, ...]], re.Pattern[str], dict[str, str]]:
    """Single-word cues by word (their kinds), and one pattern for the multi-word ones."""
    by_word: dict[str, tuple[str, ...]] = {}
    phrases: dict[str, str] = {}
    for name, cues in w.VARIETY_CUES.items():
        for cue in cues:
            if " " in cue:
                phrases[cue] = name
            else:
                by_word[cue] = (*by_word.get(cue, ()), name)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in phrases) + r")\b")
    return by_word, pattern, phrases


_CUE_WORDS, _CUE_PHRASES, _PHRASE_KIND = _cue_index()
_TOKEN = re.compile(r"\w+")


_ALL_CUE_WORDS = frozenset(_CUE_WORDS)
_CNR_HINTS = ("ś", "ź", "đe", "ђе", "сјутра")  # what _CNR_LETTERS needs (lower case)


def cue_counts(text: str) -> dict[str, int]:
    """How many cue words of each kind (ekavian, ijekavian, hr, bs, cnr, sr) ``text`` has."""
    return _cue_counts(folded_latin(text))


def _cue_counts(view: str) -> dict[str, int]:
    counts = dict.fromkeys(w.VARIETY_CUES, 0)
    tokens = _TOKEN.findall(view)
    if not _ALL_CUE_WORDS.isdisjoint(tokens):
        for token, n in Counter(tokens).items():
            for name in _CUE_WORDS.get(token, ()):
                counts[name] += n
    if " " in view:
        for phrase in _CUE_PHRASES.findall(view):
            counts[_PHRASE_KIND[phrase]] += 1
    return counts


def bcms_variety(text: str, script: str | None = None) -> str:
    """``sr``, ``bs``, ``hr``, ``cnr`` from our cues, or ``bcms`` when unsure.

    Cyrillic counts for Serbian (Croatian is never written in it, Bosnian and
    Montenegrin seldom), weaker than any lexical cue. ``script`` saves working it out.
    """
    return _variety(text, script or script_of(text), folded_latin(text))


def _variety(text: str, script: str, view: str) -> str:
    lowered = text.lower()
    if any(hint in lowered for hint in _CNR_HINTS) and _CNR_LETTERS.search(text):
        return "cnr"
    hits = _cue_counts(view)
    score = {
        "sr": hits["sr"] + 2 * hits["ekavian"],
        "hr": 2 * hits["hr"],
        "bs": 2 * hits["bs"],
        "cnr": 2 * hits["cnr"],
    }
    if script == SCRIPT_CYRILLIC:
        score["sr"] += hits["ijekavian"] + 1  # Cyrillic, even ijekavian: Serbian (of Bosnia)
    best = max(score.values())
    if best == 0:
        return LANG_BCMS
    leaders = [code for code, value in score.items() if value == best]
    return leaders[0] if len(leaders) == 1 else LANG_BCMS


def _bcms_not_slovene(view: str) -> bool:
    # lingua takes some Latin BCMS sentences for Slovene: trust the function words.
    return bool(_BCMS_WORDS.search(view)) and not _SLOVENE_WORDS.search(view)


def _letters(text: str) -> tuple[str, int, int, str]:
    """The link-free text, its Cyrillic and Latin letters, and the post's script."""
    script = script_of(text)
    text = remove_links(text)
    return text, *letter_counts(text), script


def _lingua_scope(text: str, script: str) -> LanguageInfo:
    values = detector().compute_language_confidence_values(text)
    return _scope_from(values, script)


def _scope_from(values: Any, script: str) -> LanguageInfo:
    bcms_share = sum(v.value for v in values if v.language.name in _IN_SCOPE_LINGUA)
    if bcms_share >= IN_SCOPE_SHARE:
        return LanguageInfo(script=script, lang=LANG_BCMS, in_scope=True)
    name = values[0].language.name if values and values[0].value > 0 else ""
    return LanguageInfo(script=script, lang=_ISO.get(name, LANG_UNDETERMINED), in_scope=False)


def identify_with_lingua(text: str) -> LanguageInfo:
    """The reference decision: lingua on every post with letters (slow; for checks).

    Scope as narrmon decided it before :class:`LanguageGate`; the language is ``bcms``
    for every in-scope post (the variety is not part of the reference).
    """
    text, n_cyr, n_lat, script = _letters(text)
    if n_cyr + n_lat < MIN_LETTERS:
        return LanguageInfo(script=script, lang=LANG_UNDETERMINED, in_scope=False)
    if _BCMS_ONLY_LETTERS.search(text):
        return LanguageInfo(script=script, lang=LANG_BCMS, in_scope=True)
    found = _lingua_scope(text, script)
    if not found.in_scope and _bcms_not_slovene(fold_diacritics(to_latin(text))):
        return LanguageInfo(script=script, lang=LANG_BCMS, in_scope=True)
    return found


def _lingua_on_start(text: str, script: str) -> LanguageInfo:
    """lingua on the first :data:`LINGUA_CHARS` characters (its cost grows with length)."""
    text = remove_links(text)
    if len(text) > LINGUA_CHARS:
        cut = text.rfind(" ", 0, LINGUA_CHARS)
        text = text[: cut if cut > 0 else LINGUA_CHARS]
    found = _lingua_scope(text, script)
    if not found.in_scope and _bcms_not_slovene(fold_diacritics(to_latin(text))):
        return LanguageInfo(script=script, lang=LANG_BCMS, in_scope=True)
    return found


def _cyrillic_scope(text: str) -> str | None:
    """``bcms``, an out-of-scope code, or None (undecided) for a Cyrillic text."""
    chars = set(text)
    foreign = chars & w.FOREIGN_CYRILLIC
    serbian = chars & w.SERBIAN_CYRILLIC
    if foreign and not serbian:
        if foreign & w.UKRAINIAN_LETTERS:
            return "uk"
        if foreign & w.MACEDONIAN_LETTERS:
            return "mk"
        if foreign & w.RUSSIAN_LETTERS:
            return "ru"
        best = cyrillic_detector().detect_language_of(text)
        return _ISO.get(best.name, LANG_UNDETERMINED) if best is not None else "ru"
    if foreign:
        return None
    words = set(_WORDS.findall(text.lower()))
    sr = not words.isdisjoint(w.SERBIAN_CYRILLIC_WORDS)
    mk = not words.isdisjoint(w.MACEDONIAN_WORDS)
    if mk and not sr and serbian:
        return "mk"
    # Russian, Ukrainian and Bulgarian sentences of some length always show their letters.
    if not mk and (sr and serbian or len(words) >= LONG_TEXT_WORDS):
        return LANG_BCMS
    return None


def _latin_scope(text: str, view: str) -> str | None:
    """``bcms``, an out-of-scope code, or None (undecided) for a Latin text."""
    chars = set(text)
    albanian = not chars.isdisjoint(w.ALBANIAN_LETTERS)
    if not chars.isdisjoint(w.BCMS_LATIN_LETTERS) and not albanian:
        return LANG_BCMS
    if _bcms_not_slovene(view):  # the reference decides these without lingua too
        return LANG_BCMS
    words = set(_TOKEN.findall(view))
    if "forwarded" in words:  # "Forwarded from <channel>" heads posts in any language
        words -= {"forwarded", "from"}
    bc = len(words & w.BCMS_ONLY_WORDS)
    sl = len(words & w.SLOVENE_ONLY_WORDS)
    en = len(words & w.ENGLISH_ONLY_WORDS)
    sq = len(words & w.ALBANIAN_ONLY_WORDS)
    if albanian and sq and not bc and chars.isdisjoint(_SLOVENE_BCMS_LETTERS):
        return "sq"
    hits = {LANG_BCMS: bc, "sl": sl, "en": en, "sq": sq}
    deciding = [code for code, n in hits.items() if n]
    if len(deciding) != 1:
        return None
    code = deciding[0]
    if code == LANG_BCMS:  # a long text in another language would show its own words
        return code if bc >= (1 if len(words) >= LONG_TEXT_WORDS else MIN_WORD_HITS) else None
    if hits[code] >= MIN_WORD_HITS and (code != "en" or chars.isdisjoint(_SLOVENE_BCMS_LETTERS)):
        return code
    return None


def _mixed_scope(text: str) -> str | None:
    """A text in both scripts: BCMS when one script's part is and the other's is not foreign."""
    cyrillic = " ".join(_CYRILLIC_WORD.findall(text))
    latin = " ".join(_LATIN_WORD.findall(text))
    parts = {_cyrillic_scope(cyrillic), _latin_scope(latin, folded_latin(latin))}
    return LANG_BCMS if parts in ({LANG_BCMS}, {LANG_BCMS, None}) else None


def quick_scope(text: str) -> LanguageInfo | None:
    """The cheap, exact decision of :class:`LanguageGate`'s first step, or None."""
    return _quick(text)[0]


def _quick(text: str) -> tuple[LanguageInfo | None, str, str]:
    """:func:`quick_scope`, the script and the folded Latin view of the link-free text."""
    text, n_cyr, n_lat, script = _letters(text)
    folded = folded_latin(text)
    if n_cyr + n_lat < MIN_LETTERS:
        return LanguageInfo(script=script, lang=LANG_UNDETERMINED, in_scope=False), script, folded
    if _BCMS_ONLY_LETTERS.search(text):
        return LanguageInfo(script=script, lang=LANG_BCMS, in_scope=True), script, folded
    letters = script_from_counts(n_cyr, n_lat)  # of what the words are in, hashtags too
    if letters == SCRIPT_CYRILLIC:
        code = _cyrillic_scope(text)
    elif letters == SCRIPT_LATIN:
        code = _latin_scope(text, folded)
    else:
        code = _mixed_scope(text)
    if code is None:
        return None, script, folded
    return LanguageInfo(script=script, lang=code, in_scope=code == LANG_BCMS), script, folded


class LanguageGate:
    """Decides posts in or out of scope, cheapest first, remembering each account.

    One gate serves one run (a ``narrmon classify`` or ``classify-file``): it learns each
    account's language and variety from the posts it decided, in the order it sees them.
    """

    def __init__(self) -> None:
        self.scope: dict[str, Counter[bool]] = {}
        self.langs: dict[str, Counter[str]] = {}
        self.varieties: dict[str, Counter[str]] = {}
        self.steps: Counter[str] = Counter()  # how many posts each step decided

    def _from_account(self, account: str | None, script: str) -> LanguageInfo | None:
        sides = self.scope.get(account) if account is not None else None
        total = sum(sides.values()) if sides else 0
        if not sides or total < ACCOUNT_MIN_POSTS:
            return None
        side, n = sides.most_common(1)[0]
        if n / total < ACCOUNT_STABLE_SHARE:
            return None
        lang = LANG_BCMS if side else self.langs[account].most_common(1)[0][0]
        return LanguageInfo(script=script, lang=lang, in_scope=side)

    def scope_of(self, text: str, account: str | None = None) -> LanguageInfo:
        """In or out of scope (``lang`` is ``bcms`` for every in-scope post)."""
        return self._scope(text, account)[0]

    def _scope(self, text: str, account: str | None) -> tuple[LanguageInfo, str]:
        info, script, folded = _quick(text)
        step = "quick"
        if info is None:
            info = self._from_account(account, script)
            step = "account"
            if info is None:
                info = _lingua_on_start(text, script)
                step = "lingua"
        self.steps[step] += 1
        if account is not None and info.lang != LANG_UNDETERMINED:
            self.scope.setdefault(account, Counter())[info.in_scope] += 1
            if not info.in_scope:
                self.langs.setdefault(account, Counter())[info.lang] += 1
        return info, folded

    def identify_many(
        self, texts: Sequence[str], accounts: Sequence[str | None] | None = None
    ) -> list[LanguageInfo]:
        """Script, language and scope of many posts, using each account's history.

        Varieties are read from each text first; a text that is silent takes its
        account's variety when the account's other posts name one clearly.
        """
        accounts = accounts if accounts is not None else [None] * len(texts)
        out = []
        for text, account in zip(texts, accounts, strict=True):
            info, folded = self._scope(text, account)
            if info.in_scope:
                variety = _variety(text, info.script, folded)
                if variety != LANG_BCMS and account is not None:
                    self.varieties.setdefault(account, Counter())[variety] += 1
                info = LanguageInfo(info.script, variety, True)
            out.append(info)
        return [self._with_account_variety(i, a) for i, a in zip(out, accounts, strict=True)]

    def _with_account_variety(self, info: LanguageInfo, account: str | None) -> LanguageInfo:
        if info.lang != LANG_BCMS or account is None or account not in self.varieties:
            return info
        votes = self.varieties[account]
        total = sum(votes.values())
        variety, n = votes.most_common(1)[0]
        if total < VARIETY_MIN_VOTES or n / total < VARIETY_STABLE_SHARE:
            return info
        return LanguageInfo(info.script, variety, True)


def identify(text: str) -> LanguageInfo:
    """Script, language and scope of one post, from its text alone."""
    return LanguageGate().identify_many([text])[0]
