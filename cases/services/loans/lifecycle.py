"""A loan's life: qualification, bank, guarantee, disbursement, repayments, extension, overdue, default,
compensation and recovery. Order in every write: lock the case row, then the loan row (`_lock`), then its periods;
check permission, transition, full_clean, save, audit on the case."""

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed

from cases.constants import Role, Status
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.models import Application, Bank, Loan, LoanPeriod, ProgrammeRules, SubsidyClaim, User
from cases.models.loan import REPAYING_LOAN_STATES, BorrowerKind, LoanState, SubsidyClaimStatus
from cases.services.applications import staff_may
from cases.services.audit import audit_record
from cases.services.loans.rules import (
    ScheduleRow,
    _cents,
    _rule,
    loan_cap,
    loan_eligibility_problems,
    loan_key_group,
    schedule_compute,
    subsidy_compute,
)
from cases.services.locks import case_lock, case_locked
from cases.services.numbering import counter_next

# --- helpers ----------------------------------------------------------------------------------


def _lock(loan: Loan) -> Loan:
    """Lock the loan's case, then the loan row (ADR 0003); the loan carries the locked case as `application`."""
    application = case_lock(pk=Loan.objects.values_list("application_id", flat=True).get(pk=loan.pk))
    loan = Loan.objects.select_for_update(of=("self",)).select_related("bank").get(pk=loan.pk)
    loan.application = application
    return loan


def _transition(method, **kwargs) -> None:
    if not can_proceed(method):
        raise TransitionForbidden(_("This action is not possible in the loan's current state."))
    try:
        method(**kwargs)
    except TransitionNotAllowed as error:
        raise TransitionForbidden(_("This action is not possible in the loan's current state.")) from error


def _save(loan: Loan, *fields: str) -> None:
    try:
        loan.full_clean(exclude=["state", "application", "bank"])
    except ValidationError as error:
        raise DomainError(_("The loan data is not valid."), details=error.messages) from error
    loan.save(update_fields=["state", "updated_at", *fields])


def _audit(loan: Loan, *, by: User | None, action: str, before: str, comment: str = "") -> None:
    """The audit row goes on the case; from/to carry the case status, the comment the loan's own states."""
    application = loan.application
    text = f"loan {before} -> {loan.state}" + (f": {comment}" if comment else "")
    audit_record(application=application, by=by, action=f"loan:{action}", from_status=application.status, comment=text)


def bank_officer_of(*, user: User, bank: Bank) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.BANK_OFFICER
        and user.has_perm("cases.act_for_bank")
        and getattr(getattr(user, "bank_officer", None), "bank_id", None) == bank.pk
    )


def _assert_bank(user: User, loan: Loan) -> None:
    if not bank_officer_of(user=user, bank=loan.bank):
        raise PermissionDenied(_("Only an officer of the loan's bank may do this."))


def _assert_staff(user: User, permission: str, loan: Loan) -> None:
    if not staff_may(user=user, permission=permission, application=loan.application):
        raise PermissionDenied()


def loans_for_user(*, user: User) -> QuerySet[Loan]:
    """Banks: loans at their bank; staff: their unit and below (finance: subsidy to pay); applicants: own; experts: none."""
    base = Loan.objects.select_related("application__applicant", "application__org_unit", "bank")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.role == Role.BANK_OFFICER:
        officer = getattr(user, "bank_officer", None)
        return base.filter(bank_id=officer.bank_id) if officer else base.none()
    if user.role == Role.APPLICANT:
        return base.filter(application__applicant__user=user)
    if user.role == Role.EXPERT or user.org_unit_id is None:
        return base.none()
    loans = base.filter(application__org_unit__path__startswith=user.org_unit.path)
    if user.role == Role.FINANCE_OFFICER:  # only loans with interest subsidy to pay (docs/access-matrix.md)
        claimed = SubsidyClaim.objects.filter(
            loan=OuterRef("pk"),
            status__in=(SubsidyClaimStatus.APPROVED, SubsidyClaimStatus.PAYMENT_PENDING, SubsidyClaimStatus.PAID),
        )
        loans = loans.filter(Exists(claimed))
    return loans


# --- qualification, bank, guarantee, disbursement -----------------------------------------------


@transaction.atomic
def loan_qualify(
    *, application: Application, bank: Bank, by: User, today: dt.date, borrower_kind: str = BorrowerKind.INDIVIDUAL
) -> Loan:
    """Issue the qualification certificate for an approved loan case and route it to a bank."""
    application = case_locked(application)
    if not staff_may(user=by, permission="cases.approve_application", application=application):
        raise PermissionDenied()
    if application.programme.kind != "loan" or application.status != Status.DISTRICT_APPROVED:
        raise TransitionForbidden(_("Only an approved loan case receives a qualification certificate."))
    if Loan.objects.filter(application=application).exists():
        raise TransitionForbidden(_("The qualification certificate has already been issued."))
    problems = loan_eligibility_problems(application=application, borrower_kind=borrower_kind, amount=application.approved_amount)
    if problems:
        raise DomainError(_("The loan cannot be qualified."), details=problems)
    number = f"YH-{application.programme.case_prefix}-ZG-{today.year}-{counter_next(key=f'loan-cert:{today.year}'):05d}"
    loan = Loan(
        application=application,
        bank=bank,
        borrower_kind=borrower_kind,
        key_group=loan_key_group(application=application),
        qualified_amount=application.approved_amount,
        certificate_number=number,
        certified_on=today,
    )
    try:
        loan.full_clean(exclude=["state"])
    except ValidationError as error:
        raise DomainError(_("The loan data is not valid."), details=error.messages) from error
    loan.save()
    _audit(loan, by=by, action="qualified", before="", comment=f"{number} {bank.name}")
    return loan


@transaction.atomic
def loan_bank_decision_record(*, loan: Loan, by: User, today: dt.date, accepted: bool, reason: str = "") -> Loan:
    loan = _lock(loan)
    _assert_bank(by, loan)
    before = loan.state
    if accepted:
        _transition(loan.bank_accept, on=today)
    else:
        if not reason.strip():
            raise DomainError(_("A bank that declines a loan must give its reason."))
        _transition(loan.bank_decline, on=today, reason=reason.strip())
    _save(loan, "due_diligence_on", "decline_reason", "closed_on")
    _audit(loan, by=by, action="bank_accepted" if accepted else "bank_declined", before=before, comment=reason)
    return loan


@transaction.atomic
def loan_guarantee_record(*, loan: Loan, by: User, today: dt.date) -> Loan:
    loan = _lock(loan)
    _assert_staff(by, "cases.approve_application", loan)
    before = loan.state
    number = f"YH-DB-{today.year}-{counter_next(key=f'loan-guarantee:{today.year}'):05d}"
    _transition(loan.guarantee, on=today, number=number)
    _save(loan, "guaranteed_on", "guarantee_number")
    _audit(loan, by=by, action="guaranteed", before=before, comment=number)
    return loan


DISBURSEMENT_FIELDS = (
    "disbursed_on",
    "contract_number",
    "principal",
    "annual_rate",
    "reference_rate",
    "term_months",
    "period_months",
    "repayment_method",
)


@transaction.atomic
def loan_disbursement_record(
    *,
    loan: Loan,
    by: User,
    today: dt.date,
    contract_number: str,
    principal: Decimal,
    annual_rate: Decimal,
    term_months: int,
    repayment_method: str,
    period_months: int = 3,
) -> Loan:
    """The bank lends: contract, principal, rate, term and the schedule of periods."""
    loan = _lock(loan)
    _assert_bank(by, loan)
    rules = loan.application.rules_in_force
    principal = Decimal(principal)
    contract_number = contract_number.strip()
    _disbursement_check(
        loan,
        rules=rules,
        principal=principal,
        term_months=term_months,
        period_months=period_months,
        contract_number=contract_number,
    )
    rows = schedule_compute(
        principal=principal,
        annual_rate=Decimal(annual_rate),
        term_months=term_months,
        period_months=period_months,
        method=repayment_method,
        starts_on=today,
    )
    before = loan.state
    reference_rate = Decimal(_rule(rules, "reference_rate", "0"))
    _transition(
        loan.disburse,
        on=today,
        contract_number=contract_number,
        principal=principal,
        annual_rate=Decimal(annual_rate),
        reference_rate=reference_rate,
        term_months=term_months,
        period_months=period_months,
        repayment_method=repayment_method,
    )
    _save(loan, *DISBURSEMENT_FIELDS)
    _periods_create(loan, rows, reference_rate=reference_rate, period_months=period_months)
    _audit(loan, by=by, action="disbursed", before=before, comment=f"{contract_number} {principal} {annual_rate} {term_months}m")
    return loan


def _disbursement_check(
    loan: Loan, *, rules: ProgrammeRules, principal: Decimal, term_months: int, period_months: int, contract_number: str
) -> None:
    """The principal within the qualified amount and the borrower kind's cap, the term within the rules, monthly or
    quarterly periods, and a contract number not used by another loan."""
    cap = loan_cap(rules=rules, borrower_kind=loan.borrower_kind)
    if principal <= 0 or principal > min(cap, loan.qualified_amount):
        raise DomainError(
            _(
                "The principal %(principal)s must be above zero and at most the qualified amount %(qualified)s and the cap %(cap)s."
            )
            % {"principal": principal, "qualified": loan.qualified_amount, "cap": cap}
        )
    term_max = int(_rule(rules, "term_months_max", 36))
    if not 0 < term_months <= term_max:
        raise DomainError(_("The term must be between 1 and %(max)s months.") % {"max": term_max})
    if period_months not in (1, 3):
        raise DomainError(_("Repayment periods are monthly or quarterly."))
    if not contract_number or Loan.objects.filter(contract_number=contract_number).exclude(pk=loan.pk).exists():
        raise DomainError(_("The contract number is missing or already used."))


def _periods_create(loan: Loan, rows: list[ScheduleRow], *, reference_rate: Decimal, period_months: int) -> None:
    """The schedule's periods, each with the interest subsidy it earns if repaid on time."""
    LoanPeriod.objects.bulk_create(
        LoanPeriod(
            loan=loan,
            number=row.number,
            starts_on=row.starts_on,
            due_on=row.due_on,
            opening_balance=row.opening_balance,
            principal=row.principal,
            interest=row.interest,
            subsidy=subsidy_compute(
                opening_balance=row.opening_balance,
                interest=row.interest,
                annual_rate=loan.annual_rate,
                reference_rate=reference_rate,
                period_months=period_months,
                key_group=loan.key_group,
            ),
        )
        for row in rows
    )


# --- repayments, extension, overdue, default ----------------------------------------------------


def _repay(loan: Loan, period: LoanPeriod, repaid_on: dt.date) -> None:
    """Record one repayment on a locked loan; cure or settle the loan when it follows."""
    if loan.state not in REPAYING_LOAN_STATES:
        raise TransitionForbidden(_("Repayments are recorded only while the loan is being repaid."))
    if period.repaid_on is not None:
        raise TransitionForbidden(_("Period %(n)s has already been repaid.") % {"n": period.number})
    if repaid_on < loan.disbursed_on:
        raise DomainError(_("A repayment cannot predate the disbursement."))
    period.repaid_on = repaid_on
    period.is_due = period.is_due or period.due_on <= repaid_on
    if repaid_on > period.due_on:
        period.overdue = True
    period.save(update_fields=["repaid_on", "is_due", "overdue"])
    unpaid = loan.periods.filter(repaid_on__isnull=True)
    if not unpaid.exists():
        if loan.state == LoanState.OVERDUE:
            _transition(loan.cure if not loan.extended_months else loan.cure_extended)
        _transition(loan.settle, on=repaid_on)
    elif loan.state == LoanState.OVERDUE and not unpaid.filter(overdue=True).exists():
        _transition(loan.cure if not loan.extended_months else loan.cure_extended)
    elif loan.state == LoanState.DISBURSED:
        _transition(loan.start_repaying)


@transaction.atomic
def loan_period_repaid_record(*, loan: Loan, by: User, period_number: int, repaid_on: dt.date) -> Loan:
    loan = _lock(loan)
    _assert_bank(by, loan)
    period = loan.periods.select_for_update().filter(number=period_number).first()
    if period is None:
        raise DomainError(_("The loan has no period %(n)s.") % {"n": period_number})
    before = loan.state
    _repay(loan, period, repaid_on)
    _save(loan, "settled_on", "closed_on")
    _audit(loan, by=by, action="repaid", before=before, comment=f"#{period_number} {repaid_on}")
    return loan


@transaction.atomic
def loan_extension_record(*, loan: Loan, by: User, today: dt.date, months: int) -> Loan:
    """展期: the unpaid periods move later by `months` and never earn a subsidy."""
    loan = _lock(loan)
    _assert_bank(by, loan)
    if months <= 0 or months > 12:
        raise DomainError(_("An extension is 1 to 12 months."))
    before = loan.state
    _transition(loan.extend, months=months)
    periods = list(loan.periods.select_for_update().filter(repaid_on__isnull=True))
    if not periods:
        raise TransitionForbidden(_("Nothing is left to repay."))
    for period in periods:
        period.due_on += relativedelta(months=months)
        if period.starts_on >= today:
            period.starts_on += relativedelta(months=months)
        period.extended = True
    LoanPeriod.objects.bulk_update(periods, ["due_on", "starts_on", "extended"])
    _save(loan, "extended_months")
    _audit(loan, by=by, action="extended", before=before, comment=f"{months}m")
    return loan


def loan_periods_mark_due(*, today: dt.date) -> int:
    """Periods whose due date has come are due; a disbursed loan starts repaying. Safe to run twice."""
    count = 0
    for loan_id in (
        LoanPeriod.objects.filter(is_due=False, due_on__lte=today, loan__state__in=REPAYING_LOAN_STATES)
        .values_list("loan_id", flat=True)
        .distinct()
        .order_by("loan_id")
    ):
        with transaction.atomic():
            loan = _lock(Loan(pk=loan_id))
            if loan.state not in REPAYING_LOAN_STATES:
                continue
            count += loan.periods.filter(is_due=False, due_on__lte=today).update(is_due=True)
            if loan.state == LoanState.DISBURSED:
                before = loan.state
                _transition(loan.start_repaying)
                _save(loan)
                _audit(loan, by=None, action="repaying", before=before)
    return count


def loan_overdue_flag(*, today: dt.date) -> int:
    """A due period still unpaid after its due date makes it overdue (no subsidy, ever) and the loan overdue."""
    flagged = 0
    for loan_id in (
        LoanPeriod.objects.filter(repaid_on__isnull=True, overdue=False, due_on__lt=today, loan__state__in=REPAYING_LOAN_STATES)
        .values_list("loan_id", flat=True)
        .distinct()
        .order_by("loan_id")
    ):
        with transaction.atomic():
            loan = _lock(Loan(pk=loan_id))
            if loan.state not in REPAYING_LOAN_STATES:
                continue
            flagged += loan.periods.filter(repaid_on__isnull=True, overdue=False, due_on__lt=today).update(
                overdue=True, is_due=True
            )
            if loan.state != LoanState.OVERDUE:
                before = loan.state
                _transition(loan.fall_overdue)
                _save(loan)
                _audit(loan, by=None, action="overdue", before=before, comment=str(today))
    return flagged


def loan_outstanding(*, loan: Loan) -> Decimal:
    # Quantized: SQLite sums decimals as floats.
    return _cents(loan.periods.filter(repaid_on__isnull=True).aggregate(s=Sum("principal"))["s"] or Decimal("0"))
