"""Writing the daily report: one folder per day with the HTML page, the JSON and the CSVs.

The HTML has no external assets (inline CSS, SVG and script) and fits a 1280 px screen
and a phone: on a narrow screen each table row becomes a small card. Its one script
(``templates/daily.js``) sorts and filters the tables and post lists offline; a
Content-Security-Policy lets only that script run (by its SHA-256) and loads nothing
from anywhere. Post text reaches the page only through Jinja2's autoescaping, so markup
in a post shows as text, and the script reads it only as ``textContent``. Every text has
its bidi controls balanced (:func:`narrmon.safe_text.balance_bidi`), and names, excerpts
and links from the data are isolated in ``<bdi>`` (the ``iso`` filter), so a
right-to-left override in a channel title cannot reverse the figures beside it.

CSVs are UTF-8 with a byte-order mark, so Excel opens Cyrillic and č ć š ž đ correctly.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from narrmon.records import LABELS
from narrmon.safe_text import balance_bidi, spreadsheet_cell
from reports.style import LABEL_COLOURS, LABEL_NAMES, fmt_change, fmt_int, fmt_time

TEMPLATES = Path(__file__).resolve().parent / "templates"
SCRIPT = TEMPLATES / "daily.js"
CSV_ENCODING = "utf-8-sig"  # with a BOM: Excel reads the file as UTF-8
CSP = (
    "default-src 'none'; script-src '{script}'; style-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
CHART_W, CHART_H, CHART_PAD = 480, 240, 52
FONT_PX = 14  # chart text; the SVG scales to the page width


def fmt_views(row: dict[str, Any]) -> str:
    """Summed views of a figures row, or "unknown" when none of its posts knows its views."""
    return "unknown" if row.get("posts") and not row.get("views_known") else fmt_int(row["views"])


def trend_svg(trend: dict[str, Any], metric: str, title: str) -> Markup:
    """A line chart of ``metric`` per label over the trend's days, as inline SVG."""
    days = trend["days"]
    series = {label: trend["series"][label][metric] for label in LABELS}
    top = max([max(v) for v in series.values()] + [1])
    plot_w, plot_h = CHART_W - CHART_PAD - 28, CHART_H - CHART_PAD - 30
    step = plot_w / max(len(days) - 1, 1)
    base = 30 + plot_h

    def xy(i: int, v: float) -> str:
        return f"{CHART_PAD + i * step:.1f},{base - v / top * plot_h:.1f}"

    parts = [
        f'<svg viewBox="0 0 {CHART_W} {CHART_H}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="4" y="18" font-size="{FONT_PX + 1}" font-weight="bold">{escape(title)}</text>',
    ]
    for frac in (0, 0.5, 1):
        y = base - frac * plot_h
        parts.append(
            f'<line x1="{CHART_PAD}" x2="{CHART_PAD + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{CHART_PAD - 4}" y="{y + 5:.1f}" font-size="{FONT_PX}" '
            f'text-anchor="end">{escape(_short(top * frac))}</text>'
        )
    for i, day in enumerate(days):
        if (len(days) - 1 - i) % 3 == 0:
            parts.append(
                f'<text x="{CHART_PAD + i * step:.1f}" y="{base + FONT_PX + 6}" '
                f'font-size="{FONT_PX}" text-anchor="middle">{escape(day[5:])}</text>'
            )
    for label, values in series.items():
        points = " ".join(xy(i, v) for i, v in enumerate(values))
        parts.append(
            f'<polyline fill="none" stroke="{LABEL_COLOURS[label]}" stroke-width="2.5" '
            f'points="{points}"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def safe_link(url: Any) -> str:
    """The URL if it is http(s), else "" (a post cannot inject ``javascript:`` links)."""
    text = str(url or "")
    return text if text.startswith(("https://", "http://")) else ""


def isolate(value: Any) -> Markup:
    """Text from the data as an isolated run (``<bdi>``) with its bidi controls balanced."""
    return Markup("<bdi>{}</bdi>").format(balance_bidi(str(value if value is not None else "")))


def _balanced(value: Any) -> Any:
    """Jinja2's ``finalize``: every interpolated text leaves no bidi control open."""
    return (
        balance_bidi(value) if isinstance(value, str) and not isinstance(value, Markup) else value
    )


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 1_000:
        return f"{value / 1_000:.1f}k"
    return f"{value:.0f}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_balanced,
    )
    env.filters.update(num=fmt_int, change=fmt_change, when=fmt_time, link=safe_link, iso=isolate)
    env.globals.update(
        label_name=LABEL_NAMES.get, label_colour=LABEL_COLOURS.get, labels=LABELS, views=fmt_views
    )
    return env


def page_script() -> tuple[str, str]:
    """The page's script and its CSP source (``sha256-…`` of exactly that text)."""
    text = SCRIPT.read_text(encoding="utf-8")
    if "</" in text:
        raise ValueError(f"{SCRIPT} must not contain '</' (it would end the script element)")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"sha256-{digest}"


def render_html(figures: dict[str, Any]) -> str:
    """The daily report page."""
    template = _environment().get_template("daily.html.j2")
    script, source = page_script()
    charts = {
        "posts": trend_svg(figures["trend"], "posts", "Posts per narrative, 14 days"),
        "views": trend_svg(
            figures["trend"], "views", "Views per narrative (latest snapshot), 14 days"
        ),
    }
    return template.render(
        f=figures, charts=charts, script=Markup(script), csp=CSP.format(script=source)
    )


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = "; ".join(
                f"{v['label']}={v['score']}" if isinstance(v, dict) and "label" in v else str(v)
                for v in value
            )
        else:
            flat[name] = value
    return flat


def csv_tables(figures: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The report's tables as flat rows, one list per CSV file."""
    trend = figures["trend"]
    gaps = figures["gaps"]
    return {
        "labels": [_flatten(r) for r in figures["labels"]],
        "trend": [
            {"day": day, "label": label, **{m: s[m][i] for m in ("posts", "views", "views_known")}}
            for label, s in trend["series"].items()
            for i, day in enumerate(trend["days"])
        ],
        "reach_growth": [
            {**r, "growing": growing}
            for growing, key in ((True, "growing"), (False, "quiet"))
            for r in figures["reach_growth"][key]
        ],
        "top_posts": [_flatten(r) for r in figures["top_posts"]],
        "top_posts_by_label": [
            {"narrative": label, **_flatten(r)}
            for label, posts in figures["top_posts_by_label"].items()
            for r in posts
        ],
        "top_accounts": [_flatten(r) for r in figures["top_accounts"]],
        "new_accounts": figures["new_accounts"],
        "amplification": figures["amplification"],
        "amplification_self": figures["amplification_self"],
        "spikes": [
            _flatten({k: v for k, v in s.items() if k != "posts"}) for s in figures["spikes"]
        ],
        "gaps": [{"gap": "deferred_source", **_flatten(r)} for r in gaps["deferred_sources"]]
        + [{"gap": "missing_message_ids", **_flatten(r)} for r in gaps["missing_message_ids"]]
        + [
            {"gap": "posts_without_views", "platform": k, "posts": v}
            for k, v in gaps["posts_without_views"].items()
        ],
    }


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Rows as CSV (UTF-8 with a BOM) of spreadsheet-safe cells; header: the keys in order."""
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    with path.open("w", encoding=CSV_ENCODING, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(header) or ["none"])
        writer.writeheader()
        writer.writerows({k: spreadsheet_cell(v) for k, v in row.items()} for row in rows)


def day_folder(out_dir: Path, day: str) -> Path:
    """The folder of one day's report files: ``out_dir/YYYY-MM-DD``."""
    return out_dir / day


def write_daily(figures: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write the day's HTML page, JSON and one CSV per table into ``out_dir/YYYY-MM-DD/``.

    Returns the paths, HTML first, then the JSON, then the CSVs.
    """
    out_dir = day_folder(out_dir, figures["date"])
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"narrmon-daily-{figures['date']}"
    html = out_dir / f"{stem}.html"
    html.write_text(render_html(figures), encoding="utf-8")
    data = out_dir / f"{stem}.json"
    data.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    paths = [html, data]
    for name, rows in csv_tables(figures).items():
        path = out_dir / f"{stem}-{name}.csv"
        write_csv(path, rows)
        paths.append(path)
    return paths
