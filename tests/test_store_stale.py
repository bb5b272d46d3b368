"""Stale results: a changed text drops its labels; a run whose process ended is failed."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from narrmon.config import Config
from narrmon.pipeline.classify import classify_posts
from narrmon.records import Post
from narrmon.store import Store, schema
from narrmon.store.labels import Classified, write_classified
from narrmon.store.runs import DEAD_RUN_ERROR

T0 = datetime(2026, 11, 10, 8, 30, tzinfo=UTC)
TEXTS = ["Kosovo je presedan za Krim.", "Rusija štiti Srbiju.", "Danas je sunčano."]


def _post(n: int, text: str, **kw) -> Post:
    return Post("telegram", f"100/{n}", "100", T0 + timedelta(minutes=n), text, source="t", **kw)


def _labelled(store: Store) -> dict[str, set[str]]:
    """Post id -> the versions that classified it, and post id -> labels given."""
    c, pl = schema.classifications, schema.post_labels
    with store.engine.connect() as conn:
        seen = conn.execute(select(c.c.post_id, c.c.model_version)).all()
        labels = conn.execute(select(pl.c.post_id, pl.c.label)).all()
    found: dict[str, set[str]] = {}
    for post_id, version in seen:
        found.setdefault(post_id, set()).add(f"seen:{version}")
    for post_id, label in labels:
        found.setdefault(post_id, set()).add(label)
    return found


def test_changed_text_drops_its_labels_of_every_version(store: Store) -> None:
    store.write_batch(posts=[_post(i, t) for i, t in enumerate(TEXTS)])
    for version in ("v1", "v2"):
        write_classified(
            store,
            version,
            [
                Classified("telegram", f"100/{i}", True, "sr", "latin", {}, {"anti_west": 0.9})
                for i in range(len(TEXTS))
            ],
        )
    counts = store.write_batch(
        posts=[
            _post(0, TEXTS[0] + " Izmenjeno."),  # the text changed
            _post(1, TEXTS[1], url="https://t.me/k/1"),  # only the url changed
            _post(2, TEXTS[2]),
        ]
    )
    assert (counts.updated, counts.unchanged) == (2, 1)
    both = {"seen:v1", "seen:v2", "anti_west"}
    assert _labelled(store) == {"100/1": both, "100/2": both}


def test_next_classify_relabels_a_changed_post(store: Store, small_model: Config) -> None:
    store.write_batch(posts=[_post(i, t) for i, t in enumerate(TEXTS)])
    assert classify_posts(small_model, store).classified == len(TEXTS)
    store.write_batch(posts=[_post(1, "Rusija je jedini pravi brat Srbije.")])
    again = classify_posts(small_model, store)
    assert (again.classified, again.skipped) == (1, len(TEXTS) - 1)
    with store.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(schema.classifications)).scalar_one()
    assert n == len(TEXTS)


def _runs(store: Store) -> dict[int, tuple[str, str | None]]:
    t = schema.import_runs
    with store.engine.connect() as conn:
        return {i: (s, d) for i, s, d in conn.execute(select(t.c.id, t.c.status, t.c.detail))}


@pytest.mark.slow
def test_a_run_whose_process_ended_is_marked_failed_by_the_next(store: Store) -> None:
    started = "from narrmon.store import Store; Store(sys.argv[1]).start_run('csv', 'dead.csv')"
    subprocess.run([sys.executable, "-c", f"import sys; {started}", store.url], check=True)
    (dead,) = _runs(store)
    assert _runs(store)[dead][0] == "running"
    alive = store.start_run("csv", "alive.csv")  # this process: still running
    runs = _runs(store)
    assert runs[dead] == ("failed", f'{{"error":"{DEAD_RUN_ERROR}"}}')
    assert runs[alive][0] == "running"
    assert store.fail_dead_runs() == 0
    assert _runs(store)[alive][0] == "running"
