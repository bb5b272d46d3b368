"""The narrative classifier: one scikit-learn Pipeline, per-label thresholds, explanations.

:func:`build_pipeline` makes the whole model: the feature view of the text (see
:func:`classifiers.normalize.feature_view`: normalised, with quotation-mark, question and
negation cues) goes to word (1-2) and character-within-word n-gram TF-IDF features and
the concepts a post brings together (:class:`classifiers.features.ConceptPairs`), then
to :class:`NarrativeClassifier`: one logistic regression per label (one-vs-rest), whose
probabilities are the scores, and for ``kosovo_precedent`` a second opinion averaged in:
P(the post argues about the precedent) x P(it advances rather than rebuts the claim).
:func:`fit` trains it deterministically and tunes each label's threshold on out-of-fold
predictions of the training data only (:func:`out_of_fold`), so the thresholds never
see the held-out split. :class:`NarrativeModel` bundles the pipeline, the labels and the
thresholds, and explains a prediction by the n-grams that pushed each predicted label up
the most (coefficient x TF-IDF weight).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import orjson
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, KFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifiers import LABELS
from classifiers.augment import attributed
from classifiers.features import (
    CharNgramCounter,
    ConceptPairs,
    StemTokenizer,
    split_tokens,
    union_transform,
)
from classifiers.normalize import feature_tokens_many, feature_view_many, normalize

RANDOM_STATE = 20260101
CV_FOLDS = 5
PREDICT_BATCH = 5000  # posts per transform; bounds memory on large inputs
EXPLAIN_TOP = 6  # n-grams given per predicted label
THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.01), 2)
DEFAULT_THRESHOLD = 0.5
# F1 this close to the best counts as the best when thresholds are tuned (see tune_thresholds)
THRESHOLD_TOLERANCE = 0.005
COUNTER = "counter_narrative"
PRECEDENT = "kosovo_precedent"
# Words of the precedent argument: a counter-narrative using them argues about the
# precedent too, so it is a "topic" example for the precedent's second opinion.
PRECEDENT_TERMS = re.compile(
    r"\b(?:kosov|presedan|pristin|krim|donbas|donjeck|luhan|lugan|zaporo|herson|sevastop"
    r"|referendum|samoopredel|samoopredjel|dvostruk|arsin)"
)


@dataclass(frozen=True)
class ModelParams:
    """Knobs of :func:`build_pipeline`; the defaults are what ``narrmon train`` uses."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    word_min_df: int = 1
    char_min_df: int = 2
    C: float = 10.0
    class_weight: str | None = "balanced"
    stem_length: int | None = None  # cut words to this many characters (None: whole words)
    precedent_stance: bool = True  # average in P(topic) x P(stance) for kosovo_precedent
    concept_weight: float = 0.3  # weight of the concept-pair features (0: none; chosen by CV)
    attribution_copies: bool = True  # train on reported-speech copies (classifiers.augment)
    # times each post without a reported-speech copy (media registers, analyst labels) is
    # counted in training, so real-register text weighs as much as the social posts and
    # their copies (chosen by grouped CV: 1 -> 2 raised macro F1 0.847 -> 0.851)
    media_repeats: int = 2

    def as_dict(self) -> dict[str, Any]:
        return {
            "word_ngrams": list(self.word_ngrams),
            "char_ngrams": list(self.char_ngrams),
            "word_min_df": self.word_min_df,
            "char_min_df": self.char_min_df,
            "C": self.C,
            "class_weight": self.class_weight,
            "stem_length": self.stem_length,
            "precedent_stance": self.precedent_stance,
            "concept_weight": self.concept_weight,
            "attribution_copies": self.attribution_copies,
            "media_repeats": self.media_repeats,
        }


class NarrativeClassifier(ClassifierMixin, BaseEstimator):
    """One logistic regression per label, plus a topic x stance opinion on the precedent.

    ``fit(X, Y)`` takes one 0/1 column per label and, as the last column, the "topic"
    target (see :func:`targets`): the post argues about the precedent, for or against.
    For the label ``stance_label`` the probability is the mean of its one-vs-rest
    probability and P(topic) x P(label | topic), where the stance model is trained on the
    topic posts alone, so it learns what tells relaying the claim from rebutting it.
    ``stance_label=None`` gives plain one-vs-rest. ``predict_proba`` gives one column per
    label (not the topic).
    """

    def __init__(
        self,
        C: float = 10.0,
        class_weight: str | None = "balanced",
        stance_label: int | None = None,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.stance_label = stance_label

    def _logistic(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            solver="liblinear",
            max_iter=2000,
            random_state=RANDOM_STATE,
        )

    def fit(self, X: Any, Y: np.ndarray) -> NarrativeClassifier:
        Y = np.asarray(Y)
        labels, topic = Y[:, :-1], Y[:, -1]
        self.estimators_ = [self._logistic().fit(X, labels[:, j]) for j in range(labels.shape[1])]
        self.topic_ = self.stance_ = None
        self.__dict__.pop("_stacked", None)
        j = self.stance_label
        rows = np.flatnonzero(topic == 1)
        if j is not None and len(np.unique(labels[rows, j])) == 2:
            self.topic_ = self._logistic().fit(X, topic)
            self.stance_ = self._logistic().fit(X[rows], labels[rows, j])
        return self

    def _weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Every logistic regression's weights as one matrix (one product per batch)."""
        cached = self.__dict__.get("_stacked")
        if cached is None:
            second = [self.topic_, self.stance_] if self.topic_ is not None else []
            models = [*self.estimators_, *second]
            weights = np.column_stack([m.coef_[0] for m in models])
            cached = self._stacked = (weights, np.array([m.intercept_[0] for m in models]))
        return cached

    def predict_proba(self, X: Any) -> np.ndarray:
        weights, intercepts = self._weights()
        probabilities = expit(np.asarray(X @ weights) + intercepts)
        n = len(self.estimators_)
        scores = probabilities[:, :n]
        j = self.stance_label
        if j is not None and self.topic_ is not None:
            second = probabilities[:, n] * probabilities[:, n + 1]
            scores[:, j] = (scores[:, j] + second) / 2
        return scores

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_stacked", None)  # derived from the estimators
        return state

    def predict(self, X: Any) -> np.ndarray:
        """0/1 per label at probability 0.5 (the model applies its tuned thresholds)."""
        return (self.predict_proba(X) >= DEFAULT_THRESHOLD).astype(np.int8)

    def coef_matrix(self) -> np.ndarray:
        """Per label, the weights that explain it (the stance label: its mean of the three)."""
        coef = np.vstack([est.coef_[0] for est in self.estimators_])
        j = self.stance_label
        if j is not None and self.topic_ is not None:
            coef[j] = (2 * coef[j] + self.topic_.coef_[0] + self.stance_.coef_[0]) / 4
        return coef


def targets(texts: Sequence[str], label_sets: Sequence[Sequence[str]]) -> np.ndarray:
    """The training targets of :class:`NarrativeClassifier`: labels, then the topic column.

    Topic: the post carries ``kosovo_precedent``, or it is a ``counter_narrative`` that uses
    the precedent's words (Kosovo, Crimea, Donbas, referendum, double standards …).
    """
    y = indicator(label_sets)
    kp, cn = LABELS.index(PRECEDENT), LABELS.index(COUNTER)
    mentions = np.array([bool(PRECEDENT_TERMS.search(normalize(t))) for t in texts], dtype=bool)
    topic = (y[:, kp] == 1) | ((y[:, cn] == 1) & mentions)
    return np.column_stack([y, topic.astype(np.int8)])


def build_pipeline(params: ModelParams | None = None) -> Pipeline:
    """The untrained classifier: feature view, word + char n-gram TF-IDF, per-label LR."""
    p = params or ModelParams()
    words = TfidfVectorizer(
        tokenizer=StemTokenizer(p.stem_length) if p.stem_length else split_tokens,
        token_pattern=None,
        lowercase=False,
        ngram_range=p.word_ngrams,
        min_df=p.word_min_df,
        sublinear_tf=True,
        dtype=np.float32,
    )
    chars = Pipeline(
        [
            ("counts", CharNgramCounter(ngram_range=p.char_ngrams, min_df=p.char_min_df)),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ]
    )
    classifier = NarrativeClassifier(
        C=p.C,
        class_weight=p.class_weight,
        stance_label=LABELS.index(PRECEDENT) if p.precedent_stance else None,
    )
    views: list[tuple[str, Any]] = [("words", words), ("chars", chars)]
    weights = None
    if p.concept_weight:
        views.append(("concepts", ConceptPairs()))
        weights = {"words": 1.0, "chars": 1.0, "concepts": p.concept_weight}
    features = FeatureUnion(views, transformer_weights=weights)
    return Pipeline(
        [
            ("normalize", FunctionTransformer(feature_view_many)),
            ("features", features),
            ("classify", classifier),
        ]
    )


def indicator(label_sets: Sequence[Sequence[str]], labels: Sequence[str] = LABELS) -> np.ndarray:
    """Label sets as a 0/1 matrix with one column per label."""
    index = {label: j for j, label in enumerate(labels)}
    y = np.zeros((len(label_sets), len(labels)), dtype=np.int8)
    for i, found in enumerate(label_sets):
        for label in found:
            y[i, index[label]] = 1
    return y


def tune_thresholds(y: np.ndarray, scores: np.ndarray, labels: Sequence[str]) -> dict[str, float]:
    """Per label, the middle of the grid thresholds whose F1 is within a hair of the best.

    Out-of-fold F1 is flat around its peak (for ``kosovo_precedent`` it stays within 0.005
    of the best from 0.36 to 0.61), so its arg max jumps by a tenth when a few hundred
    posts are added; the median of the thresholds within :data:`THRESHOLD_TOLERANCE` of
    the best F1 is the same choice made stably.
    """
    thresholds = {}
    for j, label in enumerate(labels):
        positive = y[:, j] == 1
        predicted = scores[:, j][:, None] >= THRESHOLD_GRID[None, :]
        tp = (predicted & positive[:, None]).sum(axis=0)
        denom = predicted.sum(axis=0) + positive.sum()
        f1 = np.divide(2 * tp, denom, out=np.zeros(len(THRESHOLD_GRID)), where=denom > 0)
        near_best = THRESHOLD_GRID[f1 >= f1.max() - THRESHOLD_TOLERANCE]
        thresholds[label] = round(float(np.median(near_best)), 2)
    return thresholds


def decide(scores: np.ndarray, labels: Sequence[str], thresholds: dict[str, float]) -> np.ndarray:
    """Labels from scores: each label over its threshold, then docs/labels.md rule 3.

    "Rebuttal wins": a post that rebuts a narrative is ``counter_narrative`` and not
    the narrative, so the two never go together (nor do they in the seed corpus). When
    both clear their thresholds, the one with the higher probability stays.
    """
    limits = np.array([thresholds[label] for label in labels])
    decided = (scores >= limits).astype(np.int8)
    if COUNTER not in labels:
        return decided
    c = list(labels).index(COUNTER)
    others = [j for j in range(len(labels)) if j != c]
    other_scores = np.where(decided[:, others] == 1, scores[:, others], -1.0)
    both = (decided[:, c] == 1) & (other_scores.max(axis=1) >= 0)
    counter_wins = scores[:, c] >= other_scores.max(axis=1)
    decided[np.ix_(both & counter_wins, others)] = 0
    decided[both & ~counter_wins, c] = 0
    return decided


def metrics(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """Per-label precision, recall, F1 and support, and micro and macro F1."""
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    per_label = {
        label: {
            "precision": float(p[j]),
            "recall": float(r[j]),
            "f1": float(f[j]),
            "support": int(s[j]),
        }
        for j, label in enumerate(labels)
    }
    _, _, micro, _ = precision_recall_fscore_support(
        y_true, y_pred, average="micro", zero_division=0
    )
    _, _, macro, _ = precision_recall_fscore_support(
        y_true, y_pred, average="macro", zero_division=0
    )
    return {"per_label": per_label, "micro_f1": float(micro), "macro_f1": float(macro)}


def data_hash(texts: Sequence[str], label_sets: Sequence[Sequence[str]]) -> str:
    """SHA-256 of the training records (text and labels), independent of their order."""
    lines = sorted(orjson.dumps([t, sorted(ls)]) for t, ls in zip(texts, label_sets, strict=True))
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line + b"\n")
    return digest.hexdigest()


@dataclass
class NarrativeModel:
    """A trained pipeline with its labels, thresholds and metadata."""

    pipeline: Pipeline
    labels: tuple[str, ...]
    thresholds: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def feature_names(self) -> np.ndarray:
        """Names of the features (see :func:`feature_names`), computed once."""
        return feature_names(self.pipeline)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("feature_names", None)  # derived; not stored
        return state

    @property
    def version(self) -> str | None:
        """The registry version, once saved or loaded."""
        return self.meta.get("version")

    def _features(self, texts: Sequence[str]) -> Any:
        """The pipeline's feature matrix of ``texts``, by the token path (the same matrix)."""
        view = self.pipeline.named_steps["normalize"]
        if getattr(view, "func", None) is feature_view_many and not view.kw_args:
            tokens = feature_tokens_many(texts)
        else:
            tokens = [text.split() for text in view.transform(texts)]
        return union_transform(self.pipeline.named_steps["features"], tokens)

    def _scores_of(self, features: Any) -> np.ndarray:
        return self.pipeline.named_steps["classify"].predict_proba(features)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text and one column per label."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.labels)))
        chunks = [
            self._scores_of(self._features(texts[i : i + PREDICT_BATCH]))
            for i in range(0, len(texts), PREDICT_BATCH)
        ]
        return np.vstack(chunks)

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """The 0/1 label matrix for ``scores``: thresholds, then "rebuttal wins"."""
        return decide(scores, self.labels, self.thresholds)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """The label set of each text."""
        return self.label_sets(self.decide(self.scores(texts)))

    def explain(self, texts: Sequence[str], top: int = EXPLAIN_TOP) -> list[dict[str, list]]:
        """Per text, for each predicted label, the n-grams that raised its score the most."""
        return [explained for _, explained in self.analyse(texts, top=top)[1]]

    def analyse(
        self, texts: Sequence[str], top: int = EXPLAIN_TOP
    ) -> tuple[np.ndarray, list[tuple[tuple[str, ...], dict[str, list]]]]:
        """Scores, and per text its labels with the top n-grams behind each, in one pass."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.labels))), []
        names = self.feature_names
        coef = self.pipeline.named_steps["classify"].coef_matrix()
        all_scores, out = [], []
        for start in range(0, len(texts), PREDICT_BATCH):
            features = self._features(texts[start : start + PREDICT_BATCH]).tocsr()
            scores = self._scores_of(features)
            all_scores.append(scores)
            for i, found in enumerate(self.label_sets(self.decide(scores))):
                explained: dict[str, list] = {}
                if found:
                    row = _row(features, i)
                    for label in found:
                        j = self.labels.index(label)
                        explained[label] = _top_contributions(row, coef[j], names, top)
                out.append((found, explained))
        return np.vstack(all_scores), out

    def label_sets(self, decided: np.ndarray) -> list[tuple[str, ...]]:
        """The labels of each row of a 0/1 label matrix (each pattern worked out once)."""
        sets: dict[tuple[int, ...], tuple[str, ...]] = {}
        out = []
        for row in map(tuple, decided.tolist()):
            found = sets.get(row)
            if found is None:
                pairs = zip(self.labels, row, strict=True)
                found = sets[row] = tuple(label for label, d in pairs if d)
            out.append(found)
        return out

    def reasons(self, texts: Sequence[str], label: str, top: int = EXPLAIN_TOP) -> list[list]:
        """Per text, the features that raise ``label``'s score the most, predicted or not."""
        texts = list(texts)
        if not texts:
            return []
        j = self.labels.index(label)
        coef = self.pipeline.named_steps["classify"].coef_matrix()[j]
        features = self._features(texts).tocsr()
        names = self.feature_names
        return [_top_contributions(_row(features, i), coef, names, top) for i in range(len(texts))]


def _row(matrix: Any, i: int) -> tuple[np.ndarray, np.ndarray]:
    """The values and columns of row ``i`` of a CSR matrix, as ``getrow`` has them."""
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.data[start:end], matrix.indices[start:end]


def _top_contributions(
    row: tuple[np.ndarray, np.ndarray], coef: np.ndarray, names: np.ndarray, top: int
) -> list[list]:
    """``[[feature, weight x coefficient], ...]``: the ``top`` positive ones of a sparse row."""
    data, indices = row
    contrib = data * coef[indices]
    order = np.argsort(-contrib)[:top]
    chosen = zip(names[indices[order]].tolist(), contrib[order].tolist(), strict=True)
    return [[str(name), round(value, 4)] for name, value in chosen if value > 0]


def feature_names(pipeline: Pipeline) -> np.ndarray:
    """Names of the model's features: ``w:<word n-gram>``, ``c:<char n-gram>``, ``k:<concepts>``.

    ``k:KOS&ANX`` is the concept pair "names Kosovo and an annexed region" (see
    :class:`classifiers.features.ConceptPairs`).
    """
    views = dict(pipeline.named_steps["features"].transformer_list)
    names = [[f"w:{n}" for n in views["words"].get_feature_names_out()]]
    names.append([f"c:{n}" for n in views["chars"].named_steps["counts"].get_feature_names_out()])
    if "concepts" in views:
        names.append([f"k:{n}" for n in views["concepts"].get_feature_names_out()])
    return np.concatenate(names)


def out_of_fold(
    texts: Sequence[str],
    y_fit: np.ndarray,
    params: ModelParams | None,
    folds: int,
    groups: Sequence[str] | None = None,
    copies: Sequence[bool] | None = None,
    progress: Callable[[str], None] | None = None,
) -> np.ndarray:
    """Probabilities of each text from a model trained on the other folds.

    With ``groups`` (a part, a writer, a source per text) no group sits in both the
    training and the validation folds, so the figures say how the model does on text
    written by someone it has not read; without, folds are shuffled with a fixed seed.
    ``copies`` marks the texts whose reported-speech copy joins the training folds
    (:mod:`classifiers.augment`); predictions are always of the texts as written.
    ``progress`` is called with the name of each fold as it starts.
    """
    if groups is not None and len(set(groups)) >= folds:
        splits = GroupKFold(n_splits=folds).split(texts, groups=list(groups))
    else:
        splits = KFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE).split(texts)
    oof = np.zeros((len(texts), y_fit.shape[1] - 1))
    for k, (train_rows, test_rows) in enumerate(splits, 1):
        if progress is not None:
            progress(
                f"cross-validating fold {k}/{folds} "
                f"(training on {len(train_rows):,} posts, validating on {len(test_rows):,})"
            )
        pipeline = _fitted(texts, y_fit, train_rows, params, copies)
        oof[test_rows] = pipeline.predict_proba([texts[i] for i in test_rows])
    return oof


def _fitted(
    texts: Sequence[str],
    y_fit: np.ndarray,
    rows: np.ndarray,
    params: ModelParams | None,
    copies: Sequence[bool] | None,
) -> Pipeline:
    """A pipeline fitted on ``rows``, plus a reported-speech copy of each row ``copies`` marks.

    Each row ``copies`` leaves unmarked counts ``media_repeats`` times instead, so every
    register weighs alike (a social post and its copy; a wire twice).
    """
    p = params or ModelParams()
    train_texts = [texts[i] for i in rows]
    targets_ = [y_fit[rows]]
    if copies is not None and p.attribution_copies:
        extra = [i for i in rows if copies[i]]
        train_texts += [attributed(texts[i]) for i in extra]
        targets_.append(y_fit[extra])
    if copies is not None and p.media_repeats > 1:
        extra = [i for i in rows if not copies[i]] * (p.media_repeats - 1)
        train_texts += [texts[i] for i in extra]
        targets_.append(y_fit[extra])
    return build_pipeline(params).fit(train_texts, np.vstack(targets_))


def breakdown(
    y_true: np.ndarray, y_pred: np.ndarray, keys: Sequence[str | None], labels: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Metrics per value of ``keys`` (a part, a register), in key order; None is left out.

    A part may lack some labels altogether: its ``macro_f1`` averages the labels it has.
    """
    out = {}
    keyed = np.asarray([k if k is not None else "" for k in keys], dtype=object)
    for key in sorted({k for k in keys if k is not None}):
        rows = keyed == key
        result = metrics(y_true[rows], y_pred[rows], labels)
        present = [m["f1"] for m in result["per_label"].values() if m["support"]]
        result["macro_f1"] = float(np.mean(present)) if present else 0.0
        result["n"] = int(rows.sum())
        out[key] = result
    return out


def fit(
    texts: Sequence[str],
    label_sets: Sequence[Sequence[str]],
    params: ModelParams | None = None,
    *,
    folds: int = CV_FOLDS,
    groups: Sequence[str] | None = None,
    facets: dict[str, Sequence[str | None]] | None = None,
    copies: Sequence[bool] | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[NarrativeModel, dict[str, Any]]:
    """Train on ``texts``; return the model and its cross-validated metrics.

    Thresholds are tuned on out-of-fold probabilities of these texts alone (grouped by
    ``groups`` when given, see :func:`out_of_fold`); the cross-validated metrics use
    those thresholds (so they are slightly optimistic). ``facets`` name per-text keys
    (``{"part": [...], "register": [...]}``) whose figures are given apart, under
    ``by_<facet>``. ``copies``: see :func:`out_of_fold`. ``progress`` is called with the
    name of each stage (each fold, the thresholds, the final fit) as it starts.
    """
    say = progress or (lambda _stage: None)
    texts = list(texts)
    y = indicator(label_sets)
    y_fit = targets(texts, label_sets)
    for j, label in enumerate(LABELS):
        if y[:, j].sum() < folds:
            raise ValueError(f"too few examples of {label}: {int(y[:, j].sum())} (need {folds})")
    oof = out_of_fold(texts, y_fit, params, folds, groups, copies, progress)
    say("tuning the per-label thresholds on the out-of-fold scores")
    thresholds = tune_thresholds(y, oof, LABELS)
    decided = decide(oof, LABELS, thresholds)
    cv_metrics = metrics(y, decided, LABELS)
    cv_metrics["n"] = len(texts)
    cv_metrics["folds"] = folds
    cv_metrics["grouped"] = groups is not None and len(set(groups)) >= folds
    for name, keys in (facets or {}).items():
        cv_metrics[f"by_{name}"] = breakdown(y, decided, keys, LABELS)
    say(f"fitting the final model on all {len(texts):,} training posts")
    pipeline = _fitted(texts, y_fit, np.arange(len(texts)), params, copies)
    model = NarrativeModel(pipeline=pipeline, labels=tuple(LABELS), thresholds=thresholds)
    model.meta["params"] = (params or ModelParams()).as_dict()
    return model, cv_metrics


def evaluate_model(
    model: NarrativeModel,
    texts: Sequence[str],
    label_sets: Sequence[Sequence[str]],
    facets: dict[str, Sequence[str | None]] | None = None,
) -> dict[str, Any]:
    """Metrics of ``model`` on labelled texts, in the shape ``narrmon evaluate --json`` prints.

    ``facets`` as in :func:`fit`: figures per part or register under ``by_<facet>``.
    """
    y = indicator(label_sets, model.labels)
    decided = model.decide(model.scores(texts))
    result = metrics(y, decided, model.labels)
    result["model_version"] = model.version
    result["n"] = len(texts)
    for name, keys in (facets or {}).items():
        result[f"by_{name}"] = breakdown(y, decided, keys, model.labels)
    return result


def top_features(model: NarrativeModel, k: int = 10) -> dict[str, list[str]]:
    """The ``k`` features with the largest coefficients for each label.

    A channel name or a handle among them would mean leakage from the training data.
    """
    names = model.feature_names
    coef = model.pipeline.named_steps["classify"].coef_matrix()
    return {
        label: [str(names[i]) for i in np.argsort(-coef[j])[:k]]
        for j, label in enumerate(model.labels)
    }
