"""Pipeline step: training, evaluating and applying the narrative classifier.

- :func:`train` fits a model on the seed corpus's training split plus analyst labels
  (files and stored annotations win over seed labels for the same text), measures it by
  cross-validation and on the held-out split, and saves it as the active version.
- :func:`classify_posts` labels stored posts the active model has not seen, batch by
  batch; rerunning it does nothing new unless ``relabel`` is set.
- :func:`evaluate` and :func:`classify_file` work on JSON Lines files.
- :func:`export_uncertain` and :func:`import_labels` move posts to analysts and back.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from classifiers import LABELS, registry
from classifiers.corpus import SEED_PATH, SPLIT_TEST, LabelledPost, read_labelled, text_key
from classifiers.langid import LanguageGate
from classifiers.model import ModelParams, NarrativeModel, data_hash, evaluate_model, fit
from narrmon.config import Config
from narrmon.errors import InputError
from narrmon.progress import Progress, quiet
from narrmon.safe_text import from_spreadsheet_cell, spreadsheet_cell
from narrmon.store import Store
from narrmon.store import labels as label_store

BATCH_SIZE = 5000  # posts per classification transaction (and per model transform)
ANALYST = "analyst"  # the part and register of analysts' labels in the model card
SOCIAL = "social"  # the register of seed parts written as social-media posts (A-I)
TRUE_ANSWERS = frozenset({"1", "x", "y", "yes", "da", "true", "+"})
FALSE_ANSWERS = frozenset({"0", "n", "no", "ne", "false", "-"})


@dataclass
class TrainResult:
    """A newly trained and saved model version."""

    version: str
    path: str
    train_posts: int
    test_posts: int
    analyst_labels: int
    metrics: dict[str, Any]
    seconds: float
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ClassifyCounts:
    """What one run of :func:`classify_posts` did."""

    model_version: str
    classified: int = 0
    out_of_scope: int = 0
    skipped: int = 0  # already classified by this version
    labelled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


READING = "reading the seed corpus and analyst labels"  # the first stage of training
TrainingPosts = tuple[dict[str, LabelledPost], int, list[str]]  # what training_posts returns


def training_posts(
    store: Store | None, data_files: Sequence[Path | str], seed_path: Path
) -> TrainingPosts:
    """The training and test posts by text key, the number of analyst labels, and problems.

    Analyst labels (stored annotations, then ``data_files``) replace the seed labels of
    the same text; a seed text keeps its split, any other analyst text is for training.
    """
    if not Path(seed_path).is_file():
        raise InputError(
            f"seed corpus not found: {seed_path} (run python -m classifiers.data.merge_seed)"
        )
    seed = read_labelled([seed_path])
    problems = list(seed.problems)
    by_key = {text_key(p.text): p for p in seed.posts}
    analyst: list[LabelledPost] = []
    if store is not None:
        for row in label_store.load_annotations(store):
            analyst.append(LabelledPost(text=row["text"], labels=tuple(row["labels"])))
    if data_files:
        extra = read_labelled(data_files)
        problems.extend(extra.problems)
        analyst.extend(extra.posts)
    for post in analyst:  # later answers win; a seed text keeps its split
        key = text_key(post.text)
        known = by_key.get(key)
        split = known.split if known is not None else None
        labels = tuple(label for label in LABELS if label in post.labels)
        by_key[key] = LabelledPost(text=post.text, labels=labels, extra={"split": split})
    return by_key, len(analyst), problems


def facets_of(posts: Sequence[LabelledPost]) -> dict[str, list[str]]:
    """Each post's part (the seed id's prefix, ``analyst`` for analyst labels) and register.

    Cross-validation is grouped by part, so no writer's posts sit in both the training and
    the validation folds; the model card gives figures per part and per register.
    """
    parts, registers = [], []
    for post in posts:
        post_id = post.extra.get("id")
        part = post_id.split("-", 1)[0] if isinstance(post_id, str) and "-" in post_id else None
        parts.append(part or ANALYST)
        registers.append(post.extra.get("register") or (SOCIAL if part else ANALYST))
    return {"part": parts, "register": registers}


def train(
    config: Config,
    store: Store | None,
    data_files: Sequence[Path | str] = (),
    *,
    seed_path: Path = SEED_PATH,
    params: ModelParams | None = None,
    activate: bool = True,
    progress: Progress = quiet,
    read: TrainingPosts | None = None,
) -> TrainResult:
    """Train on the seed corpus and analyst labels; save the model (active unless told).

    ``progress`` is called with the name of each stage as it starts (reading the data,
    each cross-validation fold, the final fit, the held-out evaluation, saving). ``read``:
    what :func:`training_posts` returned, when the caller has read the data already.
    """
    started = time.perf_counter()
    if read is None:
        progress(READING)
        read = training_posts(store, data_files, seed_path)
    posts, n_analyst, problems = read
    train_set = [p for p in posts.values() if p.split != SPLIT_TEST]
    test_set = [p for p in posts.values() if p.split == SPLIT_TEST]
    texts = [p.text for p in train_set]
    label_sets = [p.labels for p in train_set]
    train_facets = facets_of(train_set)
    model, cv_metrics = fit(
        texts,
        label_sets,
        params,
        groups=train_facets["part"],
        facets=train_facets,
        copies=[register == SOCIAL for register in train_facets["register"]],
        progress=progress,
    )
    held_out = None
    if test_set:
        progress(f"held-out evaluation on {len(test_set):,} posts the training never saw")
        held_out = evaluate_model(
            model,
            [p.text for p in test_set],
            [p.labels for p in test_set],
            facets=facets_of(test_set),
        )
        held_out.pop("model_version", None)
    sources = [str(seed_path), *(str(f) for f in data_files)]
    if store is not None:
        sources.append(f"annotations in {store.describe()}")
    model.meta.update(
        {
            "training_data_sha256": data_hash(texts, label_sets),
            "data": {
                "sources": sources,
                "train_posts": len(train_set),
                "test_posts": len(test_set),
                "analyst_labels": n_analyst,
            },
            "metrics": {"cross_validated": cv_metrics, "held_out": held_out},
        }
    )
    progress(f"saving the model under {config.models_dir}")
    folder = registry.save(model, config.models_dir, activate=activate)
    return TrainResult(
        version=folder.name,
        path=str(folder),
        train_posts=len(train_set),
        test_posts=len(test_set),
        analyst_labels=n_analyst,
        metrics=model.meta["metrics"],
        seconds=round(time.perf_counter() - started, 2),
        problems=problems,
    )


@dataclass
class RetrainResult:
    """A retrained model, compared label by label with the active one on the held-out split."""

    trained: TrainResult
    previous: str | None
    promoted: bool
    f1_new: dict[str, float]
    f1_previous: dict[str, float]
    dropped: list[str]  # labels whose held-out F1 would drop

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["trained"] = self.trained.as_dict()
        return data


def retrain(
    config: Config,
    store: Store | None,
    data_files: Sequence[Path | str] = (),
    *,
    seed_path: Path = SEED_PATH,
    force: bool = False,
    progress: Progress = quiet,
) -> RetrainResult:
    """Train a new version with analyst labels; make it active only if no label's F1 drops.

    Both models are measured on the same held-out split (the seed's test split, with
    analyst corrections applied), so the comparison is like for like. ``force`` makes
    the new version active whatever its figures (it is saved either way).
    """
    previous = registry.active_version(config.models_dir)
    progress(READING)
    read = training_posts(store, data_files, seed_path)  # once, for training and comparing
    trained = train(
        config,
        store,
        data_files,
        seed_path=seed_path,
        activate=previous is None,
        progress=progress,
        read=read,
    )
    held_out = trained.metrics.get("held_out") or {}
    f1_new = {label: held_out["per_label"][label]["f1"] for label in LABELS} if held_out else {}
    f1_old: dict[str, float] = {}
    if previous is not None and held_out:
        progress(f"comparing with the active model {previous} on the held-out split")
        test_set = [p for p in read[0].values() if p.split == SPLIT_TEST]
        old = registry.load(config.models_dir, previous)
        result = evaluate_model(old, [p.text for p in test_set], [p.labels for p in test_set])
        f1_old = {label: result["per_label"][label]["f1"] for label in LABELS}
    dropped = [label for label in f1_old if f1_new.get(label, 0.0) < f1_old[label]]
    promoted = force or previous is None or (bool(f1_new) and not dropped)
    if promoted and previous is not None:
        registry.set_active(config.models_dir, trained.version)
    return RetrainResult(trained, previous, promoted, f1_new, f1_old, dropped)


def active_model(config: Config) -> NarrativeModel:
    """The active model of ``config.models_dir`` (a clear error when none is trained)."""
    return registry.load(config.models_dir)


def _label_rows(
    model: NarrativeModel, texts: list[str], explain: bool
) -> tuple[np.ndarray, list[tuple[tuple[str, ...], dict[str, list]]]]:
    """Scores and (labels, explanations) of distinct texts; explanations only if asked."""
    if explain:
        return model.analyse(texts)
    scores = model.scores(texts)
    decided = model.decide(scores) if len(texts) else np.zeros((0, len(model.labels)))
    return scores, [(found, {}) for found in model.label_sets(decided)]


def _classify_batch(
    model: NarrativeModel,
    rows: Sequence[tuple[str, str, str]],
    gate: LanguageGate,
    accounts: Sequence[str | None] | None = None,
    *,
    explain: bool = True,
) -> list[label_store.Classified]:
    """Gate, then score each distinct in-scope text once (copies and forwards share it)."""
    infos = gate.identify_many([text for _, _, text in rows], accounts)
    distinct: dict[str, int] = {}
    for (_, _, text), info in zip(rows, infos, strict=True):
        if info.in_scope:
            distinct.setdefault(text, len(distinct))
    scores, analysed = _label_rows(model, list(distinct), explain)
    rounded = np.round(scores.astype(float), 4).tolist() if len(distinct) else []
    names = model.labels
    out = []
    for (platform, post_id, text), info in zip(rows, infos, strict=True):
        k = distinct.get(text) if info.in_scope else None
        if k is None:
            row_scores, labels, explained = None, {}, {}
        else:
            row_scores = dict(zip(names, rounded[k], strict=True))
            found, explained = analysed[k]
            labels = {label: row_scores[label] for label in found}
        out.append(
            label_store.Classified(
                platform=platform,
                post_id=post_id,
                in_scope=info.in_scope,
                lang=info.lang,
                script=info.script,
                scores=row_scores,
                labels=labels,
                explanations=explained,
            )
        )
    return out


def classify_posts(
    config: Config,
    store: Store,
    since: datetime | None = None,
    until: datetime | None = None,
    relabel: bool = False,
    *,
    batch_size: int = BATCH_SIZE,
) -> ClassifyCounts:
    """Label stored posts in ``[since, until)`` that the active model has not classified."""
    model = active_model(config)
    version = model.version or "unversioned"
    counts = ClassifyCounts(model_version=version)
    if not relabel:
        counts.skipped = label_store.count_classified(store, version, since=since, until=until)
    batches = label_store.posts_to_classify(
        store, version, since=since, until=until, relabel=relabel, batch_size=batch_size
    )
    gate = LanguageGate()  # learns each account's language and variety as it goes
    for rows in batches:
        accounts = [f"{platform}/{account}" for platform, _, _, account in rows]
        results = _classify_batch(model, [row[:3] for row in rows], gate, accounts)
        written = label_store.write_classified(store, version, results, replace=relabel)
        counts.skipped += len(results) - len(written)  # another run classified them first
        for item in written:
            counts.classified += 1
            counts.out_of_scope += 0 if item.in_scope else 1
            for label in item.labels:
                counts.labelled[label] += 1
    return counts


def evaluate(config: Config, data_file: Path | str) -> dict[str, Any]:
    """Per-label and micro/macro metrics of the active model on a labelled file."""
    corpus = read_labelled([data_file])
    model = active_model(config)
    result = evaluate_model(model, [p.text for p in corpus.posts], [p.labels for p in corpus.posts])
    return {k: result[k] for k in ("per_label", "micro_f1", "macro_f1", "model_version", "n")}


ACCOUNT_FIELDS = ("account_id", "account", "channel_id", "author_id")  # first one present


def _account_of(obj: dict[str, Any]) -> str | None:
    """The object's account (its language history helps the gate), if the file names one."""
    for name in ACCOUNT_FIELDS:
        value = obj.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
    return None


def classify_file(
    config: Config, input_path: Path | str, output_path: Path | str
) -> dict[str, Any]:
    """Copy each JSON object of ``input_path`` adding labels, scores, lang, script, version."""
    source = Path(input_path)
    if not source.is_file():
        raise InputError(f"no such file: {source}")
    objects: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(source.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            problems.append(f"{source}: line {number}: not JSON: {exc}")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            problems.append(f"{source}: line {number}: not an object with a text")
            continue
        objects.append(obj)
    model = active_model(config)
    rows = [("file", str(i), obj["text"]) for i, obj in enumerate(objects)]
    accounts = [_account_of(obj) for obj in objects]
    gate = LanguageGate()
    results = _classify_batch(model, rows, gate, accounts, explain=False) if rows else []
    out = Path(output_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        for obj, res in zip(objects, results, strict=True):
            obj.update(
                labels=list(res.labels),
                scores=res.scores or {},
                lang=res.lang,
                script=res.script,
                in_scope=res.in_scope,
                model_version=model.version,
            )
            handle.write(orjson.dumps(obj) + b"\n")
    per_label = Counter(label for res in results for label in res.labels)
    return {
        "written": len(objects),
        "out_of_scope": sum(1 for r in results if not r.in_scope),
        "labelled": {label: per_label[label] for label in LABELS},
        "problems": problems,
        "model_version": model.version,
    }


EXPORT_COLUMNS = (
    "platform",
    "post_id",
    "url",
    "account",
    "created_at",
    "copies",
    "text",
    "current_labels",
    *(f"score_{label}" for label in LABELS),
    "nearest_label",
    "why",
)
CSV_DELIMITERS = ",;\t"  # what Excel writes, by locale and by "Save as" (tab: Unicode text)
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


def export_uncertain(config: Config, store: Store, n: int, out: Path | str) -> int:
    """Write the ``n`` distinct texts nearest the thresholds to a CSV for analysts.

    One row per distinct text (``copies`` counts the posts that share it), with the post's
    url, account and date, its scores, the label whose threshold it is nearest, and
    ``why``: the features that pushed that label's score up. Returns the rows written.
    """
    model = active_model(config)
    rows = label_store.uncertain_posts(
        store, model.version or "", model.thresholds, n, text_key=text_key
    )
    nearest = [
        min(
            LABELS,
            key=lambda label, r=r: abs(r["scores"].get(label, 0.0) - model.thresholds[label]),
        )
        for r in rows
    ]
    why = [""] * len(rows)
    for label in set(nearest):  # one feature pass per label, not per row
        chosen = [i for i, found in enumerate(nearest) if found == label]
        reasons = model.reasons([rows[i]["text"] for i in chosen], label)
        for i, features in zip(chosen, reasons, strict=True):
            why[i] = ", ".join(f"{name} +{weight:.2f}" for name, weight in features)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*EXPORT_COLUMNS, *LABELS])
        for r, label, reason in zip(rows, nearest, why, strict=True):
            scores = [f"{r['scores'].get(label, 0.0):.3f}" for label in LABELS]
            created = r["created_at"].isoformat() if r["created_at"] else ""
            cells = [r["platform"], r["post_id"], r["url"], r["account"], created, r["copies"]]
            cells += [r["text"], ";".join(r["labels"]), *scores, label, reason]
            writer.writerow([spreadsheet_cell(cell) for cell in cells] + [""] * len(LABELS))
    return len(rows)


def _answer(value: str, where: str) -> bool | None:
    cleaned = value.strip().lower()
    if not cleaned:
        return None
    if cleaned in TRUE_ANSWERS:
        return True
    if cleaned in FALSE_ANSWERS:
        return False
    raise ValueError(f"{where}: {value!r} is not an answer (use 1 or 0, x or empty)")


def _sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV header: comma, semicolon or tab, as Excel writes them."""
    header = sample.split("\n", 1)[0]
    counts = {d: header.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def import_labels(store: Store, path: Path | str) -> dict[str, Any]:
    """Store analysts' answers from a CSV made by :func:`export_uncertain`.

    Comma, semicolon and tab separated files are read alike, with or without a BOM (as
    Excel saves them). A row is an answer when at least one label column is filled:
    ``1``/``x``/``yes``/``da`` marks a label present, ``0``/``no``/``ne`` absent, empty
    absent. A row whose label columns are all empty was not reviewed and is skipped.
    Returns ``answers`` (rows answered), ``stored`` (distinct texts: the last answer
    for a text wins), ``skipped`` and ``problems``.
    """
    source = Path(path)
    if not source.is_file():
        raise InputError(f"no such file: {source}")
    answers, problems, skipped = [], [], 0
    with source.open(encoding="utf-8-sig", newline="") as handle:
        delimiter = _sniff_delimiter(handle.read(65536))
        handle.seek(0)
        reader = csv.DictReader(handle, delimiter=delimiter)
        found = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = found
        missing = [c for c in ("text", *LABELS) if c not in found]
        if missing:
            shown = ", ".join(found) if found else "none"
            raise InputError(
                f"{source}: missing column(s) {', '.join(missing)}; "
                f"the header has {len(found)} column(s) separated by "
                f"{_DELIMITER_NAMES[delimiter]}: {shown}"
            )
        for row in reader:
            row = {k: from_spreadsheet_cell(v) for k, v in row.items()}  # as exported
            where = f"{source}: line {reader.line_num}"
            try:
                marks = {label: _answer(row.get(label) or "", where) for label in LABELS}
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if all(v is None for v in marks.values()) or not (row.get("text") or "").strip():
                skipped += 1
                continue
            answers.append(
                {
                    "text_hash": text_key(row["text"]),
                    "text": row["text"],
                    "labels": [label for label in LABELS if marks[label]],
                    "platform": row.get("platform") or None,
                    "post_id": row.get("post_id") or None,
                }
            )
    stored = label_store.save_annotations(store, answers, source=str(source))
    return {"answers": len(answers), "stored": stored, "skipped": skipped, "problems": problems}
