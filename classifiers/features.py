"""Feature extraction on the normalised text: word n-grams and cached character n-grams.

Posts repeat their words, and character n-grams "within word boundaries" (scikit-learn's
``char_wb``) depend only on the word. :class:`CharNgramCounter` therefore computes the
n-gram columns of each distinct word once and keeps them in a cache, then sums them per
post into a sparse count matrix; a ``TfidfTransformer`` weights the counts. This is
several times faster than ``TfidfVectorizer(analyzer="char_wb")``, which walks every
n-gram of every post in Python, and gives the same counts (a test compares them; only a
word shorter than an n-gram differs: scikit-learn counts it again for every longer n).

:class:`ConceptPairs` adds what a linear model over n-grams cannot see: which *kinds*
of things a post brings together. Each word is mapped to the concepts of the precedent
argument it names (Kosovo, an annexed or seceding region, Republika Srpska, a vote or
recognition, the West, Russia, law, a double standard, a rebuttal's vocabulary) and the
rebuttal cues of the feature view (question, quotation, negation). A post's features are
its concepts and every pair of them, so "Priština ... Luhansk ... ?" and "Kosovo ...
Krim ... ?" share ``KOS&ANX&…`` features although they share no word.
"""

from __future__ import annotations

import re
import sys
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize as normalize_rows

from classifiers.normalize import MASK_QUESTION, MASK_QUOTE, NEGATION_PREFIX

CACHE_LIMIT = 300_000  # distinct words whose columns are kept; the cache is reset beyond
_EMPTY = np.zeros(0, dtype=np.int32)


def split_tokens(text: str) -> list[str]:
    """The tokens of a normalised text (it is already space-separated)."""
    return text.split()


def word_char_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The character n-grams of one word padded with spaces, as ``char_wb`` makes them."""
    padded = f" {word} "
    size = len(padded)
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        if n > size:
            break
        grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


class _WordCache:
    """A per-instance cache of what each distinct word gives; reset beyond CACHE_LIMIT.

    Not pickled: it is rebuilt on demand.
    """

    def _cached(self, word: str, compute: Callable[[str], Any]) -> Any:
        cache = self.__dict__.setdefault("_cache", {})
        found = cache.get(word)
        if found is None:
            if len(cache) >= CACHE_LIMIT:
                cache.clear()
            found = cache[word] = compute(word)
        return found

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())
        state.pop("_cache", None)
        return state


class CharNgramCounter(_WordCache, TransformerMixin, BaseEstimator):
    """Counts of character n-grams within words, computed once per distinct word.

    ``min_df``: an n-gram must occur in at least this many training texts.
    """

    def __init__(self, ngram_range: tuple[int, int] = (2, 5), min_df: int = 2) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df

    # -- fitting -----------------------------------------------------------------

    def fit(self, X: Iterable[str], y: object = None) -> CharNgramCounter:
        min_n, max_n = self.ngram_range
        df: Counter[str] = Counter()
        for text in X:
            grams: set[str] = set()
            for word in set(text.split()):
                grams.update(word_char_ngrams(word, min_n, max_n))
            df.update(grams)
        kept = sorted(g for g, n in df.items() if n >= self.min_df)
        self.vocabulary_ = {g: i for i, g in enumerate(kept)}
        self.__dict__.pop("_cache", None)
        return self

    # -- transforming --------------------------------------------------------------

    def _columns(self, word: str) -> np.ndarray:
        return self._cached(word, self._compute_columns)

    def _compute_columns(self, word: str) -> np.ndarray:
        vocab = self.vocabulary_
        min_n, max_n = self.ngram_range
        cols = [vocab[g] for g in word_char_ngrams(word, min_n, max_n) if g in vocab]
        return np.asarray(cols, dtype=np.int32) if cols else _EMPTY

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """Counts per post (see :meth:`count_tokens`)."""
        return self.count_tokens([text.split() for text in X])

    def count_tokens(self, posts: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Counts per post of its words, as (posts x distinct words) @ (words x n-grams).

        The product sums the n-grams that several words of a post share, without the
        sort a per-post concatenation would need. Distinct words are numbered in the
        order they first occur (``dict.fromkeys``), so the product's entries come in a
        fixed order.
        """
        flat = list(chain.from_iterable(posts))
        local = dict.fromkeys(flat)
        cache = self.__dict__.setdefault("_cache", {})
        columns = list(map(cache.get, local))
        if any(cols is None for cols in columns):
            columns = [
                cols if cols is not None else self._columns(word)
                for word, cols in zip(local, columns, strict=True)
            ]
        word_ids = np.fromiter(
            map({word: i for i, word in enumerate(local)}.__getitem__, flat),
            dtype=np.int64,
            count=len(flat),
        )
        indptr = np.zeros(len(posts) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, posts), dtype=np.int64, count=len(posts)), out=indptr[1:])
        word_rows = np.zeros(len(columns) + 1, dtype=np.int64)
        np.cumsum(
            np.fromiter(map(len, columns), dtype=np.int64, count=len(columns)), out=word_rows[1:]
        )
        grams = np.concatenate(columns) if columns else _EMPTY
        n_words, n_grams = len(columns), len(self.vocabulary_)
        ngrams_of = sp.csr_matrix(
            (np.ones(grams.size, dtype=np.float32), grams, word_rows), shape=(n_words, n_grams)
        )
        words_of = sp.csr_matrix(
            (np.ones(word_ids.size, dtype=np.float32), word_ids, indptr),
            shape=(len(posts), n_words),
        )
        return (words_of @ ngrams_of).tocsr()

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        names = np.empty(len(self.vocabulary_), dtype=object)
        for gram, i in self.vocabulary_.items():
            names[i] = gram
        return names


class StemTokenizer:
    """Tokens cut to their first ``length`` characters: a crude stemmer for inflection.

    ``presedan``, ``presedana`` and ``presedanom`` all become ``prese``; masks and
    emoji are kept whole. A class rather than a closure, so the model pickles.
    """

    def __init__(self, length: int = 5) -> None:
        self.length = length

    def __call__(self, text: str) -> list[str]:
        n = self.length
        return [w if w.startswith("_") else w[:n] for w in text.split()]


# Concepts of the precedent argument, on the feature view (Latin, folded, lower-case).
# Prefixes match the start of a word (inflected forms); exact words match whole words.
CONCEPT_PREFIXES = {
    "KOS": "kosov kosmet pristin albanc kurti taci thaci kfor bondstil",
    "ANX": "krim(?!in) sevastop simferop donbas donjec donetsk luhansk lugansk herson zaporo "
    "novorus abhaz osetij cinval cecen",
    "RS": "dodik banjaluk",
    "VOTE": "referendum samoopred nezavisn otcep otcjep secesi deklarac prizna",
    "WEST": "zapad nato brisel vasington amerik evrop bajden klinton olbrajt",
    "RU": "rusij rusk moskv kremlj putin lavrov zaharov nebenzj medvedev peskov",
    "LAW": "medjunarodn msp icj povelj rezoluc helsin pravil",
    "DBL": "dvostruk arsin licemer licemjer hipokriz standard razlik drugacij generis "
    "jedinstven poseb izuzet dosledn doslijedn",
    "CN": "propagand izgovor laz manipul okupac okupir aneksij anektir agresi mariupol "
    "instrumental tenk sankc",
}
CONCEPT_WORDS = {
    "KOS": "2008",
    "RS": "srpska srpske srpskoj srpsku rs",
    "WEST": "eu",
    "RU": "rusi rusa",
    "LAW": "1244 pravo prava pravu pravom sud suda sudu sudom",
    "DBL": "sui isto isti ista",
    "CN": "buca buci bucu",
}
CUE_CONCEPTS = {MASK_QUESTION: "QM", MASK_QUOTE: "Q"}
NEGATED = "NEG"
_CONCEPT_PREFIX = {
    name: re.compile("(?:" + "|".join(words.split()) + ")")
    for name, words in CONCEPT_PREFIXES.items()
}
_CONCEPT_WORD: dict[str, tuple[str, ...]] = {}
for _name, _words in CONCEPT_WORDS.items():
    for _word in _words.split():
        _CONCEPT_WORD[_word] = (*_CONCEPT_WORD.get(_word, ()), _name)


def word_concepts(word: str) -> tuple[str, ...]:
    """The concepts one word of the feature view names (most words: none)."""
    found = [CUE_CONCEPTS[word]] if word in CUE_CONCEPTS else []
    if word.startswith(NEGATION_PREFIX):
        found.append(NEGATED)
        word = word[len(NEGATION_PREFIX) :]
    found.extend(_CONCEPT_WORD.get(word, ()))
    found.extend(name for name, prefix in _CONCEPT_PREFIX.items() if prefix.match(word))
    return tuple(found)


CONCEPTS = tuple(sorted({*CONCEPT_PREFIXES, *CONCEPT_WORDS, *CUE_CONCEPTS.values(), NEGATED}))


def _concept_ids(word: str) -> tuple[int, ...]:
    """:func:`word_concepts` as indexes into :data:`CONCEPTS`."""
    return tuple(CONCEPTS.index(c) for c in word_concepts(word))


class ConceptPairs(_WordCache, TransformerMixin, BaseEstimator):
    """TF-IDF over each post's concepts and the pairs of them it brings together.

    A post has each of its features once, so the TF-IDF of a feature is its smoothed
    IDF (as scikit-learn computes it), and each row is scaled to unit length. Features
    never seen in training are dropped.
    """

    def _concepts(self, tokens: Iterable[str]) -> frozenset[int]:
        """The concepts (indexes into :data:`CONCEPTS`) the words of a post name."""
        cache = self.__dict__.setdefault("_cache", {})
        words = set(tokens)
        try:  # fast path: every word seen before (most words name no concept: ())
            return frozenset().union(*map(cache.__getitem__, words))
        except KeyError:
            return frozenset().union(*(self._cached(word, _concept_ids) for word in words))

    @staticmethod
    def _keys_of(found: frozenset[int]) -> list[int]:
        """Feature keys: concept ``c`` is ``c``; the pair ``a < b`` is ``(a+1)*K + b``."""
        ordered = sorted(found)
        k = len(CONCEPTS)
        pairs = [(a + 1) * k + b for i, a in enumerate(ordered) for b in ordered[i + 1 :]]
        return ordered + pairs  # ascending: every concept (< k) before every pair

    def fit(self, X: Iterable[str], y: object = None) -> ConceptPairs:
        rows = [self._keys_of(self._concepts(text.split())) for text in X]
        df = Counter(key for keys in rows for key in keys)
        self.keys_ = sorted(df)
        self.columns_ = {key: j for j, key in enumerate(self.keys_)}
        n = len(rows)
        self.idf_ = np.array(
            [np.log((1 + n) / (1 + df[key])) + 1 for key in self.keys_], dtype=np.float32
        )
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        return self.transform_tokens([text.split() for text in X])

    def transform_tokens(self, posts: Iterable[Sequence[str]]) -> sp.csr_matrix:
        """:meth:`transform` of posts given as their tokens (each set of concepts once)."""
        columns = self.columns_
        known: dict[frozenset[int], list[int]] = {}
        indices: list[int] = []
        indptr = [0]
        for tokens in posts:
            found = self._concepts(tokens)
            cols = known.get(found)
            if cols is None:  # ascending, as the keys
                keys = self._keys_of(found)
                cols = known[found] = [j for j in map(columns.get, keys) if j is not None]
            indices.extend(cols)
            indptr.append(len(indices))
        cols = np.asarray(indices, dtype=np.int32)
        shape = (len(indptr) - 1, len(self.keys_))
        matrix = sp.csr_matrix((self.idf_[cols], cols, np.asarray(indptr)), shape=shape)
        return normalize_rows(matrix)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        k = len(CONCEPTS)
        names = [
            CONCEPTS[key] if key < k else f"{CONCEPTS[key // k - 1]}&{CONCEPTS[key % k]}"
            for key in self.keys_
        ]
        return np.asarray(names, dtype=object)


# -- the fitted feature union, transformed without scikit-learn's per-token Python ------


def _plain_word_vectorizer(vectorizer: Any) -> bool:
    """Whether ``vectorizer`` is a fitted word 1-2-gram TfidfVectorizer that only tokenizes."""
    tokenizer = getattr(vectorizer, "tokenizer", None)
    return (
        getattr(vectorizer, "analyzer", None) == "word"
        and (isinstance(tokenizer, StemTokenizer) or tokenizer is split_tokens)
        and vectorizer.preprocessor is None
        and vectorizer.stop_words is None
        and not vectorizer.lowercase
        and vectorizer.strip_accents is None
        and vectorizer.input == "content"
        and not vectorizer.binary
        and vectorizer.ngram_range[0] in (1, 2)
        and vectorizer.ngram_range[1] <= 2
        and hasattr(vectorizer, "vocabulary_")
    )


class _WordIndex:
    """A word vocabulary as token ids: a column per token id, sorted keys of token pairs."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        tokens: dict[str, int] = {}
        unigrams: list[tuple[int, int]] = []
        pairs: list[tuple[int, int, int]] = []
        for gram, col in vocabulary.items():
            parts = [tokens.setdefault(sys.intern(t), len(tokens)) for t in gram.split(" ")]
            if len(parts) == 1:
                unigrams.append((parts[0], col))
            else:
                pairs.append((parts[0], parts[1], col))
        self.tokens = tokens
        self.unknown = len(tokens)  # the id of a token the vocabulary lacks
        self.columns = np.full(len(tokens) + 1, -1, dtype=np.int64)
        for tid, col in unigrams:
            self.columns[tid] = col
        base = len(tokens) + 1
        keys = np.array([a * base + b for a, b, _ in pairs], dtype=np.int64)
        order = np.argsort(keys)
        self.pair_keys = keys[order]
        self.pair_columns = np.array([col for _, _, col in pairs], dtype=np.int64)[order]


_WORD_INDEXES: weakref.WeakKeyDictionary[Any, _WordIndex] = weakref.WeakKeyDictionary()


def word_counts(vectorizer: Any, posts: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """What ``CountVectorizer.transform`` gives for a :func:`_plain_word_vectorizer`.

    The same sorted CSR matrix of counts. Tokens become ids with one look-up each in the
    vocabulary's own tokens (:class:`_WordIndex`, built once per vectorizer); unigram and
    bigram columns then come from arrays, and the counts from one sort of the batch.
    """
    index = _WORD_INDEXES.get(vectorizer)
    if index is None:
        index = _WORD_INDEXES[vectorizer] = _WordIndex(vectorizer.vocabulary_)
    tokenize = vectorizer.tokenizer
    if tokenize is not split_tokens:
        posts = [tokenize(" ".join(tokens)) for tokens in posts]
    min_n, max_n = vectorizer.ngram_range
    n_posts, n_cols = len(posts), len(vectorizer.vocabulary_)
    flat = list(chain.from_iterable(posts))
    tids = np.fromiter(
        map(index.tokens.get, flat, repeat(index.unknown)), dtype=np.int64, count=len(flat)
    )
    lengths = np.fromiter(map(len, posts), dtype=np.int64, count=n_posts)
    rows = np.repeat(np.arange(n_posts, dtype=np.int64), lengths)
    found_rows, found_cols = [], []
    if min_n == 1:
        cols = index.columns[tids]
        found_rows.append(rows[cols >= 0])
        found_cols.append(cols[cols >= 0])
    if max_n == 2 and tids.size > 1 and index.pair_keys.size:
        first, second = tids[:-1], tids[1:]
        keys = first * (index.unknown + 1) + second
        at = np.minimum(np.searchsorted(index.pair_keys, keys), index.pair_keys.size - 1)
        known = (
            (rows[:-1] == rows[1:])
            & (first != index.unknown)
            & (second != index.unknown)
            & (index.pair_keys[at] == keys)
        )
        found_rows.append(rows[:-1][known])
        found_cols.append(index.pair_columns[at[known]])
    if found_rows:
        cells = np.concatenate(found_rows) * n_cols + np.concatenate(found_cols)
    else:
        cells = np.zeros(0, dtype=np.int64)
    keys, counts = np.unique(cells, return_counts=True)
    indptr = np.searchsorted(keys, np.arange(n_posts + 1, dtype=np.int64) * n_cols)
    dtype = np.int32 if max(n_cols, keys.size) < np.iinfo(np.int32).max else np.int64
    return sp.csr_matrix(
        (counts.astype(vectorizer.dtype), (keys % n_cols).astype(dtype), indptr.astype(dtype)),
        shape=(n_posts, n_cols),
    )


def _char_view(view: Any) -> bool:
    """Whether ``view`` is a Pipeline of a CharNgramCounter and then TF-IDF weighting."""
    steps = getattr(view, "steps", None)
    return (
        isinstance(steps, list)
        and len(steps) == 2
        and isinstance(steps[0][1], CharNgramCounter)
        and isinstance(steps[1][1], TfidfTransformer)
    )


def _view_transform(view: Any, posts: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """One view of the union on posts given as tokens, as its ``transform`` gives it.

    TF-IDF weighting works in place on the fresh counts (the same values as on a copy).
    """
    if _plain_word_vectorizer(view):
        return view._tfidf.transform(word_counts(view, posts), copy=False)
    if _char_view(view):
        return view.steps[1][1].transform(view.steps[0][1].count_tokens(posts), copy=False)
    if isinstance(view, ConceptPairs):
        return view.transform_tokens(posts)
    return view.transform([" ".join(tokens) for tokens in posts])


def union_transform(union: Any, posts: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """``FeatureUnion.transform`` of the model's views, on posts given as their tokens.

    ``posts`` are the feature views split at spaces. Each view gives the matrix it gives
    in the union (see :func:`_view_transform`); weights multiply as the union multiplies
    them (a weight of 1 changes no value and is skipped), and the blocks are stacked in
    the union's order, so the matrix is the union's to the last bit (a test compares).
    """
    weights = union.transformer_weights or {}
    blocks = []
    for name, view in union.transformer_list:
        if view is None or view == "drop":
            continue
        block = _view_transform(view, posts)
        weight = weights.get(name)
        blocks.append(block if weight is None or weight == 1 else block * weight)
    return sp.hstack(blocks, format="csr")
