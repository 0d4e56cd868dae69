"""Eight reviewers approve eight subsidy claims at once against an envelope that can carry three: exactly three
are approved, the rest refused with nothing changed (PostgreSQL, real parallel connections)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from cases.exceptions import BudgetExceeded
from cases.models import BudgetEnvelope, SubsidyClaim
from cases.models.loan import SubsidyClaimStatus
from tests.parallel import run_in_threads
from tests.workflows.programmes.loan.test_loan_lifecycle import disbursed_loan, loan_programme, loan_setup, ls, repay  # noqa: F401 - fixtures
from workflows.engine.consistency import check_budgets
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan.checks import check_loans

THREADS = 8
AFFORDABLE = 3
SUBSIDY = Decimal("750.00")  # period 1 of 120,000 at 6 %, quarterly: 120000 x (6 % - 3.5 %) / 4

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises every writer"),
]


def test_parallel_claim_approvals_never_overspend_the_envelope(loan_programme, ls, community):  # noqa: F811
    # given eight loans whose first period was repaid on time, each with an open claim of 750.00
    claim_ids = []
    for seed in range(THREADS):
        loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=100 + seed)
        repay(loan, officer, 1, dt.date(2026, 4, 15))
        claim = loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=borrower, today=dt.date(2026, 4, 16))
        assert claim.amount == SUBSIDY
        claim_ids.append(claim.pk)
    # and an envelope one cent short of a fourth claim
    envelope = BudgetEnvelope.objects.get(programme=loan_programme)
    envelope.amount = SUBSIDY * (AFFORDABLE + 1) - Decimal("0.01")
    envelope.save(update_fields=["amount"])

    def approve(index: int) -> str:
        claim = SubsidyClaim(pk=claim_ids[index])
        try:
            loan_flow.subsidy_claim_review(claim=claim, by=ls.staff.district_reviewer, approved=True, note="按期还款。")
        except BudgetExceeded:
            return "refused"
        return "approved"

    results = run_in_threads(THREADS, approve)

    # then exactly three are approved and committed, five stay open, and the ledger agrees
    assert sorted(r if isinstance(r, str) else repr(r) for r in results) == ["approved"] * AFFORDABLE + ["refused"] * (
        THREADS - AFFORDABLE
    ), results
    envelope.refresh_from_db()
    assert (envelope.committed, envelope.paid, envelope.remaining) == (
        SUBSIDY * AFFORDABLE,
        Decimal("0"),
        SUBSIDY - Decimal("0.01"),
    )
    statuses = sorted(SubsidyClaim.objects.filter(pk__in=claim_ids).values_list("status", "envelope_id"))
    assert statuses == [(SubsidyClaimStatus.APPROVED, envelope.pk)] * AFFORDABLE + [(SubsidyClaimStatus.OPEN, None)] * (
        THREADS - AFFORDABLE
    )
    assert check_budgets() == [] and check_loans() == []
