"""Coordination on built stores: near-duplicate clusters, co-forwards, networks, discovery.

The store (both backends) holds, on 2026-11-20 (UTC):

- one ~300-character text posted by four channels within nine minutes: @kanal_a the
  original, @kanal_b with two words changed and a link added, @kanal_c in Cyrillic,
  @kanal_d with a prefix and other punctuation; @kanal_e posts the same text a week later
  (2026-11-27), and @kanal_e and @kanal_f post unrelated chatter on the 20th;
- forwards of the originals 900/1 and 900/2 of the unwatched @izvor_a: @kanal_a and
  @kanal_b forward each within 20 s of each other; @kanal_c and @kanal_d forward the same
  two hours later, 2 hours apart; @kanal_c also forwards 900/3 alone;
- one forward of 901/1 (the unwatched @izvor_b) by @kanal_a.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cyrtranslit
import networkx as nx
import pytest
from typer.testing import CliRunner

from narrmon.cli import app, main
from narrmon.config import Config, CoordinationConfig, TelegramConfig
from narrmon.coordination.coforward import Share, estimate_window
from narrmon.coordination.neardup import similarity
from narrmon.pipeline import coordination as step
from narrmon.pipeline import report
from narrmon.records import Account, MetricSnapshot, Post
from narrmon.store import Store
from tests.report_store import need_tool

pytestmark = pytest.mark.clock  # fixed dates: CI runs it again with the clock moved ahead

DAY = "2026-11-20"
TEXT = (
    "Zapad je priznao nezavisnost Kosova bez ikakvog referenduma, a sada se čudi što Krim, "
    "Donjeck i Lugansk glasaju za Rusiju. Dvostruki standardi Vašingtona i Brisela vide se "
    "golim okom: ono što je važilo za Prištinu mora da važi i za Republiku Srpsku. "
    "Srbija to pamti i neće zaboraviti."
)
EDITED = TEXT.replace("ikakvog ", "").replace("golim okom", "jasno") + " https://t.me/kanal_b/77"
CYRILLIC = cyrtranslit.to_cyrillic(TEXT, "sr")
PREFIXED = "HITNO!!! " + TEXT.replace(",", " -").replace(".", "!")
CHATTER = (
    "Danas je u Beogradu sunčano i toplo, temperatura do dvadeset pet stepeni. Sutra se "
    "očekuje kiša na jugu Srbije, a u vikend ponovo lepo vreme za izlete."
)
CHATTER_2 = (
    "Fudbaleri Partizana pobedili su večeras u derbiju, a navijači su slavili do kasno u noć "
    "na ulicama grada. Trener je posle utakmice rekao da je ekipa igrala odlično."
)
CHANNELS = {
    "kanal_a": "101",
    "kanal_b": "102",
    "kanal_c": "103",
    "kanal_d": "104",
    "kanal_e": "105",
    "kanal_f": "106",
    "izvor_a": "900",
    "izvor_b": "901",
}
WATCHED = ["kanal_a", "kanal_b", "@kanal_c"]


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def _post(handle: str, msg: int, when: datetime, text: str, **kw) -> Post:
    cid = CHANNELS[handle]
    return Post(
        "telegram",
        f"{cid}/{msg}",
        cid,
        when,
        text,
        url=f"https://t.me/{handle}/{msg}",
        source="test",
        **kw,
    )


def _forward(handle: str, msg: int, when: datetime, original: str) -> Post:
    return _post(
        handle,
        msg,
        when,
        "Foto.",  # too short to be compared as a text
        forwarded_from_account=original.split("/")[0],
        forwarded_from_post=original,
    )


POSTS = [
    _post("kanal_a", 1, at(20, 10, 0), TEXT),
    _post("kanal_b", 1, at(20, 10, 3), EDITED),
    _post("kanal_c", 1, at(20, 10, 5), CYRILLIC),
    _post("kanal_d", 1, at(20, 10, 9), PREFIXED),
    _post("kanal_e", 1, at(27, 10, 0), TEXT),
    _post("kanal_e", 2, at(20, 11, 0), CHATTER),
    _post("kanal_f", 1, at(20, 11, 30), CHATTER_2),
    _forward("kanal_a", 2, at(20, 12, 0, 0), "900/1"),
    _forward("kanal_b", 2, at(20, 12, 0, 20), "900/1"),
    _forward("kanal_a", 3, at(20, 13, 0, 0), "900/2"),
    _forward("kanal_b", 3, at(20, 13, 0, 15), "900/2"),
    _forward("kanal_c", 2, at(20, 14, 0), "900/1"),
    _forward("kanal_d", 2, at(20, 16, 0), "900/1"),
    _forward("kanal_c", 3, at(20, 15, 0), "900/2"),
    _forward("kanal_d", 3, at(20, 17, 0), "900/2"),
    _forward("kanal_c", 4, at(20, 18, 0), "900/3"),
    _forward("kanal_a", 4, at(20, 19, 0), "901/1"),
]
DUPLICATES = ["101/1", "102/1", "103/1", "104/1"]


def build(store: Store) -> Store:
    accounts = [
        Account("telegram", cid, handle=h, title=h.upper(), followers=1000 + int(cid))
        for h, cid in CHANNELS.items()
    ]
    snaps = [MetricSnapshot("telegram", p.post_id, at(28, 0), views=100) for p in POSTS[:4]]
    store.write_batch(accounts=accounts, posts=POSTS, snapshots=snaps, source="test")
    return store


def config(**settings) -> Config:
    coordination = CoordinationConfig(
        coforward_window_seconds=60, edge_weight_percentile=0.0, **settings
    )
    return Config(telegram=TelegramConfig(channels=WATCHED), coordination=coordination)


def _clusters(data: dict, kind: str) -> list[dict]:
    return [c for c in data["clusters"] if c["kind"] == kind]


def _post_ids(cluster: dict) -> list[str]:
    return [e["post_id"] for e in cluster["evidence"]]


def test_edited_and_cyrillic_copies_are_near_duplicates_chatter_is_not() -> None:
    assert similarity(TEXT, CYRILLIC) == 1.0  # script folding
    assert similarity(TEXT, EDITED) >= 0.6
    assert similarity(TEXT, PREFIXED) >= 0.6
    assert similarity(TEXT, CHATTER) < 0.2


def test_four_channels_within_minutes_form_one_cluster(store: Store) -> None:
    build(store)
    data = step.coordination(config(), store, DAY, DAY)
    dups = _clusters(data, "near_duplicate")
    assert len(dups) == 1
    (cluster,) = dups
    assert sorted(_post_ids(cluster)) == DUPLICATES
    assert cluster["accounts"] == ["@kanal_a", "@kanal_b", "@kanal_c", "@kanal_d"]
    assert cluster["first"] == at(20, 10, 0).isoformat()
    assert cluster["last"] == at(20, 10, 9).isoformat()
    assert (cluster["views"], cluster["views_known"]) == (400, 4)
    assert data["pass"]["signed"] == 16  # the 20th's posts (the 27th is outside the window)
    assert data["pass"]["too_short"] == 10  # the forwards


def test_same_text_a_week_later_and_chatter_stay_out(store: Store) -> None:
    build(store)
    data = step.coordination(config(), store, DAY, "2026-11-27")
    (cluster,) = _clusters(data, "near_duplicate")
    assert sorted(_post_ids(cluster)) == DUPLICATES  # not 105/1 (a week later), nor chatter
    again = step.coordination(config(), store, DAY, "2026-11-27")
    assert again["pass"]["signed"] == 0  # incremental: nothing signed twice
    assert _clusters(again, "near_duplicate")[0]["cluster_id"] == cluster["cluster_id"]
    only_week_later = step.coordination(config(), store, "2026-11-27", "2026-11-27")
    assert _clusters(only_week_later, "near_duplicate") == []


def test_day_by_day_passes_join_one_cluster(store: Store) -> None:
    """A copy posted after midnight joins the cluster the previous day's pass made."""
    build(store)
    first = step.coordination(config(), store, DAY, DAY)
    (cluster,) = _clusters(first, "near_duplicate")
    late = _post("kanal_f", 2, at(21, 0, 30), TEXT + " Podelite!")
    store.write_batch(posts=[late], source="test")
    second = step.coordination(config(), store, "2026-11-21", "2026-11-21")
    assert second["pass"]["signed"] == 1
    both = step.coordination(config(), store, DAY, "2026-11-21")
    (joined,) = _clusters(both, "near_duplicate")
    assert joined["cluster_id"] == cluster["cluster_id"]
    assert sorted(_post_ids(joined)) == [*DUPLICATES, "106/2"]


def test_co_forwards_within_the_window_link_accounts_outside_they_do_not(store: Store) -> None:
    build(store)
    data = step.coordination(config(), store, DAY, DAY)
    forwards = _clusters(data, "co_forward")
    assert [c["original"]["post_id"] for c in forwards] == ["900/1", "900/2"]
    for c in forwards:
        assert c["accounts"] == ["@kanal_a", "@kanal_b"]  # not @kanal_c, @kanal_d (2 h apart)
    assert sorted(_post_ids(forwards[0])) == ["101/2", "102/2"]
    assert data["settings"]["coforward_window_seconds"] == 60
    wide = step.coordination(config(), store, DAY, DAY)  # nothing changes on a rerun
    assert _clusters(wide, "co_forward") == forwards
    hours = config()
    hours.coordination.coforward_window_seconds = 3 * 3600
    three_hours = step.coordination(hours, store, DAY, DAY)
    accounts = {a for c in _clusters(three_hours, "co_forward") for a in c["accounts"]}
    assert accounts == {"@kanal_a", "@kanal_b", "@kanal_c", "@kanal_d"}


def test_one_co_forward_is_not_enough_and_symmetry_drops_hyperactive(store: Store) -> None:
    build(store)
    strict = config(min_repetitions=3)
    assert _clusters(step.coordination(strict, store, DAY, DAY), "co_forward") == []
    spam = [_forward("kanal_b", 10 + i, at(20, 12, 0, 25 + i), "900/1") for i in range(4)]
    spam += [_forward("kanal_b", 20 + i, at(20, 13, 0, 20 + i), "900/2") for i in range(4)]
    store.write_batch(posts=spam, source="test")
    data = step.coordination(config(), store, DAY, DAY)
    assert _clusters(data, "co_forward") == []  # @kanal_b shared 10 times, @kanal_a twice
    loose = step.coordination(config(min_symmetry=0.0), store, DAY, DAY)
    assert len(_clusters(loose, "co_forward")) == 2


def test_window_estimate_follows_the_data() -> None:
    shares = [
        Share(
            ("telegram", f"9/{o}"),
            ("telegram", str(a)),
            ("telegram", f"{a}/{o}"),
            t0 + d,
            "forward",
        )
        for o, t0 in enumerate(range(0, 60_000, 10_000))
        for a, d in enumerate((0, 30, 45, 600, 4000))
    ]
    assert estimate_window(shares) == 30  # first share to the tenth-quantile share
    assert estimate_window(shares[:5]) is None  # too few originals


def test_networks_are_louvain_communities_with_evidence(store: Store) -> None:
    build(store)
    data = step.coordination(config(), store, DAY, DAY)
    (network,) = _clusters(data, "network")
    assert network["accounts"] == ["@kanal_a", "@kanal_b", "@kanal_c", "@kanal_d"]
    edge = next(e for e in network["edges"] if {e["a"], e["b"]} == {"telegram:101", "telegram:102"})
    assert (edge["clusters"], edge["co_shares"], edge["weight"]) == (1, 2, 3)
    assert edge["symmetry"] == 1.0
    assert edge["evidence"] == sorted(
        ["telegram:101/1", "telegram:102/1", "telegram:101/2", "telegram:102/2"]
        + ["telegram:101/3", "telegram:102/3"]
    )


def test_gexf_opens_with_networkx_and_carries_the_attributes(store: Store, tmp_path) -> None:
    build(store)
    out = tmp_path / "net.gexf"
    paths, counts = step.network(config(), store, DAY, DAY, "gexf", out)
    assert paths == [out]
    graph = nx.read_gexf(out)
    a = graph.nodes["telegram:101"]
    assert (a["handle"], a["followers"], a["watched"], a["posts"]) == ("kanal_a", 1101, True, 4)
    assert a["narrative_share"] == 0.0 and a["community"].startswith("net-")
    kinds = {(u, v, d["kind"]): d for u, v, d in graph.edges(data=True)}
    amplified = kinds[("telegram:900", "telegram:101", "amplification")]
    assert (amplified["weight"], amplified["via"]) == (2, "forward")
    coordinated = [d for (u, v, k), d in kinds.items() if k == "coordination"]
    assert {d["weight"] for d in coordinated} >= {3}
    assert counts["nodes"] == graph.number_of_nodes()
    graphml = step.network(config(), store, DAY, DAY, "graphml", tmp_path / "n.graphml")[0][0]
    assert nx.read_graphml(graphml).number_of_nodes() == graph.number_of_nodes()
    csv_paths, _ = step.network(config(), store, DAY, DAY, "csv", tmp_path / "n.csv")
    assert [p.name for p in csv_paths] == ["n.csv", "n-nodes.csv"]
    assert csv_paths[0].read_text(encoding="utf-8").startswith("source,target,")


def test_discover_ranks_the_channel_three_watched_forward_above_one(store: Store) -> None:
    build(store)
    data = step.discover(config(), store, DAY, DAY)
    rows = data["candidates"]
    by_handle = {r["handle"]: r for r in rows}
    assert [r["handle"] for r in rows[:2]] == ["izvor_a", "izvor_b"]
    assert by_handle["izvor_a"]["watched_sources"] == 3
    assert by_handle["izvor_b"]["watched_sources"] == 1
    assert by_handle["izvor_a"]["add"].strip().startswith("- izvor_a")
    assert "telegram.channels" in by_handle["izvor_a"]["add"]
    assert not {"kanal_a", "kanal_b", "kanal_c"} & set(by_handle)  # watched are not candidates


def test_pull_carries_the_cluster_id(store: Store) -> None:
    build(store)
    step.coordination(config(), store, DAY, DAY)
    frame = report.pull(None, store, DAY, DAY)
    clustered = frame[frame["cluster_id"] != ""].dropna(subset=["cluster_id"])
    assert sorted(clustered["post_id"]) == DUPLICATES
    assert clustered["cluster_id"].nunique() == 1
    assert set(clustered["cluster_accounts"]) == {4}


def test_cli_coordination_network_discover(sqlite_store: Store, tmp_path, capsys) -> None:
    build(sqlite_store)
    yaml = tmp_path / "narrmon.yaml"
    yaml.write_text(
        "telegram:\n  channels: [kanal_a, kanal_b, kanal_c]\n"
        "coordination:\n  coforward_window_seconds: 60\n  edge_weight_percentile: 0\n",
        encoding="utf-8",
    )
    common = ["--db", sqlite_store.url, "--config", str(yaml)]
    runner = CliRunner()
    result = runner.invoke(app, ["coordination", "--since", DAY, "--until", DAY, *common])
    assert result.exit_code == 0, result.output
    assert "1 network(s), 1 near-duplicate cluster(s), 2 co-forwarded original(s)" in result.output
    as_json = runner.invoke(
        app, ["coordination", "--since", DAY, "--until", DAY, "--json", *common]
    )
    assert as_json.exit_code == 0 and '"near_duplicate": 1' in as_json.output
    out = tmp_path / "g.gexf"
    args = ["network", "--since", DAY, "--until", DAY, "--format", "gexf", "--out", str(out)]
    net = runner.invoke(app, [*args, *common])
    assert net.exit_code == 0 and out.is_file() and "edges written to" in net.output
    bad = runner.invoke(app, [*args[:-4], "--format", "dot", "--out", str(out), *common])
    assert bad.exit_code == 2 and "'dot' is not one of" in bad.output
    found = runner.invoke(app, ["discover", "--since", DAY, "--until", DAY, *common])
    assert found.exit_code == 0, found.output
    assert "- izvor_a    # under telegram.channels in narrmon.yaml" in found.output
    code = main(["coordination", "--since", DAY, "--until", "2026-11-19", *common])
    assert code == 1
    assert capsys.readouterr().err.startswith("error: empty window: until (2026-11-20 00:00")


def test_daily_and_weekly_reports_have_a_coordination_section(
    sqlite_store: Store, tmp_path
) -> None:
    import subprocess

    build(sqlite_store)
    now = at(28, 0)
    html = report.daily_report(config(), sqlite_store, DAY, tmp_path, now=now)[0]
    page = html.read_text(encoding="utf-8")
    assert "<h2>Coordination</h2>" in page and "near duplicate" in page
    assert "@kanal_c" in page and "Запад" in page  # evidence in its own script
    pdf = report.weekly_report(config(), sqlite_store, "2026-W47", tmp_path / "w.pdf", now=now)
    text = subprocess.run(
        [need_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Coordination" in text and "near-duplicate" in text and "@kanal_a" in text


def test_window_bounds_are_checked(sqlite_store: Store) -> None:
    from narrmon.errors import InputError

    with pytest.raises(InputError, match="not a date or time"):
        step.coordination(config(), sqlite_store, "yesterday", DAY)
    assert timedelta(hours=config().coordination.dup_window_hours) == timedelta(days=1)
