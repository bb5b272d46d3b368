"""Charts for the weekly PDF, drawn with matplotlib as PNG bytes.

Uses :class:`matplotlib.figure.Figure` directly (no pyplot), with DejaVu Sans, the font
matplotlib ships, so Cyrillic and č ć š ž đ render. Names come from the data, so every
chart is drawn with math text off (``$x^2$`` in a channel title is shown as written,
never parsed) and names lose their bidi controls (:func:`narrmon.safe_text.strip_bidi`).
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from narrmon.records import LABELS
from narrmon.safe_text import strip_bidi
from reports.style import LABEL_COLOURS, LABEL_NAMES

DPI = 150
FONT = "DejaVu Sans"
NODE_LABEL_CHARS = 22
LITERAL_TEXT = {"text.parse_math": False, "text.usetex": False}


def _literal_text(chart: Callable[..., bytes]) -> Callable[..., bytes]:
    """Draw ``chart`` with no text parsed as math (set while its artists are made and drawn)."""

    @functools.wraps(chart)
    def draw(*args: Any, **kwargs: Any) -> bytes:
        with matplotlib.rc_context(LITERAL_TEXT):
            return chart(*args, **kwargs)

    return draw


def _name(text: Any) -> str:
    return strip_bidi(str(text))


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    fig.set_layout_engine("constrained")
    return fig


@_literal_text
def daily_lines(days: Sequence[str], series: dict[str, dict[str, list[int]]]) -> bytes:
    """Two panels: posts and views per narrative per day."""
    return _png(daily_lines_figure(days, series))


def daily_lines_figure(days: Sequence[str], series: dict[str, dict[str, list[int]]]) -> Figure:
    """The figure of :func:`daily_lines` (for tests of its layout)."""
    fig = _figure(7.2, 4.6)
    top, bottom = fig.subplots(2, 1, sharex=True)
    ticks = [d[5:] for d in days]
    for label in LABELS:
        style = {"color": LABEL_COLOURS[label], "label": LABEL_NAMES[label], "marker": "o", "ms": 3}
        top.plot(ticks, series[label]["posts"], **style)
        bottom.plot(ticks, [float(v) for v in series[label]["views"]], **style)  # any size
    top.set_title("Posts per narrative per day", fontsize=10, family=FONT)
    bottom.set_title("Views per narrative per day (latest snapshot)", fontsize=10, family=FONT)
    for ax in (top, bottom):
        ax.grid(axis="y", color="#ddd")
        ax.tick_params(labelsize=8)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=2))
    bottom.yaxis.set_major_formatter(FuncFormatter(_thousands))
    fig.legend(
        *top.get_legend_handles_labels(),
        loc="outside upper center",
        ncols=5,
        fontsize=7,
        frameon=False,
    )
    return fig


def _thousands(value: float, _pos: Any = None) -> str:
    """``1.5k``, ``2k``, ``2.25M``: as many decimals as the value needs (up to three), so
    two ticks never read the same."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            return f"{value / size:.3f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.0f}"


@_literal_text
def top_channels(rows: Sequence[dict[str, Any]]) -> bytes:
    """Horizontal bars: narrative posts of the top accounts, stacked by narrative."""
    return _png(top_channels_figure(rows))


def top_channels_figure(rows: Sequence[dict[str, Any]]) -> Figure:
    """The figure of :func:`top_channels`; its legend sits above the bars, never on them."""
    fig = _figure(7.2, 0.9 + 0.32 * max(len(rows), 1))
    ax = fig.subplots()
    names = [_name(r["account"]) for r in rows][::-1]
    left = [0] * len(rows)
    for label in LABELS:
        values = [r["narrative_posts"].get(label, 0) for r in rows][::-1]
        ax.barh(names, values, left=left, color=LABEL_COLOURS[label], label=LABEL_NAMES[label])
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_title("Top channels: posts per narrative (a post can carry several)", fontsize=10)
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", color="#ddd")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(y=0.02)
    fig.legend(  # above the bars, never over them
        *ax.get_legend_handles_labels(),
        loc="outside upper center",
        ncols=5,
        fontsize=7,
        frameon=False,
    )
    return fig


@_literal_text
def splits(groups: dict[str, dict[str, tuple[int, int]]]) -> bytes:
    """One panel per split (platform, script, language): all posts vs narrative posts.

    Horizontal bars, so every category's name reads whole beside its bar.
    """
    return _png(splits_figure(groups))


def splits_figure(groups: dict[str, dict[str, tuple[int, int]]]) -> Figure:
    """The figure of :func:`splits`."""
    longest = max((len(str(k)) for counts in groups.values() for k in counts), default=4)
    rows = max((len(counts) for counts in groups.values()), default=1)
    fig = _figure(7.2, 1.2 + 0.28 * rows)
    axes = fig.subplots(1, len(groups), width_ratios=[1 + min(longest, 24) / 24] * len(groups))
    for ax, (title, counts) in zip(axes, groups.items(), strict=True):
        keys = [_name(k) for k in counts][::-1]
        ax.barh(keys, [c[0] for c in counts.values()][::-1], color="#bbb", label="all posts")
        ax.barh(
            keys,
            [c[1] for c in counts.values()][::-1],
            color="#c0392b",
            label="with a narrative",
        )
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.grid(axis="x", color="#ddd")
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        loc="outside upper center",
        ncols=2,
        fontsize=7,
        frameon=False,
    )
    return fig


@_literal_text
def network(edges: Sequence[dict[str, Any]]) -> bytes:
    """Who forwarded/reposted whom: nodes on a circle, arrows source -> amplifier."""
    fig = _figure(7.2, 3.5)
    ax = fig.subplots()
    ax.set_axis_off()
    edges = [e for e in edges if e["source"] != e["by"]]
    nodes: list[str] = []
    for e in edges:
        for name in (e["source"], e["by"]):
            if name not in nodes:
                nodes.append(name)
    if not nodes:
        ax.text(0.5, 0.5, "No forwards, reposts or quotes this week", ha="center", fontsize=10)
        return _png(fig)
    pos = {
        name: (math.cos(2 * math.pi * i / len(nodes)), math.sin(2 * math.pi * i / len(nodes)))
        for i, name in enumerate(nodes)
    }
    heaviest = max(e["posts"] for e in edges)
    for e in edges:
        (x0, y0), (x1, y1) = pos[e["source"]], pos[e["by"]]
        ax.annotate(
            "",
            xy=(x1 * 0.93, y1 * 0.93),
            xytext=(x0 * 0.93, y0 * 0.93),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#1a5276",
                "alpha": 0.6,
                "lw": 0.6 + 3.0 * e["posts"] / heaviest,
                "connectionstyle": "arc3,rad=0.12",
            },
        )
    for name, (x, y) in pos.items():
        ax.plot([x], [y], "o", color="#c0392b", ms=6)
        name = _name(name)
        short = name if len(name) <= NODE_LABEL_CHARS else name[: NODE_LABEL_CHARS - 1] + "…"
        ax.text(
            x * 1.08, y * 1.08, short, fontsize=7, ha="left" if x >= 0 else "right", va="center"
        )
    ax.set_xlim(-1.7, 1.7)
    ax.set_ylim(-1.25, 1.25)
    ax.set_title("Forward network: arrow from source to the account that amplified it", fontsize=10)
    return _png(fig)
