"""narrmon: monitor pro-Kremlin narratives in Serbian and Bosnian social media.

From Python, ``narrmon.pull(...)`` returns posts as a pandas DataFrame (see
``docs/pull.md``); importing ``narrmon`` itself loads nothing heavy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas


def pull(
    since: str | date | datetime,
    until: str | date | datetime,
    *,
    label: str | Iterable[str] | None = None,
    platform: str | Iterable[str] | None = None,
    account: str | Iterable[str] | None = None,
    lang: str | Iterable[str] | None = None,
    script: str | Iterable[str] | None = None,
    min_score: float | None = None,
    model_version: str | None = None,
    db: str | None = None,
    config: str | Path | None = None,
) -> pandas.DataFrame:
    """Posts created from ``since`` to ``until`` (a date-only ``until`` includes that day).

    One row per post: its fields, latest metrics and snapshot time, labels and scores,
    and the model version; columns as documented in ``docs/pull.md``. Each filter takes
    one value or a list ("any of"). ``db`` is the store URL (default
    ``$NARRMON_DB_URL``, else the configuration's ``db_url``, else
    ``sqlite:///data/narrmon.db``); ``config`` the configuration file (default
    ``$NARRMON_CONFIG``, else ``./narrmon.yaml`` if there is one). A store that does not
    exist raises :class:`narrmon.errors.StoreNotFound`.

    >>> df = narrmon.pull("2026-11-16", "2026-11-22", label="kosovo_precedent")
    """
    from narrmon.config import config_and_store
    from narrmon.pipeline.report import pull as pull_step

    settings, store = config_and_store(config, db, create=False)
    try:
        return pull_step(
            settings,
            store,
            since,
            until,
            labels=label,
            platforms=platform,
            accounts=account,
            langs=lang,
            scripts=script,
            min_score=min_score,
            model_version=model_version,
        )
    finally:
        store.dispose()


__all__ = ["pull"]
