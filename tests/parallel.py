"""Run work on real parallel database connections (PostgreSQL tests of locks and races)."""

import threading

from django.db import connections


def run_in_threads(count: int, work) -> list:
    """Start `count` threads at once (a barrier releases them together), each on its own database connection;
    return what each `work(index)` returned or the exception it raised, in index order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in 120 s"
    return results
