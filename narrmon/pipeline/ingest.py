"""Pipeline step: importing files into the store, batch by batch.

The CLI and the Airflow tasks call these same functions.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from narrmon.records import Account, AlbumSpan, MetricSnapshot, Post, Rejected, Skipped
from narrmon.store import BatchCounts, Store, collect_state

log = logging.getLogger(__name__)

BATCH_SIZE = 10_000  # posts + snapshots per transaction
REJECTS_SHOWN = 20  # bad records named one by one in a report; the rest are counted


@dataclass
class ImportReport:
    """What an import did: counts, skip reasons and the bad records it met."""

    kind: str
    files: list[str] = field(default_factory=list)
    counts: BatchCounts = field(default_factory=BatchCounts)
    skipped: Counter[str] = field(default_factory=Counter)
    rejects: list[str] = field(default_factory=list)  # first REJECTS_SHOWN messages
    records_read: int = 0  # posts and snapshots read, good ones
    duplicates: int = 0  # posts whose id came again later in the same file (the last is kept)
    failed_files: list[str] = field(default_factory=list)

    @property
    def anything_read(self) -> bool:
        """True when at least one good record or deliberate skip was read."""
        return self.records_read > 0 or sum(self.skipped.values()) > 0

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "files": self.files,
            **self.counts.as_dict(),
            "skipped": sum(self.skipped.values()),
            "skipped_by_reason": dict(self.skipped),
            "duplicates": self.duplicates,
            "rejects": self.rejects,
            "failed_files": self.failed_files,
        }


class _Batch:
    def __init__(self) -> None:
        self.accounts: list[Account] = []
        self.posts: list[Post] = []
        self.snapshots: list[MetricSnapshot] = []
        self.rejected: list[Rejected] = []
        self.spans: dict[str, dict[str, tuple[int, int]]] = {}  # platform -> post -> span

    def size(self) -> int:
        return len(self.posts) + len(self.snapshots) + len(self.rejected)

    def add(self, record: object) -> None:
        if isinstance(record, Post):
            self.posts.append(record)
        elif isinstance(record, MetricSnapshot):
            self.snapshots.append(record)
        elif isinstance(record, Account):
            self.accounts.append(record)
        elif isinstance(record, Rejected):
            self.rejected.append(record)
        elif isinstance(record, AlbumSpan):
            self.spans.setdefault(record.platform, {})[record.post_id] = (record.first, record.last)
        else:  # pragma: no cover - importers yield only records
            raise TypeError(f"not a record: {record!r}")


def import_paths(
    store: Store,
    kind: str,
    paths: Sequence[Path | str],
    *,
    all_chats: bool = False,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[BatchCounts], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import files of one kind into the store, batch by batch, and report what happened.

    Each batch commits on its own, so an interrupted import keeps what it wrote and a
    rerun completes it without duplicates. ``on_batch`` is called after each commit,
    ``on_progress`` with the bytes read so far of the current file.
    """
    from collectors.importers import get_importer

    importer = get_importer(kind)
    report = ImportReport(kind=kind)
    for raw_path in paths:
        path = Path(raw_path)
        report.files.append(str(path))
        run_id = store.start_run(kind, str(path))
        file_counts = BatchCounts()
        file_skipped: Counter[str] = Counter()
        duplicates_before = report.duplicates
        status = "failed"
        try:
            records = importer(path, all_chats=all_chats, on_progress=on_progress)
            _consume(
                store,
                records,
                report,
                file_counts,
                file_skipped,
                kind,
                run_id,
                batch_size,
                on_batch,
            )
            status = "ok"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        except Exception as exc:
            from narrmon.errors import InputError

            if not isinstance(exc, (InputError, OSError, UnicodeError, ValueError, RecursionError)):
                raise
            report.failed_files.append(f"{path}: {exc}")
            log.error("%s: %s", path, exc)
        finally:
            store.finish_run(
                run_id,
                file_counts,
                skipped=sum(file_skipped.values()),
                status=status,
                detail={
                    "skipped": dict(file_skipped),
                    "duplicates": report.duplicates - duplicates_before,
                },
            )
    return report


def _consume(
    store: Store,
    records: Iterable[object],
    report: ImportReport,
    file_counts: BatchCounts,
    file_skipped: Counter[str],
    kind: str,
    run_id: int,
    batch_size: int,
    on_batch: Callable[[BatchCounts], None] | None,
) -> None:
    batch = _Batch()

    def flush() -> None:
        nonlocal batch
        with store.begin() as conn:
            counts = store.write_batch(
                accounts=batch.accounts,
                posts=batch.posts,
                snapshots=batch.snapshots,
                rejected=batch.rejected,
                source=kind,
                run_id=run_id,
                conn=conn,
            )
            for platform, spans in batch.spans.items():  # after their posts, in one transaction
                collect_state.set_album_spans(conn, platform, spans)
        file_counts.add(counts)
        report.counts.add(counts)
        batch = _Batch()
        if on_batch is not None:
            on_batch(counts)

    size = 0  # batch.size(), kept here: this loop runs once per record
    read = 0  # good posts and snapshots not yet added to report.records_read
    seen: set[tuple[str, str]] = set()  # post keys of this file, to count duplicates
    try:
        for record in records:
            cls = record.__class__
            if cls is Post:  # the usual records first, without the isinstance chain
                key = (record.platform, record.post_id)
                if key in seen:
                    report.duplicates += 1
                seen.add(key)
                batch.posts.append(record)
                read += 1
            elif cls is MetricSnapshot:
                batch.snapshots.append(record)
                read += 1
            elif isinstance(record, Skipped):
                file_skipped[record.reason] += record.count
                report.skipped[record.reason] += record.count
                continue
            else:
                if isinstance(record, Rejected):
                    # INFO: the report names the first REJECTS_SHOWN itself (the CLI
                    # prints them), and the quarantine table keeps every one.
                    log.info("quarantined: %s", record.message())
                    if len(report.rejects) < REJECTS_SHOWN:
                        report.rejects.append(record.message())
                elif isinstance(record, (Post, MetricSnapshot)):
                    read += 1
                batch.add(record)
                if isinstance(record, Account | AlbumSpan):
                    continue
            size += 1
            if size >= batch_size:
                flush()
                size = 0
    finally:
        report.records_read += read
    if batch.size() or batch.accounts:
        flush()
