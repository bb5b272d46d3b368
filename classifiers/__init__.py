"""Classifiers: post text to narrative labels (normalisation, training, registry, inference).

The package imports only the kernel's records, store, config and errors; the pipeline
(:mod:`narrmon.pipeline.classify`) composes it with the store.
"""

from narrmon.records import LABELS

__all__ = ["LABELS"]
