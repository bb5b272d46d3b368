"""Alembic migrations of the narrmon store."""
