"""`simulate --programme loan`: loans over simulated years, then the consistency check, and the subsidies paid
recomputed here independently of the services."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command

from cases.constants import LoanState, RepaymentMethod
from cases.models import Loan
from workflows import loans as loan_flow
from workflows import simulation_loans
from workflows.consistency import check_all

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
    assert report.subsidies_paid == expected == loan_flow.subsidies_paid_total()
    assert expected > 0
    # every loan ended: settled, declined, recovered or written off
    assert set(report.states) <= {LoanState.SETTLED, LoanState.BANK_DECLINED, LoanState.RECOVERED, LoanState.WRITTEN_OFF}


@pytest.mark.django_db
def test_small_loan_simulation_is_consistent():
    report = simulation_loans.run(cases=24, seed=7)
    assert sum(report.behaviours.values()) == 24
    assert report.last_day <= report.first_day + dt.timedelta(days=5 * 366)
    assert_simulation_consistent(report)


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_simulate_300_loans_over_three_years(capsys):
    call_command("simulate", "--programme", "loan", "--cases", "300")
    out = capsys.readouterr().out
    assert "simulation consistent" in out
    report_line = next(line for line in out.splitlines() if line.startswith("subsidies paid:"))
    paid = Decimal(report_line.split()[2])
    report = simulation_loans.LoanReport(subsidies_paid=paid)
    report.states.update(Loan.objects.values_list("state", flat=True))
    assert_simulation_consistent(report)
