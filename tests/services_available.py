"""Exit 0 when PostgreSQL and Redis answer at the given URLs, 1 otherwise (prints why).

With --drop-test-database, also drop the PostgreSQL test database a previous, interrupted run may have left
behind (pytest-django would otherwise stop at "database already exists" while an old session holds it)."""

import socket
import sys
from urllib.parse import urlsplit


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError as error:
        print(f"{url}: {error}")
        return False


def drop_test_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = "test_" + parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname="postgres", autocommit=True
    ) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    pg, redis = arguments
    available = reachable(pg, 5432) & reachable(redis, 6379)
    if available and "--drop-test-database" in sys.argv:
        drop_test_database(pg)
    sys.exit(0 if available else 1)
