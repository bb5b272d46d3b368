"""Classifying stored posts, label export/import and training on analyst labels."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from classifiers import LABELS, registry
from classifiers.corpus import SEED_PATH, read_labelled, text_key
from narrmon.cli import app
from narrmon.config import Config
from narrmon.pipeline.classify import classify_posts, train, training_posts
from narrmon.records import Post
from narrmon.store import Store, schema
from narrmon.store.labels import load_annotations, save_annotations

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

runner = CliRunner()
PER_LABEL = 20  # seed posts per label in the small training corpus
UNLABELLED = 40
T0 = datetime(2026, 11, 1, tzinfo=UTC)
POSTS = [
    "Ако је Косово могло да се отцијепи, може и Република Српска. Исто право за све!",
    "Kosovo je presedan koji je Zapad sam stvorio, a sada plače zbog Krima.",
    "Rusija je jedini pravi brat Srbije, uvek nas je štitila u Savetu bezbednosti.",
    "Danas je sunčano u Beogradu, temperatura do 25 stepeni.",
    "Путин подписал договоры о присоединении четырёх регионов.",
    "Savjet bezbjednosti UN održao je sjednicu o Kosovu.",
]


@pytest.fixture(scope="module")
def small_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real corpus: the first posts of each label, and unlabelled ones."""
    posts = read_labelled([SEED_PATH]).posts
    chosen, seen = [], set()
    for label in LABELS:
        chosen += [p for p in posts if label in p.labels][:PER_LABEL]
    chosen += [p for p in posts if not p.labels][:UNLABELLED]
    path = tmp_path_factory.mktemp("seed") / "seed.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for p in chosen:
            if p.text not in seen:
                seen.add(p.text)
                row = {"text": p.text, "labels": list(p.labels), "split": p.split}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def small_model(small_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Config:
    config = Config(models_dir=str(tmp_path_factory.mktemp("models")))
    train(config, None, seed_path=small_seed)
    return config


def _load_posts(store: Store) -> None:
    posts = [
        Post(
            platform="telegram",
            post_id=f"100/{i}",
            account_id="100",
            created_at=T0.replace(day=1 + i),
            text=text,
            source="test",
        )
        for i, text in enumerate(POSTS)
    ]
    store.write_batch(posts=posts)


def _count(store: Store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_classify_is_idempotent_and_counts_out_of_scope(store: Store, small_model: Config) -> None:
    _load_posts(store)
    first = classify_posts(small_model, store)
    assert (first.classified, first.skipped, first.out_of_scope) == (len(POSTS), 0, 1)
    assert first.labelled["kosovo_precedent"] >= 1
    labels_written = _count(store, schema.post_labels)
    assert labels_written == sum(first.labelled.values())
    second = classify_posts(small_model, store)
    assert (second.classified, second.skipped) == (0, len(POSTS))
    assert _count(store, schema.post_labels) == labels_written
    again = classify_posts(small_model, store, relabel=True)
    assert (again.classified, again.labelled) == (len(POSTS), first.labelled)
    assert _count(store, schema.classifications) == len(POSTS)
    assert _count(store, schema.post_labels) == labels_written


def test_classify_respects_the_time_window(store: Store, small_model: Config) -> None:
    _load_posts(store)
    window = classify_posts(small_model, store, since=T0.replace(day=2), until=T0.replace(day=4))
    assert window.classified == 2
    rest = classify_posts(small_model, store)
    assert (rest.classified, rest.skipped) == (len(POSTS) - 2, 2)


def test_stored_labels_carry_score_and_explanation(store: Store, small_model: Config) -> None:
    _load_posts(store)
    classify_posts(small_model, store)
    pl = schema.post_labels
    with store.engine.connect() as conn:
        rows = conn.execute(select(pl).where(pl.c.post_id == "100/1")).mappings().all()
    version = registry.active_version(small_model.models_dir)
    assert rows and all(r["model_version"] == version for r in rows)
    for r in rows:
        assert 0 <= r["score"] <= 1
        assert json.loads(r["explanation"])


def test_label_export_and_import_round_trip(
    store: Store, small_model: Config, tmp_path: Path
) -> None:
    _load_posts(store)
    classify_posts(small_model, store)
    config_file = tmp_path / "narrmon.yaml"
    config_file.write_text(f"models_dir: {small_model.models_dir}\n")
    out = tmp_path / "uncertain.csv"
    result = runner.invoke(
        app,
        ["label", "export", "--uncertain", "3", "--out", str(out)]
        + ["--db", store.url, "--config", str(config_file)],
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    assert all(row[label] == "" for row in rows for label in LABELS)
    assert {row["text"] for row in rows} <= set(POSTS)
    rows[0]["counter_narrative"] = "1"
    rows[1]["anti_west"] = "x"
    rows[1]["rs_secession"] = "0"
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(app, ["label", "import", str(out), "--db", store.url])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps long lines
    assert "stored 2 answers" in said and "; 1 rows without an answer" in said
    stored = {a["text"]: a["labels"] for a in load_annotations(store)}
    assert stored == {rows[0]["text"]: ["counter_narrative"], rows[1]["text"]: ["anti_west"]}


def test_training_uses_analyst_labels_over_seed_labels(
    store: Store, small_seed: Path, tmp_path: Path
) -> None:
    seed_rows = [json.loads(line) for line in small_seed.read_text().splitlines()]
    target = next(r for r in seed_rows if r["labels"] == ["kosovo_precedent"])
    save_annotations(
        store,
        [{"text_hash": text_key(target["text"]), "text": target["text"], "labels": []}],
        source="test",
    )
    extra = tmp_path / "analyst.jsonl"
    extra.write_text(
        json.dumps({"text": "Novi tekst analitičara.", "labels": ["anti_west"]}) + "\n"
    )
    posts, n_analyst, _ = training_posts(store, [extra], small_seed)
    assert n_analyst == 2
    assert posts[text_key(target["text"])].labels == ()
    assert posts[text_key(target["text"])].split == target["split"]
    assert posts[text_key("Novi tekst analitičara.")].labels == ("anti_west",)
    result = train(
        Config(models_dir=str(tmp_path / "models")), store, [extra], seed_path=small_seed
    )
    assert result.analyst_labels == 2
    assert result.train_posts + result.test_posts == len(seed_rows) + 1
