"""Offline importers: each is a streaming generator of records for one file format.

An importer is ``def iter_records(path, *, all_chats=False, on_progress=None)`` that
yields :mod:`narrmon.records` objects: ``Account``, ``Post``, ``MetricSnapshot``,
``Rejected`` (a bad record, with the reason and where it is) and ``Skipped`` (a record
deliberately left out), and ``AlbumSpan`` (the message ids an album post covers). It
never loads the whole file into memory. An importer keeps the file's framing (JSON
streams, CSV dialects, the Desktop export layout); a platform's payloads are parsed by
the live collector's parser (``collectors/telegram/parse.py``, ``collectors/x/parse.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import import_module

from narrmon.errors import InputError
from narrmon.records import Record

Importer = Callable[..., Iterator[Record]]

# CLI name -> module under collectors.importers providing iter_records
KINDS = {
    "telegram-export": "telegram_export",
    "telethon-json": "telethon_json",
    "x-jsonl": "x_jsonl",
    "csv": "csv_posts",
}


def get_importer(kind: str) -> Importer:
    """The ``iter_records`` function for an import kind (see :data:`KINDS`)."""
    try:
        module = KINDS[kind]
    except KeyError:
        raise InputError(
            f"unknown import kind {kind!r}; choose one of {', '.join(KINDS)}"
        ) from None
    return import_module(f"collectors.importers.{module}").iter_records
