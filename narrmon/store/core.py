"""Opening, migrating and writing the store.

Every write is a batched upsert on a natural key, so loading the same data twice
changes nothing. :meth:`Store.write_batch` writes accounts, posts, snapshots and
quarantined records of one batch in one transaction; callers that keep a cursor pass
it in so it commits with the data it covers.

Concurrent writers: each table's rows are written in key order, so two imports of
overlapping files wait for each other row by row and never deadlock on PostgreSQL; on
SQLite a batch takes the write lock before it reads what is stored. Either way the
counts of a batch (new, changed, unchanged, snapshots) are what it really did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    case,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from narrmon.errors import StoreError, StoreNotFound
from narrmon.records import Account, MetricSnapshot, Post, Rejected
from narrmon.store import runs, schema
from narrmon.store.connect import (
    DEFAULT_DB_URL,
    ENV_DB_URL,
    create_store_engine,
    one_line,
    parse_db_url,
    redact_url,
    resolve_db_url,
)
from narrmon.store.fast_pg import pg_copy_write, pg_post_values, pg_snapshot_values
from narrmon.store.fast_sqlite import (
    sqlite_begin_immediate,
    sqlite_post_values,
    sqlite_snapshot_values,
    sqlite_write,
)
from narrmon.store.rows import (
    POST_COLUMNS,
    POST_KEEP,
    POST_KEY,
    SNAPSHOT_COLUMNS,
    SNAPSHOT_KEY,
    content_hash,
    driver_cursor,
    dumps,
)

__all__ = [  # names other modules import from here
    "DEFAULT_DB_URL",
    "LOOKUP_CHUNK",
    "BatchCounts",
    "Store",
    "content_hash",
    "dumps",
    "now_utc",
    "redact_url",
    "resolve_db_url",
]

# Rows per IN (...) look-up; below SQLite's and PostgreSQL's bind-parameter limits.
LOOKUP_CHUNK = 500
PAYLOAD_LIMIT = 4096  # characters of a rejected record kept in quarantine
MIGRATION_LOCK_ID = 7_310_411  # PostgreSQL advisory lock held while migrating


def now_utc() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass
class BatchCounts:
    """What one or more batches did to the store."""

    imported: int = 0  # posts new to the store
    updated: int = 0  # known posts whose content changed
    unchanged: int = 0  # known posts seen again as they were
    snapshots: int = 0  # metric snapshots appended
    accounts: int = 0  # accounts written
    quarantined: int = 0  # bad records put aside

    def add(self, other: BatchCounts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Store:
    """A narrmon store at a SQLAlchemy URL, migrated to the newest schema on first use."""

    def __init__(
        self, url: str | None = None, *, migrate: bool = True, create: bool = True
    ) -> None:
        """Open the store at ``url``; with ``create=False`` refuse one that does not exist."""
        self.url = resolve_db_url(url)
        parsed = parse_db_url(self.url)
        if parsed.get_backend_name() != "sqlite":
            file = None
        else:
            file = Path(parsed.database or ":memory:")
        if not create and file is not None and not file.is_file():
            raise self._not_found()  # before the engine, which would create the file
        self.engine = create_store_engine(parsed, self.describe())
        if not create and file is None and not self._has_schema():
            raise self._not_found()
        if migrate:
            self.migrate()

    # -- opening -------------------------------------------------------------------

    def _not_found(self) -> StoreNotFound:
        return StoreNotFound(
            f"no narrmon store at {self.describe()}: check --db, ${ENV_DB_URL} or the "
            "configuration's db_url, "
            "or create one with `narrmon init` or `narrmon import`"
        )

    def _has_schema(self) -> bool:
        try:
            with self.engine.connect() as conn:
                return inspect(conn).has_table(schema.posts.name)
        except Exception as exc:  # noqa: BLE001 - cannot connect: say so in one line
            raise self._cannot_open(exc) from None

    def _cannot_open(self, exc: Exception) -> StoreError:
        return StoreError(f"cannot open the store at {self.describe()}: {one_line(exc)}")

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def describe(self) -> str:
        """The URL with any password hidden, for messages."""
        return redact_url(self.url)

    def migrate(self) -> str | None:
        """Bring the schema to the newest migration; return the revision now applied."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        try:
            with self.engine.begin() as conn:
                if MigrationContext.configure(conn).get_current_revision() == head:
                    return head
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_ID})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(
                f"cannot open the store at {self.describe()}: {one_line(exc)}"
            ) from None
        return head

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with self.engine.begin() as conn:
            yield conn

    # -- writing -------------------------------------------------------------------

    def _insert(self, table: Any) -> Any:
        return (postgresql if self.dialect == "postgresql" else sqlite).insert(table)

    def write_batch(
        self,
        *,
        accounts: Sequence[Account] = (),
        posts: Sequence[Post] = (),
        snapshots: Sequence[MetricSnapshot] = (),
        rejected: Sequence[Rejected] = (),
        source: str = "",
        run_id: int | None = None,
        cursor: tuple[str, str, str | None] | None = None,
        conn: Connection | None = None,
    ) -> BatchCounts:
        """Write one batch in one transaction and return what it changed.

        ``cursor`` is ``(platform, source_key, position)``; it is written in the same
        transaction as the posts it covers.
        """
        if conn is None:
            with self.begin() as own:
                return self.write_batch(
                    accounts=accounts,
                    posts=posts,
                    snapshots=snapshots,
                    rejected=rejected,
                    source=source,
                    run_id=run_id,
                    cursor=cursor,
                    conn=own,
                )
        if self.dialect == "sqlite":
            sqlite_begin_immediate(conn)
        counts = BatchCounts()
        counts.accounts = self.upsert_accounts(conn, accounts)
        new, changed, same = self.upsert_posts(conn, posts)
        counts.imported, counts.updated, counts.unchanged = new, changed, same
        counts.snapshots = self.append_snapshots(conn, snapshots)
        counts.quarantined = self.quarantine(conn, rejected, source=source, run_id=run_id)
        if cursor is not None:
            self.set_cursor(conn, *cursor)
        return counts

    def upsert_accounts(self, conn: Connection, accounts: Iterable[Account]) -> int:
        """Insert or refresh accounts; a value not known now never erases a known one."""
        latest: dict[tuple[str, str], Account] = {}
        for acc in accounts:
            latest[(acc.platform, acc.account_id)] = _merge_account(
                latest.get((acc.platform, acc.account_id)), acc
            )
        if not latest:
            return 0
        now = now_utc()
        rows = [
            {
                "platform": a.platform,
                "account_id": a.account_id,
                "handle": a.handle,
                "title": a.title,
                "followers": a.followers,
                "followers_at": a.observed_at if a.followers is not None else None,
                "kind": a.kind,
                "first_seen_at": now,
                "updated_at": now,
                "raw": dumps(a.raw) if a.raw is not None else None,
            }
            for _, a in sorted(latest.items())
        ]
        stmt = self._insert(schema.accounts)
        t = schema.accounts
        ex = stmt.excluded
        newer_followers = (t.c.followers_at.is_(None)) | (ex.followers_at >= t.c.followers_at)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.platform, t.c.account_id],
            set_={
                "handle": func.coalesce(ex.handle, t.c.handle),
                "title": func.coalesce(ex.title, t.c.title),
                "kind": func.coalesce(ex.kind, t.c.kind),
                "raw": func.coalesce(ex.raw, t.c.raw),
                "followers": case(
                    ((ex.followers.is_not(None)) & newer_followers, ex.followers),
                    else_=t.c.followers,
                ),
                "followers_at": case(
                    ((ex.followers.is_not(None)) & newer_followers, ex.followers_at),
                    else_=t.c.followers_at,
                ),
                "updated_at": ex.updated_at,
            },
        )
        conn.execute(stmt, rows)
        return len(rows)

    def upsert_posts(self, conn: Connection, posts: Iterable[Post]) -> tuple[int, int, int]:
        """Insert new posts and update changed ones; return (new, changed, unchanged)."""
        by_key: dict[tuple[str, str], tuple[Post, str]] = {}
        for post in posts:
            by_key[(post.platform, post.post_id)] = (post, content_hash(post))
        if not by_key:
            return 0, 0, 0
        known = self._known_hashes(conn, list(by_key))
        to_row = sqlite_post_values if self.dialect == "sqlite" else pg_post_values
        rows: list[Any] = []
        new = changed = same = 0
        for key, (post, digest) in sorted(by_key.items()):
            old = known.get(key)
            if old == digest:
                same += 1
                continue
            if old is None:
                new += 1
            else:
                changed += 1
            rows.append(to_row(post, digest))
        if rows and self.dialect == "sqlite":
            sqlite_write(conn, schema.posts, POST_COLUMNS, POST_KEY, POST_KEEP, rows)
        elif rows:  # PostgreSQL: another writer may have stored some
            new, changed = pg_copy_write(
                conn,
                schema.posts,
                POST_COLUMNS,
                POST_KEY,
                POST_KEEP,
                rows,
                unless_same="content_hash",
            )
            same = len(by_key) - new - changed
        return new, changed, same

    def _known_hashes(
        self, conn: Connection, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        for platform in {p for p, _ in keys}:
            ids = [i for p, i in keys if p == platform]
            # PostgreSQL takes the ids as one array parameter: no bind limit to stay under.
            step = max(len(ids), 1) if self.dialect == "postgresql" else LOOKUP_CHUNK
            for start in range(0, len(ids), step):
                chunk = ids[start : start + step]
                if self.dialect == "postgresql":
                    result = driver_cursor(conn).execute(
                        "SELECT post_id, content_hash FROM posts "
                        "WHERE platform = %s AND post_id = ANY(%s)",
                        [platform, chunk],
                    )
                else:  # SQLite: the driver directly, no per-row processing
                    marks = ",".join("?" * len(chunk))
                    result = driver_cursor(conn).execute(
                        "SELECT post_id, content_hash FROM posts "
                        f"WHERE platform = ? AND post_id IN ({marks})",
                        [platform, *chunk],
                    )
                for post_id, digest in result:
                    found[(platform, post_id)] = digest
        return found

    def append_snapshots(self, conn: Connection, snapshots: Iterable[MetricSnapshot]) -> int:
        """Append metric snapshots; one already stored for that instant is left alone."""
        by_key = {(s.platform, s.post_id, s.captured_at): s for s in snapshots}
        if not by_key:
            return 0
        by_key = dict(sorted(by_key.items()))
        t = schema.metric_snapshots
        if self.dialect == "sqlite":  # the driver counts the rows it really inserted
            rows = [sqlite_snapshot_values(s) for s in by_key.values()]
            return sqlite_write(conn, t, SNAPSHOT_COLUMNS, SNAPSHOT_KEY, None, rows)
        # PostgreSQL: COPY, then one INSERT … SELECT (see pg_copy_write).
        rows = [pg_snapshot_values(s) for s in by_key.values()]
        return pg_copy_write(conn, t, SNAPSHOT_COLUMNS, SNAPSHOT_KEY, None, rows)[0]

    def quarantine(
        self,
        conn: Connection,
        rejected: Iterable[Rejected],
        *,
        source: str = "",
        run_id: int | None = None,
    ) -> int:
        """Put bad records aside with their reason; the same record twice is kept once."""
        now = now_utc()
        rows = {}
        for r in rejected:
            payload = r.payload[:PAYLOAD_LIMIT]
            digest = hashlib.blake2b(r.payload.encode("utf-8", "replace"), digest_size=16)
            key = (r.file, r.location, digest.hexdigest())
            rows[key] = {
                "source": source,
                "file": r.file,
                "location": r.location,
                "reason": r.reason,
                "payload": payload.replace("\x00", "\\x00"),
                "payload_hash": key[2],
                "import_run_id": run_id,
                "created_at": now,
            }
        if not rows:
            return 0
        t = schema.quarantine
        stmt = self._insert(t).on_conflict_do_nothing(
            index_elements=[t.c.file, t.c.location, t.c.payload_hash]
        )
        conn.execute(stmt, [rows[key] for key in sorted(rows)])
        return len(rows)

    # -- cursors -------------------------------------------------------------------

    def set_cursor(
        self,
        conn: Connection,
        platform: str,
        source_key: str,
        position: str | None,
        *,
        deferred_until: datetime | None = None,
        note: str | None = None,
    ) -> None:
        """Record how far a source has been read (and whether it is deferred)."""
        t = schema.cursors
        stmt = self._insert(t)
        row = {
            "platform": platform,
            "source_key": source_key,
            "position": position,
            "deferred_until": deferred_until,
            "note": note,
            "updated_at": now_utc(),
        }
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.platform, t.c.source_key],
            set_={k: stmt.excluded[k] for k in row if k not in ("platform", "source_key")},
        )
        conn.execute(stmt, [row])

    def get_cursor(self, platform: str, source_key: str) -> dict[str, Any] | None:
        """The stored cursor row for a source, or None."""
        t = schema.cursors
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t).where(t.c.platform == platform, t.c.source_key == source_key)
            ).first()
        return dict(row._mapping) if row else None

    # -- import runs (see narrmon.store.runs) ---------------------------------------

    def start_run(self, kind: str, path: str) -> int:
        """Log the start of an import or collection (see :func:`runs.start_run`); its id."""
        return runs.start_run(self, kind, path)

    def finish_run(
        self, run_id: int, counts: BatchCounts, *, skipped: int, status: str, detail: Any
    ) -> None:
        """Log how an import or collection ended."""
        runs.finish_run(self, run_id, counts, skipped=skipped, status=status, detail=detail)

    def fail_dead_runs(self) -> int:
        """Mark ``failed`` the runs whose process has ended (see :func:`runs.fail_dead_runs`)."""
        return runs.fail_dead_runs(self)


def _merge_account(old: Account | None, new: Account) -> Account:
    if old is None:
        return new
    return replace(
        new,
        handle=new.handle or old.handle,
        title=new.title or old.title,
        kind=new.kind or old.kind,
        followers=new.followers if new.followers is not None else old.followers,
        observed_at=new.observed_at if new.followers is not None else old.observed_at,
        raw=new.raw if new.raw is not None else old.raw,
    )
