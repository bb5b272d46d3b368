"""The daily report's figures and the rollups, checked against values worked out by hand.

The data set is in ``tests/report_store.py``; the day under test is 2026-11-20.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from narrmon.config import Config
from narrmon.pipeline import report
from narrmon.records import MetricSnapshot, Post
from narrmon.store import Store
from reports.rollups import growth, run_rollup
from tests.report_store import CYRILLIC, DAY, LATIN, add_labels, build, t

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SNAP = "2026-11-21T10:00:00+00:00"


def _figures(store: Store, tmp_path) -> dict:
    paths = report.daily_report(Config(), store, DAY, tmp_path / "daily", now=NOW)
    return json.loads(paths[1].read_text(encoding="utf-8"))


def _core(row: dict) -> tuple:
    keys = ("posts", "accounts", "views", "views_known", "engagement", "engagement_known")
    return tuple(row[k] for k in keys) + (row["potential_reach"], row["followers_known"])


def test_label_figures_match_hand_counts(store: Store, tmp_path) -> None:
    f = _figures(build(store), tmp_path)
    assert f["model_version"] == "m1"  # the newest model, not m0
    assert f["data_window"] == {
        "from": "2026-11-20T00:00:00+00:00",
        "to": "2026-11-21T00:00:00+00:00",
        "timezone": "UTC",
    }
    rows = {r["label"]: r for r in f["labels"]}
    # posts, accounts, views, views known, engagement, engagement known, reach, followers known
    assert _core(rows["kosovo_precedent"]) == (2, 2, 530, 2, 16, 2, 1500, 2)
    assert _core(rows["russia_protector"]) == (1, 1, 200, 1, 4, 1, 1000, 1)
    assert _core(rows["rs_secession"]) == (1, 1, 0, 0, 0, 0, 0, 0)  # export: views unknown
    assert _core(rows["anti_west"]) == (1, 1, 450, 1, 16, 1, 1000, 1)  # m0's label not counted
    assert _core(rows["counter_narrative"]) == (1, 1, 1000, 1, 16, 1, 2000, 1)
    assert _core(rows["_all"]) == (6, 4, 1730, 4, 36, 5, 3500, 3)
    assert rows["rs_secession"]["snapshot_at"] is None
    assert {r["snapshot_at"] for r in f["labels"] if r["label"] != "rs_secession"} == {SNAP}

    k = rows["kosovo_precedent"]
    assert k["previous_day"] == {"posts": 1, "accounts": 1, "views": 120, "engagement": 3}
    assert k["change_vs_previous_day"] == {
        "posts": 1,
        "accounts": 1,
        "views": 410,
        "engagement": 13,
    }
    assert k["change_pct_vs_previous_day"] == {
        "posts": 100.0,
        "accounts": 100.0,
        "views": 341.7,
        "engagement": 433.3,
    }
    # 7-day mean over the 6 days with data before the day (2026-11-14..19)
    assert k["mean_7d_days"] == 6
    assert k["mean_7d"] == {"posts": 0.17, "accounts": 0.17, "views": 20.0, "engagement": 0.5}
    assert k["change_vs_7d_mean"] == {
        "posts": 1.83,
        "accounts": 1.83,
        "views": 510.0,
        "engagement": 15.5,
    }
    assert k["change_pct_vs_7d_mean"]["views"] == 2550.0
    a = rows["_all"]
    assert a["previous_day"] == {"posts": 2, "accounts": 2, "views": 150, "engagement": 3}
    assert a["mean_7d"] == {"posts": 0.5, "accounts": 0.5, "views": 35.0, "engagement": 0.5}
    assert a["change_pct_vs_7d_mean"] == {
        "posts": 1100.0,
        "accounts": 700.0,
        "views": 4842.9,
        "engagement": 7100.0,
    }
    r = rows["russia_protector"]
    assert r["mean_7d"] == {"posts": 0.17, "accounts": 0.17, "views": 10.0, "engagement": 0.0}
    assert r["change_pct_vs_previous_day"]["posts"] is None  # no base to compare with


def test_trend_growth_and_snapshot_window(store: Store, tmp_path) -> None:
    f = _figures(build(store), tmp_path)
    trend = f["trend"]
    assert trend["days"][0] == "2026-11-07" and trend["days"][-1] == DAY
    assert trend["series"]["_all"]["posts"] == [0] * 7 + [1, 0, 0, 0, 0, 2, 6]
    assert trend["series"]["kosovo_precedent"]["views"] == [0] * 12 + [120, 530]
    assert f["snapshot"] == {
        "earliest": SNAP,
        "latest": SNAP,
        "posts_with_snapshot": 5,
        "posts": 6,
    }
    # posts of 11-19: 50 + 30 views by the end of that day, 120 + 30 by the end of 11-20
    assert f["reach_growth"] == [
        {
            "posts_day": "2026-11-19",
            "views_end_of_posts_day": 80,
            "views_end_of_previous_day": 80,
            "views_end_of_day": 150,
            "views_known": 2,
            "grew_today": 70,
        }
    ]
    with store.engine.connect() as conn:
        g = growth(conn, "m1", date(2026, 11, 20))
    # 100/10 grew 100 -> 300 (by the end of 11-20) -> 450 (11-21); 200/5 is seen on 11-21
    assert g["kosovo_precedent"] == [
        {"as_of": "2026-11-20", "posts_with_snapshot": 1, "views": 300, "views_known": 1,
         "engagement": 13},
        {"as_of": "2026-11-21", "posts_with_snapshot": 2, "views": 530, "views_known": 2,
         "engagement": 16},
    ]  # fmt: skip
    assert g["_all"][-1] == {
        "as_of": "2026-11-21",
        "posts_with_snapshot": 5,
        "views": 1730,
        "views_known": 4,
        "engagement": 36,
    }


def test_top_posts_accounts_and_first_timers(store: Store, tmp_path) -> None:
    f = _figures(build(store), tmp_path)
    top = [(p["post_id"], p["views"], p["engagement"]) for p in f["top_posts"]]
    # by views; unknown views last, oldest first
    assert top == [
        ("t1", 1000, 16),
        ("100/10", 450, 16),
        ("100/12", 200, 4),
        ("200/5", 80, 0),
        ("300/7", None, None),
        ("t2", None, 0),
    ]
    first = f["top_posts"][1]
    assert first["excerpt"] == CYRILLIC  # original script, unescaped in the JSON
    assert first["account"] == "@kanal_a"
    assert first["url"] == "https://t.me/c/100/10"
    assert first["labels"] == [
        {"label": "kosovo_precedent", "score": 0.9},
        {"label": "anti_west", "score": 0.7},
    ]
    assert f["top_posts"][2]["excerpt"] == LATIN
    accounts = [
        (a["account"], a["posts"], a["views"], a["views_known"], a["engagement"])
        for a in f["top_accounts"]
    ]
    assert accounts == [
        ("@srb_x", 2, 1000, 1, 16),
        ("@kanal_a", 2, 650, 2, 20),
        ("@kanal_b", 1, 80, 1, 0),
        ("Kanal C (export)", 1, 0, 0, 0),
    ]
    assert f["top_accounts"][1]["narrative_posts"] == {
        "kosovo_precedent": 1,
        "russia_protector": 1,
        "anti_west": 1,
    }
    # kanal_a carried kosovo_precedent on 11-19 already, so it is not new for that label
    assert [(a["label"], a["account"]) for a in f["new_accounts"]] == [
        ("kosovo_precedent", "@kanal_b"),
        ("russia_protector", "@kanal_a"),
        ("rs_secession", "Kanal C (export)"),
        ("anti_west", "@kanal_a"),
        ("counter_narrative", "@srb_x"),
    ]


def test_amplification_gaps_and_spikes(store: Store, tmp_path) -> None:
    f = _figures(build(store), tmp_path)
    edges = [
        (e["kind"], e["source"], e["by"], e["posts"], e["views"], e["views_known"])
        for e in f["amplification"]
    ]
    assert edges == [
        ("forward", "@kanal_a", "@kanal_b", 1, 80, 1),
        ("repost", "@srb_x", "@srb_x", 1, 0, 0),
    ]
    gaps = f["gaps"]
    # channel:400's deferral ended before the day; channel:300's did not
    assert [(d["source"], d["deferred_until"], d["note"]) for d in gaps["deferred_sources"]] == [
        ("channel:300", "2026-11-21T00:00:00+00:00", "flood wait 86400 s")
    ]
    # kanal_a: 8 on the day before, then 10 and 12: ids 9 and 11 never collected
    assert gaps["missing_message_ids"] == [
        {
            "platform": "telegram",
            "account_id": "100",
            "account": "@kanal_a",
            "missing_ids": 2,
            "ranges": ["9", "11"],
            "more_ranges": 0,
        }
    ]
    assert gaps["posts_without_views"] == {"telegram": 1, "x": 1}
    assert f["spikes"] == []  # 6 days of history: fewer than the 7 needed


def test_daily_writes_html_json_and_csv(store: Store, tmp_path) -> None:
    build(store)
    paths = report.daily_report(Config(), store, DAY, tmp_path, now=NOW)
    names = sorted(p.name for p in paths)
    assert paths[0].name == "narrmon-daily-2026-11-20.html"
    assert "narrmon-daily-2026-11-20-labels.csv" in names
    assert "narrmon-daily-2026-11-20-top_posts.csv" in names
    import pandas as pd

    labels = pd.read_csv(tmp_path / "narrmon-daily-2026-11-20-labels.csv")
    assert labels.set_index("label").loc["kosovo_precedent", "views"] == 530
    assert labels.set_index("label").loc["_all", "change_vs_previous_day.views"] == 1580
    top = pd.read_csv(tmp_path / "narrmon-daily-2026-11-20-top_posts.csv")
    assert top["excerpt"].iloc[1] == CYRILLIC
    html = paths[0].read_text(encoding="utf-8")
    assert "Косово је преседан" in html and "čuva Kosovo, ćirilica, šume, žito, đak" in html


def test_markup_in_posts_is_escaped_in_html(store: Store, tmp_path) -> None:
    build(store)
    html = report.daily_report(Config(), store, DAY, tmp_path, now=NOW)[0].read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;para&gt;Kosovo&lt;/para&gt; &amp; precedent &lt;/b&gt;" in html
    assert "&lt;b&gt;Донбас&lt;/b&gt;" in html
    assert "<script" not in html and "<para" not in html
    assert "src=" not in html and "<link" not in html  # self-contained


def test_rollup_recomputes_only_touched_days(store: Store) -> None:
    build(store)
    first = run_rollup(store)
    assert first.full and [d.isoformat() for d in first.days] == [
        "2026-11-14",
        "2026-11-19",
        DAY,
    ]
    assert run_rollup(store).days == []  # nothing new: nothing recomputed
    new = Post("telegram", "100/13", "100", t(21, 8), text="novo", source="test")
    store.write_batch(
        posts=[new], snapshots=[MetricSnapshot("telegram", "100/13", t(21, 9), views=7)]
    )
    second = run_rollup(store)
    assert not second.full and second.days == [date(2026, 11, 21)] and second.posts == 1
    # a later snapshot of an old post touches only that post's day
    store.write_batch(snapshots=[MetricSnapshot("telegram", "100/8", t(22, 9), views=500)])
    assert run_rollup(store).days == [date(2026, 11, 19)]
    add_labels(store, "m1", {("telegram", "200/4"): {"anti_west": 0.8}}, t(22, 1), posts=[])
    assert run_rollup(store).days == [date(2026, 11, 19)]
    with store.engine.connect() as conn:
        g = growth(conn, "m1", date(2026, 11, 19))
    assert g["_all"][-1]["as_of"] == "2026-11-22" and g["_all"][-1]["views"] == 530


def test_other_model_versions_catch_up_on_days_they_missed(store: Store) -> None:
    build(store)
    assert run_rollup(store).model_version == "m1"
    assert run_rollup(store, "m0").full  # first run for m0 rolls up everything
    store.write_batch(posts=[Post("x", "t9", "u1", t(23, 8), text="x", source="test")])
    assert run_rollup(store).days == [date(2026, 11, 23)]  # m1 consumes the change
    assert run_rollup(store, "m0").days == [date(2026, 11, 23)]  # m0 still redoes it
    assert run_rollup(store, "m0").days == []


@pytest.mark.parametrize("bad", ["2026-13-01", "20.11.2026", ""])
def test_bad_date_is_a_clear_error(sqlite_store: Store, tmp_path, bad: str) -> None:
    from narrmon.errors import InputError

    with pytest.raises(InputError, match="not a date"):
        report.daily_report(Config(), sqlite_store, bad, tmp_path)
