"""Service checks for ``scripts/airflow.sh``: does PostgreSQL or Redis answer, and make a database.

    python scripts/airflow_services.py pg-ensure URL   exit 0 once the database of URL exists
                                                       (created if missing), 3 if the server
                                                       does not answer, 1 on other errors
    python scripts/airflow_services.py redis-ping URL  exit 0 if Redis answers, 3 if not

URL is an SQLAlchemy (``postgresql+psycopg://user@host:port/db``) or a libpq URL. Only the
server's address and the database name are printed, never a password.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit

CONNECT_TIMEOUT = 3  # seconds; a server that takes longer counts as not answering
NOT_ANSWERING = 3
USAGE = "usage: airflow_services.py pg-ensure URL | redis-ping URL"


def libpq_url(url: str, database: str | None = None) -> str:
    """``url`` as psycopg takes it: no SQLAlchemy driver, optionally another database."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


def where(url: str) -> str:
    """``host:port/db`` of a URL, without user or password (for messages)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


def pg_ensure(url: str) -> int:
    """Create the database named in ``url`` unless it exists; 3 if the server does not answer."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    if not name or "/" in name:
        print(f"no database name in {where(url)}", file=sys.stderr)
        return 1
    try:
        conn = psycopg.connect(
            libpq_url(url, "postgres"), connect_timeout=CONNECT_TIMEOUT, autocommit=True
        )
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"PostgreSQL at {where(url)} does not answer: {reason}", file=sys.stderr)
        return NOT_ANSWERING
    with conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name} on {where(url).split('/')[0]}")
    return 0


def redis_ping(url: str) -> int:
    """0 if the Redis server of ``url`` answers PING, else 3."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT)
    try:
        client.ping()
    except redis.RedisError as exc:
        parts = urlsplit(url)
        print(
            f"Redis at {parts.hostname}:{parts.port or 6379} does not answer: {exc}",
            file=sys.stderr,
        )
        return NOT_ANSWERING
    finally:
        client.close()
    return 0


def main(argv: list[str]) -> int:
    """Run one check; the exit code is the answer."""
    if len(argv) != 2 or argv[0] not in ("pg-ensure", "redis-ping"):
        print(USAGE, file=sys.stderr)
        return 2
    command, url = argv
    return pg_ensure(url) if command == "pg-ensure" else redis_ping(url)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
