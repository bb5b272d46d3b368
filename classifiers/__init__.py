"""Classifiers: post text to narrative labels (normalisation, training, registry, inference).

The package imports only the kernel's records, store, config and errors; the pipeline
(:mod:`narrmon.pipeline.classify`) composes it with the store.
"""

# The narrative labels of TAXONOMY.md, in the order models and reports use them.
LABELS: tuple[str, ...] = (
    "kosovo_precedent",
    "russia_protector",
    "rs_secession",
    "anti_west",
    "counter_narrative",
)
