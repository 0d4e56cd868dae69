"""The case lock takes the case row only, and writers on one loan take the same order (case, process, then the rest):
PostgreSQL, real parallel connections (ADR 0003)."""

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection, transaction

from cases.exceptions import TransitionForbidden
from cases.models import Application, AuditEntry, Loan, LoanPeriod, SubsidyClaim
from cases.models.loan import LoanState, SubsidyClaimSource
from cases.services import loans as loan_services
from cases.services.locks import case_lock
from tests.lifecycle import filed
from tests.parallel import run_in_threads
from tests.workflows.programmes.loan.test_loan_lifecycle import disbursed_loan, english, loan_programme, loan_setup, ls  # noqa: F401 - fixtures
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan.checks import check_loans

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises every writer"),
]

LOCK_NOT_AVAILABLE = "55P03"
ROUNDS = 20


def while_held(hold: Callable[[], object], probe: Callable[[], object]):
    """One connection runs `hold` in a transaction and keeps it open; a second connection runs `probe` meanwhile."""
    held, done = threading.Event(), threading.Event()

    def work(index: int):
        if index == 0:
            try:
                with transaction.atomic():
                    hold()
                    held.set()
                    assert done.wait(timeout=30), "the probe never finished"
            finally:
                held.set()
            return None
        connection.ensure_connection()  # the connection is opened before anything is timed
        try:
            assert held.wait(timeout=30)
            return probe()
        finally:
            done.set()

    holder, prober = run_in_threads(2, work)
    if isinstance(holder, BaseException):
        raise holder
    if isinstance(prober, BaseException):
        raise prober
    return prober


def lock_seconds(pk: int) -> float:
    with transaction.atomic():
        started = time.perf_counter()
        case_lock(pk=pk)
        return time.perf_counter() - started


def refusal(lock: Callable[[], object], *, timeout_ms: int | None = None) -> str | None:
    """The SQLSTATE a lock attempt fails with, or None when it succeeds."""
    try:
        with transaction.atomic():
            if timeout_ms is not None:
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{timeout_ms}ms'")
            lock()
    except OperationalError as error:
        return getattr(error.__cause__, "sqlstate", "?")
    return None


@pytest.fixture
def two_cases(programme, community, rng):
    """Two cases sharing their programme, org unit and applicant: every row the case lock joins."""
    first, _ = filed(programme=programme, community=community, rng=rng)
    second, _ = filed(programme=programme, community=community, rng=rng)
    Application.objects.filter(pk=second.pk).update(applicant=first.applicant)
    second.refresh_from_db()
    assert (first.programme_id, first.org_unit_id, first.applicant_id) == (
        second.programme_id,
        second.org_unit_id,
        second.applicant_id,
    )
    return first, second


def test_a_held_case_lock_never_holds_up_another_case_of_the_same_programme(two_cases):
    first, second = two_cases

    def probe():
        return (
            # lock_timeout counts only the time spent waiting for a lock (not a busy CPU): 50 ms, or refused
            refusal(lambda: case_lock(pk=second.pk), timeout_ms=50),
            lock_seconds(second.pk),
            refusal(lambda: Application.objects.select_for_update(nowait=True).get(pk=first.pk)),
            refusal(lambda: case_lock(pk=first.pk), timeout_ms=20),
        )

    # while one connection holds the lock on the first case (through the helper)
    within_50_ms, seconds, nowait_on_first, helper_on_first = while_held(lambda: case_lock(pk=first.pk), probe)

    # then a second connection locks the other case without waiting on a lock for 50 ms, and the first case really
    # is locked
    assert within_50_ms is None, f"locking another case of the programme waited on a lock (took {seconds * 1000:.1f} ms)"
    assert (nowait_on_first, helper_on_first) == (LOCK_NOT_AVAILABLE, LOCK_NOT_AVAILABLE)


def test_the_old_joined_lock_shares_the_programme_row_which_the_helper_leaves_alone(two_cases):
    # control: the same two cases locked the old way (select_for_update over the joins) collide on a shared row
    first, second = two_cases

    def old_lock(pk: int, **options):
        return Application.objects.select_for_update(**options).select_related("programme", "applicant", "org_unit").get(pk=pk)

    collided = while_held(lambda: old_lock(first.pk), lambda: refusal(lambda: old_lock(second.pk, nowait=True)))
    assert collided == LOCK_NOT_AVAILABLE


def interest_row(loan: Loan, period: LoanPeriod) -> bytes:
    header = "contract_number,period,repaid_on,principal,interest"
    row = f"{loan.contract_number},{period.number},{period.due_on.isoformat()},{period.principal},{period.interest}"
    return f"{header}\r\n{row}\r\n".encode()


def test_the_interest_file_and_a_repayment_racing_on_one_loan_never_deadlock_nor_lose_an_update(loan_programme, ls, community):  # noqa: F811
    # given a monthly loan over 36 months (36 periods, each earning a subsidy when repaid on its due date)
    loan, _, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, term=36, period_months=1, seed=61)
    periods = list(LoanPeriod.objects.filter(loan=loan).order_by("number"))
    assert len(periods) == 36 and all(p.subsidy > 0 for p in periods[:ROUNDS])
    orders: Counter = Counter()

    for period in periods[:ROUNDS]:
        # when the bank's file for the period and the officer's entry of the same repayment race, round after round
        content = interest_row(loan, period)

        def work(index: int, period=period, content=content):
            if index == 0:
                return loan_flow.interest_file_import(
                    content=content, filename=f"p{period.number}.csv", by=officer, today=period.due_on
                )
            if period.number % 2 == 0:
                # every other round the repayment first reads the file too (no writes), so both reach the locks together
                loan_services.interest_file_check(content=content, filename="same.csv", by=officer)
            return loan_flow.loan_repayment_record(loan=loan, by=officer, period_number=period.number, repaid_on=period.due_on)

        imported, repaid = run_in_threads(2, work)

        # then each round ends as one of the two serial orders: the file claims the subsidy either way, and the
        # repayment is recorded once (by the file, or by the officer with the file then finding it repaid)
        assert isinstance(imported, dict), f"period {period.number}: the import failed with {imported!r}"
        if isinstance(repaid, Loan):
            orders["repayment first"] += 1
            assert imported == {"rows": 1, "repayments": 0, "claims": 1, "already_claimed": 0, "not_eligible": 0}
        else:
            orders["file first"] += 1
            assert isinstance(repaid, TransitionForbidden), f"period {period.number}: the repayment failed with {repaid!r}"
            assert imported == {"rows": 1, "repayments": 1, "claims": 1, "already_claimed": 0, "not_eligible": 0}

    # and the record is exactly what one serial order gives
    raced = periods[:ROUNDS]
    assert list(LoanPeriod.objects.filter(loan=loan).order_by("number").values_list("repaid_on", "overdue", "is_due")) == [
        (p.due_on, False, True) for p in raced
    ] + [(None, False, p.is_due) for p in periods[ROUNDS:]]
    claims = SubsidyClaim.objects.filter(loan=loan).order_by("period__number")
    assert list(claims.values_list("period__number", "amount", "source", "claimed_on")) == [
        (p.number, p.subsidy, SubsidyClaimSource.BANK_FILE, p.due_on) for p in raced
    ]
    actions = Counter(AuditEntry.objects.filter(application_id=loan.application_id).values_list("action", flat=True))
    assert (actions["loan:repaid"], actions["loan:subsidy_claimed"]) == (ROUNDS, ROUNDS)
    loan.refresh_from_db()
    assert loan.state == LoanState.REPAYING
    assert check_loans() == []
    assert sum(orders.values()) == ROUNDS, orders
