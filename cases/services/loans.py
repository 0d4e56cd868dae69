"""Guaranteed start-up loans: qualification, bank, guarantee, disbursement, schedule, repayments, default and
compensation, and the interest subsidy per period (先还后贴).

Order in every write: lock the loan row, check permission, transition, full_clean, save, audit on the case, then
after-commit work (scheduled by the caller: cases knows nothing of the layers above). `today` is always an
argument so the simulation can run a clock of its own.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed

from cases.constants import (
    FINAL_LOAN_STATES,
    REPAYING_LOAN_STATES,
    BorrowerKind,
    LoanState,
    PaymentLineStatus,
    RepaymentMethod,
    Role,
    Status,
    SubsidyClaimSource,
    SubsidyClaimStatus,
)
from cases.exceptions import DomainError, InvalidImport, PermissionDenied, TransitionForbidden
from cases.models import (
    Application,
    Bank,
    Loan,
    LoanPeriod,
    LoanRecovery,
    PaymentBatch,
    PaymentLine,
    Programme,
    SubsidyClaim,
    User,
)
from cases.money import CENT
from cases.services.applications import staff_may
from cases.services.audit import audit_record
from cases.services.budget import budget_commit, budget_pay
from cases.services.numbering import counter_next
from cases.services.payments import ReturnRow, validate_bank_account

INTEREST_FILE_COLUMNS = ["contract_number", "period", "repaid_on", "principal", "interest"]
NOT_COUNTING_FOR_MAX_LOANS = (LoanState.BANK_DECLINED,)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- programme rules (data on the programme) ---------------------------------------------------


def _rule(programme: Programme, key: str, default=None):
    return (programme.amount_rule or {}).get(key, default)


def loan_cap(*, programme: Programme, borrower_kind: str) -> Decimal:
    caps = _rule(programme, "caps", {})
    return Decimal(caps.get(borrower_kind, programme.max_amount))


def loan_key_group(*, application: Application) -> bool:
    return application.category in _rule(application.programme, "key_groups", [])


def loan_eligibility_problems(*, application: Application, borrower_kind: str, amount: Decimal) -> list[str]:
    """Borrower categories, training certificate where required, at most N loans per person, the cap per kind."""
    programme = application.programme
    rules = programme.eligibility_rules or {}
    problems: list[str] = []
    if rules.get("categories") and application.category not in rules["categories"]:
        problems.append(_("The applicant category is not covered by this programme."))
    if (
        application.category in rules.get("training_certificate_for", [])
        and not application.attachments.filter(kind="training_certificate").exists()
    ):
        problems.append(_("A training certificate is required for this applicant category."))
    max_loans = rules.get("max_loans")
    if max_loans:
        applicant = application.applicant
        earlier = Loan.objects.exclude(application=application).exclude(state__in=NOT_COUNTING_FOR_MAX_LOANS)
        if applicant.id_number:
            earlier = earlier.filter(application__applicant__id_number=applicant.id_number)
        else:
            earlier = earlier.filter(application__applicant__credit_code=applicant.credit_code)
        if earlier.count() >= int(max_loans):
            problems.append(_("The borrower already has %(n)s loans; the programme allows at most %(n)s.") % {"n": max_loans})
    if borrower_kind not in BorrowerKind.values:
        problems.append(_("Unknown borrower kind."))
    else:
        cap = loan_cap(programme=programme, borrower_kind=borrower_kind)
        if amount > cap:
            problems.append(
                _("The amount %(amount)s exceeds the cap %(cap)s for a borrower of kind %(kind)s.")
                % {"amount": amount, "cap": cap, "kind": BorrowerKind(borrower_kind).label}
            )
    return problems


# --- schedule maths ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    number: int
    starts_on: dt.date
    due_on: dt.date
    opening_balance: Decimal
    principal: Decimal
    interest: Decimal

    @property
    def payment(self) -> Decimal:
        return self.principal + self.interest


def schedule_compute(
    *, principal: Decimal, annual_rate: Decimal, term_months: int, period_months: int, method: str, starts_on: dt.date
) -> list[ScheduleRow]:
    """The bank's schedule. Each period's interest = opening balance x annual rate x months / 12, rounded to the cent
    half up. Equal instalments: the instalment is rounded to the cent; the last period repays the remaining balance
    exactly (it absorbs the rounding residue). Interest only: the whole principal in the last period."""
    if term_months % period_months:
        raise DomainError(_("The term must be a whole number of repayment periods."))
    count = term_months // period_months
    rate = Decimal(annual_rate) * period_months / 12
    principal = _cents(Decimal(principal))
    if method == RepaymentMethod.ANNUITY:
        instalment = _cents(principal * rate / (1 - (1 + rate) ** -count)) if rate else _cents(principal / count)
    elif method != RepaymentMethod.INTEREST_ONLY:
        raise DomainError(_("Unknown repayment method."))
    rows = []
    balance = principal
    for number in range(1, count + 1):
        interest = _cents(balance * rate)
        if number == count:
            part = balance
        elif method == RepaymentMethod.ANNUITY:
            part = min(instalment - interest, balance)
        else:
            part = Decimal("0.00")
        rows.append(
            ScheduleRow(
                number=number,
                starts_on=starts_on + relativedelta(months=period_months * (number - 1)),
                due_on=starts_on + relativedelta(months=period_months * number),
                opening_balance=balance,
                principal=part,
                interest=interest,
            )
        )
        balance -= part
    return rows


def subsidy_compute(
    *,
    opening_balance: Decimal,
    interest: Decimal,
    annual_rate: Decimal,
    reference_rate: Decimal,
    period_months: int,
    key_group: bool,
) -> Decimal:
    """Key groups: the whole interest of the period. Others: the interest above the reference rate, computed on the
    same balance and rounded the same way, never more than the interest itself."""
    if key_group:
        return interest
    above = max(Decimal(annual_rate) - Decimal(reference_rate), Decimal("0"))
    return min(_cents(opening_balance * above * period_months / 12), interest)


def compensation_compute(*, outstanding: Decimal, tiers: list) -> Decimal:
    """Marginal tiers: [["100000", "1.00"], [None, "0.80"]] pays 100 % of the first 100,000 and 80 % above."""
    total = Decimal("0")
    lower = Decimal("0")
    for upper, share in tiers:
        top = outstanding if upper is None else min(outstanding, Decimal(upper))
        if top > lower:
            total += (top - lower) * Decimal(share)
        if upper is not None:
            lower = max(lower, Decimal(upper))
        if top >= outstanding:
            break
    return _cents(total)


# --- helpers ----------------------------------------------------------------------------------


def _lock(loan: Loan) -> Loan:
    return (
        Loan.objects.select_for_update()
        .select_related("application__programme", "application__applicant", "bank")
        .get(pk=loan.pk)
    )


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
    """Bank officers: loans routed to their bank. Staff: loans of cases in their unit and below. Applicants: their own."""
    base = Loan.objects.select_related("application__applicant", "application__org_unit", "bank")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.role == Role.BANK_OFFICER:
        officer = getattr(user, "bank_officer", None)
        return base.filter(bank_id=officer.bank_id) if officer else base.none()
    if user.role == Role.APPLICANT:
        return base.filter(application__applicant__user=user)
    if user.org_unit_id is None:
        return base.none()
    return base.filter(application__org_unit__path__startswith=user.org_unit.path)


# --- qualification, bank, guarantee, disbursement -----------------------------------------------


@transaction.atomic
def loan_qualify(
    *, application: Application, bank: Bank, by: User, today: dt.date, borrower_kind: str = BorrowerKind.INDIVIDUAL
) -> Loan:
    """Issue the qualification certificate for an approved loan case and route it to a bank."""
    application = (
        Application.objects.select_for_update().select_related("programme", "applicant", "org_unit").get(pk=application.pk)
    )
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
def loan_bank_decide(*, loan: Loan, by: User, today: dt.date, accepted: bool, reason: str = "") -> Loan:
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
def loan_guarantee_issue(*, loan: Loan, by: User, today: dt.date) -> Loan:
    loan = _lock(loan)
    _assert_staff(by, "cases.approve_application", loan)
    before = loan.state
    number = f"YH-DB-{today.year}-{counter_next(key=f'loan-guarantee:{today.year}'):05d}"
    _transition(loan.guarantee, on=today, number=number)
    _save(loan, "guaranteed_on", "guarantee_number")
    _audit(loan, by=by, action="guaranteed", before=before, comment=number)
    return loan


@transaction.atomic
def loan_disburse(
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
    programme = loan.application.programme
    principal = Decimal(principal)
    cap = loan_cap(programme=programme, borrower_kind=loan.borrower_kind)
    if principal <= 0 or principal > min(cap, loan.qualified_amount):
        raise DomainError(
            _(
                "The principal %(principal)s must be above zero and at most the qualified amount %(qualified)s and the cap %(cap)s."
            )
            % {"principal": principal, "qualified": loan.qualified_amount, "cap": cap}
        )
    term_max = int(_rule(programme, "term_months_max", 36))
    if not 0 < term_months <= term_max:
        raise DomainError(_("The term must be between 1 and %(max)s months.") % {"max": term_max})
    if period_months not in (1, 3):
        raise DomainError(_("Repayment periods are monthly or quarterly."))
    contract_number = contract_number.strip()
    if not contract_number or Loan.objects.filter(contract_number=contract_number).exclude(pk=loan.pk).exists():
        raise DomainError(_("The contract number is missing or already used."))
    rows = schedule_compute(
        principal=principal,
        annual_rate=Decimal(annual_rate),
        term_months=term_months,
        period_months=period_months,
        method=repayment_method,
        starts_on=today,
    )
    before = loan.state
    reference_rate = Decimal(_rule(programme, "reference_rate", "0"))
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
    _save(
        loan,
        "disbursed_on",
        "contract_number",
        "principal",
        "annual_rate",
        "reference_rate",
        "term_months",
        "period_months",
        "repayment_method",
    )
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
    _audit(loan, by=by, action="disbursed", before=before, comment=f"{contract_number} {principal} {annual_rate} {term_months}m")
    return loan


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
def loan_repayment_record(*, loan: Loan, by: User, period_number: int, repaid_on: dt.date) -> Loan:
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
def loan_extend(*, loan: Loan, by: User, today: dt.date, months: int) -> Loan:
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


@transaction.atomic
def loan_default_declare(*, loan: Loan, by: User, today: dt.date) -> Loan:
    loan = _lock(loan)
    _assert_bank(by, loan)
    before = loan.state
    _transition(loan.declare_default, on=today, outstanding=loan_outstanding(loan=loan))
    _save(loan, "defaulted_on", "outstanding_at_default")
    _audit(loan, by=by, action="defaulted", before=before, comment=str(loan.outstanding_at_default))
    return loan


@transaction.atomic
def loan_compensate(*, loan: Loan, by: User, today: dt.date) -> Loan:
    """The guarantee fund pays the bank its share of the outstanding principal."""
    loan = _lock(loan)
    _assert_staff(by, "cases.approve_application", loan)
    tiers = _rule(loan.application.programme, "compensation_tiers", [[None, "1.00"]])
    before = loan.state
    amount = compensation_compute(outstanding=loan.outstanding_at_default or Decimal("0"), tiers=tiers)
    _transition(loan.compensate, on=today, amount=amount)
    _save(loan, "compensated_on", "compensation_amount")
    _audit(loan, by=by, action="compensated", before=before, comment=str(amount))
    return loan


@transaction.atomic
def loan_recovery_record(*, loan: Loan, by: User, amount: Decimal, on: dt.date, note: str = "") -> LoanRecovery:
    loan = _lock(loan)
    _assert_staff(by, "cases.approve_application", loan)
    if loan.state != LoanState.COMPENSATED:
        raise TransitionForbidden(_("Recoveries are recorded after the guarantee fund has compensated the bank."))
    recovered = _cents(loan.recoveries.aggregate(s=Sum("amount"))["s"] or Decimal("0"))
    if amount <= 0 or recovered + amount > loan.compensation_amount:
        raise DomainError(_("A recovery is above zero and never more than the compensation paid."))
    recovery = LoanRecovery.objects.create(loan=loan, amount=amount, recovered_on=on, note=note[:200], recorded_by=by)
    _audit(loan, by=by, action="recovery", before=loan.state, comment=str(amount))
    return recovery


@transaction.atomic
def loan_recovery_close(*, loan: Loan, by: User, today: dt.date, written_off: bool) -> Loan:
    loan = _lock(loan)
    _assert_staff(by, "cases.approve_application", loan)
    before = loan.state
    _transition(loan.write_off if written_off else loan.close_recovered, on=today)
    _save(loan, "closed_on")
    _audit(loan, by=by, action="written_off" if written_off else "recovered", before=before)
    return loan


# --- interest subsidy (先还后贴) -------------------------------------------------------------------


def subsidy_refusal(*, period: LoanPeriod) -> str | None:
    """Why the period earns no subsidy (now), or None."""
    if period.overdue:
        return _("Period %(n)s was overdue: no interest subsidy.") % {"n": period.number}
    if period.extended:
        return _("Period %(n)s was extended: no interest subsidy.") % {"n": period.number}
    if period.repaid_on is None:
        return _("Period %(n)s has not been repaid yet: the subsidy follows the repayment.") % {"n": period.number}
    if period.repaid_on > period.due_on:
        return _("Period %(n)s was repaid late: no interest subsidy.") % {"n": period.number}
    if SubsidyClaim.objects.filter(period=period).exists():
        return _("The interest subsidy for period %(n)s has already been claimed.") % {"n": period.number}
    if period.subsidy <= 0:
        return _("Period %(n)s carries no interest subsidy.") % {"n": period.number}
    return None


def _claim_create(*, loan: Loan, period: LoanPeriod, by: User | None, source: str, today: dt.date) -> SubsidyClaim:
    reason = subsidy_refusal(period=period)
    if reason:
        raise TransitionForbidden(reason)
    try:
        with transaction.atomic():
            claim = SubsidyClaim.objects.create(
                loan=loan, period=period, amount=period.subsidy, source=source, claimed_by=by, claimed_on=today
            )
    except IntegrityError:
        raise TransitionForbidden(
            _("The interest subsidy for period %(n)s has already been claimed.") % {"n": period.number}
        ) from None
    _audit(loan, by=by, action="subsidy_claimed", before=loan.state, comment=f"#{period.number} {period.subsidy} {source}")
    return claim


@transaction.atomic
def subsidy_claim_open(*, loan: Loan, period_number: int, by: User, today: dt.date) -> SubsidyClaim:
    """The borrower (or the bank) claims the subsidy for a period repaid on time."""
    loan = _lock(loan)
    if loan.application.applicant.user_id == by.pk:
        source = SubsidyClaimSource.BORROWER
    elif bank_officer_of(user=by, bank=loan.bank):
        source = SubsidyClaimSource.BANK_FILE
    else:
        raise PermissionDenied()
    period = loan.periods.select_for_update().filter(number=period_number).first()
    if period is None:
        raise DomainError(_("The loan has no period %(n)s.") % {"n": period_number})
    return _claim_create(loan=loan, period=period, by=by, source=source, today=today)


def subsidy_claims_open_due(*, today: dt.date) -> int:
    """Open a claim for every period repaid on time that has none yet. Safe to run twice."""
    opened = 0
    periods = LoanPeriod.objects.filter(
        repaid_on__isnull=False, repaid_on__lte=today, overdue=False, extended=False, subsidy__gt=0, subsidy_claim__isnull=True
    ).order_by("loan_id", "number")
    for period_id, loan_id in periods.values_list("pk", "loan_id"):
        with transaction.atomic():
            loan = _lock(Loan(pk=loan_id))
            period = LoanPeriod.objects.select_for_update().get(pk=period_id)
            if subsidy_refusal(period=period) is None:
                _claim_create(loan=loan, period=period, by=None, source=SubsidyClaimSource.SYSTEM, today=today)
                opened += 1
    return opened


@transaction.atomic
def subsidy_claim_review(*, claim: SubsidyClaim, by: User, approved: bool, note: str = "") -> SubsidyClaim:
    claim = SubsidyClaim.objects.select_for_update().select_related("period").get(pk=claim.pk)
    loan = _lock(claim.loan)
    _assert_staff(by, "cases.review_district", loan)
    if claim.status != SubsidyClaimStatus.OPEN:
        raise TransitionForbidden(_("The claim has already been reviewed."))
    if approved and (claim.period.overdue or claim.period.extended):
        raise TransitionForbidden(_("No interest subsidy is paid for an overdue or extended period."))
    if not approved and not note.strip():
        raise DomainError(_("A refusal needs a reason."))
    if approved:
        # Lock order: claim, loan, then the envelope row (budget_commit). Refused with BudgetExceeded, nothing
        # changed, when the year's envelope cannot carry the amount.
        application = loan.application
        claim.envelope = budget_commit(application=application, amount=claim.amount, year=timezone.localdate().year)
    claim.status = SubsidyClaimStatus.APPROVED if approved else SubsidyClaimStatus.REFUSED
    claim.reviewed_by = by
    claim.review_note = note
    claim.save(update_fields=["status", "reviewed_by", "review_note", "envelope"])
    _audit(loan, by=by, action="subsidy_" + claim.status, before=loan.state, comment=f"#{claim.period.number} {note}".strip())
    return claim


@transaction.atomic
def subsidy_batch_create(*, programme: Programme, claims: list[SubsidyClaim], by: User, today: dt.date) -> PaymentBatch:
    """A payment batch (清册) of approved subsidy claims: one line per loan period (instalment = period number)."""
    if not by.has_perm("cases.prepare_payment") or by.org_unit_id is None:
        raise PermissionDenied()
    if not claims:
        raise DomainError(_("Choose at least one claim to pay."))
    batch = PaymentBatch.objects.create(
        number=f"QC-{programme.case_prefix}-{today.year}-{counter_next(key=f'payment:{programme.code}:{today.year}'):04d}",
        programme=programme,
        org_unit=by.org_unit,
        prepared_by=by,
    )
    total = Decimal("0")
    for claim in sorted(claims, key=lambda c: c.pk):
        claim = SubsidyClaim.objects.select_for_update().select_related("period", "loan__application").get(pk=claim.pk)
        application = claim.loan.application
        if application.programme_id != programme.pk or not by.org_unit.contains(application.org_unit):
            raise PermissionDenied()
        if claim.status != SubsidyClaimStatus.APPROVED or claim.period.overdue or claim.period.extended:
            raise TransitionForbidden(
                _("The claim for period %(n)s of %(case)s is not approved for payment.")
                % {"n": claim.period.number, "case": application.number}
            )
        validate_bank_account(application.bank_account_number)
        attempt = PaymentLine.objects.filter(application=application, instalment=claim.period.number).count() + 1
        line = PaymentLine.objects.create(
            batch=batch,
            application=application,
            instalment=claim.period.number,
            attempt=attempt,
            key=f"{application.number}/{claim.period.number}/{attempt}",
            amount=claim.amount,
            payee_name=application.bank_account_name,
            bank_name=application.bank_name,
            account_number=application.bank_account_number,
        )
        claim.status = SubsidyClaimStatus.PAYMENT_PENDING
        claim.payment_line = line
        claim.save(update_fields=["status", "payment_line"])
        total += claim.amount
        audit_record(
            application=application, by=by, action="loan:subsidy_queued", from_status=application.status, comment=batch.number
        )
    batch.total = total
    batch.line_count = len(claims)
    batch.save(update_fields=["total", "line_count"])
    return batch


@transaction.atomic
def subsidy_line_settle(*, row: ReturnRow, by: User, today: dt.date) -> SubsidyClaim | None:
    """Apply one checked row of the bank's return file to a subsidy line. A row already applied changes nothing."""
    line = PaymentLine.objects.select_for_update().get(pk=row.line.pk)
    if line.status != PaymentLineStatus.SENT:
        return None
    claim = SubsidyClaim.objects.select_for_update().select_related("loan__application").get(payment_line=line)
    if row.paid:
        line.status = PaymentLineStatus.PAID
        claim.status = SubsidyClaimStatus.PAID
        claim.paid_on = today
        budget_pay(application=claim.loan.application, amount=claim.amount, envelope=claim.envelope)
    else:
        line.status = PaymentLineStatus.RETURNED
        line.return_reason = row.reason[:200]
        claim.status = SubsidyClaimStatus.APPROVED  # back in the queue for a later batch (补发)
        claim.payment_line = None
    line.bank_reference = row.bank_reference[:64]
    line.settled_at = timezone.now()
    line.save(update_fields=["status", "return_reason", "bank_reference", "settled_at"])
    claim.save(update_fields=["status", "paid_on", "payment_line"])
    application = claim.loan.application
    audit_record(
        application=application, by=by, action="loan:subsidy_" + line.status, from_status=application.status, comment=row.reason
    )
    return claim


# --- the bank's quarterly interest file -----------------------------------------------------------


@dataclass(frozen=True)
class InterestRow:
    line: int
    loan: Loan
    period: LoanPeriod
    repaid_on: dt.date


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        content.decode("gbk")
    except UnicodeDecodeError:
        raise InvalidImport(details=[_("The file is not UTF-8 text.")]) from None
    raise InvalidImport(
        details=[_("The file is encoded in GBK (or another legacy encoding); save it as UTF-8 and import it again.")]
    )


def _interest_file_rows(*, content: bytes, filename: str) -> list[tuple[int, list[str]]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises many kinds for a broken workbook
            raise InvalidImport(details=[_("The workbook cannot be read.")]) from error
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = []
            for value in values:
                if isinstance(value, dt.datetime):
                    value = value.date()
                cells.append("" if value is None else str(value))
            rows.append((number, cells))
        return rows
    return list(enumerate(csv.reader(io.StringIO(_decode(content))), start=1))


def interest_file_parse(*, content: bytes, filename: str, bank: Bank) -> list[InterestRow]:
    """Check every row; raise InvalidImport listing each bad row with its line number. Nothing is written."""
    rows = _interest_file_rows(content=content, filename=filename)
    if not rows or [c.strip() for c in rows[0][1][: len(INTEREST_FILE_COLUMNS)]] != INTEREST_FILE_COLUMNS:
        raise InvalidImport(details=[_("Line 1: the header must be %(columns)s.") % {"columns": ",".join(INTEREST_FILE_COLUMNS)}])
    errors: list[str] = []
    parsed: list[InterestRow] = []
    seen: dict[tuple[str, str], int] = {}
    loans: dict[str, Loan | None] = {}
    for number, raw in rows[1:]:
        if not any(str(cell).strip() for cell in raw):
            continue
        if len(raw) < len(INTEREST_FILE_COLUMNS):
            errors.append(_("Line %(n)s: expected %(c)s columns.") % {"n": number, "c": len(INTEREST_FILE_COLUMNS)})
            continue
        contract, period_text, date_text, principal_text, interest_text = (
            str(c).strip() for c in raw[: len(INTEREST_FILE_COLUMNS)]
        )
        key = (contract, period_text)
        if key in seen:
            errors.append(
                _("Line %(n)s: contract %(c)s period %(p)s already appears on line %(first)s.")
                % {"n": number, "c": contract, "p": period_text, "first": seen[key]}
            )
            continue
        seen[key] = number
        if contract not in loans:
            loans[contract] = Loan.objects.filter(contract_number=contract, bank=bank).first()
        loan = loans[contract]
        if loan is None:
            errors.append(_("Line %(n)s: unknown contract number %(c)s.") % {"n": number, "c": contract})
            continue
        try:
            period_number = int(period_text)
        except ValueError:
            errors.append(_("Line %(n)s: the period is not a whole number.") % {"n": number})
            continue
        period = loan.periods.filter(number=period_number).first()
        if period is None:
            errors.append(_("Line %(n)s: contract %(c)s has no period %(p)s.") % {"n": number, "c": contract, "p": period_number})
            continue
        try:
            repaid_on = dt.date.fromisoformat(date_text[:10])
        except ValueError:
            errors.append(_("Line %(n)s: the date %(d)s is not a date (YYYY-MM-DD).") % {"n": number, "d": date_text})
            continue
        maturity = loan.disbursed_on + relativedelta(months=loan.term_months + loan.extended_months)
        # A late repayment of the last periods may come after maturity, within the programme's grace window.
        grace = dt.timedelta(days=int(_rule(loan.application.programme, "late_repayment_days", 90)))
        if not loan.disbursed_on <= repaid_on <= maturity + grace:
            errors.append(
                _("Line %(n)s: the date %(d)s is outside the loan term %(start)s to %(end)s.")
                % {"n": number, "d": repaid_on, "start": loan.disbursed_on, "end": maturity}
            )
            continue
        amounts = []
        for text in (principal_text, interest_text):
            try:
                amount = Decimal(text)
            except InvalidOperation:
                amount = None
            amounts.append(amount)
        if any(a is None or not a.is_finite() for a in amounts):
            errors.append(_("Line %(n)s: an amount is not a number.") % {"n": number})
            continue
        if any(a < 0 for a in amounts):
            errors.append(_("Line %(n)s: an amount is negative.") % {"n": number})
            continue
        if amounts[0] != period.principal or amounts[1] != period.interest:
            errors.append(
                _("Line %(n)s: principal %(p)s and interest %(i)s differ from the schedule (%(sp)s, %(si)s).")
                % {"n": number, "p": amounts[0], "i": amounts[1], "sp": period.principal, "si": period.interest}
            )
            continue
        if period.repaid_on is not None and period.repaid_on != repaid_on:
            errors.append(
                _("Line %(n)s: period %(p)s was recorded as repaid on %(d)s.")
                % {"n": number, "p": period_number, "d": period.repaid_on}
            )
            continue
        parsed.append(InterestRow(line=number, loan=loan, period=period, repaid_on=repaid_on))
    if errors:
        raise InvalidImport(details=errors)
    return parsed


@transaction.atomic
def interest_file_import(*, content: bytes, filename: str, by: User, today: dt.date) -> dict[str, int]:
    """The bank's quarterly interest file: records the repayments it reports and claims the subsidy for each period
    repaid on time. All or nothing: any bad row imports nothing. A period already repaid on the same date and
    already claimed (by the borrower, or by this file imported before) is counted and left as it is, so a
    quarterly file that overlaps the borrowers' own claims, or the same file uploaded twice, changes nothing."""
    officer = getattr(by, "bank_officer", None)
    if officer is None or not bank_officer_of(user=by, bank=officer.bank):
        raise PermissionDenied(_("Only a bank officer imports the bank's interest file."))
    rows = interest_file_parse(content=content, filename=filename, bank=officer.bank)
    counts = {"rows": len(rows), "repayments": 0, "claims": 0, "already_claimed": 0, "not_eligible": 0}
    for row in sorted(rows, key=lambda r: (r.loan.pk, r.period.number)):
        loan = _lock(row.loan)
        period = LoanPeriod.objects.select_for_update().get(pk=row.period.pk)
        if period.repaid_on is None:
            before = loan.state
            _repay(loan, period, row.repaid_on)
            _save(loan, "settled_on", "closed_on")
            _audit(loan, by=by, action="repaid", before=before, comment=f"#{period.number} {row.repaid_on} (file)")
            counts["repayments"] += 1
        if SubsidyClaim.objects.filter(period=period).exists():
            counts["already_claimed"] += 1
        elif subsidy_refusal(period=period) is None:
            _claim_create(loan=loan, period=period, by=by, source=SubsidyClaimSource.BANK_FILE, today=today)
            counts["claims"] += 1
        else:
            counts["not_eligible"] += 1
    return counts


def loan_is_final(loan: Loan) -> bool:
    return loan.state in FINAL_LOAN_STATES


def loan_document_context(*, application: Application, period_number: int | None = None) -> dict:
    """What the qualification certificate and the subsidy statement print (a read; documents renders it).

    With `period_number` (a statement for one period) the rows are that period's and the running total counts the
    subsidies paid for periods up to it; without, every period and everything paid so far."""
    from cases.money import format_yuan, yuan_in_capitals

    loan = Loan.objects.select_related("bank").filter(application=application).first()
    if loan is None:
        return {}
    rows = []
    paid_total = Decimal("0")
    claims = {c.period_id: c for c in SubsidyClaim.objects.filter(loan=loan)}
    for period in loan.periods.order_by("number"):
        if period_number is not None and period.number > period_number:
            break
        claim = claims.get(period.pk)
        if claim and claim.status == SubsidyClaimStatus.PAID:
            paid_total += claim.amount
        if period_number is not None and period.number != period_number:
            continue
        refusal = None if claim else subsidy_refusal(period=period)
        rows.append(
            {
                "number": period.number,
                "due_on": period.due_on,
                "repaid_on": period.repaid_on,
                "interest": f"{period.interest:,.2f}",
                "subsidy": f"{claim.amount:,.2f}" if claim else "",
                "status": SubsidyClaimStatus(claim.status).label if claim else (refusal or ""),
                "paid_on": claim.paid_on if claim else None,
            }
        )
    context = {
        "loan": loan,
        "bank_name": loan.bank.name,
        "qualified_yuan": format_yuan(loan.qualified_amount),
        "qualified_capitals": yuan_in_capitals(loan.qualified_amount),
        "principal_yuan": format_yuan(loan.principal) if loan.principal else "",
        "rate_percent": f"{loan.annual_rate * 100:.2f}%" if loan.annual_rate is not None else "",
        "periods": rows,
        "period_count": loan.periods.count(),
        "subsidy_paid_yuan": format_yuan(paid_total),
        "subsidy_paid_capitals": yuan_in_capitals(paid_total),
    }
    if period_number is not None and rows:
        claim = claims.get(loan.periods.get(number=period_number).pk)
        amount = claim.amount if claim else Decimal("0")
        context.update(period=rows[0], period_subsidy_yuan=format_yuan(amount), period_subsidy_capitals=yuan_in_capitals(amount))
    return context
