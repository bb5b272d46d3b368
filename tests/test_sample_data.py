"""The bundled sample data (samples/): pools, generator determinism and file shapes."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from telethon.tl import types
from telethon.tl.types import messages as tl_messages

from samples import generate as gen

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
DATA = SAMPLES / "data"
LABELS = {"kosovo_precedent", "russia_protector", "rs_secession", "anti_west", "counter_narrative"}


def _pool(name: str) -> list[dict[str, Any]]:
    lines = (SAMPLES / "pool" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _tg_files() -> list[Path]:
    return sorted((DATA / "telegram").glob("*.json"))


def _load(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def _x_pages(pattern: str) -> list[dict[str, Any]]:
    pages = []
    for path in sorted((DATA / "x").glob(pattern)):
        pages += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return pages


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return json.loads((DATA / "MANIFEST.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ determinism


def test_regenerating_is_byte_identical(tmp_path: Path) -> None:
    gen.generate(tmp_path)
    committed = sorted(p.relative_to(DATA) for p in DATA.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert fresh == committed
    for rel in committed:
        assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), rel


def test_manifest_lists_every_file_with_its_hash(manifest: dict[str, Any]) -> None:
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file()}
    assert listed == on_disk - {"MANIFEST.json"}
    for f in manifest["files"]:
        assert gen.sha256(DATA / f["path"]) == f["sha256"]
        assert f["posts"] > 0
        datetime.fromisoformat(f["captured_at"])


# ------------------------------------------------------------------ counts


def test_totals_in_range(manifest: dict[str, Any]) -> None:
    t = manifest["totals"]
    assert 2000 <= t["posts"] <= 5000
    assert t["telegram"]["channels"] == 4
    assert 20 <= t["x"]["accounts"] <= 40
    assert t["telegram"]["files"] == 12
    per_day = t["telegram"]["posts_per_channel_day"]
    assert 15 <= per_day["min"] and per_day["max"] <= 40
    size = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert size < 15 * 1024 * 1024


def test_pool_sizes_labels_and_scripts() -> None:
    tg, x = _pool("telegram"), _pool("x")
    assert len(tg) >= 450 and len(x) >= 350
    rows = tg + x
    seen = set()
    for row in rows:
        assert set(row) >= {"text", "labels", "voice"}
        assert set(row["labels"]) <= LABELS, row
        seen.update(row["labels"])
    assert seen == LABELS
    assert sum(1 for r in rows if not r["labels"]) >= len(rows) / 2
    cyr = sum(
        1
        for r in rows
        if len(re.findall("[\u0400-\u04ff]", r["text"])) > len(re.findall("[A-Za-z]", r["text"]))
    )
    assert cyr >= 0.4 * len(rows)
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts)


# ------------------------------------------------------------------ telegram shapes


def _to_tl(obj: Any, key: str = "") -> Any:
    """Rebuild telethon TL objects from a ``to_dict()`` dump (ISO dates, bytes as ints)."""
    if isinstance(obj, dict) and "_" in obj:
        name = obj["_"]
        cls = tl_messages.ChatFull if name == "ChatFull" else getattr(types, name)
        return cls(**{k: _to_tl(v, k) for k, v in obj.items() if k != "_"})
    if isinstance(obj, list):
        if key in ("file_reference", "bytes", "stripped_thumb"):
            return bytes(obj)
        return [_to_tl(v) for v in obj]
    if isinstance(obj, str) and key.endswith("date") and re.match(r"\d{4}-\d\d-\d\dT", obj):
        return datetime.fromisoformat(obj)
    return obj


def _roundtrip(obj: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(_to_tl(obj).to_dict(), default=gen.json_default))


def test_telegram_files_have_telethon_shapes() -> None:
    files = _tg_files()
    assert len(files) == 12
    for path in files:
        username, stamp = path.stem.split("__")
        assert re.fullmatch(r"2026-11-\d\dT\d\d-\d\dZ", stamp)
        arr = _load(path)
        head = arr[0]
        assert head["_"] == "ChatFull"
        assert head["full_chat"]["_"] == "ChannelFull"
        assert head["full_chat"]["participants_count"] > 0
        chat = head["chats"][0]
        assert chat["_"] == "Channel" and chat["broadcast"] is True
        assert chat["username"] == username and isinstance(chat["access_hash"], int)
        assert _roundtrip(head) == head
        ids = [m["id"] for m in arr[1:]]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
        for m in arr[1:]:
            assert m["_"] in ("Message", "MessageService")
            assert m["peer_id"] == {"_": "PeerChannel", "channel_id": chat["id"]}
            assert m["date"].endswith("+00:00")
            if m["_"] == "Message":
                assert m["views"] >= 1
                for ent in m["entities"]:
                    piece = (
                        m["message"]
                        .encode("utf-16-le")[
                            2 * ent["offset"] : 2 * (ent["offset"] + ent["length"])
                        ]
                        .decode("utf-16-le")
                    )
                    if ent["_"] == "MessageEntityHashtag":
                        assert piece.startswith("#")
                    elif ent["_"] == "MessageEntityMention":
                        assert piece.startswith("@")
        for m in arr[1:40]:
            assert _roundtrip(m) == m


def test_telegram_has_forwards_albums_edits_media_and_service_messages() -> None:
    arr = _load(DATA / "telegram" / "ruski_balkan_info__2026-11-23T06-00Z.json")
    arrs = [a for p in _tg_files() if p.stem.endswith("2026-11-23T06-00Z") for a in _load(p)[1:]]
    assert arr
    ids = {(m["peer_id"]["channel_id"], m["id"]): m for m in arrs}
    fwds = [m for m in arrs if m["_"] == "Message" and m["fwd_from"]]
    cross = [
        m for m in fwds if m["fwd_from"]["from_id"]["channel_id"] != m["peer_id"]["channel_id"]
    ]
    assert cross
    for m in cross:
        src = ids[(m["fwd_from"]["from_id"]["channel_id"], m["fwd_from"]["channel_post"])]
        assert src["message"] == m["message"] and src["date"] == m["fwd_from"]["date"]
    groups: dict[int, list[dict[str, Any]]] = {}
    for m in arrs:
        if m["_"] == "Message" and m["grouped_id"]:
            groups.setdefault(m["grouped_id"], []).append(m)
    assert groups and all(2 <= len(g) <= 3 for g in groups.values())
    for g in groups.values():
        g.sort(key=lambda m: m["id"])
        assert g[0]["message"] and not any(m["message"] for m in g[1:])
    assert any(m["_"] == "Message" and m["edit_date"] for m in arrs)
    actions = {m["action"]["_"] for m in arrs if m["_"] == "MessageService"}
    assert {"MessageActionPinMessage", "MessageActionGroupCall"} <= actions
    assert any(m["_"] == "Message" and m["reply_to"] for m in arrs)
    assert any(m["_"] == "Message" and not m["message"] and m["media"] for m in arrs)


def test_views_never_decrease_between_captures() -> None:
    by_channel: dict[str, list[Path]] = {}
    for path in _tg_files():
        by_channel.setdefault(path.stem.split("__")[0], []).append(path)
    for paths in by_channel.values():
        last: dict[int, dict[str, int]] = {}
        sizes = []
        for path in sorted(paths):
            msgs = [m for m in _load(path)[1:] if m["_"] == "Message"]
            sizes.append(len(msgs))
            grew = 0
            for m in msgs:
                now = {
                    "views": m["views"],
                    "forwards": m["forwards"],
                    "replies": m["replies"]["replies"] if m["replies"] else 0,
                    "reactions": sum(r["count"] for r in m["reactions"]["results"])
                    if m["reactions"]
                    else 0,
                }
                before = last.get(m["id"])
                if before is not None:
                    assert all(now[k] >= before[k] for k in now), (path.name, m["id"])
                    grew += now["views"] > before["views"]
                last[m["id"]] = now
            if sizes[:-1]:
                assert grew > 0
        assert sizes == sorted(sizes)


# ------------------------------------------------------------------ X shapes


def test_x_search_pages_have_twarc2_shape() -> None:
    pages = _x_pages("search_*.jsonl")
    assert len(list((DATA / "x").glob("search_*.jsonl"))) == 14
    seen: set[str] = set()
    for page in pages:
        assert set(page) == {"data", "includes", "meta", "__twarc"}
        assert 0 < len(page["data"]) <= 100 and page["meta"]["result_count"] == len(page["data"])
        assert page["__twarc"]["version"] == "2.14.0"
        assert page["meta"]["newest_id"] == page["data"][0]["id"]
        users = {u["id"] for u in page["includes"]["users"]}
        refs = {t["id"] for t in page["includes"].get("tweets", [])}
        for tw in page["data"]:
            assert tw["author_id"] in users
            assert re.fullmatch(r"2026-11-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", tw["created_at"])
            assert set(tw["public_metrics"]) == {
                "retweet_count",
                "reply_count",
                "like_count",
                "quote_count",
                "bookmark_count",
                "impression_count",
            }
            for ref in tw.get("referenced_tweets", []):
                assert ref["type"] in ("retweeted", "quoted", "replied_to")
                assert ref["id"] in refs
            for url in tw.get("entities", {}).get("urls", []):
                assert tw["text"][url["start"] : url["end"]] == url["url"]
            seen.add(tw["id"])
        for u in page["includes"]["users"]:
            assert {"followers_count", "following_count", "tweet_count", "listed_count"} <= set(
                u["public_metrics"]
            )
            assert "verified_type" in u
    tweets = sorted((tw for p in pages for tw in p["data"]), key=lambda t: int(t["id"]))
    assert [t["created_at"] for t in tweets] == sorted(t["created_at"] for t in tweets)
    assert len(seen) == len(tweets)


def test_x_reach_grows_in_later_lookups() -> None:
    snaps: dict[str, list[tuple[str, dict[str, int]]]] = {}
    for pattern in ("search_*.jsonl", "lookup_*.jsonl"):
        for page in _x_pages(pattern):
            assert len(page["data"]) <= 100
            at = page["__twarc"]["retrieved_at"]
            for tw in page["data"]:
                snaps.setdefault(tw["id"], []).append((at, tw["public_metrics"]))
    grown = 0
    for tid, series in snaps.items():
        series.sort(key=lambda s: datetime.fromisoformat(s[0]))
        assert len(series) >= 2, tid
        for (_, before), (_, now) in zip(series, series[1:], strict=False):
            assert all(now[k] >= before[k] for k in now), tid
        grown += series[-1][1]["impression_count"] > series[0][1]["impression_count"]
    assert grown > 100
