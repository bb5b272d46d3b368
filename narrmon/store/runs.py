"""The ``import_runs`` log: one row per file imported or source collected.

A run starts ``running`` with its host and process id, and ends ``ok``, ``failed``,
``deferred`` or ``interrupted``. A process that is killed never ends its run; the next
run started on the same host finds it (its process is gone) and marks it ``failed``.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import select

from narrmon.store import schema
from narrmon.store.rows import dumps

if TYPE_CHECKING:
    from narrmon.store.core import BatchCounts, Store

DEAD_RUN_ERROR = "the run ended without finishing (its process is gone)"


def start_run(store: Store, kind: str, path: str) -> int:
    """Log the start of a run; returns its id. Dead runs of this host are failed first."""
    fail_dead_runs(store)
    t = schema.import_runs
    owner = {"host": socket.gethostname(), "pid": os.getpid()}
    row = {"kind": kind, "path": path, "started_at": datetime.now(UTC), "status": "running"}
    with store.begin() as conn:
        result = conn.execute(t.insert().values(**row, detail=dumps(owner)))
        return int(result.inserted_primary_key[0])


def finish_run(
    store: Store, run_id: int, counts: BatchCounts, *, skipped: int, status: str, detail: Any
) -> None:
    """Log how a run ended."""
    t = schema.import_runs
    with store.begin() as conn:
        conn.execute(
            t.update()
            .where(t.c.id == run_id)
            .values(
                finished_at=datetime.now(UTC),
                status=status,
                imported=counts.imported,
                updated=counts.updated,
                unchanged=counts.unchanged,
                snapshots=counts.snapshots,
                skipped=skipped,
                quarantined=counts.quarantined,
                detail=dumps(detail),
            )
        )


def fail_dead_runs(store: Store) -> int:
    """Mark ``failed`` the runs still ``running`` whose process on this host has ended.

    Runs of other hosts, and runs that recorded no process, are left as they are:
    nothing here can tell whether they still run. Returns how many were marked.
    """
    t = schema.import_runs
    host = socket.gethostname()
    with store.engine.connect() as conn:
        running = conn.execute(select(t.c.id, t.c.detail).where(t.c.status == "running"))
        dead = sorted(run_id for run_id, detail in running if _owner_gone(detail, host))
    for run_id in dead:  # a row per transaction: two runs doing this at once never deadlock
        with store.begin() as conn:
            conn.execute(
                t.update()
                .where(t.c.id == run_id, t.c.status == "running")
                .values(
                    status="failed",
                    finished_at=datetime.now(UTC),
                    detail=dumps({"error": DEAD_RUN_ERROR}),
                )
            )
    return len(dead)


def _owner_gone(detail: str | None, host: str) -> bool:
    """True when a run's recorded process ran on ``host`` and no longer exists."""
    try:
        owner = orjson.loads(detail) if detail else None
    except orjson.JSONDecodeError:
        return False
    if not isinstance(owner, dict) or owner.get("host") != host:
        return False
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists but belongs to someone else
        return False
    return False
