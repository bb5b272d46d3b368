"""Opening, migrating and writing the store.

Every write is a batched upsert on a natural key, so loading the same data twice
changes nothing. :meth:`Store.write_batch` writes accounts, posts, snapshots and
quarantined records of one batch in one transaction; callers that keep a cursor pass
it in so it commits with the data it covers.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from narrmon.errors import StoreError
from narrmon.records import Account, MetricSnapshot, Post, Rejected
from narrmon.store import schema

DEFAULT_DB_URL = "sqlite:///data/narrmon.db"
ENV_DB_URL = "NARRMON_DB_URL"
# Rows per IN (...) look-up; below SQLite's and PostgreSQL's bind-parameter limits.
LOOKUP_CHUNK = 500
PAYLOAD_LIMIT = 4096  # characters of a rejected record kept in quarantine
MIGRATION_LOCK_ID = 7_310_411  # PostgreSQL advisory lock held while migrating
# SQLite: page size of a new database file (rows carry ~2 KB raw payloads: 4 KB pages
# would hold one row each), and the page cache per connection, in KiB.
SQLITE_PAGE_SIZE = 16384
SQLITE_CACHE_KIB = 65536
SQLITE_CHECKPOINT_PAGES = 4096  # WAL pages between checkpoints (each one syncs the file)


def resolve_db_url(url: str | None = None) -> str:
    """The store URL: ``url`` if given, else ``$NARRMON_DB_URL``, else the SQLite default."""
    return url or os.environ.get(ENV_DB_URL) or DEFAULT_DB_URL


def now_utc() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def dumps(value: Any) -> str | None:
    """Serialise to compact JSON text (None stays None)."""
    if value is None:
        return None
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def content_hash(post: Post) -> str:
    """A hash of what a post says; reloading an identical post is then a no-op."""
    parts = (
        post.account_id,
        post.created_at.isoformat(),
        post.text,
        post.url,
        post.reply_to,
        post.forwarded_from_account,
        post.forwarded_from_post,
        post.forwarded_from_name,
        post.quoted_id,
        post.reposted_id,
        post.hashtags,
        post.mentions,
        post.links,
        post.has_media,
        post.edited_at.isoformat() if post.edited_at else None,
        post.lang,
        post.script,
    )
    return hashlib.blake2b(orjson.dumps(parts), digest_size=16).hexdigest()


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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # no effect once the file has data
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # Statement journals (one per row written while a table has triggers) stay in memory.
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    cur.close()


class Store:
    """A narrmon store at a SQLAlchemy URL, migrated to the newest schema on first use."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = resolve_db_url(url)
        self.engine = self._create_engine(self.url)
        if migrate:
            self.migrate()

    # -- opening -------------------------------------------------------------------

    @staticmethod
    def _create_engine(url: str) -> Engine:
        try:
            parsed = make_url(url)
        except Exception as exc:  # noqa: BLE001 - any parse failure is the same to a user
            raise StoreError(f"not a database URL: {redact_url(url)!r}") from exc
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        connect_args = {}
        if parsed.get_backend_name() == "postgresql":
            # Sessions in UTC whatever the server's default; keep options from the URL.
            options = parsed.query.get("options", "")
            connect_args["options"] = f"{options} -c timezone=UTC".strip()
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)

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
            raise StoreError(f"cannot open the store at {self.describe()}: {exc}") from None
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
            for a in latest.values()
        ]
        stmt = self._insert(schema.accounts)
        t = schema.accounts
        ex = stmt.excluded
        newer_followers = (t.c.followers_at.is_(None)) | (ex.followers_at >= t.c.followers_at)
        from sqlalchemy import case

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
        to_row = {"sqlite": _sqlite_post_values, "postgresql": _pg_post_values}.get(
            self.dialect, _post_row
        )
        rows: list[Any] = []
        new = changed = same = 0
        for key, (post, digest) in by_key.items():
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
            _sqlite_write(conn, schema.posts, POST_COLUMNS, POST_KEY, POST_KEEP, rows)
        elif rows and self.dialect == "postgresql":
            _pg_copy_write(conn, schema.posts, POST_COLUMNS, POST_KEY, POST_KEEP, rows)
        elif rows:
            t = schema.posts
            stmt = self._insert(t)
            stmt = stmt.on_conflict_do_update(
                index_elements=[t.c.platform, t.c.post_id],
                set_={c.name: stmt.excluded[c.name] for c in t.columns if c.name not in POST_KEEP},
            )
            conn.execute(stmt, rows)
        return new, changed, same

    def _known_hashes(
        self, conn: Connection, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        t = schema.posts
        found: dict[tuple[str, str], str] = {}
        for platform in {p for p, _ in keys}:
            ids = [i for p, i in keys if p == platform]
            # PostgreSQL takes the ids as one array parameter: no bind limit to stay under.
            step = max(len(ids), 1) if self.dialect == "postgresql" else LOOKUP_CHUNK
            for start in range(0, len(ids), step):
                chunk = ids[start : start + step]
                if self.dialect == "postgresql":
                    result = _driver_cursor(conn).execute(
                        "SELECT post_id, content_hash FROM posts "
                        "WHERE platform = %s AND post_id = ANY(%s)",
                        [platform, chunk],
                    )
                elif self.dialect == "sqlite":  # the driver directly: no per-row processing
                    marks = ",".join("?" * len(chunk))
                    result = _sqlite_cursor(conn).execute(
                        "SELECT post_id, content_hash FROM posts "
                        f"WHERE platform = ? AND post_id IN ({marks})",
                        [platform, *chunk],
                    )
                else:
                    q = select(t.c.post_id, t.c.content_hash).where(
                        t.c.platform == platform, t.c.post_id.in_(chunk)
                    )
                    result = conn.execute(q)
                for post_id, digest in result:
                    found[(platform, post_id)] = digest
        return found

    def append_snapshots(self, conn: Connection, snapshots: Iterable[MetricSnapshot]) -> int:
        """Append metric snapshots; one already stored for that instant is left alone."""
        by_key = {(s.platform, s.post_id, s.captured_at): s for s in snapshots}
        if not by_key:
            return 0
        t = schema.metric_snapshots
        if self.dialect == "sqlite":  # the driver counts the rows it really inserted
            rows = [_sqlite_snapshot_values(s) for s in by_key.values()]
            return _sqlite_write(conn, t, SNAPSHOT_COLUMNS, SNAPSHOT_KEY, None, rows)
        if self.dialect == "postgresql":  # COPY, then one INSERT … SELECT: see _pg_copy_write
            rows = [_pg_snapshot_values(s) for s in by_key.values()]
            return _pg_copy_write(conn, t, SNAPSHOT_COLUMNS, SNAPSHOT_KEY, None, rows)
        # RETURNING lists only the rows really inserted: no look-up query is needed.
        stmt = (
            self._insert(t)
            .on_conflict_do_nothing(index_elements=[t.c.platform, t.c.post_id, t.c.captured_at])
            .returning(t.c.id)
        )
        rows = [_snapshot_row(s) for s in by_key.values()]
        return len(conn.execute(stmt, rows).all())

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
        conn.execute(stmt, list(rows.values()))
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

    # -- import runs ---------------------------------------------------------------

    def start_run(self, kind: str, path: str) -> int:
        """Log the start of an import; returns the run id."""
        t = schema.import_runs
        with self.begin() as conn:
            result = conn.execute(
                t.insert().values(kind=kind, path=path, started_at=now_utc(), status="running")
            )
            return int(result.inserted_primary_key[0])

    def finish_run(
        self, run_id: int, counts: BatchCounts, *, skipped: int, status: str, detail: Any
    ) -> None:
        """Log how an import ended."""
        t = schema.import_runs
        with self.begin() as conn:
            conn.execute(
                t.update()
                .where(t.c.id == run_id)
                .values(
                    finished_at=now_utc(),
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


# -- SQLite fast path ------------------------------------------------------------------
# On SQLite the hot writes (posts, snapshots) go straight to the sqlite3 driver inside
# the same SQLAlchemy transaction: SQLAlchemy's per-row bind processing costs more than
# the insert itself. Values are converted exactly as the column types would convert
# them (UTC datetimes as "YYYY-MM-DD HH:MM:SS.ffffff", booleans as 0/1).

POST_KEY = ("platform", "post_id")
POST_KEEP = frozenset({"platform", "post_id", "collected_at", "deleted_at"})
SNAPSHOT_KEY = ("platform", "post_id", "captured_at")
_SQLITE_SQL: dict[tuple, tuple[str, tuple[str, ...], dict[str, Any]]] = {}


def _sqlite_cursor(conn: Connection) -> Any:
    return conn.connection.driver_connection.cursor()


def _sqlite_upsert_sql(
    table: Any, columns: tuple[str, ...], key: tuple[str, ...], keep: frozenset[str] | None
) -> tuple[str, tuple[Any, ...]]:
    """``INSERT … ON CONFLICT`` for ``columns`` (do nothing when ``keep`` is None).

    Returns the SQL and the values to append for other columns that have a constant
    Python-side default, as SQLAlchemy would fill them in.
    """
    cache_key = (table.name, columns, key, keep)
    if cache_key not in _SQLITE_SQL:
        defaults = {
            c.name: c.default.arg
            for c in table.columns
            if c.name not in columns and c.default is not None and c.default.is_scalar
        }
        names = (*columns, *defaults)
        marks = ", ".join("?" * len(names))
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks}) "
        sql += f"ON CONFLICT ({', '.join(key)}) DO "
        if keep is None:
            sql += "NOTHING"
        else:
            sql += "UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in names if c not in keep)
        _SQLITE_SQL[cache_key] = (sql, tuple(defaults.values()))
    return _SQLITE_SQL[cache_key]


def _sqlite_time(value: datetime | None) -> str | None:
    """A datetime as the SQLite column stores it: naive UTC, microseconds always shown."""
    if value is None:
        return None
    last = _last_time[0]
    if value is last[0]:  # a file's collected_at / captured_at: the same object
        return last[1]
    moment = value
    if value.tzinfo is not None and value.tzinfo is not UTC and value.utcoffset():
        moment = value.astimezone(UTC)
    text = moment.isoformat(" ", "microseconds")[:26]
    _last_time[0] = (value, text)  # one assignment: safe between threads
    return text


# The last datetime _sqlite_time converted, with its text.
_last_time: list[tuple[datetime | None, str | None]] = [(None, None)]


def _sqlite_write(
    conn: Connection,
    table: Any,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    keep: frozenset[str] | None,
    values: list[tuple[Any, ...]],
) -> int:
    """Upsert rows of ``values`` (in ``columns`` order) on the raw driver; rows changed."""
    sql, defaults = _sqlite_upsert_sql(table, columns, key, keep)
    if defaults:
        values = [(*row, *defaults) for row in values]
    cursor = _sqlite_cursor(conn)
    with _row_trigger_deferred(cursor, table.name, len(values)):
        cursor.executemany(sql, values)
        written = cursor.rowcount
    return written


# Row triggers of migration 0003 that record the days touched in ``rollup_changes``. A
# per-row trigger costs SQLite a trigger program and a statement journal for every row,
# more than the insert itself; for a batch, the SQLite fast path drops the trigger inside
# its own transaction (no other connection ever sees it missing), writes, records the
# same days with one statement over the rows it inserted (rowid above the mark taken
# before), and recreates the trigger from its stored text before the transaction ends.
# Only a trigger whose stored text is exactly the one below is deferred; any other
# version is left to fire row by row.
_DEFERRED_TRIGGERS: dict[str, tuple[str, str, str]] = {
    "posts": (
        "trg_rollup_posts_insert",
        "CREATE TRIGGER trg_rollup_posts_insert AFTER INSERT ON posts FOR EACH ROW BEGIN "
        "INSERT INTO rollup_changes(day) VALUES (date(NEW.created_at)); END",
        "INSERT INTO rollup_changes(day) SELECT DISTINCT date(created_at) FROM posts "
        "WHERE rowid > ?",
    ),
    "metric_snapshots": (
        "trg_rollup_snapshots_insert",
        "CREATE TRIGGER trg_rollup_snapshots_insert AFTER INSERT ON metric_snapshots "
        "FOR EACH ROW BEGIN INSERT INTO rollup_changes(day) SELECT date(p.created_at) "
        "FROM posts p WHERE p.platform = NEW.platform AND p.post_id = NEW.post_id; END",
        "INSERT INTO rollup_changes(day) SELECT DISTINCT date(p.created_at) "
        "FROM metric_snapshots s JOIN posts p "
        "ON p.platform = s.platform AND p.post_id = s.post_id WHERE s.rowid > ?",
    ),
}
DEFER_TRIGGER_ROWS = 64  # fewer rows than this: let the row trigger fire


@contextmanager
def _row_trigger_deferred(cursor: Any, table: str, rows: int) -> Iterator[None]:
    """Run the body with ``table``'s rollup row trigger replaced by one set-based insert."""
    spec = _DEFERRED_TRIGGERS.get(table)
    if spec is None or rows < DEFER_TRIGGER_ROWS:
        yield
        return
    name, create_sql, record_days = spec
    found = cursor.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
    ).fetchone()
    if found is None or found[0] != create_sql:
        yield
        return
    if not cursor.connection.in_transaction:  # DDL would otherwise commit on its own
        cursor.execute("BEGIN")
    (mark,) = cursor.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()
    cursor.execute(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        cursor.execute(record_days, (mark,))
        cursor.execute(create_sql)


POST_COLUMNS = (
    "platform",
    "post_id",
    "account_id",
    "created_at",
    "text",
    "url",
    "reply_to",
    "fwd_account_id",
    "fwd_post_id",
    "fwd_name",
    "quoted_id",
    "reposted_id",
    "hashtags",
    "mentions",
    "links",
    "has_media",
    "edited_at",
    "lang",
    "script",
    "source",
    "collected_at",
    "deleted_at",
    "content_hash",
    "raw",
)
SNAPSHOT_COLUMNS = (
    "platform",
    "post_id",
    "captured_at",
    "views",
    "forwards",
    "replies",
    "reactions",
    "reactions_by_emoji",
    "likes",
    "reposts",
    "quotes",
    "bookmarks",
    "impressions",
)


def _sqlite_post_values(post: Post, digest: str) -> tuple[Any, ...]:
    """A post as a row for the SQLite driver, in :data:`POST_COLUMNS` order."""
    raw = post.raw
    if raw is not None and not isinstance(raw, str):
        raw = dumps(raw)
    return (
        post.platform,
        post.post_id,
        post.account_id,
        _sqlite_time(post.created_at),
        post.text,
        post.url,
        post.reply_to,
        post.forwarded_from_account,
        post.forwarded_from_post,
        post.forwarded_from_name,
        post.quoted_id,
        post.reposted_id,
        _json_list(post.hashtags),
        _json_list(post.mentions),
        _json_list(post.links),
        1 if post.has_media else 0,
        _sqlite_time(post.edited_at),
        post.lang,
        post.script,
        post.source,
        _sqlite_time(post.collected_at),
        None,
        digest,
        raw,
    )


def _sqlite_snapshot_values(s: MetricSnapshot) -> tuple[Any, ...]:
    """A snapshot as a row for the SQLite driver, in :data:`SNAPSHOT_COLUMNS` order."""
    by_emoji = s.reactions_by_emoji
    return (
        s.platform,
        s.post_id,
        _sqlite_time(s.captured_at),
        s.views,
        s.forwards,
        s.replies,
        s.reactions,
        dumps(dict(by_emoji)) if by_emoji is not None else None,
        s.likes,
        s.reposts,
        s.quotes,
        s.bookmarks,
        s.impressions,
    )


# -- PostgreSQL fast path --------------------------------------------------------------
# Row by row, every INSERT is a statement: a round trip, and the statement-level rollup
# triggers of migration 0003 run once per row. Instead a batch is COPYed into a temporary
# table (dropped at commit) and written with one INSERT … SELECT … ON CONFLICT, so the
# triggers see the whole batch in one transition table. Values are those the
# SQLAlchemy path would bind (aware UTC datetimes, booleans, JSON text).


def _driver_cursor(conn: Connection) -> Any:
    return conn.connection.driver_connection.cursor()


def _pg_copy_write(
    conn: Connection,
    table: Any,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    keep: frozenset[str] | None,
    values: list[tuple[Any, ...]],
) -> int:
    """Upsert rows of ``values`` (in ``columns`` order) through COPY; rows written."""
    defaults = {
        c.name: c.default.arg
        for c in table.columns
        if c.name not in columns and c.default is not None and c.default.is_scalar
    }
    names = ", ".join((*columns, *defaults))
    if defaults:
        values = [(*row, *defaults.values()) for row in values]
    stage = f"narrmon_stage_{table.name}"
    cursor = _driver_cursor(conn)
    cursor.execute(
        f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {names} FROM {table.name} WITH NO DATA"
    )
    with cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
    sql = f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {stage} "
    sql += f"ON CONFLICT ({', '.join(key)}) DO "
    if keep is None:
        sql += "NOTHING"
    else:  # as the SQLAlchemy statement: every column not kept takes the new value
        sql += "UPDATE SET " + ", ".join(
            f"{c.name} = EXCLUDED.{c.name}" for c in table.columns if c.name not in keep
        )
    cursor.execute(sql)
    written = cursor.rowcount
    cursor.execute(f"DROP TABLE {stage}")
    return written


def _pg_post_values(post: Post, digest: str) -> tuple[Any, ...]:
    """A post as a COPY row, in :data:`POST_COLUMNS` order (the values of :func:`_post_row`)."""
    return tuple(_post_row(post, digest).values())


def _pg_snapshot_values(s: MetricSnapshot) -> tuple[Any, ...]:
    """A snapshot as a COPY row, in :data:`SNAPSHOT_COLUMNS` order."""
    return tuple(_snapshot_row(s).values())


def _json_list(items: Sequence[str]) -> str:
    return dumps(list(items)) if items else "[]"


def _merge_account(old: Account | None, new: Account) -> Account:
    if old is None:
        return new
    from dataclasses import replace

    return replace(
        new,
        handle=new.handle or old.handle,
        title=new.title or old.title,
        kind=new.kind or old.kind,
        followers=new.followers if new.followers is not None else old.followers,
        observed_at=new.observed_at if new.followers is not None else old.observed_at,
        raw=new.raw if new.raw is not None else old.raw,
    )


def _post_row(post: Post, digest: str) -> dict[str, Any]:
    raw = post.raw
    if raw is not None and not isinstance(raw, str):
        raw = dumps(raw)
    return {
        "platform": post.platform,
        "post_id": post.post_id,
        "account_id": post.account_id,
        "created_at": post.created_at,
        "text": post.text,
        "url": post.url,
        "reply_to": post.reply_to,
        "fwd_account_id": post.forwarded_from_account,
        "fwd_post_id": post.forwarded_from_post,
        "fwd_name": post.forwarded_from_name,
        "quoted_id": post.quoted_id,
        "reposted_id": post.reposted_id,
        "hashtags": dumps(list(post.hashtags)),
        "mentions": dumps(list(post.mentions)),
        "links": dumps(list(post.links)),
        "has_media": post.has_media,
        "edited_at": post.edited_at,
        "lang": post.lang,
        "script": post.script,
        "source": post.source,
        "collected_at": post.collected_at,
        "deleted_at": None,
        "content_hash": digest,
        "raw": raw,
    }


def _snapshot_row(s: MetricSnapshot) -> dict[str, Any]:
    return {
        "platform": s.platform,
        "post_id": s.post_id,
        "captured_at": s.captured_at,
        "views": s.views,
        "forwards": s.forwards,
        "replies": s.replies,
        "reactions": s.reactions,
        "reactions_by_emoji": dumps(dict(s.reactions_by_emoji))
        if s.reactions_by_emoji is not None
        else None,
        "likes": s.likes,
        "reposts": s.reposts,
        "quotes": s.quotes,
        "bookmarks": s.bookmarks,
        "impressions": s.impressions,
    }


def redact_url(url: str) -> str:
    """A database URL with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "<unparseable URL>"
