"""Feature extraction on the normalised text: word n-grams and cached character n-grams.

Posts repeat their words, and character n-grams "within word boundaries" (scikit-learn's
``char_wb``) depend only on the word. :class:`CharNgramCounter` therefore computes the
n-gram columns of each distinct word once and keeps them in a cache, then sums them per
post into a sparse count matrix; a ``TfidfTransformer`` weights the counts. This is
several times faster than ``TfidfVectorizer(analyzer="char_wb")``, which walks every
n-gram of every post in Python, and gives the same counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

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


class CharNgramCounter(TransformerMixin, BaseEstimator):
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
        self._cache: dict[str, np.ndarray] = {}
        return self

    # -- transforming --------------------------------------------------------------

    def _columns(self, word: str) -> np.ndarray:
        cache = self.__dict__.setdefault("_cache", {})
        found = cache.get(word)
        if found is not None:
            return found
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        vocab = self.vocabulary_
        min_n, max_n = self.ngram_range
        cols = [vocab[g] for g in word_char_ngrams(word, min_n, max_n) if g in vocab]
        found = np.asarray(cols, dtype=np.int32) if cols else _EMPTY
        cache[word] = found
        return found

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        parts: list[np.ndarray] = []
        lengths: list[int] = []
        cache = self.__dict__.setdefault("_cache", {})
        get = cache.get
        for text in X:
            words = text.split()
            found = [get(word) for word in words]
            if any(cols is None for cols in found):
                found = [self._columns(word) for word in words]
            parts.extend(found)
            lengths.append(sum(map(len, found)))
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.concatenate(parts) if parts else _EMPTY
        data = np.ones(indices.size, dtype=np.float32)
        shape = (len(lengths), len(self.vocabulary_))
        matrix = sp.csr_matrix((data, indices, indptr), shape=shape)
        matrix.sum_duplicates()
        return matrix

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        names = np.empty(len(self.vocabulary_), dtype=object)
        for gram, i in self.vocabulary_.items():
            names[i] = gram
        return names

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())
        state.pop("_cache", None)  # rebuilt on demand; not worth storing
        return state


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
