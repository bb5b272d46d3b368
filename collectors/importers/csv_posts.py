"""Import posts from a CSV file with documented columns.

The first row names the columns (any order; names are case-insensitive; the delimiter
may be ``,``, ``;`` or a tab). UTF-8 (with or without a BOM) or UTF-16 with a BOM.

Required columns, each non-empty in every row:

``platform``
    ``telegram`` or ``x``.
``post_id``
    Unique within the platform (for Telegram ``<channel id>/<message id>``).
``account``
    The id of the account that posted (Telegram channel id, X user id).
``created_at``
    ISO 8601 (``2026-11-10T08:30:00Z``; without a zone it is taken as UTC) or Unix seconds.
``text``
    The post's text (may be empty for a media-only post, but the column must be there).

Optional columns (an empty cell means unknown, never zero):

``url``, ``lang``
    The post's address and language code.
``account_handle``, ``followers``
    The account's handle (without ``@``) and follower/subscriber count.
``views``, ``forwards``, ``replies``, ``reactions``, ``likes``, ``reposts``, ``quotes``,
``bookmarks``, ``impressions``
    Metrics: a row with any of them gives one metric snapshot.
``captured_at``
    When the metrics and followers were read (default: the file's modification time).

Columns not listed are ignored. Hashtags, mentions, links and the script are taken
from the text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from collectors.importers.common import (
    RECORD_ERRORS,
    BadRecord,
    Progress,
    check_count,
    check_not_future,
    check_stored,
    check_text,
    explain_bad_text,
    file_time,
    parse_time,
    reason_of,
    reject,
    sniff_encoding,
)
from narrmon.errors import InputError
from narrmon.records import METRIC_FIELDS, PLATFORMS, Account, MetricSnapshot, Post, Record
from narrmon.text import extract_entities, post_script

SOURCE = "csv"
REQUIRED = ("platform", "post_id", "account", "created_at", "text")
METRIC_COLUMNS = METRIC_FIELDS  # optional metric columns, named as the record fields
DELIMITERS = (",", ";", "\t")
FIELD_LIMIT = 16 * (1 << 20)  # characters per cell; longer texts are then rejected by length
PROGRESS_EVERY = 4096


def iter_records(
    path: Path | str, *, all_chats: bool = False, on_progress: Progress = None
) -> Iterator[Record]:
    """Records of a CSV file (``all_chats`` has no effect here)."""
    path = Path(path)
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    encoding, bom = sniff_encoding(path)
    mtime = file_time(path)
    now = datetime.now(UTC)
    with path.open("rb") as binary:
        binary.seek(bom)
        text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
        header_line = text.readline()
        delimiter = max(DELIMITERS, key=header_line.count)
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        columns = [c.strip().lower() for c in header]
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise InputError(
                f"line 1: missing CSV column(s) {', '.join(missing)}; "
                f"required: {', '.join(REQUIRED)}"
            )
        lines = _Lines(text)
        reader = csv.reader(lines, delimiter=delimiter)
        accounts_seen: set[tuple[str, str, int | None]] = set()
        while True:
            line = lines.number + 1
            lines.taken.clear()
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield reject(path, f"line {line}", f"invalid CSV: {exc}")
                continue
            if on_progress is not None and lines.number % PROGRESS_EVERY == 0:
                on_progress(binary.tell())
            if not any(cell.strip() for cell in cells):
                continue
            if len(lines.taken) > 1 and _unclosed_quote(lines, len(cells), len(columns), delimiter):
                reason = f"a quoted cell opened on line {line} does not close where the row ends"
                yield reject(path, f"line {line}", reason, lines.taken[0])
                lines.reread_after_first()
                reader = csv.reader(lines, delimiter=delimiter)
                continue
            row = dict(zip(columns, cells, strict=False))
            try:
                records = _row(row, len(cells), len(columns), mtime, now)
            except RECORD_ERRORS as exc:
                yield reject(path, f"line {line}", reason_of(exc), delimiter.join(cells))
                continue
            account = records[0]
            key = (account.platform, account.account_id, account.followers)
            if key not in accounts_seen:
                accounts_seen.add(key)
                yield account
            yield from records[1:]
        if on_progress is not None:
            on_progress(binary.tell())


class _Lines:
    """The lines of a CSV file for :func:`csv.reader`: numbered, and kept per row to re-read."""

    def __init__(self, text: Iterator[str]) -> None:
        self._text = text
        self._again: list[str] = []  # lines to read again, last first
        self.number = 1  # the line last read (1: the header)
        self.taken: list[str] = []  # the lines of the row being read

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._again.pop() if self._again else next(self._text)
        self.number += 1
        self.taken.append(line)
        return line

    def reread_after_first(self) -> None:
        """Read the lines of the current row after its first one again, as rows."""
        self._again.extend(reversed(self.taken[1:]))
        self.number -= len(self.taken) - 1


def _unclosed_quote(lines: _Lines, n_cells: int, n_columns: int, delimiter: str) -> bool:
    """Whether a row over several lines is a stray quote that swallowed the rows after it."""
    if n_cells != n_columns:
        return True
    try:
        for _ in csv.reader(["".join(lines.taken)], delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _row(
    row: dict[str, str], n_cells: int, n_columns: int, mtime: datetime, now: datetime
) -> list[Record]:
    if n_cells != n_columns:
        raise BadRecord(f"{n_cells} cells where the header has {n_columns} columns")
    for name, value in row.items():
        problem = explain_bad_text(value)
        if problem is not None:
            raise BadRecord(f"column {name}: {problem}")
    for name in REQUIRED:
        if name != "text" and not row[name].strip():
            raise BadRecord(f"missing {name}")
    platform = row["platform"].strip().lower()
    if platform not in PLATFORMS:
        raise BadRecord(f"platform {platform[:20]!r} is not one of {', '.join(PLATFORMS)}")
    post_id, account_id = row["post_id"].strip(), row["account"].strip()
    created = check_not_future(parse_time(row["created_at"], "created_at"), "created_at", now)
    captured = mtime
    if (row.get("captured_at") or "").strip():
        captured = check_not_future(
            parse_time(row["captured_at"], "captured_at"), "captured_at", now
        )
    text = check_text(row["text"])
    metrics = {name: check_count(row.get(name), name) for name in METRIC_COLUMNS}
    followers = check_count(row.get("followers"), "followers")
    hashtags, mentions, links = extract_entities(text)
    records: list[Record] = [
        Account(
            platform,
            account_id,
            handle=(row.get("account_handle") or "").strip().lstrip("@") or None,
            followers=followers,
            observed_at=captured if followers is not None else None,
        ),
        Post(
            platform,
            post_id,
            account_id,
            created,
            text,
            url=(row.get("url") or "").strip() or None,
            hashtags=hashtags,
            mentions=mentions,
            links=links,
            lang=(row.get("lang") or "").strip() or None,
            script=post_script(text),
            source=SOURCE,
            collected_at=captured,
            raw=row,
        ),
    ]
    if any(v is not None for v in metrics.values()):
        records.append(MetricSnapshot(platform, post_id, captured, **metrics))
    return check_stored(records)
