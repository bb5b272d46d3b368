"""What collecting (or refreshing) one source did: the row the CLI and the DAG report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from narrmon.store import BatchCounts

OK = "ok"
DEFERRED = "deferred"  # waiting out a long rate limit, or the run's budget ran out
FAILED = "failed"  # private, renamed, vanished, or an error that persisted


@dataclass
class SourceResult:
    """One channel, account or query of a run."""

    platform: str
    source: str
    status: str = OK
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    snapshots: int = 0
    deleted: int = 0  # refresh: posts found missing this time
    requests: int = 0
    position: str | None = None
    deferred_until: datetime | None = None
    reason: str | None = None

    def add(self, counts: BatchCounts) -> None:
        """Add the counts of one written batch."""
        self.new += counts.imported
        self.updated += counts.updated
        self.unchanged += counts.unchanged
        self.snapshots += counts.snapshots

    def defer(self, reason: str, until: datetime | None) -> None:
        self.status, self.reason, self.deferred_until = DEFERRED, reason, until

    def fail(self, reason: str) -> None:
        self.status, self.reason = FAILED, reason

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.deferred_until is not None:
            data["deferred_until"] = self.deferred_until.isoformat()
        return data
