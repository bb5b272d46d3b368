"""Pipeline steps: plain functions over the configuration and the store that return counts.

The CLI and the Airflow tasks call these same functions. One module per stage:
``ingest`` (file imports), ``collect`` (live collection, reach refresh), ``classify``
(labelling, training) and ``report`` (rollups, reports, alerts).
"""

from narrmon.pipeline.ingest import ImportReport, import_paths

__all__ = ["ImportReport", "import_paths"]
