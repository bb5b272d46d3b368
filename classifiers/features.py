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
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
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
        """Counts per post, as (posts x distinct words) @ (distinct words x n-grams).

        The product sums the n-grams that several words of a post share, without the
        sort a per-post concatenation would need.
        """
        local: dict[str, int] = {}
        word_ids: list[int] = []
        indptr = [0]
        for text in X:
            for word in text.split():
                word_ids.append(local.setdefault(word, len(local)))
            indptr.append(len(word_ids))
        columns = [self._columns(word) for word in local]
        word_rows = np.zeros(len(columns) + 1, dtype=np.int64)
        np.cumsum([len(cols) for cols in columns], out=word_rows[1:])
        grams = np.concatenate(columns) if columns else _EMPTY
        n_words, n_grams = len(columns), len(self.vocabulary_)
        ngrams_of = sp.csr_matrix(
            (np.ones(grams.size, dtype=np.float32), grams, word_rows), shape=(n_words, n_grams)
        )
        words_of = sp.csr_matrix(
            (
                np.ones(len(word_ids), dtype=np.float32),
                np.asarray(word_ids, dtype=np.int64),
                indptr,
            ),
            shape=(len(indptr) - 1, n_words),
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

    def _keys(self, text: str) -> list[int]:
        """Feature keys of a post: concept ``c`` is ``c``; the pair ``a < b`` is ``(a+1)*K + b``."""
        cache = self.__dict__.setdefault("_cache", {})
        words = set(text.split())
        try:  # fast path: every word seen before (most words name no concept: ())
            found = set().union(*map(cache.__getitem__, words))
        except KeyError:
            found = set().union(*(self._cached(word, _concept_ids) for word in words))
        ordered = sorted(found)
        k = len(CONCEPTS)
        pairs = [(a + 1) * k + b for i, a in enumerate(ordered) for b in ordered[i + 1 :]]
        return ordered + pairs  # ascending: every concept (< k) before every pair

    def fit(self, X: Iterable[str], y: object = None) -> ConceptPairs:
        rows = [self._keys(text) for text in X]
        df = Counter(key for keys in rows for key in keys)
        self.keys_ = sorted(df)
        self.columns_ = {key: j for j, key in enumerate(self.keys_)}
        n = len(rows)
        self.idf_ = np.array(
            [np.log((1 + n) / (1 + df[key])) + 1 for key in self.keys_], dtype=np.float32
        )
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        columns = self.columns_
        indices: list[int] = []
        indptr = [0]
        for text in X:
            found = (columns.get(key) for key in self._keys(text))  # ascending, as the keys
            indices.extend(j for j in found if j is not None)
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
