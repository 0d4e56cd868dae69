"""`simulate --programme loan`: loans over simulated years, then the consistency check, and the subsidies paid
recomputed here independently of the services."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db import connection

from cases.models import Loan, LoanPeriod, SubsidyClaim
from cases.models.loan import LoanState, RepaymentMethod, SubsidyClaimStatus
from documents.constants import DocumentKind, DocumentStatus
from documents.models import Document
from workflows.engine.consistency import check_all
from workflows.programmes.loan import checks as loan_checks
from workflows.programmes.loan import simulation as simulation_loans

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def independent_subsidies(loan: Loan) -> tuple[Decimal, list[Decimal]]:
    """The schedule and subsidy written out again from the contract: period rate r = rate x months / 12."""
    r = loan.annual_rate * loan.period_months / 12
    n = loan.term_months // loan.period_months
    balance = loan.principal
    instalment = cents(balance * r / (1 - (1 + r) ** -n)) if loan.repayment_method == RepaymentMethod.ANNUITY else None
    above = max(loan.annual_rate - loan.reference_rate, Decimal(0))
    per_period = []
    for k in range(1, n + 1):
        interest = cents(balance * r)
        per_period.append(interest if loan.key_group else min(interest, cents(balance * above * loan.period_months / 12)))
        if k == n:
            balance = Decimal(0)
        elif instalment is not None:
            balance -= instalment - interest
    earned = Decimal(0)
    for period, subsidy in zip(loan.periods.order_by("number"), per_period, strict=True):
        on_time = (
            period.repaid_on is not None and period.repaid_on <= period.due_on and not period.overdue and not period.extended
        )
        if on_time:
            earned += subsidy
    return earned, per_period


def assert_simulation_consistent(report):
    assert {k: v for k, v in check_all().items() if v} == {}
    expected = Decimal(0)
    for loan in Loan.objects.filter(principal__isnull=False):
        earned, per_period = independent_subsidies(loan)
        assert list(loan.periods.order_by("number").values_list("subsidy", flat=True)) == per_period, loan.contract_number
        expected += earned
    assert report.subsidies_paid == expected == loan_checks.subsidies_paid_total()
    assert expected > 0
    # every loan ended: settled, declined, recovered or written off
    assert set(report.states) <= {LoanState.SETTLED, LoanState.BANK_DECLINED, LoanState.RECOVERED, LoanState.WRITTEN_OFF}


@pytest.mark.django_db
def test_small_loan_simulation_is_consistent(run_on_commit):
    report = run_on_commit(simulation_loans.run, cases=24, seed=7)
    assert sum(report.behaviours.values()) == 24
    assert report.last_day <= report.first_day + dt.timedelta(days=5 * 366)
    assert_simulation_consistent(report)
    assert_one_statement_per_paid_period()


def assert_one_statement_per_paid_period():
    paid = set(SubsidyClaim.objects.filter(status=SubsidyClaimStatus.PAID).values_list("loan__application_id", "period__number"))
    statements = [
        (application_id, subject["period"])
        for application_id, subject in Document.objects.filter(
            kind=DocumentKind.LOAN_SUBSIDY_STATEMENT, status=DocumentStatus.VALID
        ).values_list("application_id", "subject")
    ]
    assert len(statements) == len(set(statements))
    assert set(statements) == paid


@pytest.mark.acceptance
@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the acceptance run is sized for PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_simulate_300_loans_over_three_years_then_check_consistency(capsys):
    """The issue's acceptance run: 300 loan cases over simulated years, then check_consistency, on PostgreSQL."""
    call_command("simulate", "--programme", "loan", "--cases", "300")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[-1] == "simulation consistent"
    first, last = (dt.date.fromisoformat(d) for d in lines[0].removeprefix("simulated ").split(" to "))
    assert last >= first + relativedelta(years=3)
    behaviours = dict(line.split() for line in lines[2:8])
    assert sum(int(n) for n in behaviours.values()) == 300
    assert set(behaviours) == {"on_time", "late", "extended", "defaulted", "bank_declined", "rejected"}
    paid_line = next(line for line in lines if line.startswith("subsidies paid:"))
    paid = Decimal(paid_line.split()[2])

    call_command("check_consistency")
    assert capsys.readouterr().out.splitlines()[-1] == "consistent"

    # the subsidies paid, recomputed here from each contract, and one statement PDF per paid period
    report = simulation_loans.LoanReport(subsidies_paid=paid)
    report.states.update(Loan.objects.values_list("state", flat=True))
    assert_simulation_consistent(report)
    assert_one_statement_per_paid_period()
    # every path of the loan's life was taken
    states = set(report.states)
    assert {LoanState.SETTLED, LoanState.BANK_DECLINED} <= states and states & {LoanState.RECOVERED, LoanState.WRITTEN_OFF}
    assert LoanPeriod.objects.filter(overdue=True).exists() and LoanPeriod.objects.filter(extended=True).exists()
