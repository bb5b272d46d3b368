"""The trained classifier: script invariance on the seed corpus, registry, CLI outputs."""

from __future__ import annotations

import json
from pathlib import Path

import cyrtranslit
import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support
from typer.testing import CliRunner

from classifiers import LABELS, registry
from classifiers.augment import attributed
from classifiers.corpus import SEED_PATH, SPLIT_TEST, read_labelled
from classifiers.langid import SCRIPT_CYRILLIC, script_of
from classifiers.model import NarrativeModel, breakdown, indicator, tune_thresholds
from classifiers.normalize import feature_view_reference, strip_diacritics
from narrmon.cli import app
from narrmon.config import Config
from narrmon.pipeline.classify import TrainResult, train
from tests.test_classify_normalize import varied_posts

runner = CliRunner()


@pytest.fixture(scope="module")
def model(trained: tuple[Path, TrainResult]) -> NarrativeModel:
    return registry.load(trained[0])


def _variants(text: str) -> list[str]:
    if script_of(text) == SCRIPT_CYRILLIC:
        other = cyrtranslit.to_latin(text, "sr")
        return [other, strip_diacritics(other)]
    return [cyrtranslit.to_cyrillic(text, "sr"), strip_diacritics(text)]


def test_every_seed_post_gets_the_same_labels_in_either_script(model: NarrativeModel) -> None:
    texts = [p.text for p in read_labelled([SEED_PATH]).posts]
    variants = [_variants(t) for t in texts]
    original = model.predict(texts)
    other_script = model.predict([v[0] for v in variants])
    no_diacritics = model.predict([v[1] for v in variants])
    differ = [
        t
        for t, a, b, c in zip(texts, original, other_script, no_diacritics, strict=True)
        if not a == b == c
    ]
    assert differ == []
    assert len(texts) >= 100


def test_the_registry_holds_the_version_its_card_and_metrics(
    trained: tuple[Path, TrainResult],
) -> None:
    models_dir, result = trained
    assert registry.active_version(models_dir) == result.version
    folder = models_dir / result.version
    meta = json.loads((folder / "model.json").read_text())
    assert meta["labels"] == list(LABELS)
    assert set(meta["thresholds"]) == set(LABELS)
    assert len(meta["training_data_sha256"]) == 64
    assert meta["libraries"]["scikit-learn"]
    assert set(meta["metrics"]) == {"cross_validated", "held_out"}
    assert meta["metrics"]["held_out"]["n"] == result.test_posts > 0
    card = (folder / "MODEL_CARD.md").read_text()
    assert "## Held-out split" in card and "micro F1" in card
    cv = meta["metrics"]["cross_validated"]
    assert cv["grouped"] is True and meta["params"]["attribution_copies"] is True
    assert meta["params"]["media_repeats"] == 2
    assert "grouped by seed part" in card
    for block in (cv, meta["metrics"]["held_out"]):
        assert sum(m["n"] for m in block["by_part"].values()) == block["n"]
        assert sum(m["n"] for m in block["by_register"].values()) == block["n"]
        assert {"social", "wire", "headline", "comment"} <= set(block["by_register"])
    assert "| register | posts |" in card and "| seed part | posts |" in card


def test_attributed_copies_keep_the_text_and_are_stable() -> None:
    text = "Ako je Kosovo moglo, može i Krim. Zapad je sam otvorio tu kutiju!"
    copy = attributed(text)
    assert copy == attributed(text)
    assert "osovo moglo, može i Krim. Zapad je sam otvorio tu kutiju" in copy
    assert copy != text
    frames = {attributed(f"{text} {i}").replace(f"{text} {i}", "") for i in range(60)}
    assert len(frames) > 10  # speakers and frames vary with the text


def test_breakdown_averages_only_the_labels_a_group_has() -> None:
    y = indicator([["kosovo_precedent"], [], ["anti_west"], ["anti_west"]])
    pred = indicator([["kosovo_precedent"], [], ["anti_west"], []])
    found = breakdown(y, pred, ["A", "A", "B", "B"], LABELS)
    assert found["A"]["n"] == 2 and found["A"]["macro_f1"] == 1.0
    assert found["B"]["macro_f1"] == pytest.approx(2 / 3)
    assert found["A"]["per_label"]["anti_west"]["support"] == 0


def test_same_data_gives_the_same_model(trained: tuple[Path, TrainResult], tmp_path: Path) -> None:
    again = train(Config(models_dir=str(tmp_path)), None)
    assert again.version.split("-")[-1] == trained[1].version.split("-")[-1]
    assert again.metrics == trained[1].metrics
    assert registry.active_version(tmp_path) == again.version
    assert registry.versions(tmp_path) == [again.version]


def _small_file(tmp_path: Path) -> Path:
    posts = [p for p in read_labelled([SEED_PATH]).posts if p.split == SPLIT_TEST][:60]
    path = tmp_path / "small.jsonl"
    path.write_text(
        "".join(json.dumps({"text": p.text, "labels": list(p.labels)}) + "\n" for p in posts)
    )
    return path


def test_evaluate_json_equals_scikit_learns_own_metrics(
    trained: tuple[Path, TrainResult], model: NarrativeModel, tmp_path: Path
) -> None:
    path = _small_file(tmp_path)
    result = runner.invoke(
        app, ["evaluate", "--data", str(path), "--json", "--models-dir", str(trained[0])]
    )
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert set(got) == {"per_label", "micro_f1", "macro_f1", "model_version", "n"}
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    y_true = indicator([r["labels"] for r in rows])
    y_pred = indicator(model.predict([r["text"] for r in rows]))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    for j, label in enumerate(LABELS):
        m = got["per_label"][label]
        assert (m["precision"], m["recall"], m["f1"], m["support"]) == pytest.approx(
            (p[j], r[j], f[j], s[j])
        )
    micro = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)[2]
    macro = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)[2]
    assert got["micro_f1"] == pytest.approx(micro)
    assert got["macro_f1"] == pytest.approx(macro)
    assert got["n"] == len(rows) and got["model_version"] == trained[1].version


def test_classify_file_adds_labels_scores_lang_script_and_version(
    trained: tuple[Path, TrainResult], tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    rows = [
        {"id": "a", "text": "Ако је Косово могло, може и Крим. Двоструки аршини Запада."},
        {"id": "b", "text": "Putin signed the annexation treaties today.", "extra": [1]},
        {"id": "c", "text": "Danas je sunčano u Beogradu, temperatura do 25 stepeni."},
    ]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "{bad\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app,
        ["classify-file", "--input", str(source), "--output", str(out)]
        + ["--models-dir", str(trained[0])],
    )
    assert result.exit_code == 0, result.output
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["id"] for g in got] == ["a", "b", "c"]
    for g in got:
        assert {"labels", "scores", "lang", "script", "model_version"} <= set(g)
        assert g["model_version"] == trained[1].version
    assert "kosovo_precedent" in got[0]["labels"]
    assert set(got[0]["scores"]) == set(LABELS)
    assert got[0]["script"] == "cyrl" and got[0]["lang"] in ("sr", "bcms")
    assert (got[1]["lang"], got[1]["labels"], got[1]["scores"], got[1]["extra"]) == (
        "en",
        [],
        {},
        [1],
    )
    assert got[2]["labels"] == []
    assert "line 4" in result.output


def test_explanations_name_the_ngrams_behind_each_label(model: NarrativeModel) -> None:
    text = "Ако је Косово могло, може и Крим. Двоструки аршини Запада."
    (explained,) = model.explain([text])
    assert "kosovo_precedent" in explained
    names = [name for name, weight in explained["kosovo_precedent"]]
    assert names and all(n.startswith(("w:", "c:", "k:")) for n in names)
    assert all(weight > 0 for _, weight in explained["kosovo_precedent"])


def test_scores_are_probabilities(model: NarrativeModel) -> None:
    scores = model.scores(["Kosovo je Srbija", "", "🔥🔥"])
    assert scores.shape == (3, len(LABELS))
    assert np.all((scores >= 0) & (scores <= 1))


def test_the_fast_feature_path_gives_the_pipelines_matrix_scores_and_reasons(
    model: NarrativeModel,
) -> None:
    posts = varied_posts()
    steps = model.pipeline.named_steps
    expected = steps["features"].transform([feature_view_reference(t) for t in posts]).tocsr()
    ours = model._features(posts)
    assert ours.shape == expected.shape
    assert (ours.indptr == expected.indptr).all() and (ours.indices == expected.indices).all()
    assert (ours.data == expected.data).all()  # the same matrix to the last bit
    assert (model.scores(posts) == steps["classify"].predict_proba(expected)).all()
    names, coef = model.feature_names, steps["classify"].coef_matrix()
    _, analysed = model.analyse(posts)
    for i, (labels, explained) in enumerate(analysed):
        row = expected.getrow(i)
        for label in labels:
            contrib = row.data * coef[model.labels.index(label)][row.indices]
            top = [k for k in np.argsort(-contrib)[:6] if contrib[k] > 0]
            assert explained[label] == [
                [str(names[row.indices[k]]), round(float(contrib[k]), 4)] for k in top
            ]


def test_thresholds_are_the_middle_of_the_near_best_range() -> None:
    """A flat F1 plateau gives its middle, not whichever end a tie-break reaches first."""
    # label 0: positives score 0.70-0.79, negatives 0.20-0.29, so every threshold from
    # 0.30 to 0.70 separates them perfectly (F1 1.0): the middle is 0.50.
    # label 1: one positive at 0.65 and 19 negatives at 0.60: only 0.61-0.65 score 1.0.
    pos = np.linspace(0.70, 0.79, 10)
    neg = np.linspace(0.20, 0.29, 10)
    scores = np.column_stack(
        [np.concatenate([pos, neg]), np.concatenate([[0.65], np.full(19, 0.60)])]
    )
    y = np.zeros((20, 2), dtype=int)
    y[:10, 0] = 1
    y[0, 1] = 1
    assert tune_thresholds(y, scores, ["a", "b"]) == {"a": 0.5, "b": 0.63}
