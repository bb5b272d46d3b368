"""What a post's text holds besides its words: hashtags, mentions, links, and its script.

One home for both, used by every parser (live and file importers) and by the
classifier's language gate, so a post's stored ``script`` and the script its
classification records are the same.

Script
    :func:`script_of` counts Cyrillic letters (U+0400-U+04FF) and Latin letters (A-Z,
    a-z, U+00C0-U+024F: č, ć, š, ž, đ …) with links, mentions and hashtags left out (a
    Cyrillic post with a Latin hashtag or link is Cyrillic). A text is ``mixed`` when the
    smaller script has at least :data:`MIXED_MINORITY_SHARE` of its letters: a Cyrillic
    sentence quoting one Latin name stays Cyrillic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

SCRIPT_CYRILLIC = "cyrl"
SCRIPT_LATIN = "latn"
SCRIPT_MIXED = "mixed"
SCRIPT_NONE = "none"  # no letters (the classifier's value; posts store None)
MIXED_MINORITY_SHARE = 0.2  # the smaller script must reach this share for "mixed"

# Each pattern starts with a literal so the regex engine can skip ahead; the
# look-behinds after it check what precedes the marker.
_HASHTAG = re.compile(r"#(?<![\w#]#)(\w{1,100})")
_MENTION = re.compile(r"@(?<![\w@/.]@)(\w{2,64})")
_LINK = re.compile(r"https?://[^\s<>\"'«»]+")
_BARE_LINK = re.compile(r"(?:www\.(?<![\w.@/]www\.)|t\.me/(?<![\w.@/]t\.me/))[^\s<>\"'«»]+")
_LINK_TAIL = ".,;:!?)]}’”…"
# Letters are counted by their UTF-8 lead bytes: Cyrillic U+0400-U+04FF starts with
# 0xD0-0xD3; Latin letters are A-Z, a-z and U+00C0-U+024F (lead bytes 0xC3-0xC9).
_KEEP_CYRILLIC = bytes(b for b in range(256) if not 0xD0 <= b <= 0xD3)
_KEEP_LATIN = bytes(
    b for b in range(256) if not (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A or 0xC3 <= b <= 0xC9)
)


def _unique(items: Iterator[str] | list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def extract_entities(
    text: str, extra_links: tuple[str, ...] | list[str] = ()
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``(hashtags, mentions, links)`` found in ``text``, in order, without duplicates.

    Hashtags and mentions come without ``#``/``@``; ``extra_links`` (hidden link targets
    from entities) are added after the visible links.
    """
    if not text:
        return (), (), _unique(list(extra_links))
    hashtags = _unique(_HASHTAG.findall(text)) if "#" in text else ()
    mentions = _unique(_MENTION.findall(text)) if "@" in text else ()
    links = _LINK.findall(text) if "://" in text else []
    if "www." in text or "t.me/" in text:
        links += _BARE_LINK.findall(text)
    links = [link.rstrip(_LINK_TAIL) for link in links]
    return hashtags, mentions, _unique([*links, *extra_links])


def without_markers(text: str) -> str:
    """``text`` without links, mentions and hashtags (each pass only when it can match)."""
    if "://" in text:
        text = _LINK.sub(" ", text)
    if "www." in text or "t.me/" in text:
        text = _BARE_LINK.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "#" in text:
        text = _HASHTAG.sub(" ", text)
    return text


def letter_counts(text: str) -> tuple[int, int]:
    """``(Cyrillic, Latin)`` letters of ``text``, markers included."""
    data = text.encode("utf-8", "surrogatepass")
    return len(data.translate(None, _KEEP_CYRILLIC)), len(data.translate(None, _KEEP_LATIN))


def script_from_counts(cyrillic: int, latin: int) -> str:
    """``cyrl``, ``latn``, ``mixed`` or ``none`` for these letter counts."""
    share = MIXED_MINORITY_SHARE * (cyrillic + latin)
    if cyrillic > latin:
        return SCRIPT_MIXED if latin >= share else SCRIPT_CYRILLIC
    if latin == 0:
        return SCRIPT_NONE
    return SCRIPT_MIXED if cyrillic >= share else SCRIPT_LATIN


def script_of(text: str) -> str:
    """The script of ``text`` (``none`` without letters); links, mentions, hashtags left out."""
    return post_script(text) or SCRIPT_NONE


def post_script(text: str) -> str | None:
    """:func:`script_of` as posts store it: None for a text without letters."""
    if not text:
        return None
    script = script_from_counts(*letter_counts(without_markers(text)))
    return None if script == SCRIPT_NONE else script
