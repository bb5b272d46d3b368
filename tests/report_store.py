"""A small store built by hand for the report tests: known posts, snapshots and labels.

Figures the tests expect are worked out by hand in the comments below. Day under test:
2026-11-20 (UTC); model version ``m1`` (newest); ``m0`` is an older model.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import insert

from narrmon.records import Account, MetricSnapshot, Post
from narrmon.store import Store, schema

DAY = "2026-11-20"
LABELS = ("kosovo_precedent", "russia_protector", "rs_secession", "anti_west", "counter_narrative")
CYRILLIC = "Косово је преседан за Крим & <b>Донбас</b>; чувајте се"
LATIN = "Rusija je jedini prijatelj Srbije: čuva Kosovo, ćirilica, šume, žito, đak"
MARKUP = "<script>alert(1)</script> <para>Kosovo</para> & precedent </b>"


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


ACCOUNTS = [
    Account("telegram", "100", "kanal_a", "Канал А", 1000, "channel", t(20, 0)),
    Account("telegram", "200", "kanal_b", "Kanal B", 500, "channel", t(20, 0)),
    Account("telegram", "300", None, "Kanal C (export)", None, "channel"),
    Account("x", "u1", "srb_x", "Srb X", 2000, "x_user", t(20, 0)),
]


def _post(platform, post_id, account, when, text, **kw) -> Post:
    url = kw.pop("url", None)
    if url is None:
        url = (
            f"https://t.me/c/{post_id}" if platform == "telegram" else f"https://x.com/i/{post_id}"
        )
    return Post(platform, post_id, account, when, text=text, url=url, source="test", **kw)


POSTS = [
    # 2026-11-20: the day under test
    _post("telegram", "100/10", "100", t(20, 8), CYRILLIC, script="cyrl", lang="sr"),
    _post("telegram", "100/12", "100", t(20, 9), LATIN, script="latn", lang="sr"),
    _post(
        "telegram",
        "200/5",
        "200",
        t(20, 10),
        MARKUP,
        forwarded_from_account="100",
        forwarded_from_post="10",
        script="latn",
    ),
    _post("telegram", "300/7", "300", t(20, 11), "Republika Srpska referendum odmah"),
    _post("x", "t1", "u1", t(20, 12), "NATO je kriv, ali Kosovo nije presedan: ICJ sui generis"),
    _post("x", "t2", "u1", t(20, 13), "RT @srb_x NATO je kriv", reposted_id="t1"),
    # 2026-11-19
    _post("telegram", "100/8", "100", t(19, 10), "Косово је Србија, Крим је Русија"),
    _post("telegram", "200/4", "200", t(19, 11), "Vremenska prognoza za sutra"),
    # 2026-11-14
    _post("telegram", "200/1", "200", t(14, 9), "Brat Rusija nas štiti"),
]


def _snap(platform, post_id, when, **metrics) -> MetricSnapshot:
    return MetricSnapshot(platform, post_id, when, **metrics)


SNAPSHOTS = [
    # 100/10: views grew across three snapshots: 100 -> 300 -> 450
    _snap("telegram", "100/10", t(20, 9), views=100, forwards=1, replies=0, reactions=5),
    _snap("telegram", "100/10", t(20, 20), views=300, forwards=2, replies=1, reactions=10),
    _snap("telegram", "100/10", t(21, 10), views=450, forwards=3, replies=1, reactions=12),
    _snap("telegram", "100/12", t(21, 10), views=200, forwards=0, reactions=4),
    _snap("telegram", "200/5", t(21, 10), views=80, forwards=0, replies=0, reactions=0),
    # 300/7 came from a Telegram Desktop export: no snapshot, views unknown
    _snap(
        "x", "t1", t(21, 10), views=1000, impressions=1000, replies=2, likes=10, reposts=3, quotes=1
    ),
    _snap("x", "t2", t(21, 10), replies=0, likes=0, reposts=0, quotes=0),  # impressions unknown
    _snap("telegram", "100/8", t(19, 12), views=50, forwards=0, replies=0, reactions=1),
    _snap("telegram", "100/8", t(20, 12), views=120, forwards=1, replies=0, reactions=2),
    _snap("telegram", "200/4", t(19, 12), views=30, forwards=0, replies=0, reactions=0),
    _snap("telegram", "200/1", t(14, 12), views=60, forwards=0, replies=0, reactions=0),
]

# (platform, post_id) -> {label: score} assigned by model m1
LABELS_M1 = {
    ("telegram", "100/10"): {"kosovo_precedent": 0.9, "anti_west": 0.7},
    ("telegram", "100/12"): {"russia_protector": 0.8},
    ("telegram", "200/5"): {"kosovo_precedent": 0.6},
    ("telegram", "300/7"): {"rs_secession": 0.75},
    ("x", "t1"): {"counter_narrative": 0.85},
    ("telegram", "100/8"): {"kosovo_precedent": 0.95},
    ("telegram", "200/1"): {"russia_protector": 0.7},
}
BASE_SCORE = 0.05  # score of every label not assigned


def scores_m1(key: tuple[str, str]) -> dict[str, float]:
    return {label: LABELS_M1.get(key, {}).get(label, BASE_SCORE) for label in LABELS}


def add_labels(store: Store, version: str, labels: dict, at: datetime, posts=POSTS) -> None:
    with store.begin() as conn:
        if posts:
            conn.execute(
                insert(schema.classifications),
                [
                    {
                        "platform": p.platform,
                        "post_id": p.post_id,
                        "model_version": version,
                        "in_scope": True,
                        "lang": "sr",
                        "script": "latn",
                        "scores": orjson.dumps(
                            {
                                label: labels.get((p.platform, p.post_id), {}).get(
                                    label, BASE_SCORE
                                )
                                for label in LABELS
                            }
                        ).decode(),
                        "classified_at": at,
                    }
                    for p in posts
                ],
            )
        rows = [
            {
                "platform": platform,
                "post_id": post_id,
                "model_version": version,
                "label": label,
                "score": score,
            }
            for (platform, post_id), assigned in labels.items()
            for label, score in assigned.items()
        ]
        if rows:
            conn.execute(insert(schema.post_labels), rows)


def build(store: Store) -> Store:
    """Fill ``store`` with the hand-made data set."""
    store.write_batch(accounts=ACCOUNTS, posts=POSTS, snapshots=SNAPSHOTS, source="test")
    # An older model that labelled one post differently: it must never leak into m1 figures.
    add_labels(store, "m0", {("telegram", "100/12"): {"anti_west": 0.99}}, t(1, 0))
    add_labels(store, "m1", LABELS_M1, t(22, 0))
    with store.begin() as conn:
        store.set_cursor(
            conn,
            "telegram",
            "channel:300",
            "7",
            deferred_until=t(21, 0),
            note="flood wait 86400 s",
        )
        store.set_cursor(conn, "telegram", "channel:400", "9", deferred_until=t(10, 0), note="old")
    return store


def need_tool(name: str) -> str:
    """The path of a system tool; skip the test without it (fail in CI, where it is required)."""
    import os
    import shutil

    import pytest

    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed (make sysdeps installs poppler-utils and chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def headless_chromium(profile: Path, *args: str) -> str:
    """Run headless Chromium (skipped without it, as :func:`need_tool`); its stdout."""
    import subprocess

    cmd = [
        need_tool("chromium"),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, timeout=90, check=True, text=True).stdout
