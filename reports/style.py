"""What every report shares in how it shows things: narrative colours and names, number,
change and time formats, post excerpts, list lengths.

The daily page, the weekly PDF, its charts and the coordination section all import from
here, so a colour or a format changes in one place.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from reports.data import ALL

TOP_ACCOUNTS = 10  # accounts a report lists
EXCERPT_CHARS = 280
_SPACE = re.compile(r"\s+")
LABEL_COLOURS = {
    "kosovo_precedent": "#c0392b",
    "russia_protector": "#8e44ad",
    "rs_secession": "#2471a3",
    "anti_west": "#d68910",
    "counter_narrative": "#229954",
    ALL: "#555555",
}
LABEL_NAMES = {
    "kosovo_precedent": "Kosovo precedent",
    "russia_protector": "Russia as protector",
    "rs_secession": "RS secession",
    "anti_west": "Anti-West",
    "counter_narrative": "Counter-narrative",
    ALL: "All posts",
}


def fmt_int(value: Any) -> str:
    """A count with thousands separators; ``unknown`` for None."""
    if value is None:
        return "unknown"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def fmt_change(value: Any, pct: Any) -> str:
    """``+12 (+20.0%)``; the percentage is left out when the base was 0."""
    if value is None:
        return "–"
    sign = "+" if value > 0 else ""
    text = f"{sign}{value:,.1f}" if isinstance(value, float) else f"{sign}{value:,}"
    return text + (f" ({'+' if pct > 0 else ''}{pct:.1f}%)" if pct is not None else "")


def fmt_time(value: str | None) -> str:
    """An ISO time as ``2026-11-20 18:05 UTC``."""
    if not value:
        return "no snapshot"
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The start of a post's text, whitespace collapsed, in its original script."""
    flat = _SPACE.sub(" ", text or "").strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
