"""Benchmark: the incremental rollup of a new day plus its daily report, against history size.

For each history size (100,000 and 1,000,000 posts by default, 10,000 a day), builds a
SQLite store directly with ``executemany`` (posts, one metric snapshot each, accounts,
classifications and labels for ~30% of posts; the rollup triggers fire as in real use),
rolls everything up once (untimed set-up), then adds one new day of 10,000 posts and
times ``rollup`` (incremental) + ``daily_report`` for that day. The target: under 5 s
with 1,000,000 posts, and within 1.5x of the time with 100,000. Prints one JSON object.

    .venv/bin/python bench/report.py
    .venv/bin/python bench/report.py --sizes 100000 1000000 --day-posts 10000
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from narrmon.config import Config  # noqa: E402
from narrmon.pipeline import report  # noqa: E402
from narrmon.store import Store  # noqa: E402

SEED = 20261120
CHANNELS = 250
X_ACCOUNTS = 50
LABELS = ("kosovo_precedent", "russia_protector", "rs_secession", "anti_west", "counter_narrative")
WORDS = "Kosovo je Srbija Косово Русија NATO Donbas referendum Republika Srpska čuva đak".split()
MODEL = "bench-1"
LIMIT_S = 5.0
LIMIT_RATIO = 1.5
REPEATS = 3  # timed runs per size (each on a fresh new day); the median is reported


def ts(value: datetime) -> str:
    """A time as SQLAlchemy stores it in SQLite (naive UTC)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


class Generator:
    """Deterministic posts, snapshots and labels, one day at a time."""

    def __init__(self, day_posts: int) -> None:
        self.rng = random.Random(SEED)
        self.day_posts = day_posts
        self.next_msg = [0] * CHANNELS
        self.tweet = 10**15

    def day(self, conn: sqlite3.Connection, day: date) -> None:
        rng = self.rng
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        posts, snaps, cls, labels = [], [], [], []
        for i in range(self.day_posts):
            when = start + timedelta(seconds=i * 86_400 // self.day_posts)
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
            if rng.random() < 0.8:
                ch = rng.randrange(CHANNELS)
                self.next_msg[ch] += rng.choice((1, 1, 1, 2))
                platform, account = "telegram", str(1_000 + ch)
                post_id = f"{account}/{self.next_msg[ch]}"
                fwd = str(1_000 + rng.randrange(CHANNELS)) if rng.random() < 0.05 else None
            else:
                self.tweet += 1
                platform, account = "x", f"x{rng.randrange(X_ACCOUNTS)}"
                post_id, fwd = str(self.tweet), None
            posts.append(
                (platform, post_id, account, ts(when), text, f"https://t.me/{post_id}", fwd,
                 "[]", "[]", "[]", 0, "sr", "latn", "bench", ts(when), f"{i:032d}")
            )  # fmt: skip
            views = rng.randint(10, 50_000)
            snaps.append(
                (platform, post_id, ts(when + timedelta(hours=20)), views, rng.randint(0, 50),
                 rng.randint(0, 20), rng.randint(0, 200), views if platform == "x" else None)
            )  # fmt: skip
            cls.append((platform, post_id, MODEL, 1, "sr", "latn", None, ts(when)))
            if rng.random() < 0.3:
                for label in rng.sample(LABELS, rng.choice((1, 1, 2))):
                    labels.append((platform, post_id, MODEL, label, round(rng.random(), 3)))
        conn.executemany(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text, url, "
            "fwd_account_id, hashtags, mentions, links, has_media, lang, script, source, "
            "collected_at, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            posts,
        )
        conn.executemany(
            "INSERT INTO metric_snapshots (platform, post_id, captured_at, views, forwards, "
            "replies, reactions, impressions) VALUES (?,?,?,?,?,?,?,?)",
            snaps,
        )
        conn.executemany("INSERT INTO classifications VALUES (?,?,?,?,?,?,?,?)", cls)
        conn.executemany(
            "INSERT INTO post_labels (platform, post_id, model_version, label, score) "
            "VALUES (?,?,?,?,?)",
            labels,
        )


def build(path: Path, posts: int, day_posts: int) -> tuple[Generator, date, float]:
    """A store with ``posts`` posts, ``day_posts`` a day; returns the next day to add."""
    Store(f"sqlite:///{path}").dispose()  # create and migrate
    gen = Generator(day_posts)
    first = date(2026, 1, 1)
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    accounts = [("telegram", str(1_000 + c), f"kanal_{c}", 1000 + c * 37) for c in range(CHANNELS)]
    accounts += [("x", f"x{a}", f"x_user_{a}", 500 + a * 11) for a in range(X_ACCOUNTS)]
    conn.executemany(
        "INSERT INTO accounts (platform, account_id, handle, followers) VALUES (?,?,?,?)",
        accounts,
    )
    days = posts // day_posts
    for d in range(days):
        gen.day(conn, first + timedelta(days=d))
        conn.commit()
    conn.close()
    return gen, first + timedelta(days=days), time.perf_counter() - started


def run_size(posts: int, day_posts: int, workdir: Path) -> dict:
    path = workdir / f"bench-{posts}.db"
    gen, next_day, gen_s = build(path, posts, day_posts)
    store = Store(f"sqlite:///{path}")
    config = Config()
    started = time.perf_counter()
    full = report.rollup(config, store)
    full_s = time.perf_counter() - started
    runs = []
    for r in range(REPEATS):
        day = next_day + timedelta(days=r)
        conn = sqlite3.connect(path)
        gen.day(conn, day)
        conn.commit()
        conn.close()
        t0 = time.perf_counter()
        inc = report.rollup(config, store)
        t1 = time.perf_counter()
        report.daily_report(config, store, day, workdir / f"out-{posts}")
        t2 = time.perf_counter()
        runs.append(
            {
                "day": day.isoformat(),
                "days_recomputed": len(inc.days),
                "rollup_s": round(t1 - t0, 3),
                "daily_report_s": round(t2 - t1, 3),
                "total_s": round(t2 - t0, 3),
            }
        )
    store.dispose()
    runs.sort(key=lambda x: x["total_s"])
    median = runs[len(runs) // 2]
    return {
        "posts_stored": posts,
        "generate_s": round(gen_s, 1),
        "full_rollup_s": round(full_s, 1),
        "full_rollup_days": len(full.days),
        "new_day_posts": day_posts,
        "median": median,
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--day-posts", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="narrmon-bench-") as tmp:
        results = [run_size(n, args.day_posts, Path(tmp)) for n in args.sizes]
    small, large = results[0]["median"]["total_s"], results[-1]["median"]["total_s"]
    summary = {
        "backend": "sqlite",
        "results": results,
        "ratio_largest_to_smallest": round(large / small, 2) if small else None,
        "target": {"largest_total_s_below": LIMIT_S, "ratio_below": LIMIT_RATIO},
        "meets_target": large < LIMIT_S and (small == 0 or large / small <= LIMIT_RATIO),
    }
    print(json.dumps(summary, indent=2))
    return 0 if summary["meets_target"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
