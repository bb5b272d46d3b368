"""The daily report's figures and the rollups, checked against values worked out by hand.

The data set is in ``tests/report_store.py``; the day under test is 2026-11-20.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from html import unescape

import pytest

from narrmon.config import Config
from narrmon.pipeline import report
from narrmon.records import Account, MetricSnapshot, Post
from narrmon.store import Store
from reports.daily_output import page_script
from reports.rollups import growth, run_rollup
from tests.report_store import CYRILLIC, DAY, LATIN, add_labels, build, t

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CSV_SECTIONS = (
    "labels",
    "trend",
    "reach_growth",
    "top_posts",
    "top_posts_by_label",
    "top_accounts",
    "new_accounts",
    "amplification",
    "amplification_self",
    "spikes",
    "gaps",
)
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
    assert k["previous_day_date"] == "2026-11-19"
    # 7-day mean over the days with data among the 7 before: 2026-11-14 and 2026-11-19
    # (11-15..18 have no post at all: gaps in collection, not days of zeros)
    assert k["mean_7d_days"] == 2
    assert k["mean_7d"] == {"posts": 0.5, "accounts": 0.5, "views": 60.0, "engagement": 1.5}
    assert k["change_vs_7d_mean"] == {
        "posts": 1.5,
        "accounts": 1.5,
        "views": 470.0,
        "engagement": 14.5,
    }
    assert k["change_pct_vs_7d_mean"]["views"] == 783.3
    a = rows["_all"]
    assert a["previous_day"] == {"posts": 2, "accounts": 2, "views": 150, "engagement": 3}
    assert a["mean_7d"] == {"posts": 1.5, "accounts": 1.5, "views": 105.0, "engagement": 1.5}
    assert a["change_pct_vs_7d_mean"] == {
        "posts": 300.0,
        "accounts": 166.7,
        "views": 1547.6,
        "engagement": 2300.0,
    }
    r = rows["russia_protector"]
    assert r["mean_7d"] == {"posts": 0.5, "accounts": 0.5, "views": 30.0, "engagement": 0.0}
    assert r["change_pct_vs_previous_day"]["posts"] is None  # no base to compare with


def test_changes_only_against_days_with_data(store: Store, tmp_path) -> None:
    build(store)
    first = report.daily_report(Config(), store, "2026-11-14", tmp_path / "a", now=NOW)
    f = json.loads(first[1].read_text(encoding="utf-8"))
    rows = {r["label"]: r for r in f["labels"]}
    # the first day with data compares with nothing, never with zeros
    assert rows["_all"]["posts"] == 1
    assert rows["_all"]["previous_day_date"] is None
    assert rows["_all"]["previous_day"] is None
    assert rows["_all"]["change_vs_previous_day"] is None
    assert rows["_all"]["mean_7d"] is None and rows["_all"]["mean_7d_days"] == 0
    html = first[0].read_text(encoding="utf-8")
    assert "+1 (" not in html and "no earlier day with data" in html
    assert "there is no earlier day with data, so nothing is compared" in html
    # 2026-11-19 follows four days without any post: it compares with 2026-11-14
    later = report.daily_report(Config(), store, "2026-11-19", tmp_path / "b", now=NOW)
    g = {r["label"]: r for r in json.loads(later[1].read_text(encoding="utf-8"))["labels"]}
    assert g["_all"]["previous_day_date"] == "2026-11-14"
    assert g["_all"]["change_vs_previous_day"]["posts"] == 1  # 2 against 1, not 2 against 0
    assert g["_all"]["mean_7d_days"] == 1 and g["_all"]["mean_7d"]["views"] == 60.0
    assert '"prev. day" is 2026-11-14, the last earlier day with data' in later[0].read_text(
        encoding="utf-8"
    )


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
    assert f["reach_growth"] == {
        "growing": [
            {
                "posts_day": "2026-11-19",
                "views_end_of_posts_day": 80,
                "views_end_of_previous_day": 80,
                "views_end_of_day": 150,
                "views_known": 2,
                "grew_today": 70,
                "first_read_today": False,
            }
        ],
        "quiet": [],
    }
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


def test_reach_growth_lists_only_days_that_grew(store: Store, tmp_path) -> None:
    build(store)
    # a new reading of 200/4 (a post of 11-19) on 11-21 with the same 30 views: no growth
    store.write_batch(
        snapshots=[MetricSnapshot("telegram", "200/4", t(21, 11), views=30, forwards=0)]
    )
    paths = report.daily_report(Config(), store, "2026-11-21", tmp_path, now=NOW)
    g = json.loads(paths[1].read_text(encoding="utf-8"))["reach_growth"]
    # posts of 11-20: 300 views by the end of 11-20 (100/10 only), 1730 by the end of 11-21
    grew = [(r["posts_day"], r["views_end_of_previous_day"], r["grew_today"]) for r in g["growing"]]
    assert grew == [("2026-11-20", 300, 1430)]
    assert [(r["posts_day"], r["grew_today"]) for r in g["quiet"]] == [("2026-11-19", 0)]
    html = paths[0].read_text(encoding="utf-8")
    section = html.split("<h2>Reach still growing</h2>", 1)[1].split("<h2>", 1)[0]
    rows = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<tr>") == 1 and "2026-11-20" in rows and "+1,430" in rows
    assert "unknown" not in rows and "2026-11-19</span></td>" not in rows
    assert "No growth on 2026-11-21 for the posts of 2026-11-19" in section


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
    assert edges == [("forward", "@kanal_a", "@kanal_b", 1, 80, 1)]
    # @srb_x reposting its own post is counted apart, not as a pair
    assert [(s["account"], s["posts"]) for s in f["amplification_self"]] == [("@srb_x", 1)]
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


def test_amplification_pairs_distinct_accounts_by_id(store: Store, tmp_path) -> None:
    build(store)
    fwd = {"forwarded_from_account": "100", "source": "test"}
    posts = [
        # @kanal_b forwards @kanal_a three times; two copies carry an author's signature
        Post("telegram", "200/6", "200", t(20, 14), text="a", forwarded_from_name="Amra H.", **fwd),
        Post("telegram", "200/7", "200", t(20, 15), text="b", forwarded_from_name="Dino M.", **fwd),
        # @kanal_a forwards itself twice: not amplification
        Post("telegram", "100/14", "100", t(20, 16), text="c", forwarded_from_account="100"),
        Post("telegram", "100/15", "100", t(20, 17), text="d", forwarded_from_account="100"),
        # a forward whose source hides its id
        Post("telegram", "200/8", "200", t(20, 18), text="e", forwarded_from_name="Skriveni"),
        # @srb_y reposts @srb_x twice; X gives a repost 0 impressions of its own
        Post("x", "t3", "u2", t(20, 14), text="RT", reposted_id="t1", source="test"),
        Post("x", "t4", "u2", t(20, 15), text="RT", reposted_id="t1", source="test"),
    ]
    snaps = [
        MetricSnapshot("telegram", "200/6", t(21, 10), views=20),
        MetricSnapshot("x", "t3", t(21, 10), impressions=0, reposts=0),
        MetricSnapshot("x", "t4", t(21, 10), impressions=0, reposts=0),
    ]
    accounts = [Account("x", "u2", "srb_y", "Srb Y", 10, "x_user", t(20, 0))]
    store.write_batch(accounts=accounts, posts=posts, snapshots=snaps, source="test")
    paths = report.daily_report(Config(), store, DAY, tmp_path, now=NOW)
    f = json.loads(paths[1].read_text(encoding="utf-8"))
    edges = [
        (e["kind"], e["source"], e["by"], e["posts"], e["views"], e["views_known"])
        for e in f["amplification"]
    ]
    assert edges == [
        ("forward", "@kanal_a", "@kanal_b", 3, 100, 2),  # one row, whatever the signature
        ("repost", "@srb_x", "@srb_y", 2, None, 0),  # a repost's views are not summed
        ("forward", "Skriveni (id hidden)", "@kanal_b", 1, 0, 0),  # no snapshot: unknown
    ]
    assert f["amplification_edges"] == 3
    assert [(s["account"], s["posts"]) for s in f["amplification_self"]] == [
        ("@kanal_a", 2),
        ("@srb_x", 1),
    ]
    html = paths[0].read_text(encoding="utf-8")
    table = html.split("<h2>Amplification</h2>", 1)[1].split("<h2>", 1)[0]
    assert table.count("<tr>") == 4  # header and three pairs
    assert "(2 known)" not in table and "a repost has no views of its own" in table
    assert "@kanal_a</bdi> forwarded or reposted 2 of its own post(s)" in table


def test_daily_writes_one_folder_per_day_with_bom_csvs(store: Store, tmp_path) -> None:
    build(store)
    out = tmp_path / "daily"
    paths = report.daily_report(Config(), store, DAY, out, now=NOW)
    report.daily_report(Config(), store, "2026-11-19", out, now=NOW)
    assert sorted(p.name for p in out.iterdir()) == ["2026-11-19", DAY]  # nothing flat
    day = out / DAY
    assert {p.parent for p in paths} == {day}
    assert paths[0] == day / "narrmon-daily-2026-11-20.html"
    assert paths[1] == day / "narrmon-daily-2026-11-20.json"
    names = sorted(p.name for p in paths[2:])
    assert names == sorted(f"narrmon-daily-{DAY}-{n}.csv" for n in CSV_SECTIONS)
    assert sorted(p.name for p in day.iterdir()) == sorted(p.name for p in paths)
    for path in paths[2:]:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path.name  # BOM: Excel reads UTF-8
    import pandas as pd

    labels = pd.read_csv(day / "narrmon-daily-2026-11-20-labels.csv", encoding="utf-8-sig")
    assert labels.columns[0] == "label"  # the BOM is not part of the first header
    assert labels.set_index("label").loc["kosovo_precedent", "views"] == 530
    assert labels.set_index("label").loc["_all", "change_vs_previous_day.views"] == 1580
    top = pd.read_csv(day / "narrmon-daily-2026-11-20-top_posts.csv", encoding="utf-8-sig")
    assert top["excerpt"].iloc[1] == CYRILLIC
    by_label = pd.read_csv(day / f"narrmon-daily-{DAY}-top_posts_by_label.csv")
    assert list(by_label["narrative"].unique()) == [
        "kosovo_precedent",
        "russia_protector",
        "rs_secession",
        "anti_west",
        "counter_narrative",
    ]
    html = paths[0].read_text(encoding="utf-8")
    assert "Косово је преседан" in html and "čuva Kosovo, ćirilica, šume, žito, đak" in html


def test_top_posts_per_narrative_and_overall_marked(store: Store, tmp_path) -> None:
    f = _figures(build(store), tmp_path)
    by_label = {k: [p["post_id"] for p in v] for k, v in f["top_posts_by_label"].items()}
    assert by_label == {
        "kosovo_precedent": ["100/10", "200/5"],  # by views: 450, 80
        "russia_protector": ["100/12"],
        "rs_secession": ["300/7"],
        "anti_west": ["100/10"],
        "counter_narrative": ["t1"],
    }
    assert [p["has_narrative"] for p in f["top_posts"]] == [True] * 5 + [False]  # t2: none
    html = report.daily_report(Config(), store, DAY, tmp_path / "h", now=NOW)[0]
    page = html.read_text(encoding="utf-8")
    posts = page.split("<h2>Top posts</h2>", 1)[1].split("<h2>", 1)[0]
    heads = [h.split("</span>", 1)[1] for h in posts.split("<h3>")[1:]]
    assert [h.split("</h3>")[0] for h in heads[:-1]] == [
        "Kosovo precedent: top 2",
        "Russia as protector: top 1",
        "RS secession: top 1",
        "Anti-West: top 1",
        "Counter-narrative: top 1",
    ]
    overall = posts.split("<h3>Overall: top 6 posts by views, with or without a narrative</h3>")[1]
    assert overall.count('<span class="overall">overall</span>') == 6
    assert overall.count("no tracked narrative</span>") == 1
    assert "1 of these carry no tracked narrative" in overall
    # every score chip says what its number is
    assert "Kosovo precedent <small>score 0.90</small>" in posts
    assert "title=\"score 0.90: the model's estimated probability that this post carries" in posts
    assert "<b>score</b>: the model's estimated probability, from 0 to 1" in posts


def test_markup_in_posts_is_escaped_in_html(store: Store, tmp_path) -> None:
    build(store)
    html = report.daily_report(Config(), store, DAY, tmp_path, now=NOW)[0].read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;para&gt;Kosovo&lt;/para&gt; &amp; precedent &lt;/b&gt;" in html
    assert "&lt;b&gt;Донбас&lt;/b&gt;" in html
    assert "<para" not in html
    # one script, ours, allowed by its hash; nothing else may run or load
    script, source = page_script()
    assert html.count("<script") == 1 and f"<script>{script}</script>" in html
    csp = html.split('http-equiv="Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    csp = unescape(csp)
    assert csp.startswith(f"default-src 'none'; script-src '{source}';")
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "src=" not in html and "<link" not in html and 'http-equiv="refresh' not in html


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
