"""The whole loan life through the services and the flow, on a simulated clock."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from viewflow.workflow.status import PROCESS

from cases.constants import ApplicantCategory, Role, Status
from cases.exceptions import BudgetExceeded, DomainError, PermissionDenied, TransitionForbidden
from cases.models import Application, AuditEntry, Bank, BankOfficer, BudgetEnvelope, Loan, LoanPeriod, SubsidyClaim
from cases.models.loan import LoanState, RepaymentMethod, SubsidyClaimStatus
from cases.services import loans as loan_services
from cases.services import programme_rules_change
from tests.conftest import make_user
from tests.documents.pdf import pdf_flat_text
from tests.lifecycle import task_names
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.consistency import check_all
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan import checks as loan_checks
from workflows.programmes.loan import simulation as simulation_loans
from workflows.programmes.loan import tasks as loans_tasks
from workflows.programmes.loan.simulation import LOAN_DRAFT

pytestmark = pytest.mark.django_db
D = Decimal
DISBURSED_ON = dt.date(2026, 1, 15)
AMOUNT = D("120000")
RATE = D("0.06")


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here; one test checks the Simplified Chinese translation."""
    with translation.override("en"):
        yield


@pytest.fixture
def loan_setup(district):
    return simulation_loans.ensure_setup(year=timezone.localdate().year, cases=10)


@pytest.fixture
def ls(loan_setup):
    return loan_setup[2]


@pytest.fixture
def loan_programme(loan_setup):
    return loan_setup[0]


def qualified_case(*, programme, ls, community, amount=AMOUNT, category=ApplicantCategory.GRADUATE, seed=11):
    rng = random.Random(seed)
    application, user = simulation.file_draft(
        rng=rng, programme=programme, community=community, amount=amount, category=category, profile=LOAN_DRAFT
    )
    application = flow_services.case_submit(application=application, by=user)
    plan = simulation_loans.LoanPlan(behaviour="on_time", application=application, applicant_user=user)
    assert simulation_loans.qualify(plan, ls.staff)
    return Application.objects.get(pk=application.pk), user


def disbursed_loan(
    *,
    programme,
    ls,
    community,
    amount=AMOUNT,
    rate=RATE,
    term=12,
    method=RepaymentMethod.ANNUITY,
    category=ApplicantCategory.GRADUATE,
    bank_code="abc-yh",
    seed=11,
    period_months=3,
):
    application, user = qualified_case(
        programme=programme, ls=ls, community=community, amount=amount, category=category, seed=seed
    )
    bank = ls.banks[bank_code]
    officer = ls.officers[bank.pk]
    loan = loan_flow.loan_certificate_issue(
        application=application, bank=bank, by=ls.staff.approver, today=DISBURSED_ON - dt.timedelta(days=10)
    )
    loan = loan_flow.loan_bank_decide(loan=loan, by=officer, today=DISBURSED_ON - dt.timedelta(days=5), accepted=True)
    loan = loan_flow.loan_guarantee_issue(loan=loan, by=ls.staff.approver, today=DISBURSED_ON - dt.timedelta(days=2))
    loan = loan_flow.loan_disburse(
        loan=loan,
        by=officer,
        today=DISBURSED_ON,
        contract_number=f"HT-{application.number}",
        principal=amount,
        annual_rate=rate,
        term_months=term,
        repayment_method=method,
        period_months=period_months,
    )
    return loan, user, officer


def repay(loan, officer, number, on):
    return loan_flow.loan_repayment_record(loan=loan, by=officer, period_number=number, repaid_on=on)


def pay_all_approved(programme, ls, day):
    claims = list(SubsidyClaim.objects.filter(status=SubsidyClaimStatus.APPROVED))
    simulation_loans.pay_claims(programme, ls, day, random.Random(1))
    return claims


def subsidies(loan):
    return {c.period.number: c.amount for c in SubsidyClaim.objects.filter(loan=loan).select_related("period")}


def assert_consistent():
    assert {k: v for k, v in check_all().items() if v} == {}


def test_on_time_loan_from_qualification_to_settlement_with_subsidy_paid(loan_programme, ls, community):
    # given an approved loan case: the flow waits in the `loan` handle
    application, borrower = qualified_case(programme=loan_programme, ls=ls, community=community)
    assert application.status == Status.DISTRICT_APPROVED
    assert task_names(application) == ["loan"]

    # when the certificate is issued, the bank accepts, the fund guarantees and the bank lends
    loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=12)
    assert loan.state == LoanState.DISBURSED
    assert loan.certificate_number.startswith("YH-DK-ZG-")
    assert loan.guarantee_number.startswith("YH-DB-")
    # the schedule is the hand-computed one (tests/cases/test_loan_schedule.py)
    periods = list(loan.periods.order_by("number"))
    assert [(p.principal, p.interest, p.subsidy) for p in periods] == [
        (D("29333.37"), D("1800.00"), D("750.00")),
        (D("29773.37"), D("1360.00"), D("566.67")),
        (D("30219.97"), D("913.40"), D("380.58")),
        (D("30673.29"), D("460.10"), D("191.71")),
    ]

    # and the borrower repays every period on its due date
    assert loan_services.loan_periods_mark_due(today=dt.date(2026, 4, 15)) == 1
    assert Loan.objects.get(pk=loan.pk).state == LoanState.REPAYING
    for period in periods:
        loan = repay(loan, officer, period.number, period.due_on)

    # approval and lending committed nothing: the principal is the bank's money (ADR 0007)
    envelope = BudgetEnvelope.objects.get(programme=loan_programme)
    assert (envelope.committed, envelope.paid) == (D("0"), D("0"))

    # then the loan is settled and its flow has ended
    loan.refresh_from_db()
    assert loan.state == LoanState.SETTLED and loan.settled_on == dt.date(2027, 1, 15)
    application = Application.objects.get(pk=loan.application_id)
    assert task_names(application) == []
    assert application.process.status == PROCESS.DONE
    assert application.status == Status.DISTRICT_APPROVED

    # when the periodic task opens the claims (twice: idempotent), the reviewer approves and finance pays
    assert loans_tasks.loan_subsidy_claims_open("2027-01-20") == 4
    assert loans_tasks.loan_subsidy_claims_open("2027-01-20") == 0
    for claim in SubsidyClaim.objects.filter(loan=loan):
        loan_flow.subsidy_claim_review(claim=claim, by=ls.staff.district_reviewer, approved=True, note="ok")
    simulation_loans.pay_claims(loan_programme, ls, dt.date(2027, 1, 31), random.Random(5))

    # then each period's subsidy is paid once, through a payment line numbered by the period
    claims = SubsidyClaim.objects.filter(loan=loan).select_related("payment_line", "period").order_by("period__number")
    paid = [(c.period.number, c.status, c.payment_line.instalment if c.payment_line else None) for c in claims]
    returned = [n for n, status, _ in paid if status != SubsidyClaimStatus.PAID]
    if returned:  # the bank returned a line (2 % chance): re-issued in the next batch
        simulation_loans.pay_claims(loan_programme, ls, dt.date(2027, 4, 30), random.Random(99))
    assert loan_checks.subsidies_paid_total() == D("1888.96")  # 750.00 + 566.67 + 380.58 + 191.71
    # each claim was committed when approved and paid from the same envelope
    envelope.refresh_from_db()
    assert (envelope.committed, envelope.paid) == (D("0"), D("1888.96"))
    assert set(SubsidyClaim.objects.filter(loan=loan).values_list("envelope", flat=True)) == {envelope.pk}
    assert sorted(c.payment_line.instalment for c in SubsidyClaim.objects.filter(loan=loan)) == [1, 2, 3, 4]
    assert_consistent()


def test_a_claim_the_envelope_cannot_carry_is_refused_and_changes_nothing(loan_programme, ls, community):
    loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community)
    repay(loan, officer, 1, dt.date(2026, 4, 15))
    claim = loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=borrower, today=dt.date(2026, 4, 16))
    assert claim.amount == D("750.00")
    # the year's envelope has 749.99 left
    envelope = BudgetEnvelope.objects.get(programme=loan_programme)
    envelope.amount = D("749.99")
    envelope.save(update_fields=["amount"])
    audit_before = AuditEntry.objects.count()
    with pytest.raises(BudgetExceeded) as error:
        loan_flow.subsidy_claim_review(claim=claim, by=ls.staff.district_reviewer, approved=True, note="ok")
    assert "750.00 would exceed the remaining budget 749.99" in str(error.value)
    claim.refresh_from_db()
    envelope.refresh_from_db()
    assert (claim.status, claim.envelope_id, envelope.committed) == (SubsidyClaimStatus.OPEN, None, D("0"))
    assert AuditEntry.objects.count() == audit_before
    # one cent more and it is approved, committing exactly the claim
    envelope.amount = D("750.00")
    envelope.save(update_fields=["amount"])
    claim = loan_flow.subsidy_claim_review(claim=claim, by=ls.staff.district_reviewer, approved=True, note="ok")
    envelope.refresh_from_db()
    assert (claim.status, claim.envelope_id, envelope.committed, envelope.remaining) == (
        SubsidyClaimStatus.APPROVED,
        envelope.pk,
        D("750.00"),
        D("0.00"),
    )
    assert_consistent()
    # the check sees a claim that no longer matches what its envelope committed
    SubsidyClaim.objects.filter(pk=claim.pk).update(amount=D("749.99"))
    assert check_all()["budgets"] == [f"envelope {envelope}: committed 750.00 but approved subsidy claims hold 749.99"]


def test_key_group_borrower_gets_the_whole_interest(loan_programme, ls, community):
    # interest only, 100,000 at 4.35 %: each quarter 100000 x 0.0435 / 4 = 1087.50, all of it subsidised
    loan, _, _ = disbursed_loan(
        programme=loan_programme,
        ls=ls,
        community=community,
        amount=D("100000"),
        rate=D("0.0435"),
        method=RepaymentMethod.INTEREST_ONLY,
        category=ApplicantCategory.DISABLED,
    )
    assert loan.key_group
    assert list(loan.periods.values_list("subsidy", flat=True)) == [D("1087.50")] * 4


def test_overdue_period_earns_no_subsidy_and_a_claim_for_it_is_refused(loan_programme, ls, community):
    loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community)
    repay(loan, officer, 1, dt.date(2026, 4, 15))
    # period 2 (due 2026-07-15) is still unpaid on 2026-07-16: the daily tasks mark it due and overdue
    assert loans_tasks.loan_periods_mark_due("2026-07-16") == 1
    assert loans_tasks.loan_overdue_flag("2026-07-16") == 1
    assert loans_tasks.loan_overdue_flag("2026-07-16") == 0  # idempotent
    loan.refresh_from_db()
    assert loan.state == LoanState.OVERDUE
    # repaid ten days late: the loan is cured, the period stays excluded
    loan = repay(loan, officer, 2, dt.date(2026, 7, 25))
    assert loan.state == LoanState.REPAYING
    repay(loan, officer, 3, dt.date(2026, 10, 15))

    audit_before = AuditEntry.objects.count()
    with pytest.raises(TransitionForbidden) as error:
        loan_flow.subsidy_claim_open(loan=loan, period_number=2, by=borrower, today=dt.date(2026, 10, 20))
    assert "Period 2 was overdue" in str(error.value.message)
    assert SubsidyClaim.objects.count() == 0 and AuditEntry.objects.count() == audit_before

    assert loan_services.subsidy_claims_open_due(today=dt.date(2026, 10, 20)) == 2
    assert subsidies(loan) == {1: D("750.00"), 3: D("380.58")}
    assert_consistent()


def test_late_repayment_without_the_overdue_task_is_still_excluded(loan_programme, ls, community):
    loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community)
    repay(loan, officer, 1, dt.date(2026, 4, 16))  # one day late, before any task ran
    assert LoanPeriod.objects.get(loan=loan, number=1).overdue
    with pytest.raises(TransitionForbidden):
        loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=borrower, today=dt.date(2026, 4, 20))
    assert SubsidyClaim.objects.count() == 0


def test_extended_periods_earn_no_subsidy(loan_programme, ls, community):
    loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community)
    repay(loan, officer, 1, dt.date(2026, 4, 15))
    repay(loan, officer, 2, dt.date(2026, 7, 15))
    # the bank extends by 6 months before period 3 falls due
    loan = loan_flow.loan_extend(loan=loan, by=officer, today=dt.date(2026, 10, 1), months=6)
    assert loan.state == LoanState.EXTENDED
    p3, p4 = LoanPeriod.objects.filter(loan=loan, number__in=[3, 4]).order_by("number")
    assert (p3.due_on, p4.due_on, p3.extended, p4.extended) == (dt.date(2027, 4, 15), dt.date(2027, 7, 15), True, True)
    repay(loan, officer, 3, p3.due_on)
    loan = repay(loan, officer, 4, p4.due_on)
    assert loan.state == LoanState.SETTLED

    with pytest.raises(TransitionForbidden) as error:
        loan_flow.subsidy_claim_open(loan=loan, period_number=3, by=borrower, today=dt.date(2027, 8, 1))
    assert "extended" in str(error.value.message)
    assert loan_services.subsidy_claims_open_due(today=dt.date(2027, 8, 1)) == 2
    assert subsidies(loan) == {1: D("750.00"), 2: D("566.67")}
    assert_consistent()


def test_a_second_claim_for_the_same_period_is_refused(loan_programme, ls, community):
    loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community)
    repay(loan, officer, 1, dt.date(2026, 4, 10))
    claim = loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=borrower, today=dt.date(2026, 4, 20))
    assert (claim.amount, claim.source) == (D("750.00"), "borrower")
    audit_before = AuditEntry.objects.count()
    with pytest.raises(TransitionForbidden) as error:
        loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=officer, today=dt.date(2026, 4, 21))
    assert "already been claimed" in str(error.value.message)
    assert SubsidyClaim.objects.count() == 1 and AuditEntry.objects.count() == audit_before
    assert loan_services.subsidy_claims_open_due(today=dt.date(2026, 4, 30)) == 0


def test_a_loan_above_the_cap_is_refused(loan_programme, ls, community):
    # 600,000 is within the programme's largest cap (a small enterprise's 3,000,000) but above an individual's 500,000
    application, _ = qualified_case(programme=loan_programme, ls=ls, community=community, amount=D("600000"))
    audit_before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as error:
        loan_flow.loan_certificate_issue(
            application=application, bank=ls.banks["abc-yh"], by=ls.staff.approver, today=DISBURSED_ON
        )
    assert "exceeds the cap 500000" in " ".join(error.value.details)
    assert Loan.objects.count() == 0 and AuditEntry.objects.count() == audit_before
    assert task_names(application) == ["loan"]


def test_disbursement_above_the_qualified_amount_or_term_is_refused(loan_programme, ls, community):
    application, _ = qualified_case(programme=loan_programme, ls=ls, community=community, amount=D("100000"))
    bank = ls.banks["abc-yh"]
    officer = ls.officers[bank.pk]
    loan = loan_flow.loan_certificate_issue(application=application, bank=bank, by=ls.staff.approver, today=DISBURSED_ON)
    loan = loan_flow.loan_bank_decide(loan=loan, by=officer, today=DISBURSED_ON, accepted=True)
    loan = loan_flow.loan_guarantee_issue(loan=loan, by=ls.staff.approver, today=DISBURSED_ON)
    terms = dict(
        by=officer, today=DISBURSED_ON, contract_number="HT-1", annual_rate=D("0.05"), repayment_method=RepaymentMethod.ANNUITY
    )
    with pytest.raises(DomainError) as error:
        loan_flow.loan_disburse(loan=loan, principal=D("100000.01"), term_months=12, **terms)
    assert "at most the qualified amount 100000" in str(error.value.message)
    with pytest.raises(DomainError) as error:
        loan_flow.loan_disburse(loan=loan, principal=D("100000"), term_months=48, **terms)
    assert "between 1 and 36 months" in str(error.value.message)
    loan.refresh_from_db()
    assert loan.state == LoanState.GUARANTEED and loan.contract_number is None and not loan.periods.exists()


@pytest.mark.parametrize(
    ("amount", "method", "stop_after", "outstanding", "compensation"),
    [
        # interest only: the whole 80,000 is outstanding; 100 % of it
        (D("80000"), RepaymentMethod.INTEREST_ONLY, 0, D("80000.00"), D("80000.00")),
        # 250,000 interest only: 100,000 x 100 % + 150,000 x 80 % = 220,000
        (D("250000"), RepaymentMethod.INTEREST_ONLY, 1, D("250000.00"), D("220000.00")),
    ],
)
def test_default_is_compensated_by_the_guarantee_fund(
    loan_programme, ls, community, amount, method, stop_after, outstanding, compensation
):
    loan, _, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, amount=amount, method=method)
    for number in range(1, stop_after + 1):
        repay(loan, officer, number, LoanPeriod.objects.get(loan=loan, number=number).due_on)
    loans_tasks.loan_overdue_flag("2026-12-31")
    loan = loan_flow.loan_default_declare(loan=Loan.objects.get(pk=loan.pk), by=officer, today=dt.date(2027, 1, 5))
    assert (loan.state, loan.outstanding_at_default) == (LoanState.DEFAULTED, outstanding)
    loan = loan_flow.loan_compensate(loan=loan, by=ls.staff.approver, today=dt.date(2027, 2, 5))
    assert (loan.state, loan.compensation_amount) == (LoanState.COMPENSATED, compensation)
    loan_flow.loan_recovery_record(loan=loan, by=ls.staff.approver, amount=D("10000"), on=dt.date(2027, 6, 1))
    loan = loan_flow.loan_recovery_close(loan=loan, by=ls.staff.approver, today=dt.date(2027, 6, 2), written_off=False)
    assert loan.state == LoanState.RECOVERED
    assert task_names(loan.application) == []
    assert_consistent()


def test_bank_officer_sees_and_acts_only_on_loans_of_their_bank(loan_programme, ls, community, other_town_community):
    loan_a, _, officer_a = disbursed_loan(programme=loan_programme, ls=ls, community=community, bank_code="abc-yh", seed=21)
    loan_b, _, officer_b = disbursed_loan(
        programme=loan_programme, ls=ls, community=other_town_community, bank_code="yhrcb", seed=22
    )
    assert list(loan_services.loans_for_user(user=officer_a)) == [loan_a]
    assert list(loan_services.loans_for_user(user=officer_b)) == [loan_b]
    # a bank officer without a bank link sees nothing
    stranger = make_user("bank-no-link", Role.BANK_OFFICER, ls.staff.approver.org_unit)
    assert list(loan_services.loans_for_user(user=stranger)) == []
    # a town reviewer sees only the loans of cases in their town
    town = ls.staff.town[community.parent_id]
    assert list(loan_services.loans_for_user(user=town)) == [loan_a]

    audit_before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied) as error:
        repay(loan_a, officer_b, 1, dt.date(2026, 4, 15))
    assert "loan's bank" in str(error.value.message)
    with pytest.raises(PermissionDenied):
        repay(loan_a, ls.staff.district_reviewer, 1, dt.date(2026, 4, 15))
    assert not LoanPeriod.objects.filter(repaid_on__isnull=False).exists()
    assert AuditEntry.objects.count() == audit_before


def test_bank_declines_with_a_reason_and_the_flow_ends(loan_programme, ls, community):
    application, _ = qualified_case(programme=loan_programme, ls=ls, community=community)
    bank = ls.banks["yhrcb"]
    loan = loan_flow.loan_certificate_issue(application=application, bank=bank, by=ls.staff.approver, today=DISBURSED_ON)
    with pytest.raises(DomainError) as error:
        loan_flow.loan_bank_decide(loan=loan, by=ls.officers[bank.pk], today=DISBURSED_ON, accepted=False, reason=" ")
    assert "reason" in str(error.value.message)
    assert Loan.objects.get(pk=loan.pk).state == LoanState.QUALIFIED
    loan = loan_flow.loan_bank_decide(loan=loan, by=ls.officers[bank.pk], today=DISBURSED_ON, accepted=False, reason="征信不良")
    assert (loan.state, loan.decline_reason) == (LoanState.BANK_DECLINED, "征信不良")
    assert task_names(application) == []
    assert_consistent()


def test_at_most_n_loans_per_person(loan_programme, ls, community):
    programme_rules_change(
        programme=loan_programme,
        by=make_user("programme-admin", Role.ADMINISTRATOR, community.parent.parent),
        eligibility_rules={**loan_programme.eligibility_rules, "max_loans": 1},
    )
    first, _ = qualified_case(programme=loan_programme, ls=ls, community=community, seed=31)
    loan_flow.loan_certificate_issue(application=first, bank=ls.banks["abc-yh"], by=ls.staff.approver, today=DISBURSED_ON)
    second, _ = qualified_case(programme=loan_programme, ls=ls, community=community, seed=32)
    # the same person files again (same citizen ID): make the second case's applicant the first's
    Application.objects.filter(pk=second.pk).update(applicant=first.applicant)
    second.refresh_from_db()
    with pytest.raises(DomainError) as error:
        loan_flow.loan_certificate_issue(application=second, bank=ls.banks["abc-yh"], by=ls.staff.approver, today=DISBURSED_ON)
    assert "at most 1" in " ".join(error.value.details)
    assert Loan.objects.count() == 1


def test_bank_officer_role_and_link(ls):
    officer = next(iter(ls.officers.values()))
    assert officer.has_perm("cases.act_for_bank")
    assert not officer.has_perm("cases.review_district")
    assert isinstance(BankOfficer.objects.get(user=officer).bank, Bank)


def test_certificate_and_subsidy_statement_are_issued_as_pdfs(loan_programme, ls, community, run_on_commit):
    from documents.models import Document

    application, _ = qualified_case(programme=loan_programme, ls=ls, community=community, seed=51)
    bank = ls.banks["abc-yh"]
    officer = ls.officers[bank.pk]
    loan = run_on_commit(
        loan_flow.loan_certificate_issue, application=application, bank=bank, by=ls.staff.approver, today=DISBURSED_ON
    )
    loan = loan_flow.loan_bank_decide(loan=loan, by=officer, today=DISBURSED_ON, accepted=True)
    loan = loan_flow.loan_guarantee_issue(loan=loan, by=ls.staff.approver, today=DISBURSED_ON)
    loan = loan_flow.loan_disburse(
        loan=loan,
        by=officer,
        today=DISBURSED_ON,
        contract_number="HT-PDF-1",
        principal=AMOUNT,
        annual_rate=RATE,
        term_months=12,
        repayment_method=RepaymentMethod.ANNUITY,
    )
    repay(loan, officer, 1, dt.date(2026, 4, 15))
    claim = loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=officer, today=dt.date(2026, 4, 16))
    loan_flow.subsidy_claim_review(claim=claim, by=ls.staff.district_reviewer, approved=True, note="ok")
    run_on_commit(simulation_loans.pay_claims, loan_programme, ls, dt.date(2026, 4, 30), random.Random(5))

    kinds = list(Document.objects.filter(application=application).order_by("id").values_list("kind", flat=True))
    assert kinds == ["loan_certificate", "loan_subsidy_statement"]
    statement = Document.objects.get(kind="loan_subsidy_statement")
    assert "人社贷息" in statement.number
    with statement.file.open("rb") as handle:
        pdf = handle.read()
    assert pdf[:5] == b"%PDF-"
    # one period per statement: period 1 of 4, 750.00 (120000 x 6 % / 4 = 1800 interest; 2.5 points above the
    # reference 3.5 % subsidised: 120000 x 2.5 % / 4 = 750.00), and the running total
    assert statement.subject == {"period": 1}
    text = pdf_flat_text(pdf)
    assert "HT-PDF-1" in text and "共4期）第1期已按期还款" in text
    assert "该期财政贴息¥750.00（柒佰伍拾元整）已拨付" in text
    assert "截至第1期，累计贴息¥750.00" in text
    # the period's row only (number, due, repaid, interest, subsidy, status), on one page
    assert "状态12026年4月15日2026年4月15日1,800.00750.00已拨付（印章）" in text
    assert text.endswith("1/1")
    # a re-issue is about the same period
    from documents.services import document_reissue

    again = run_on_commit(document_reissue, document=statement, by=ls.staff.approver, reason="账户尾号更正")
    assert (again.subject, again.supersedes_id) == ({"period": 1}, statement.pk)


def test_bank_officer_sees_only_cases_routed_to_their_bank(loan_programme, ls, community):
    from cases.selectors import application_visible_to, applications_for_user

    loan, _, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, bank_code="abc-yh", seed=61)
    unrouted, _ = qualified_case(programme=loan_programme, ls=ls, community=community, seed=62)
    other = ls.officers[ls.banks["yhrcb"].pk]
    assert list(applications_for_user(user=officer)) == [loan.application]
    assert list(applications_for_user(user=other)) == []
    assert application_visible_to(user=officer, application=loan.application)
    assert not application_visible_to(user=officer, application=unrouted)
    assert not application_visible_to(user=other, application=loan.application)


def test_refusals_read_in_simplified_chinese(loan_programme, ls, community):
    loan, borrower, officer = disbursed_loan(programme=loan_programme, ls=ls, community=community, seed=71)
    repay(loan, officer, 1, dt.date(2026, 4, 20))
    with translation.override("zh-hans"), pytest.raises(TransitionForbidden) as error:
        loan_flow.subsidy_claim_open(loan=loan, period_number=1, by=borrower, today=dt.date(2026, 4, 21))
    assert str(error.value.message) == "第1期曾逾期，不予贴息。"


def test_loan_beat_entries_name_registered_tasks(settings):
    from config.celery import app

    app.loader.import_default_modules()
    loan_entries = {k: v for k, v in settings.CELERY_BEAT_SCHEDULE.items() if k.startswith("loan-")}
    assert len(loan_entries) == 4
    assert all(entry["task"] in app.tasks for entry in loan_entries.values())
