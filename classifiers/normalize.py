"""Normalisation of post text into the feature view the classifier reads.

The stored text is never altered; :func:`normalize` returns a separate, lossy view:

1. Unicode NFKC (fullwidth and "mathematical bold" letters become plain letters).
2. Homoglyphs repaired inside words that mix Latin and Cyrillic letters (a Latin ``o``
   or ``p`` in a Cyrillic word, a Cyrillic ``р`` in a Latin word), by the word's majority.
3. Lower-cased, then Cyrillic to Latin with cyrtranslit's ``sr`` table (lower-casing
   first, because all-caps ``ЉУБАВ`` would otherwise give ``LjUBAV``). Latin is never
   turned into Cyrillic: that direction is ambiguous (``nj`` in ``konjugacija``).
4. Diacritics folded: ``č ć`` to ``c``, ``š`` to ``s``, ``ž`` to ``z``, ``đ`` to ``dj``
   (scikit-learn's ``strip_accents`` leaves ``đ`` alone), other accents dropped.
5. Links, @handles, channel names ("Forwarded from …", ``t.me/…``) and numbers masked;
   years (1900-2099) are kept because "1999" and "2008" carry meaning here.
6. Emoji kept as tokens of their own; other punctuation becomes a space.

:func:`feature_view` is what the model reads: the same view plus two rebuttal cues that
plain tokens lose. Quotation marks become ``_q_`` and question marks ``_qm_`` (a rebuttal
usually quotes the claim it rejects), and the two words after a negation (``nije``,
``ne``, ``nema`` …) within the same clause are repeated with a ``neg_`` prefix, so that
"Kosovo nije presedan" gives ``neg_presedan`` as well as ``presedan``.

Property: a post, its transliteration into the other script with cyrtranslit, and its
diacritic-free form normalise to the same string. Mixed words that contain ``q w x y``
(letters Serbian Latin lacks, which cyrtranslit leaves Latin when going to Cyrillic) are
left as they are rather than "repaired", so that property holds for them too.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable
from itertools import chain
from operator import itemgetter

from cyrtranslit.mapping import TRANSLIT_DICT

MASK_URL = "_url_"
MASK_USER = "_user_"
MASK_CHANNEL = "_chan_"
MASK_NUMBER = "_num_"
MASK_QUOTE = "_q_"
MASK_QUESTION = "_qm_"
MASKS = (MASK_URL, MASK_USER, MASK_CHANNEL, MASK_NUMBER, MASK_QUOTE, MASK_QUESTION)
NEGATION_PREFIX = "neg_"
NEGATION_SCOPE = 2  # words after a negation that get a negated twin (chosen by CV)
NEGATORS = frozenset(
    "ne nije nisu nema nikad nikada niti nit nisam nismo nisi nece necu nemoj nikakav "
    "nikakvog nikakvo nikakva".split()
)

# Cyrillic letters outside the Serbian alphabet (Russian, Ukrainian, Macedonian …): a
# plain reading, only so that out-of-scope words still give stable features.
_EXTRA_CYRILLIC = {
    "ё": "e",
    "й": "j",
    "щ": "sc",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "ju",
    "я": "ja",
    "є": "je",
    "і": "i",
    "ї": "ji",
    "ґ": "g",
    "ѕ": "dz",
    "ѓ": "gj",
    "ќ": "kj",
    "ў": "u",
}
_SR_TO_LATIN = {k: v for k, v in TRANSLIT_DICT["sr"]["tolatin"].items() if len(k) == 1}
_CYR_TO_LATIN = str.maketrans({**_SR_TO_LATIN, **_EXTRA_CYRILLIC})

# Diacritic folding of the feature view (and of :func:`strip_diacritics`).
_FOLD = {"č": "c", "ć": "c", "š": "s", "ž": "z", "đ": "dj", "ś": "s", "ź": "z"}
_FOLD_CASED = {**_FOLD, **{k.upper(): v.capitalize() for k, v in _FOLD.items()}}
_FOLD_TABLE = str.maketrans(_FOLD)
_FOLD_CASED_TABLE = str.maketrans(_FOLD_CASED)
# Lower-case Cyrillic straight to folded Latin, and Latin diacritics folded, in one pass.
_FEATURE_TABLE = str.maketrans(
    {
        **{k: v.translate(_FOLD_TABLE) for k, v in {**_SR_TO_LATIN, **_EXTRA_CYRILLIC}.items()},
        **_FOLD,
    }
)

# Homoglyphs: letters that look alike in both scripts. In a mostly Cyrillic word the
# Latin twin becomes Cyrillic; in a mostly Latin word the Cyrillic twin becomes Latin.
_LATIN_TWINS = "AaBCcEeHKkMOoPpTJj"
_CYRILLIC_TWINS = "АаВСсЕеНКкМОоРрТЈј"
_LATIN_TO_CYRILLIC_TWIN = str.maketrans(_LATIN_TWINS, _CYRILLIC_TWINS)
_CYRILLIC_TO_LATIN_TWIN = str.maketrans(_CYRILLIC_TWINS + "ХхУу", _LATIN_TWINS + "XxYy")
_FOREIGN_LATIN = frozenset("qwxyQWXY")  # cyrtranslit leaves these Latin in Cyrillic text

_CYRILLIC_CHAR = re.compile(r"[\u0400-\u04FF]")
_LATIN_CHAR = re.compile(r"[A-Za-z\u00C0-\u024F]")
_WORD = re.compile(r"[^\W\d_]+")
# A mixed-script word has a Latin letter next to a Cyrillic one somewhere.
_SCRIPT_SEAM = re.compile(
    r"[A-Za-z\u00C0-\u024F][\u0400-\u04FF]|[\u0400-\u04FF][A-Za-z\u00C0-\u024F]"
)
_ACCENTED = re.compile(r"[\u00C0-\u024F\u0300-\u036F\u1E00-\u1EFF]")

_EMOJI_RANGES = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2190-\u21ff\u2300-\u23ff"
    "\u3030\u303d\u3297\u3299\u203c\u2049\u2122\u2139\u24c2\u25aa-\u25fe"
)
_EMOJI_JUNK = re.compile("[\ufe0e\ufe0f\u200d\u20e3\U0001f3fb-\U0001f3ff]")
_EMOJI = re.compile(f"[\U0001f1e6-\U0001f1ff]{{2}}|[{_EMOJI_RANGES}]")
_NOT_TOKEN = re.compile(f"[^\\w{_EMOJI_RANGES}]+")

_CHANNEL_LINE = re.compile(
    r"(?:forwarded from|proslij?edjeno (?:iz|od)|prosledjeno (?:iz|od)|pereslano (?:iz|ot))"
    r"\b[^\n]*"
)
_TLDS = "com|net|org|info|rs|ba|me|hr|ru|ua|eu|io|tv|news"
_TG_LINK = re.compile(r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/\S*", re.IGNORECASE)
_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:" + _TLDS + r")\b(?:/\S*)?",
    re.IGNORECASE,
)
# Cheap tests, on the lower-cased text, that tell whether the patterns above can match:
# substring tests and a pattern starting with a literal are several times faster.
_CHANNEL_HINTS = ("forwarded", "proslijedjeno", "prosledjeno", "pereslano")
_URL_HINTS = ("://", "www.", "t.me/", "telegram.me/")
_TLD_HINT = re.compile(r"\.(?:" + _TLDS + r")\b")
_HANDLE = re.compile(r"@\w+")
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")
_YEAR = re.compile(r"(?:19|20)\d\d")
_QUOTES = re.compile("[\"'`\u00ab\u00bb\u2018\u2019\u201a\u201c\u201d\u201e]")
_CLAUSE_END = re.compile(r"[.!?;:,\n\u2013\u2014]")


def _repair_word(word: str, prefer_cyrillic: bool) -> str:
    if not (_CYRILLIC_CHAR.search(word) and _LATIN_CHAR.search(word)):
        return word
    if any(ch in _FOREIGN_LATIN for ch in word):
        return word  # "Тwиттер": a transliterated foreign word, not a disguise
    n_cyr = len(_CYRILLIC_CHAR.findall(word))
    n_lat = len(_LATIN_CHAR.findall(word))
    if n_cyr > n_lat or (n_cyr == n_lat and prefer_cyrillic):
        return word.translate(_LATIN_TO_CYRILLIC_TWIN)
    return word.translate(_CYRILLIC_TO_LATIN_TWIN)


def repair_homoglyphs(text: str) -> str:
    """Replace look-alike letters of the other script inside mixed-script words."""
    if not _CYRILLIC_CHAR.search(text) or not _SCRIPT_SEAM.search(text):
        return text
    prefer_cyrillic = len(_CYRILLIC_CHAR.findall(text)) >= len(_LATIN_CHAR.findall(text))
    return _WORD.sub(lambda m: _repair_word(m.group(0), prefer_cyrillic), text)


def to_latin(text: str) -> str:
    """Lower-case ``text`` and write its Cyrillic letters in Latin (cyrtranslit ``sr``)."""
    text = text.lower()
    return text.translate(_CYR_TO_LATIN) if _CYRILLIC_CHAR.search(text) else text


def fold_diacritics(text: str) -> str:
    """Lower-case Latin without diacritics: ``č ć`` to ``c``, ``đ`` to ``dj``, ``é`` to ``e``."""
    text = text.translate(_FOLD_TABLE)
    if text.isascii() or not _ACCENTED.search(text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def folded_latin(text: str) -> str:
    """``fold_diacritics(to_latin(text))`` in one pass: lower-case Latin without diacritics."""
    text = text.lower().translate(_FEATURE_TABLE)
    if text.isascii() or not _ACCENTED.search(text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def strip_diacritics(text: str) -> str:
    """``text`` as typed on a phone without diacritics (case kept): ``Đorđe`` → ``Djordje``."""
    return text.translate(_FOLD_CASED_TABLE)


def remove_links(text: str) -> str:
    """``text`` without links and @handles (for language identification)."""
    lowered = text.lower()
    if any(hint in lowered for hint in _URL_HINTS) or _TLD_HINT.search(lowered):
        text = _URL.sub(" ", _TG_LINK.sub(" ", text))
    return _HANDLE.sub(" ", text) if "@" in text else text


def _mask_number(match: re.Match[str]) -> str:
    value = match.group(0)
    return value if _YEAR.fullmatch(value) else f" {MASK_NUMBER} "


def mask(text: str) -> str:
    """Replace channel lines, links, @handles and numbers (not years) with mask tokens."""
    lowered = text.lower()
    if any(hint in lowered for hint in _CHANNEL_HINTS):
        text = _CHANNEL_LINE.sub(f" {MASK_CHANNEL} ", text)
    if any(hint in lowered for hint in _URL_HINTS) or _TLD_HINT.search(lowered):
        text = _TG_LINK.sub(f" {MASK_CHANNEL} ", text)
        text = _URL.sub(f" {MASK_URL} ", text)
    if "@" in text:
        text = _HANDLE.sub(f" {MASK_USER} ", text)
    return _NUMBER.sub(_mask_number, text)


def _space_emoji(text: str) -> str:
    if text.isascii():
        return text
    text = _EMOJI_JUNK.sub("", text)
    return _EMOJI.sub(r" \g<0> ", text)


def _folded_masked(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = repair_homoglyphs(text)
    text = text.lower().translate(_FEATURE_TABLE)
    if not text.isascii() and _ACCENTED.search(text):
        text = fold_diacritics(text)
    return _space_emoji(mask(text))


def normalize(text: str) -> str:
    """The normalised view of a post: one line of space-separated tokens (see the module)."""
    if not text:
        return ""
    return " ".join(_NOT_TOKEN.sub(" ", _folded_masked(text)).split())


def normalize_many(texts: Iterable[str]) -> list[str]:
    """:func:`normalize` over many texts."""
    return [normalize(t) for t in texts]


def feature_view_reference(text: str) -> str:
    """:func:`feature_view` step by step over the whole text (the definition; see there)."""
    if not text:
        return ""
    text = _with_cues(_folded_masked(text))
    words = _NOT_TOKEN.sub(" ", text).split()
    if NEGATORS.isdisjoint(words):
        return " ".join(words)
    return " ".join(_with_negation(_clause_broken(text).split()))


def _with_cues(text: str) -> str:
    """``text`` with the question and quote cues the model reads."""
    if "?" in text:
        text = text.replace("?", f" {MASK_QUESTION} ?")
    return _QUOTES.sub(f" {MASK_QUOTE} ", text)


def _clause_broken(text: str) -> str:
    """The tokens of ``text`` with :data:`_CLAUSE_BREAK` where a clause ends."""
    return f" {_CLAUSE_BREAK} ".join(_NOT_TOKEN.sub(" ", c) for c in _CLAUSE_END.split(text))


# Pieces (the text between two spaces) already seen: what the feature view makes of each.
PIECE_CACHE_LIMIT = 300_000
_CLAUSE_BREAK = "\x00"  # between a piece's tokens where a clause ends (never a token)
_WHOLE_TEXT = False  # a piece the feature view cannot work out alone
_PIECES: dict[str, tuple[tuple[str, ...], tuple[str, ...]] | bool] = {}


def _piece_view(piece: str) -> tuple[tuple[str, ...], tuple[str, ...]] | bool:
    """One piece through every step after NFKC: its tokens, and them with clause breaks.

    :data:`_WHOLE_TEXT` when the piece needs the rest of the post: a homoglyph repair
    (it depends on the whole post's script), a channel line (it runs to the end of the
    line) or a diacritic outside BCMS (it folds the whole post).
    """
    if _SCRIPT_SEAM.search(piece):
        return _WHOLE_TEXT
    text = piece.lower().translate(_FEATURE_TABLE)
    if not text.isascii() and _ACCENTED.search(text):
        return _WHOLE_TEXT
    if any(hint in text.lower() for hint in _CHANNEL_HINTS):
        return _WHOLE_TEXT
    text = _with_cues(_space_emoji(mask(text)))
    tokens = tuple(map(sys.intern, _NOT_TOKEN.sub(" ", text).split()))
    if not _CLAUSE_END.search(text):
        return tokens, tokens
    return tokens, tuple(map(sys.intern, _clause_broken(text).split()))


def _with_negation(words: Iterable[str]) -> list[str]:
    """The words, each of the two after a negation (within its clause) also negated."""
    out: list[str] = []
    left = 0
    for word in words:
        if word == _CLAUSE_BREAK:
            left = 0
            continue
        out.append(word)
        if word in NEGATORS:
            left = NEGATION_SCOPE
        elif left and not word.startswith("_"):
            out.append(NEGATION_PREFIX + word)
            left -= 1
    return out


def feature_tokens(text: str) -> list[str]:
    """The tokens of :func:`feature_view` (the view split at its spaces).

    Every step after NFKC works within the pieces of text between two spaces (no pattern
    of the view matches a space; the script and diacritic tests that look at the whole
    post send it to :func:`feature_view_reference`), so each distinct piece is worked
    out once and kept, its tokens interned (the vocabularies' look-ups then compare
    identities); a test checks that both give the same view.
    """
    if not text:
        return []
    pieces = unicodedata.normalize("NFKC", text).split(" ")
    found = list(map(_PIECES.get, pieces))
    if None in found:
        if len(_PIECES) >= PIECE_CACHE_LIMIT:
            _PIECES.clear()
        for i, piece in enumerate(pieces):
            if found[i] is None:
                found[i] = _PIECES[piece] = _piece_view(piece)
    if _WHOLE_TEXT in found:
        return feature_view_reference(text).split()
    words = list(chain.from_iterable(map(itemgetter(0), found)))
    if NEGATORS.isdisjoint(words):
        return words
    return _with_negation(chain.from_iterable(map(itemgetter(1), found)))


def feature_view(text: str) -> str:
    """What the model reads: :func:`normalize` plus quote, question and negation cues."""
    return " ".join(feature_tokens(text))


def feature_tokens_many(texts: Iterable[str]) -> list[list[str]]:
    """:func:`feature_tokens` over many texts."""
    return list(map(feature_tokens, texts))


def feature_view_many(texts: Iterable[str]) -> list[str]:
    """:func:`feature_view` over many texts (the first step of the model's pipeline)."""
    return list(map(feature_view, texts))
