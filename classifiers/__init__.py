"""Classifiers: post text to narrative labels (normalisation, training, registry, inference)."""
