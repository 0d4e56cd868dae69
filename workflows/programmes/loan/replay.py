"""The guaranteed loans' part of `replay_report`: the report's borrowers file and are qualified, the district issues
the certificate, the bank accepts, the guarantee is issued and the bank lends, each on days of the year (the loan
services' `today`). The principals are drawn in thousands of yuan within the individual cap and adjusted so that
what was lent is the report's total. The loans are lent, not repaid: the report counts what was lent."""

import datetime as dt
from decimal import Decimal

from cases.models import Application, Programme
from cases.models.loan import RepaymentMethod
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.replay import Replay, amounts_exact, on, working_day
from workflows.engine.replay_targets import Target
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan.simulation import LOAN_DRAFT, RATES, LoanPlan, ensure_setup, qualify

LOWEST = Decimal("50000")


def replay(*, replay: Replay, target: Target) -> list[Application]:
    rng = replay.rng
    programme, _district, ls = ensure_setup(year=replay.year, cases=target.count)
    programme = Programme.objects.get(pk=programme.pk)
    cap = Decimal(programme.current_rules.amount_rule["caps"]["individual"])
    principals = amounts_exact(rng, count=target.count, total=target.total, low=LOWEST, high=cap, step=Decimal("1000"))
    banks = sorted(ls.banks.values(), key=lambda bank: bank.code)
    approved = []
    for index, principal in enumerate(principals):
        filed = working_day(replay.day(1, 11) + dt.timedelta(days=rng.randrange(0, 300)))
        with on(filed):
            application, user = simulation.file_draft(
                rng=rng, programme=programme, community=replay.community(), amount=principal, profile=LOAN_DRAFT
            )
            application = flow_services.case_submit(application=application, by=user)
        plan = LoanPlan(behaviour="on_time", application=application, applicant_user=user)
        with on(working_day(filed + dt.timedelta(days=7))):
            qualify(plan, ls.staff)
        day = working_day(filed + dt.timedelta(days=14))
        with on(day):
            _lend(plan, ls, banks[index % len(banks)], day, principal, rng)
        approved.append(Application.objects.get(pk=application.pk))
    return approved


def _lend(plan: LoanPlan, ls, bank, day: dt.date, principal: Decimal, rng) -> None:
    officer = ls.officers[bank.pk]
    loan = loan_flow.loan_certificate_issue(application=plan.application, bank=bank, by=ls.staff.approver, today=day)
    loan = loan_flow.loan_bank_decide(loan=loan, by=officer, today=day, accepted=True)
    loan = loan_flow.loan_guarantee_issue(loan=loan, by=ls.staff.approver, today=day)
    loan_flow.loan_disburse(
        loan=loan,
        by=officer,
        today=day,
        contract_number=f"{bank.code.upper()}-{plan.application.number}",
        principal=principal,
        annual_rate=rng.choice(RATES),
        term_months=rng.choice([12, 24, 36]),
        period_months=3,
        repayment_method=RepaymentMethod.ANNUITY,
    )
