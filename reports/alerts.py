"""Spike alerts: a label-day whose posts or views jump above its own recent history.

A label-day is a spike when its posts (or views) exceed the mean of the trailing
``window_days`` days by more than ``k`` standard deviations, and the day has at least
``min_count`` posts of that label. Days before the first rolled-up day are not history
(they would be zeros that only mean "not collected yet"); with fewer than
:data:`MIN_HISTORY_DAYS` days of history no alert is raised. Figures come from the
rollups; the posts behind each spike are the label's posts of that day by views.
"""

from __future__ import annotations

import smtplib
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from narrmon.config import AlertsConfig, SmtpConfig, require_env
from narrmon.errors import ConfigError
from narrmon.records import LABELS
from reports.data import day_range, day_start, load_accounts, load_window
from reports.rollups import first_day, label_day_totals

MIN_HISTORY_DAYS = 7
POSTS_BEHIND = 10  # posts listed behind each spike
SMTP_TIMEOUT = 30
SMTP_PASSWORD_ENV = "NARRMON_SMTP_PASSWORD"
METRICS = ("posts", "views")
SHOWN_DECIMALS = 1  # the one rounding of a spike's mean, std and threshold, wherever shown


@dataclass
class Spike:
    """One label-day metric above its trailing mean by more than k standard deviations."""

    day: date
    label: str
    metric: str  # "posts" or "views"
    value: int
    mean: float
    std: float
    threshold: float
    history_days: int
    posts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "label": self.label,
            "metric": self.metric,
            "value": self.value,
            "trailing_mean": round(self.mean, SHOWN_DECIMALS),
            "trailing_std": round(self.std, SHOWN_DECIMALS),
            "threshold": round(self.threshold, SHOWN_DECIMALS),
            "history_days": self.history_days,
            "posts": self.posts,
        }

    def line(self) -> str:
        """One line of text; its figures are those of :meth:`as_dict`, rounded once."""
        d = self.as_dict()
        return (
            f"{self.day} {self.label}: {self.metric} {self.value:,} > {d['threshold']:,.1f} "
            f"(trailing {self.history_days}-day mean {d['trailing_mean']:,.1f}, "
            f"std {d['trailing_std']:,.1f})"
        )


def find_spikes(
    conn: Connection, version: str, day: date, cfg: AlertsConfig, *, with_posts: bool = True
) -> list[Spike]:
    """The spikes of ``day`` over the five labels, with the posts behind each."""
    start = first_day(conn, version)
    window_first = day - timedelta(days=cfg.window_days)
    if start is not None:
        window_first = max(window_first, start)
    history = day_range(window_first, day - timedelta(days=1)) if window_first < day else []
    if len(history) < MIN_HISTORY_DAYS:
        return []
    totals = label_day_totals(conn, version, window_first, day)
    spikes = []
    for label in LABELS:
        today = totals.get((day, label))
        if today is None or today.posts < cfg.min_count:
            continue
        for metric in METRICS:
            past = [
                getattr(totals[(d, label)], metric) if (d, label) in totals else 0 for d in history
            ]
            mean = statistics.fmean(past)
            std = statistics.pstdev(past)
            threshold = mean + cfg.k * std
            value = getattr(today, metric)
            if value > threshold:
                spikes.append(Spike(day, label, metric, value, mean, std, threshold, len(history)))
    if with_posts and spikes:
        _attach_posts(conn, version, day, spikes)
    return spikes


def _attach_posts(conn: Connection, version: str, day: date, spikes: list[Spike]) -> None:
    start = day_start(day)
    rows = load_window(conn, start, start + timedelta(days=1), version)
    accounts = load_accounts(conn, {(r.post["platform"], r.post["account_id"]) for r in rows})
    for spike in spikes:
        mine = [r for r in rows if spike.label in r.labels]
        mine.sort(key=lambda r: (-(r.views or -1), r.post["created_at"], r.post["post_id"]))
        for r in mine[:POSTS_BEHIND]:
            acc = accounts.get((r.post["platform"], r.post["account_id"])) or {}
            spike.posts.append(
                {
                    "platform": r.post["platform"],
                    "post_id": r.post["post_id"],
                    "account": acc.get("handle") or acc.get("title") or r.post["account_id"],
                    "created_at": r.post["created_at"].isoformat(),
                    "views": r.views,
                    "score": round(r.labels[spike.label], 3),
                    "url": r.post["url"],
                    "excerpt": (r.post["text"] or "")[:160],
                }
            )


def alert_text(day: date, spikes: list[Spike], version: str) -> str:
    """A plain-text message listing the spikes and the posts behind them."""
    lines = [f"narrmon spike alerts for {day} (UTC day; model {version or 'none'})", ""]
    if not spikes:
        lines.append("No spikes.")
    for spike in spikes:
        lines.append(spike.line())
        for post in spike.posts:
            views = "unknown" if post["views"] is None else f"{post['views']:,}"
            where = post["url"] or post["post_id"]
            lines.append(f"  - {post['account']} ({post['platform']}) views {views}: {where}")
            lines.append(f"    {post['excerpt']}")
        lines.append("")
    lines.append("Views: Telegram views / X impressions from each post's latest snapshot.")
    return "\n".join(lines)


def send_email(
    smtp: SmtpConfig, subject: str, body: str, *, attachments: Sequence[Path] = ()
) -> int:
    """Send ``body`` (and files) to ``smtp.to``; returns recipients accepted.

    The password comes from the environment only.
    """
    if not smtp.enabled:
        raise ConfigError("e-mail alerts need smtp.host, smtp.sender and smtp.to in the config")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(smtp.to)
    msg.set_content(body)
    for path in attachments:
        kind = "pdf" if path.suffix.lower() == ".pdf" else "octet-stream"
        msg.add_attachment(
            path.read_bytes(), maintype="application", subtype=kind, filename=path.name
        )
    password = require_env(SMTP_PASSWORD_ENV, "the SMTP password") if smtp.user else None
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.user:
                client.login(smtp.user, password or "")
            refused = client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        # The message names the server, never the password.
        raise ConfigError(f"cannot send alert e-mail via {smtp.host}:{smtp.port}: {exc}") from None
    return len(smtp.to) - len(refused)
