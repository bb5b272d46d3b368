"""Store URLs and engines: which URL is used, how it is shown, whether narrmon can use it.

A bad URL gets one message that echoes what was typed (password masked) and says
what to write instead; it never reaches SQLAlchemy's own tracebacks.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import NoSuchModuleError

from narrmon.errors import StoreURLError

DEFAULT_DB_URL = "sqlite:///data/narrmon.db"
ENV_DB_URL = "NARRMON_DB_URL"
SUPPORTED = "SQLite (sqlite:///path/narrmon.db) or PostgreSQL (postgresql://user@host/db)"
# SQLite: page size of a new database file (rows carry ~2 KB raw payloads: 4 KB pages
# would hold one row each), and the page cache per connection, in KiB.
SQLITE_PAGE_SIZE = 16384
SQLITE_CACHE_KIB = 65536
SQLITE_CHECKPOINT_PAGES = 4096  # WAL pages between checkpoints (each one syncs the file)
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@/]*@")  # user:password@ in a URL make_url refuses


def resolve_db_url(url: str | None = None, configured: str | None = None) -> str:
    """The store URL: ``url`` if given, else ``$NARRMON_DB_URL``, else ``configured`` (the
    configuration file's ``db_url``), else the SQLite default."""
    return url or os.environ.get(ENV_DB_URL) or configured or DEFAULT_DB_URL


def redact_url(url: str) -> str:
    """A database URL with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - unparseable: mask by pattern instead
        return _PASSWORD.sub(r"\1***@", url)


def parse_db_url(url: str) -> URL:
    """``url`` parsed, or a :class:`StoreURLError` naming it and what to write instead."""
    shown = redact_url(url)
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise StoreURLError(
            f"not a database URL: {shown!r}; for a SQLite file write sqlite:///{url}"
        )
    if scheme.split("+")[0].lower() == "postgres":
        raise StoreURLError(
            f"not a database URL: {shown!r}; write {'postgresql' + shown[len('postgres') :]!r}"
        )
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - any parse failure is the same to a user
        raise StoreURLError(f"not a database URL: {shown!r}; use {SUPPORTED}") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreURLError(f"unsupported store {shown!r}: narrmon stores data in {SUPPORTED}")
    return parsed


def create_store_engine(parsed: URL, shown: str) -> Engine:
    """An engine for a parsed store URL (``shown`` is the URL as messages give it)."""
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        # Sessions in UTC whatever the server's default; keep options from the URL.
        options = parsed.query.get("options", "")
        connect_args = {"options": f"{options} -c timezone=UTC".strip()}
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except (ImportError, NoSuchModuleError) as exc:
        raise StoreURLError(f"cannot load the database driver of {shown!r}: {exc}") from None


def one_line(exc: BaseException) -> str:
    """A database error as one line: the driver's message without SQLAlchemy's footer."""
    message = str(getattr(exc, "orig", None) or exc)
    return "; ".join(line.strip() for line in message.splitlines() if line.strip())


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
