"""Benchmark: importing telethon-shaped JSON Lines into the store, against the parse floor.

Generates N posts deterministically (``Message.to_dict()`` shape, ~10 channels, Serbian
Cyrillic and Latin text with hashtags, mentions and links, views/forwards/replies/
reactions), then for each backend runs ``narrmon``'s importer in a fresh subprocess
and measures posts/s and peak RSS. The floor is the time to merely ``json.loads`` the
same lines. Prints one JSON object.

    .venv/bin/python bench/ingest.py                      # 200,000 posts, SQLite
    .venv/bin/python bench/ingest.py --posts 1000000      # the memory figure
    .venv/bin/python bench/ingest.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

PostgreSQL runs when ``--pg`` or ``$NARRMON_TEST_PG_URL`` is given (in a fresh schema).

Tried and measured, and dropped because they were slower: a writer thread overlapping
parsing and writing (the GIL serialises them: 13.1-13.7 s against 11.4-11.7 s for
200,000 posts), one ``INSERT ... SELECT FROM json_each(?)`` per batch on that thread
(SQLite's JSON parsing costs more than ``executemany``), and WAL checkpoints on a
background connection (within noise).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEFAULT_POSTS = 200_000
SEED = 20261110
T0 = datetime(2025, 1, 1, tzinfo=UTC)  # 1,000,000 posts 7 s apart stay in the past
WORDS_CYR = "Косово је Србија Руси народ Запад НАТО Донбас референдум презир братски".split()
WORDS_LAT = "Kosovo je Srbija Rusi narod Zapad NATO Donbas referendum Republika Srpska".split()
EMOJI = ("👍", "❤", "🔥", "😡", "🙏")


def _encode(value: object) -> object:
    """The usual telethon dump recipe (``DateTimeEncoder``): ISO datetimes, bytes as ints."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return list(value)
    raise TypeError(type(value).__name__)


def generate(path: Path, n: int) -> None:
    """Write ``n`` real telethon ``Message.to_dict()`` lines, the same every time."""
    from telethon.tl import types as tl

    rng = random.Random(SEED)
    channels = [1_100_000_000 + i for i in range(10)]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            words = WORDS_CYR if i % 3 else WORDS_LAT
            text = " ".join(rng.choice(words) for _ in range(rng.randint(8, 60)))
            if i % 5 == 0:
                text += f" #kosovo{i % 7} https://t.me/kanal/{i}"
            reactions = [
                tl.ReactionCount(reaction=tl.ReactionEmoji(emoticon=e), count=rng.randint(1, 300))
                for e in EMOJI[: rng.randint(0, 3)]
            ]
            msg = tl.Message(
                id=i + 1,
                peer_id=tl.PeerChannel(channels[i % len(channels)]),
                date=T0 + timedelta(seconds=7 * i),
                message=text,
                out=False,
                mentioned=False,
                media_unread=False,
                silent=False,
                post=True,
                from_scheduled=False,
                legacy=False,
                edit_hide=False,
                pinned=False,
                noforwards=False,
                views=rng.randint(0, 100_000),
                forwards=rng.randint(0, 500),
                replies=tl.MessageReplies(replies=rng.randint(0, 50), replies_pts=i, comments=True),
                reactions=tl.MessageReactions(results=reactions),
                entities=[],
                restriction_reason=[],
            )
            f.write(json.dumps(msg.to_dict(), default=_encode, ensure_ascii=False))
            f.write("\n")


def parse_floor(path: Path) -> float:
    """Seconds to json.loads every line of ``path``."""
    start = time.perf_counter()
    with path.open("rb") as f:
        for line in f:
            json.loads(line)
    return time.perf_counter() - start


def run_import(url: str, path: Path) -> dict:
    """Import ``path`` into ``url`` (called in a subprocess): seconds, counts, peak RSS."""
    from narrmon.pipeline import import_paths
    from narrmon.store import Store

    store = Store(url)
    start = time.perf_counter()
    cpu = time.process_time()
    report = import_paths(store, "telethon-json", [path])
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "imported": report.counts.imported,
        "quarantined": report.counts.quarantined,
        "peak_rss_mb": peak_kb / 1024,
    }


def measure(url: str, path: Path) -> dict:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[3]); from bench.ingest import run_import;"
        " from pathlib import Path;"
        " print(json.dumps(run_import(sys.argv[1], Path(sys.argv[2]))))"
    )
    repo = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run(
        [sys.executable, "-c", code, url, str(path), repo],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def pg_schema_url(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{name}", name


def drop_schema(base: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS)
    parser.add_argument("--pg", default=os.environ.get("NARRMON_TEST_PG_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bench__2026-10-20T12-00Z.jsonl"
        generate(data, args.posts)
        floor = parse_floor(data)
        result: dict = {
            "posts": args.posts,
            # other work on the machine slows every figure: the load when the run started
            "load_average_1m": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
            "file_mb": round(data.stat().st_size / 1e6, 1),
            "parse_floor_seconds": round(floor, 3),
            "parse_floor_posts_per_s": round(args.posts / floor),
        }
        backends: list[tuple[str, str]] = []
        if not args.no_sqlite:
            backends.append(("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}"))
        schema = None
        if args.pg:
            url, schema = pg_schema_url(args.pg)
            backends.append(("postgresql", url))
        try:
            for name, url in backends:
                m = measure(url, data)
                result[name] = {
                    "posts_per_s": round(args.posts / m["seconds"]),
                    "seconds": round(m["seconds"], 2),
                    "ratio_to_floor": round(m["seconds"] / floor, 2),
                    "cpu_seconds": round(m["cpu_seconds"], 2),
                    "peak_rss_mb": round(m["peak_rss_mb"], 1),
                    "imported": m["imported"],
                    "quarantined": m["quarantined"],
                }
        finally:
            if schema:
                drop_schema(args.pg, schema)
    result["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
