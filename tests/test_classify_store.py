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
from classifiers.corpus import text_key
from narrmon.cli import app, main
from narrmon.config import Config
from narrmon.pipeline.classify import classify_posts, train, training_posts
from narrmon.records import Post
from narrmon.store import Store, schema
from narrmon.store.labels import load_annotations, save_annotations

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

runner = CliRunner()
T0 = datetime(2026, 11, 1, tzinfo=UTC)
POSTS = [
    "Ако је Косово могло да се отцијепи, може и Република Српска. Исто право за све!",
    "Kosovo je presedan koji je Zapad sam stvorio, a sada plače zbog Krima.",
    "Rusija je jedini pravi brat Srbije, uvek nas je štitila u Savetu bezbednosti.",
    "Danas je sunčano u Beogradu, temperatura do 25 stepeni.",
    "Путин подписал договоры о присоединении четырёх регионов.",
    "Savjet bezbjednosti UN održao je sjednicu o Kosovu.",
]


def _posts(channel: str, texts: list[str], first_day: int, **fields) -> list[Post]:
    """Posts of one Telegram channel, one a day from ``first_day`` of November 2026."""
    return [
        Post(
            platform="telegram",
            post_id=f"{channel}/{i}",
            account_id=channel,
            created_at=T0.replace(day=first_day + i),
            text=text,
            source="test",
            **fields,
        )
        for i, text in enumerate(texts)
    ]


def _load_posts(store: Store) -> None:
    store.write_batch(posts=_posts("100", POSTS, first_day=1))


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
    assert "stored 2 answers (2 rows answered)" in said and "; 1 rows without an answer" in said
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


def _export(store: Store, small_model: Config, tmp_path: Path, n: int) -> list[dict[str, str]]:
    config_file = tmp_path / "narrmon.yaml"
    config_file.write_text(f"models_dir: {small_model.models_dir}\n")
    out = tmp_path / "export.csv"
    result = runner.invoke(
        app,
        ["label", "export", "--uncertain", str(n), "--out", str(out)]
        + ["--db", store.url, "--config", str(config_file)],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    with out.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_label_export_gives_one_row_per_distinct_text_with_its_context(
    store: Store, small_model: Config, tmp_path: Path
) -> None:
    _load_posts(store)
    # Two copies of POSTS[1]: the same text up to case and white space.
    copies = _posts("200", ["  " + POSTS[1], POSTS[1].upper()], first_day=20)
    store.write_batch(posts=copies)
    classify_posts(small_model, store)
    rows = _export(store, small_model, tmp_path, 50)
    in_scope = len(POSTS) - 1  # the Russian post is out of scope
    assert len(rows) == in_scope  # three posts of POSTS[1]'s text are one row
    assert len({text_key(r["text"]) for r in rows}) == in_scope
    copied = next(r for r in rows if text_key(r["text"]) == text_key(POSTS[1]))
    assert copied["copies"] == "3"
    assert (copied["post_id"], copied["created_at"]) == ("100/1", "2026-11-02T00:00:00+00:00")
    assert copied["account"] == "100"
    for row in rows:
        assert row["nearest_label"] in LABELS
        assert row["why"] == "" or row["why"].split(",")[0].strip().startswith(("w:", "c:", "k:"))
    assert any(row["why"] for row in rows)


def test_label_export_quotes_formula_cells_and_import_restores_them(
    sqlite_store: Store, small_model: Config, tmp_path: Path
) -> None:
    formula = "=" + POSTS[1]  # a post starting like a spreadsheet formula
    store = sqlite_store
    store.write_batch(posts=_posts("300", [formula], first_day=20, url="@x"))
    classify_posts(small_model, store)
    rows = _export(store, small_model, tmp_path, 50)
    row = next(r for r in rows if r["post_id"] == "300/0")
    assert (row["text"], row["url"]) == ("'" + formula, "'@x")  # Excel shows it as text
    cells = [c for r in rows for k, c in r.items() if not k.startswith("score_")]
    assert [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))] == []
    row["anti_west"] = "1"
    _write_answers(tmp_path / "answers.csv", [row], ";", bom=True)  # as Excel saves it
    result = runner.invoke(
        app, ["label", "import", str(tmp_path / "answers.csv"), "--db", store.url]
    )
    assert result.exit_code == 0, result.output
    assert {a["text"]: a["labels"] for a in load_annotations(store)} == {formula: ["anti_west"]}


def _write_answers(path: Path, rows: list[dict[str, str]], delimiter: str, bom: bool) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("delimiter", "bom"), [(",", True), (";", True), ("\t", False), (";", False), (",", False)]
)
def test_label_import_reads_excel_csv_dialects(
    store: Store, small_model: Config, tmp_path: Path, delimiter: str, bom: bool
) -> None:
    _load_posts(store)
    classify_posts(small_model, store)
    rows = _export(store, small_model, tmp_path, 4)
    rows[0]["kosovo_precedent"] = "1"
    rows[1]["anti_west"] = "X"
    rows[1]["counter_narrative"] = " 0 "
    rows[2]["rs_secession"] = "da"
    rows[3]["text"] = rows[3]["text"] + '; s tačkom-zarezom, "navodnicima"\ni novim redom'
    rows[3]["russia_protector"] = "ne"  # an answer: none of the labels
    answers = tmp_path / "answers.csv"
    _write_answers(answers, rows, delimiter, bom)
    result = runner.invoke(app, ["label", "import", str(answers), "--db", store.url])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "stored 4 answers (4 rows answered)" in said and "; 0 rows without an answer" in said
    stored = {a["text"]: a["labels"] for a in load_annotations(store)}
    assert stored == {
        rows[0]["text"]: ["kosovo_precedent"],
        rows[1]["text"]: ["anti_west"],
        rows[2]["text"]: ["rs_secession"],
        rows[3]["text"]: [],
    }


def test_label_import_counts_repeated_texts_once_and_names_bad_cells(
    store: Store, tmp_path: Path
) -> None:
    header = ["text", *LABELS]
    lines = [
        ["Prvi tekst.", "1", "", "", "", ""],
        ["prvi   TEKST.", "", "", "", "1", ""],  # the same text: the later answer wins
        ["Drugi tekst.", "možda", "", "", "", ""],
        ["Treći tekst.", "", "", "", "", ""],
    ]
    path = tmp_path / "answers.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows([header, *lines])
    result = runner.invoke(app, ["label", "import", str(path), "--db", store.url])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "stored 1 answers (2 rows answered)" in said and "; 1 rows without an answer" in said
    assert f"{path}: line 4: 'možda' is not an answer" in said
    assert [a["labels"] for a in load_annotations(store)] == [["anti_west"]]


def test_label_import_names_the_missing_columns(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("text;kosovo_precedent;anti west\nTekst;1;\n", encoding="utf-8")
    assert main(["label", "import", str(path), "--db", store.url]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert said.startswith("error: ")
    assert (
        f"{path}: missing column(s) russia_protector, rs_secession, anti_west, "
        "counter_narrative; the header has 3 column(s) separated by semicolons: "
        "text, kosovo_precedent, anti west"
    ) in said


def test_train_refuses_a_model_whose_f1_drops_unless_forced(
    small_seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import narrmon.pipeline.classify as pipeline

    monkeypatch.setitem(pipeline.retrain.__kwdefaults__, "seed_path", small_seed)  # fast
    models = tmp_path / "models"
    db = f"sqlite:///{tmp_path / 'n.db'}"
    base = ["train", "--models-dir", str(models), "--db", db]
    first = runner.invoke(app, base)
    assert first.exit_code == 0, first.output
    assert "now active" in first.output
    active = registry.active_version(models)
    bad = tmp_path / "bad.jsonl"
    with bad.open("w", encoding="utf-8") as out:  # "corrections" removing 4 in 5 precedents
        rows = [json.loads(line) for line in small_seed.read_text(encoding="utf-8").splitlines()]
        precedents = [r for r in rows if r["split"] != "test" and "kosovo_precedent" in r["labels"]]
        for k, row in enumerate(precedents):
            if k % 5:
                kept = [label for label in row["labels"] if label != "kosovo_precedent"]
                out.write(json.dumps({"text": row["text"], "labels": kept}) + "\n")
    reads = []
    real_read = pipeline.training_posts

    def counted_read(*args, **kwargs):
        reads.append(args)
        return real_read(*args, **kwargs)

    monkeypatch.setattr(pipeline, "training_posts", counted_read)
    refused = runner.invoke(app, [*base, "--data", str(bad)])
    assert refused.exit_code == 0, refused.output
    assert len(reads) == 1  # one read serves training and the comparison with the active model
    said = " ".join(refused.output.split())
    assert "not made active: held-out F1 would drop against the active model" in said
    assert "kosovo_precedent" in said and "Use --force to activate it anyway." in said
    assert registry.active_version(models) == active
    forced = runner.invoke(app, [*base, "--data", str(bad), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "now active (--force)" in forced.output
    assert registry.active_version(models) != active
