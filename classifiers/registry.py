"""The model registry: ``<models_dir>/<version>/`` folders and an ``ACTIVE`` pointer.

Each version folder holds ``model.joblib`` (the whole pipeline with its labels and
thresholds), ``model.json`` (labels, thresholds, training-data SHA-256, library
versions, created_at, parameters, cross-validated and held-out metrics) and a model
card ``MODEL_CARD.md``. ``ACTIVE`` is a one-line text file naming the version in use.
A version is ``<UTC time>-<hash8>``, e.g. ``2026-11-25T0312Z-1a2b3c4d``, where the hash
covers the training data and parameters, so the same data trained twice differs only
in its time stamp.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib

from classifiers.model import NarrativeModel
from narrmon.errors import ConfigError

ACTIVE_FILE = "ACTIVE"
MODEL_FILE = "model.joblib"
META_FILE = "model.json"
CARD_FILE = "MODEL_CARD.md"
LIBRARIES = ("scikit-learn", "numpy", "scipy", "cyrtranslit", "lingua-language-detector")


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a saved model depends on."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def make_version(meta: dict[str, Any], now: datetime | None = None) -> str:
    """``<UTC minute>-<first 8 hex of a hash of the data hash and parameters>``."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    content = json.dumps(
        {"data": meta.get("training_data_sha256"), "params": meta.get("params")}, sort_keys=True
    )
    return f"{when:%Y-%m-%dT%H%MZ}-{hashlib.sha256(content.encode()).hexdigest()[:8]}"


def save(model: NarrativeModel, models_dir: Path | str, *, activate: bool = True) -> Path:
    """Write ``model`` as a new version (and make it active); return its folder."""
    root = Path(models_dir)
    now = datetime.now(UTC)
    meta = dict(model.meta)
    meta.setdefault("labels", list(model.labels))
    meta["thresholds"] = dict(model.thresholds)
    meta["created_at"] = now.isoformat(timespec="seconds")
    meta["libraries"] = library_versions()
    version = make_version(meta, now)
    folder = root / version
    suffix = 1
    while folder.exists():  # two trainings of the same data in one minute
        suffix += 1
        folder = root / f"{version}.{suffix}"
    version = folder.name
    meta["version"] = version
    model.meta = meta
    folder.mkdir(parents=True)
    joblib.dump(model, folder / MODEL_FILE, compress=3)
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    (folder / CARD_FILE).write_text(card_markdown(meta), encoding="utf-8")
    if activate:
        set_active(root, version)
    return folder


def set_active(models_dir: Path | str, version: str) -> None:
    """Point ``ACTIVE`` at ``version`` (written atomically)."""
    root = Path(models_dir)
    if not (root / version / MODEL_FILE).is_file():
        raise ConfigError(f"no model version {version} under {root}")
    tmp = root / f".{ACTIVE_FILE}.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, root / ACTIVE_FILE)


def active_version(models_dir: Path | str) -> str | None:
    """The active version's name, or None when no model has been trained."""
    pointer = Path(models_dir) / ACTIVE_FILE
    if not pointer.is_file():
        return None
    return pointer.read_text(encoding="utf-8").strip() or None


def versions(models_dir: Path | str) -> list[str]:
    """Every saved version, oldest first."""
    root = Path(models_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / MODEL_FILE).is_file())


def read_meta(models_dir: Path | str, version: str | None) -> dict[str, Any] | None:
    """The saved metadata (``model.json``: labels, thresholds, evaluation figures) of
    ``version``, or None when there is no such version or the file cannot be read."""
    if not version:
        return None
    path = Path(models_dir) / version / META_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def load(models_dir: Path | str, version: str | None = None) -> NarrativeModel:
    """Load ``version`` (default: the active one); a clear error when there is none."""
    root = Path(models_dir)
    chosen = version or active_version(root)
    if chosen is None:
        raise ConfigError(f"no trained model in {root}: run `narrmon train` first")
    path = root / chosen / MODEL_FILE
    if not path.is_file():
        raise ConfigError(f"model version {chosen} not found under {root}")
    model = joblib.load(path)
    if not isinstance(model, NarrativeModel):
        raise ConfigError(f"{path} does not hold a narrmon model")
    return model


def _metric_rows(block: dict[str, Any] | None) -> list[str]:
    if not block:
        return ["(not measured)"]
    rows = ["| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for label, m in block["per_label"].items():
        rows.append(
            f"| `{label}` | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} "
            f"| {m['support']} |"
        )
    rows.append(f"\nmicro F1 **{block['micro_f1']:.3f}**, macro F1 {block['macro_f1']:.3f}, ")
    rows[-1] += f"n = {block.get('n', '?')}"
    return rows


FACET_TITLES = {"register": "register", "part": "seed part"}


def _facet_rows(block: dict[str, Any] | None, facet: str) -> list[str]:
    """A table of F1 per part or register (``by_<facet>`` of a metrics block)."""
    found = (block or {}).get(f"by_{facet}")
    if not found:
        return []
    rows = [
        f"| {FACET_TITLES[facet]} | posts | `kosovo_precedent` F1 | `counter_narrative` F1 "
        "| macro F1 (labels present) |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, m in found.items():
        kp = m["per_label"]["kosovo_precedent"]
        cn = m["per_label"]["counter_narrative"]
        rows.append(f"| {key} | {m['n']} | {_f1(kp)} | {_f1(cn)} | {m['macro_f1']:.3f} |")
    return ["", *rows]


def _f1(m: dict[str, Any]) -> str:
    return f"{m['f1']:.3f}" if m["support"] else "-"


def card_markdown(meta: dict[str, Any]) -> str:
    """The Markdown model card (``MODEL_CARD.md``) of a version, from its metadata."""
    metrics = meta.get("metrics", {})
    data = meta.get("data", {})
    lines = [
        f"# Model card: narrmon narrative classifier {meta.get('version', '')}",
        "",
        f"Created {meta.get('created_at')}. Labels: "
        + ", ".join(f"`{label}`" for label in meta.get("labels", [])),
        "",
        "## What it does",
        "Labels a Bosnian, Croatian, Montenegrin or Serbian post (either script, with or",
        "without diacritics) with the narratives of docs/labels.md it carries. Posts in other",
        "languages are marked out of scope and not labelled.",
        "",
        "## Model",
        "Normalised text (Cyrillic to Latin, diacritics folded, links, handles, channel",
        "names and numbers masked) with rebuttal cues (quotation and question marks as",
        "tokens; the two words after a negation repeated with a `neg_` prefix) -> word",
        "(1-2) and character-within-word n-gram TF-IDF, plus the concepts of the precedent",
        "argument a post names (Kosovo, an annexed region, Republika Srpska, a vote, the",
        "West, Russia, law, a double standard, rebuttal words, the cues) and every pair of",
        "them (`k:KOS&ANX`) -> one logistic regression per label. `kosovo_precedent`",
        "averages its own probability with P(the post argues",
        "about the precedent) x P(it relays rather than rebuts the claim), the latter",
        "trained on precedent posts and counter-narratives using the precedent's words.",
        "A post over the thresholds of both `counter_narrative` and a narrative keeps",
        "only the more probable side (docs/labels.md rule 3). Per-label thresholds are",
        "tuned on out-of-fold predictions of the training split (grouped by seed part).",
        "",
        f"Parameters: `{json.dumps(meta.get('params', {}))}`",
        "",
        "Thresholds: " + ", ".join(f"`{k}` {v:.2f}" for k, v in meta.get("thresholds", {}).items()),
        "",
        "## Training data",
        f"- {data.get('train_posts', '?')} training posts from: "
        + ", ".join(data.get("sources", [])),
        f"- {data.get('analyst_labels', 0)} analyst labels (they win over seed labels)",
        f"- held-out test split: {data.get('test_posts', 0)} posts, never used for tuning",
        f"- training data SHA-256: `{meta.get('training_data_sha256')}`",
        "",
        "## Cross-validated metrics (training split, "
        f"{metrics.get('cross_validated', {}).get('folds', '?')} folds"
        + (", grouped by seed part)" if metrics.get("cross_validated", {}).get("grouped") else ")"),
        "No seed part (one writer's posts) sits in both the training and the validation",
        "folds. Thresholds were tuned on the same out-of-fold predictions, so these are",
        "a little optimistic.",
        "",
        *_metric_rows(metrics.get("cross_validated")),
        *_facet_rows(metrics.get("cross_validated"), "register"),
        *_facet_rows(metrics.get("cross_validated"), "part"),
        "",
        "## Held-out split",
        *_metric_rows(metrics.get("held_out")),
        *_facet_rows(metrics.get("held_out"), "register"),
        *_facet_rows(metrics.get("held_out"), "part"),
        "",
        "## Limits",
        "- Every training post was written for this project. Parts A-I read like",
        "  social-media posts; parts J on imitate news wires, headlines, analysis,",
        "  statements and reader comments. On real BCMS text the model scores well below",
        "  the figures above (the README gives the latest figures on real snippets). It",
        "  misses precedent claims made by allusion or inside long quotations, reads",
        "  some pro-Kremlin arguments built on negation ('there was no referendum in",
        "  Kosovo') as rebuttals, takes some factual reports of official positions for",
        "  rebuttals, and finds only about half of the Russia-as-protector and",
        "  anti-Western claims made in diplomatic wording. Relabel uncertain posts",
        "  (`narrmon label export`) and retrain: analyst labels are how real wording",
        "  gets in.",
        "- Irony and quotations are hard: a quoted claim carries the narrative unless the",
        "  post rebuts it (docs/labels.md, rule 1).",
        "",
        "## Libraries",
        *[f"- {k} {v}" for k, v in meta.get("libraries", {}).items()],
        "",
    ]
    return "\n".join(lines)
