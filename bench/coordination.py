"""Benchmark: the daily coordination pass on a new day, against history size.

For each history size (100,000 and 1,000,000 posts by default, 10,000 a day over 250
Telegram channels and 50 X accounts), builds a SQLite store directly with
``executemany``. The data:

- ~79% ordinary posts (66% Telegram, 13% X): 12-60 words drawn from a Serbian
  vocabulary (Latin, some Cyrillic words), ~80-400 characters: dissimilar texts;
- ~15% campaign copies: about 90 times a day one of the day's 40 long texts is posted by 3-6
  channels within ten minutes, each copy with a word dropped, another link, or wholly
  in Cyrillic (the near-duplicates the pass must find);
- ~6% forwards: originals of 20 source channels forwarded within a minute by 2-5
  channels of one of ten rings of five (the co-forward networks), and 3% of the
  ordinary Telegram posts forward a random older original;
- one metric snapshot per post; classifications and labels (~30%) of one model.

The history's last day is passed once, untimed (as the previous day's run would have),
then one new day of 10,000 posts is added and ``narrmon coordination --since D --until D
--json`` is timed end to end as a subprocess pinned to one core (import, near-duplicate
pass, co-forwards, networks, evidence, JSON). Targets: under 30 s with 1,000,000 posts,
and within 1.5x of the time with 100,000. Prints one JSON object.

    .venv/bin/python bench/coordination.py
    .venv/bin/python bench/coordination.py --sizes 100000 1000000 --day-posts 10000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cyrtranslit  # noqa: E402

from narrmon.config import Config  # noqa: E402
from narrmon.pipeline.coordination import near_duplicate_pass  # noqa: E402
from narrmon.store import Store  # noqa: E402

SEED = 20261204
CHANNELS = 250
SOURCES = 20  # channels whose posts get forwarded
X_ACCOUNTS = 50
LABELS = ("kosovo_precedent", "russia_protector", "rs_secession", "anti_west", "counter_narrative")
MODEL = "bench-1"
LIMIT_S = 30.0
LIMIT_RATIO = 1.5
REPEATS = 2  # timed runs per size (each on a fresh new day); the median is reported
WORDS = (
    "Kosovo Srbija Rusija Zapad NATO Donbas Krim referendum Republika Srpska Beograd Priština "
    "vlada narod istina precedent sankcije Brisel Vašington Moskva granica mir rat pravo "
    "danas sutra juče rekao izjavio predsednik ministar sastanak odluka zakon Ustav izbori "
    "čuva đak šuma žito ćirilica Косово Србија Русија народ истина "
    "je nije su će bi da i a ali ili za od na u sa po kao što koji"
).split()
# Groups of channels that forward the same originals together (the co-forward networks).
RINGS = [list(range(SOURCES + 5 * r, SOURCES + 5 * r + 5)) for r in range(10)]
CAMPAIGNS_A_DAY = 40  # distinct campaign texts of a day (new ones every day)


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
        self.serial = 0

    def _telegram(self, ch: int) -> tuple[str, str]:
        self.next_msg[ch] += 1
        account = str(1_000 + ch)
        return account, f"{account}/{self.next_msg[ch]}"

    def _copy(self, text: str) -> str:
        rng = self.rng
        words = text.split()
        roll = rng.random()
        if roll < 0.3:
            del words[rng.randrange(len(words))]
        elif roll < 0.5:
            return cyrtranslit.to_cyrillic(text, "sr")
        return " ".join(words) + f" https://t.me/kanal/{rng.randrange(10**6)}"

    def _items(self, start: datetime) -> list[tuple]:
        """(when, platform, account, post_id, text, fwd_account, fwd_post) of one day."""
        rng, n = self.rng, self.day_posts
        campaigns = [
            " ".join(rng.choices(WORDS[:60], k=rng.randint(35, 55))) for _ in range(CAMPAIGNS_A_DAY)
        ]
        items: list[tuple] = []
        while len(items) < n:
            when = start + timedelta(seconds=rng.randrange(86_400))
            roll = rng.random()
            if roll < 0.04:  # a campaign: 3-6 channels within ten minutes
                text = rng.choice(campaigns)
                for ch in rng.sample(range(CHANNELS), rng.randint(3, 6)):
                    account, post_id = self._telegram(ch)
                    at = when + timedelta(seconds=rng.randrange(600))
                    items.append((at, "telegram", account, post_id, self._copy(text), None, None))
            elif roll < 0.06:  # an original forwarded by 2-5 channels of a ring within a minute
                src = rng.randrange(SOURCES)
                account, original = self._telegram(src)
                ring = RINGS[rng.randrange(len(RINGS))]
                for ch in rng.sample(ring, rng.randint(2, len(ring))):
                    by, post_id = self._telegram(ch)
                    at = when + timedelta(seconds=rng.randrange(60))
                    items.append((at, "telegram", by, post_id, "Foto.", account, original))
            elif roll < 0.85:
                account, post_id = self._telegram(rng.randrange(CHANNELS))
                text = " ".join(rng.choices(WORDS, k=rng.randint(12, 60)))
                fwd = fwd_post = None
                if rng.random() < 0.03:  # a scattered forward
                    fwd = str(1_000 + rng.randrange(SOURCES))
                    fwd_post = f"{fwd}/{rng.randrange(1, 10**5)}"
                items.append((when, "telegram", account, post_id, text, fwd, fwd_post))
            else:
                self.tweet += 1
                text = " ".join(rng.choices(WORDS, k=rng.randint(12, 40)))
                account = f"x{rng.randrange(X_ACCOUNTS)}"
                items.append((when, "x", account, str(self.tweet), text, None, None))
        return items[:n]

    def day(self, conn: sqlite3.Connection, day: date) -> None:
        rng = self.rng
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        posts, snaps, cls, labels = [], [], [], []
        for when, platform, account, post_id, text, fwd, fwd_post in self._items(start):
            self.serial += 1
            posts.append(
                (platform, post_id, account, ts(when), text, f"https://t.me/{post_id}", fwd,
                 fwd_post, "[]", "[]", "[]", 0, "sr", "latn", "bench", ts(when),
                 f"{self.serial:032d}")
            )  # fmt: skip
            views = rng.randint(10, 50_000)
            snaps.append((platform, post_id, ts(when + timedelta(hours=20)), views))
            cls.append((platform, post_id, MODEL, 1, "sr", "latn", None, ts(when)))
            if rng.random() < 0.3:
                labels.append((platform, post_id, MODEL, rng.choice(LABELS), 0.9))
        conn.executemany(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text, url, "
            "fwd_account_id, fwd_post_id, hashtags, mentions, links, has_media, lang, script, "
            "source, collected_at, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            posts,
        )
        conn.executemany(
            "INSERT INTO metric_snapshots (platform, post_id, captured_at, views) VALUES (?,?,?,?)",
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


def _one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def timed_cli(url: str, day: date) -> tuple[float, dict]:
    """``narrmon coordination`` for one day as a one-core subprocess: seconds and its JSON."""
    cmd = [str(Path(sys.executable).parent / "narrmon"), "coordination", "--since", str(day)]
    cmd += ["--until", str(day), "--json", "--db", url]
    env = {**os.environ, "NARRMON_CONFIG": ""}
    started = time.perf_counter()
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, env=env, cwd=ROOT, preexec_fn=_one_core
    )
    return time.perf_counter() - started, json.loads(out.stdout)


def run_size(posts: int, day_posts: int, workdir: Path) -> dict:
    path = workdir / f"bench-{posts}.db"
    gen, next_day, gen_s = build(path, posts, day_posts)
    url = f"sqlite:///{path}"
    store = Store(url)
    last = datetime(next_day.year, next_day.month, next_day.day, tzinfo=UTC)
    t0 = time.perf_counter()
    near_duplicate_pass(Config(), store, last - timedelta(days=1), last)
    warm_s = time.perf_counter() - t0
    store.dispose()
    runs = []
    for r in range(REPEATS):
        day = next_day + timedelta(days=r)
        conn = sqlite3.connect(path)
        gen.day(conn, day)
        conn.commit()
        conn.close()
        seconds, data = timed_cli(url, day)
        runs.append(
            {
                "day": day.isoformat(),
                "total_s": round(seconds, 2),
                "signed": data["pass"]["signed"],
                "compared_with": data["pass"]["compared_with"],
                "merged": data["pass"]["merged"],
                "clusters": data["counts"],
                "coforward_window_seconds": data["settings"]["coforward_window_seconds"],
            }
        )
    runs.sort(key=lambda x: x["total_s"])
    return {
        "posts_stored": posts,
        "generate_s": round(gen_s, 1),
        "previous_day_pass_s": round(warm_s, 2),
        "new_day_posts": day_posts,
        "median": runs[len(runs) // 2],
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
        "cores": 1,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "results": results,
        "ratio_largest_to_smallest": round(large / small, 2) if small else None,
        "target": {"largest_total_s_below": LIMIT_S, "ratio_below": LIMIT_RATIO},
        "meets_target": large < LIMIT_S and (small == 0 or large / small <= LIMIT_RATIO),
    }
    print(json.dumps(summary, indent=2))
    return 0 if summary["meets_target"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
