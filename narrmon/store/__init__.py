"""The narrmon store: SQLite by default, PostgreSQL in production, same code for both."""

from narrmon.store.core import DEFAULT_DB_URL, BatchCounts, Store, resolve_db_url

__all__ = ["DEFAULT_DB_URL", "BatchCounts", "Store", "resolve_db_url"]
