"""Parallel wrong passwords on separate connections (as from several web processes): one lock-out, and then the
right password is refused on every connection."""

import pytest
from django.db import connection
from django.test import Client

from cases.constants import Role
from cases.models import AccessEvent
from tests.conftest import make_user
from tests.parallel import run_in_threads

THREADS = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises every writer"),
]


def test_parallel_failures_write_one_lock_out_and_it_holds_everywhere(community, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    make_user("reviewer-p", Role.TOWN_REVIEWER, community.parent)

    def wrong(index: int) -> int:
        response = Client().post(
            "/accounts/login/", {"username": "reviewer-p", "password": "wrong"}, REMOTE_ADDR=f"10.1.0.{index}"
        )
        return response.status_code

    statuses = run_in_threads(THREADS, wrong)
    assert all(status in (200, 429) for status in statuses), statuses
    failures = AccessEvent.objects.filter(kind=AccessEvent.Kind.LOGIN_FAILED).count()
    locks = AccessEvent.objects.filter(kind=AccessEvent.Kind.LOCKED_OUT)
    # every attempt that passed the lock check before the lock existed was counted; exactly one lock-out row
    assert 5 <= failures <= THREADS and statuses.count(429) >= THREADS - failures + 1
    assert [(lock.scope, lock.username) for lock in locks] == [("account", "reviewer-p")]

    def right(index: int) -> int:
        return (
            Client()
            .post("/accounts/login/", {"username": "reviewer-p", "password": "correct-horse-battery"}, REMOTE_ADDR="10.2.0.1")
            .status_code
        )

    assert run_in_threads(4, right) == [429] * 4
