"""Stored text made safe for the files analysts open: spreadsheet cells and bidi controls.

Spreadsheet cells (OWASP's CSV-injection rule): Excel, LibreOffice and Google Sheets
read a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a
formula, so a post reading ``=HYPERLINK(...)`` would run. :func:`spreadsheet_cell`
puts a ``'`` before such a text (numbers stay numbers); :func:`from_spreadsheet_cell`
takes it off again, so narrmon reads its own files back exactly. A text that already
starts with ``'`` before such a character gets one more, so the two are inverses.

Bidi controls (U+202A-U+202E, U+2066-U+2069): an unclosed right-to-left override in a
channel title would reverse whatever follows it on the line, figures included.
:func:`balance_bidi` closes every opened embedding, override and isolate at the end of
the text and drops closers that close nothing (for HTML, which also isolates the text);
:func:`strip_bidi` removes the controls and marks (for the PDF, which has no bidi
algorithm to contain them).
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"

_OPEN_EMBEDDING = frozenset("\u202a\u202b\u202d\u202e")  # LRE RLE LRO RLO
_OPEN_ISOLATE = frozenset("\u2066\u2067\u2068")  # LRI RLI FSI
PDF, PDI = "\u202c", "\u2069"  # pop directional formatting / isolate
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BIDI_ALL = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # with the marks


def _starts_formula(text: str) -> bool:
    """True when ``text``, after any leading ``'``, starts with a formula character."""
    return text.lstrip(QUOTE)[:1] in FORMULA_STARTS


def spreadsheet_cell(value: Any) -> Any:
    """``value`` as a cell no spreadsheet evaluates; anything but a string is unchanged."""
    if isinstance(value, str) and _starts_formula(value):
        return QUOTE + value
    return value


def from_spreadsheet_cell(value: Any) -> Any:
    """The text :func:`spreadsheet_cell` was given (the inverse); non-strings unchanged."""
    if isinstance(value, str) and value.startswith(QUOTE) and _starts_formula(value):
        return value[1:]
    return value


def balance_bidi(text: str) -> str:
    """``text`` with every bidi embedding, override and isolate closed inside it."""
    if not _BIDI_CONTROLS.search(text):
        return text
    out: list[str] = []
    open_: list[str] = []  # the closer each open control needs, innermost last
    for ch in text:
        if ch in _OPEN_EMBEDDING or ch in _OPEN_ISOLATE:
            open_.append(PDF if ch in _OPEN_EMBEDDING else PDI)
        elif ch == PDF:
            if not open_ or open_[-1] != PDF:
                continue  # closes nothing
            open_.pop()
        elif ch == PDI:
            if PDI not in open_:
                continue
            while open_.pop() != PDI:  # a PDI also ends the embeddings inside its isolate
                pass
        out.append(ch)
    return "".join(out) + "".join(reversed(open_))


def strip_bidi(text: str) -> str:
    """``text`` without bidi controls or marks."""
    return _BIDI_ALL.sub("", text)
