"""Benchmark: normalise + predict throughput of the narrative classifier, and training time.

Trains the model on the seed corpus's training split (timed: cross-validated threshold
tuning plus the final fit), then generates N posts deterministically by cutting
10-40-word windows out of pairs of seed posts (real wording, real word repetition,
both scripts), and times ``NarrativeModel.scores`` on them (normalisation, features,
probabilities) on one core (BLAS and OpenMP limited to one thread). Language
identification is timed separately on a subset, for information. Prints one JSON object.

    .venv/bin/python bench/classify.py                 # 100,000 posts
    .venv/bin/python bench/classify.py --posts 20000   # quicker

Target: at least 10,000 posts/s per core for normalise + predict.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from classifiers.corpus import SEED_PATH, SPLIT_TEST, read_labelled  # noqa: E402
from classifiers.langid import identify  # noqa: E402
from classifiers.model import fit  # noqa: E402
from classifiers.normalize import feature_view_many  # noqa: E402

DEFAULT_POSTS = 100_000
LANGID_POSTS = 5_000
SEED = 20261125
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


def run(n_posts: int, seed_path: Path) -> dict:
    corpus = read_labelled([seed_path])
    train = [p for p in corpus.posts if p.split != SPLIT_TEST]
    started = time.perf_counter()
    model, _ = fit([p.text for p in train], [p.labels for p in train])
    train_s = time.perf_counter() - started

    posts = generate_posts([p.text for p in corpus.posts], n_posts)
    words = sum(len(p.split()) for p in posts)
    model.scores(posts[:1000])  # warm-up, as a long-running classifier would be
    wall0 = time.perf_counter()
    feature_view_many(posts)
    normalise_s = time.perf_counter() - wall0
    cpu1, wall1 = time.process_time(), time.perf_counter()
    model.scores(posts)
    predict_wall = time.perf_counter() - wall1
    predict_cpu = time.process_time() - cpu1
    started = time.perf_counter()
    for text in posts[:LANGID_POSTS]:
        identify(text)
    langid_s = time.perf_counter() - started
    rate = n_posts / predict_wall
    return {
        "benchmark": "classify",
        "posts": n_posts,
        "mean_words_per_post": round(words / n_posts, 1),
        "training_posts": len(train),
        "training_seconds": round(train_s, 2),
        "normalise_only_posts_per_s": round(n_posts / normalise_s),
        "normalise_predict_seconds": round(predict_wall, 2),
        "normalise_predict_cpu_seconds": round(predict_cpu, 2),
        "normalise_predict_posts_per_s": round(rate),
        "posts_per_cpu_s": round(n_posts / predict_cpu),
        "target_posts_per_s": TARGET_POSTS_PER_S,
        "meets_target": rate >= TARGET_POSTS_PER_S,
        "langid_posts_per_s": round(LANGID_POSTS / langid_s),
        "features": len(model.feature_names),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS)
    parser.add_argument("--seed-corpus", type=Path, default=SEED_PATH)
    args = parser.parse_args()
    print(json.dumps(run(args.posts, args.seed_corpus), indent=2))


if __name__ == "__main__":
    main()
