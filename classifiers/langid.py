"""Script and language of a post: which posts the classifier is for.

The script comes from the letters (``cyrl``, ``latn``, ``mixed``, or ``none`` for text
without letters). lingua tells Bosnian/Croatian/Serbian from Russian, Ukrainian,
English and the other neighbours well, but calls almost every Latin-script Serbian
sentence Bosnian, so it only decides "in scope or not"; ``sr``, ``bs``, ``hr`` and
``cnr`` are told apart by our own cues (ekavian or ijekavian reflexes, lexical markers),
falling back to ``bcms`` when they are silent or disagree. lingua 2.1.1 has no
Montenegrin model; Montenegrin is in scope through its closeness to the other three.

The detector holds only :data:`DETECTOR_LANGUAGES` and is built once, on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from classifiers.normalize import fold_diacritics, remove_links, to_latin

SCRIPT_CYRILLIC = "cyrl"
SCRIPT_LATIN = "latn"
SCRIPT_MIXED = "mixed"
SCRIPT_NONE = "none"
MIXED_MINORITY_SHARE = 0.2  # the smaller script must reach this share for "mixed"

LANG_BCMS = "bcms"  # in scope, variety unknown
LANG_UNDETERMINED = "und"
BCMS_CODES = ("sr", "bs", "hr", "cnr", LANG_BCMS)

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
IN_SCOPE_SHARE = 0.5  # lingua's summed confidence in Bosnian, Croatian and Serbian
MIN_LETTERS = 3  # fewer letters than this: no language at all

# Letters only the BCMS alphabets have among the detector's languages.
_BCMS_ONLY_LETTERS = re.compile("[ђћĐđ]")

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")

# Cues on the folded Latin view (lower case, no diacritics, đ written dj).
_CUES: dict[str, tuple[str, ...]] = {
    "ekavian": (
        "rec",
        "reci",
        "vreme",
        "deca",
        "dete",
        "lepo",
        "lep",
        "mleko",
        "svet",
        "sveta",
        "svetu",
        "mesto",
        "mesta",
        "vek",
        "veka",
        "reka",
        "pesma",
        "cena",
        "cene",
        "belo",
        "beli",
        "sever",
        "videti",
        "verovati",
        "vera",
        "vesti",
        "uvek",
        "gde",
        "ovde",
        "onde",
        "dve",
        "posle",
        "pre",
    ),
    "ijekavian": (
        "rijec",
        "rijeci",
        "vrijeme",
        "djeca",
        "dijete",
        "lijepo",
        "lijep",
        "mlijeko",
        "svijet",
        "svijeta",
        "svijetu",
        "mjesto",
        "mjesta",
        "vijek",
        "vijeka",
        "rijeka",
        "pjesma",
        "cijena",
        "cijene",
        "bijelo",
        "bijeli",
        "sjever",
        "vidjeti",
        "vjerovati",
        "vjera",
        "vijesti",
        "uvijek",
        "gdje",
        "ovdje",
        "dvije",
        "poslije",
        "prije",
    ),
    "hr": (
        "tko",
        "tisuca",
        "tisuce",
        "kruh",
        "vlak",
        "tjedan",
        "tjedna",
        "glazba",
        "kazaliste",
        "sveuciliste",
        "povijest",
        "zrakoplov",
        "opcenito",
        "izvanredno",
        "uvjet",
        "uvjeti",
        "obitelj",
        "bit ce",
        "hrvatska vlada",
        "sabor",
    ),
    "bs": (
        "historija",
        "historije",
        "hljeb",
        "sedmica",
        "sedmice",
        "lahko",
        "kahva",
        "mahala",
        "insan",
        "dzenaza",
        "bajram",
        "hudovica",
        "haber",
        "merhaba",
        "federacija",
    ),
    "cnr": (
        "dje",
        "odje",
        "sjutra",
        "kudje",
        "crna gora",
        "cetinje",
        "podgorica",
    ),
    "sr": (
        "hleb",
        "voz",
        "hiljada",
        "hiljade",
        "nedelja",
        "istorija",
        "istorije",
        "bezbednost",
        "opstina",
        "uslov",
        "saopstenje",
        "vaspitanje",
    ),
}
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


def script_of(text: str) -> str:
    """``cyrl``, ``latn``, ``mixed`` (both scripts, the smaller >= 20%) or ``none``."""
    n_cyr = len(_CYRILLIC.findall(text))
    n_lat = len(_LATIN.findall(text))
    total = n_cyr + n_lat
    if total == 0:
        return SCRIPT_NONE
    if min(n_cyr, n_lat) / total >= MIXED_MINORITY_SHARE:
        return SCRIPT_MIXED
    return SCRIPT_CYRILLIC if n_cyr > n_lat else SCRIPT_LATIN


@lru_cache(maxsize=1)
def detector() -> Any:
    """The lingua detector over :data:`DETECTOR_LANGUAGES`, built once."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in DETECTOR_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _cue_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


_CUE_PATTERNS = {name: _cue_pattern(words) for name, words in _CUES.items()}


def cue_counts(text: str) -> dict[str, int]:
    """How many cue words of each kind (ekavian, ijekavian, hr, bs, cnr, sr) ``text`` has."""
    view = fold_diacritics(to_latin(text))
    return {name: len(p.findall(view)) for name, p in _CUE_PATTERNS.items()}


def bcms_variety(text: str) -> str:
    """``sr``, ``bs``, ``hr``, ``cnr`` from our cues, or ``bcms`` when unsure."""
    if _CNR_LETTERS.search(text):
        return "cnr"
    hits = cue_counts(text)
    score = {
        "sr": hits["sr"] + 2 * hits["ekavian"],
        "hr": 2 * hits["hr"],
        "bs": 2 * hits["bs"],
        "cnr": 2 * hits["cnr"],
    }
    if hits["ijekavian"] and not hits["ekavian"] and script_of(text) == SCRIPT_CYRILLIC:
        score["sr"] += hits["ijekavian"]  # ijekavian Cyrillic: Serbian of Bosnia/RS
    best = max(score.values())
    if best == 0:
        return LANG_BCMS
    leaders = [code for code, value in score.items() if value == best]
    return leaders[0] if len(leaders) == 1 else LANG_BCMS


def _bcms_not_slovene(text: str) -> bool:
    # lingua takes some Latin BCMS sentences for Slovene: trust the function words.
    view = fold_diacritics(to_latin(text))
    return bool(_BCMS_WORDS.search(view)) and not _SLOVENE_WORDS.search(view)


def identify(text: str) -> LanguageInfo:
    """Script, language and scope of one post."""
    text = remove_links(text)
    script = script_of(text)
    letters = len(_CYRILLIC.findall(text)) + len(_LATIN.findall(text))
    if letters < MIN_LETTERS:
        return LanguageInfo(script=script, lang=LANG_UNDETERMINED, in_scope=False)
    if _BCMS_ONLY_LETTERS.search(text):  # ђ ћ đ: no other detector language has them
        return LanguageInfo(script=script, lang=bcms_variety(text), in_scope=True)
    values = detector().compute_language_confidence_values(text)
    bcms_share = sum(v.value for v in values if v.language.name in _IN_SCOPE_LINGUA)
    if bcms_share >= IN_SCOPE_SHARE or _bcms_not_slovene(text):
        return LanguageInfo(script=script, lang=bcms_variety(text), in_scope=True)
    name = values[0].language.name if values and values[0].value > 0 else ""
    return LanguageInfo(script=script, lang=_ISO.get(name, LANG_UNDETERMINED), in_scope=False)


def identify_many(texts: list[str]) -> list[LanguageInfo]:
    """:func:`identify` over many posts."""
    return [identify(t) for t in texts]
