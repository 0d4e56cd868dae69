"""Exit 0 when PostgreSQL and Redis answer at the given URLs, 1 otherwise (prints why)."""

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


if __name__ == "__main__":
    pg, redis = sys.argv[1], sys.argv[2]
    sys.exit(0 if reachable(pg, 5432) & reachable(redis, 6379) else 1)
