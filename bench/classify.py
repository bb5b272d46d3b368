"""Benchmark: ``narrmon classify-file`` and ``narrmon classify`` end to end, one core.

Data: N posts cut deterministically out of pairs of seed posts (10-40-word windows:
real wording, both scripts, some posts mixing them), spread over 50 accounts. The
same posts are written twice: as JSON Lines objects (``id``, ``account_id``, ``text``)
for ``classify-file``, and as telethon ``Message.to_dict()`` lines (one channel per
account) that ``narrmon import telethon-json`` loads into a fresh SQLite store for
``narrmon classify``.

Each command runs as a user runs it (a subprocess of ``.venv/bin/narrmon``, BLAS and
OpenMP limited to one thread); its start-up (imports, loading the model) is measured
with the same command on a one-post input and taken off. The floor, measured in the
same run, is the model's own work on the same posts in this process
(``NarrativeModel.scores``: normalisation, features, probabilities), so the ratio says
what the command adds around the model: reading, the language gate, writing. lingua
loads its language models the first time a post reaches it, a one-off cost of every
run that the one-post start-up run does not pay: ``lingua_models_load_cpu_seconds``
says how much of each run's time it is (measured here, in this process). Wall and
CPU seconds are both printed, with the load average: on a shared machine the CPU
figure is the steadier one. Prints one JSON object.

    .venv/bin/python bench/classify.py                      # 50,000 posts; trains a model
    .venv/bin/python bench/classify.py --models-dir models  # use an already trained one

Target: at least 10,000 posts/s per core for both commands, start-up excluded.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from classifiers.corpus import SEED_PATH, read_labelled  # noqa: E402

NARRMON = str(Path(sys.executable).parent / "narrmon")
DEFAULT_POSTS = 50_000
ACCOUNTS = 50
SEED = 20261125
T0 = datetime(2025, 1, 1, tzinfo=UTC)
TARGET_POSTS_PER_S = 10_000


def generate_posts(texts: list[str], n: int, seed: int = SEED) -> list[str]:
    """``n`` posts of 10-40 words cut from pairs of seed posts."""
    rng = random.Random(seed)
    words = [t.split() for t in texts]
    posts = []
    for _ in range(n):
        pool = rng.choice(words) + rng.choice(words)
        size = min(len(pool), rng.randint(10, 40))
        start = rng.randint(0, len(pool) - size)
        posts.append(" ".join(pool[start : start + size]))
    return posts


def write_inputs(posts: list[str], folder: Path) -> tuple[Path, Path]:
    """The JSON Lines input of classify-file and the telethon dump to import."""
    jsonl = folder / "posts.jsonl"
    dump = folder / "bench__2026-10-20T12-00Z.jsonl"
    with jsonl.open("wb") as plain, dump.open("w", encoding="utf-8") as tele:
        for i, text in enumerate(posts):
            account = 1_200_000_000 + i % ACCOUNTS
            plain.write(
                json.dumps({"id": i, "account_id": str(account), "text": text}).encode() + b"\n"
            )
            message = {
                "_": "Message",
                "id": i + 1,
                "peer_id": {"_": "PeerChannel", "channel_id": account},
                "date": (T0 + timedelta(seconds=7 * i)).isoformat(),
                "message": text,
                "post": True,
                "views": 100 + i % 5000,
            }
            tele.write(json.dumps(message, ensure_ascii=False) + "\n")
    return jsonl, dump


def timed(args: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one ``narrmon`` command (a child process), and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([NARRMON, *args], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def figures(n: int, run: tuple[float, float], startup: tuple[float, float], floor: float) -> dict:
    wall = max(run[0] - startup[0], 1e-9)
    cpu = max(run[1] - startup[1], 1e-9)
    return {
        "posts_per_s": round(n / wall),
        "posts_per_cpu_s": round(n / cpu),
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "startup_seconds": round(startup[0], 2),
        "ratio_to_floor_cpu": round(cpu / floor, 2),
        "meets_target": n / cpu >= TARGET_POSTS_PER_S,
    }


def floor_seconds(models_dir: Path, posts: list[str]) -> float:
    """CPU seconds of the model's own scoring of ``posts`` (after one warm-up batch)."""
    from classifiers import registry

    model = registry.load(models_dir)
    model.scores(posts[:1000])
    started = time.process_time()
    model.scores(posts)
    return time.process_time() - started


def lingua_load_seconds() -> float:
    """CPU seconds lingua takes to load its models for a Latin and a Cyrillic post."""
    from classifiers.langid import detector

    sentences = ("Ovo nije bila dobra ideja", "Она не може да оде")
    started = time.process_time()
    for sentence in sentences:
        detector().compute_language_confidence_values(sentence)
    loading = time.process_time() - started
    started = time.process_time()
    for sentence in sentences:
        detector().compute_language_confidence_values(sentence)
    return loading - (time.process_time() - started)


def run(n_posts: int, models_dir: Path | None, work: Path) -> dict:
    corpus = read_labelled([SEED_PATH])
    posts = generate_posts([p.text for p in corpus.posts], n_posts)
    jsonl, dump = write_inputs(posts, work)
    one = work / "one.jsonl"
    one.write_bytes(jsonl.read_bytes().split(b"\n", 1)[0] + b"\n")
    result: dict = {
        "benchmark": "classify",
        "posts": n_posts,
        "data": "10-40-word windows of seed posts, 50 accounts",
        "mean_words_per_post": round(sum(len(p.split()) for p in posts) / n_posts, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    if models_dir is None:
        models_dir = work / "models"
        wall, cpu, _ = timed(["train", "--models-dir", str(models_dir)])
        result["training_seconds"] = round(wall, 1)
    floor = floor_seconds(models_dir, posts)
    result["floor_model_scores_cpu_seconds"] = round(floor, 2)
    result["floor_posts_per_cpu_s"] = round(n_posts / floor)
    result["lingua_models_load_cpu_seconds"] = round(lingua_load_seconds(), 2)
    models = ["--models-dir", str(models_dir)]
    out = work / "out.jsonl"
    startup = timed(["classify-file", *models, "--input", str(one), "--output", str(out)])[:2]
    run_ = timed(["classify-file", *models, "--input", str(jsonl), "--output", str(out)])[:2]
    result["classify_file"] = figures(n_posts, run_, startup, floor)

    db = f"sqlite:///{work / 'bench.db'}"
    timed(["import", "telethon-json", "--db", db, str(dump)])
    small_db = f"sqlite:///{work / 'one.db'}"
    one_dump = work / "one__2026-10-20T12-00Z.jsonl"
    one_dump.write_text(dump.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", "utf-8")
    timed(["import", "telethon-json", "--db", small_db, str(one_dump)])
    startup = timed(["classify", *models, "--db", small_db, "--json"])[:2]
    wall, cpu, output = timed(["classify", *models, "--db", db, "--json"])
    result["classify_store_sqlite"] = figures(n_posts, (wall, cpu), startup, floor)
    result["classify_store_sqlite"]["classified"] = json.loads(output)["classified"]
    result["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS)
    parser.add_argument("--models-dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(args.posts, args.models_dir, Path(tmp)), indent=2))


if __name__ == "__main__":
    main()
