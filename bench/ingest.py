"""Benchmark: ``narrmon import telethon-json`` end to end, against the ``json.loads`` floor.

Data: N real telethon ``Message.to_dict()`` objects, generated deterministically and
written as JSON Lines without their None/False/empty fields, as compact dumps are
(~430 bytes a line: 10 channels, two thirds Serbian Cyrillic, 2-8 words of text, every
fifth post with a hashtag and a link, views, forwards, replies and up to one reaction).
For each backend the real command runs in a subprocess (``.venv/bin/narrmon import
telethon-json --db URL FILE``) into a fresh store; the figures are its wall and CPU
seconds (start-up included) and peak RSS. The floor, measured in the same run, is the
time to merely ``json.loads`` the same lines; the load average is printed before and
after. Prints one JSON object.

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
            text = " ".join(rng.choice(words) for _ in range(rng.randint(2, 8)))
            if i % 5 == 0:
                text += f" #kosovo{i % 7} https://t.me/kanal/{i}"
            reactions = [
                tl.ReactionCount(reaction=tl.ReactionEmoji(emoticon=e), count=rng.randint(1, 300))
                for e in EMOJI[: rng.randint(0, 1)]
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
            f.write(json.dumps(_compact(msg.to_dict()), default=_encode, ensure_ascii=False))
            f.write("\n")


def _compact(value: object) -> object:
    """A ``to_dict()`` without its None, False and empty fields, as compact dumps write it."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v not in (None, False, [], {})}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def parse_floor(path: Path) -> float:
    """Seconds to json.loads every line of ``path``."""
    start = time.perf_counter()
    with path.open("rb") as f:
        for line in f:
            json.loads(line)
    return time.perf_counter() - start


NARRMON = str(Path(sys.executable).parent / "narrmon")


def measure(url: str, path: Path) -> dict:
    """``narrmon import telethon-json`` of ``path`` into ``url``, as a user runs it.

    Wall and CPU seconds and peak RSS of the child process, with the counts it printed.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [NARRMON, "import", "telethon-json", "--db", url, "--json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(out.stdout)
    return {
        "seconds": seconds,
        "cpu_seconds": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "imported": report["imported"],
        "quarantined": report["quarantined"],
        "peak_rss_mb": after.ru_maxrss / 1024,  # the largest child so far: this one
    }


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
                    "cpu_ratio_to_floor": round(m["cpu_seconds"] / floor, 2),
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
