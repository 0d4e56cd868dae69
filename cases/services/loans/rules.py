"""Programme rules for loans (data on the programme) and the schedule, subsidy and compensation maths."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from cases.crypto import lookup_digest
from cases.exceptions import DomainError
from cases.models import Application, Loan, ProgrammeRules
from cases.models.loan import BorrowerKind, LoanState, RepaymentMethod
from cases.money import CENT

INTEREST_FILE_COLUMNS = ["contract_number", "period", "repaid_on", "principal", "interest"]
NOT_COUNTING_FOR_MAX_LOANS = (LoanState.BANK_DECLINED,)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- programme rules (data on the case's rules version) -------------------------------------------


def _rule(rules: ProgrammeRules, key: str, default=None):
    return (rules.amount_rule or {}).get(key, default)


def loan_cap(*, rules: ProgrammeRules, borrower_kind: str) -> Decimal:
    caps = _rule(rules, "caps", {})
    return Decimal(caps.get(borrower_kind, rules.max_amount))


def loan_key_group(*, application: Application) -> bool:
    return application.category in _rule(application.rules_in_force, "key_groups", [])


def loan_eligibility_problems(*, application: Application, borrower_kind: str, amount: Decimal) -> list[str]:
    """Borrower categories, training certificate where required, at most N loans per person, the cap per kind."""
    version = application.rules_in_force
    rules = version.eligibility_rules or {}
    problems: list[str] = []
    if rules.get("categories") and application.category not in rules["categories"]:
        problems.append(_("The applicant category is not covered by this programme."))
    if application.category in rules.get("training_certificate_for", []) and not training_certificate_holds(
        application=application, rules=rules
    ):
        problems.append(_("A training certificate is required for this applicant category."))
    max_loans = rules.get("max_loans")
    if max_loans:
        applicant = application.applicant
        earlier = Loan.objects.exclude(application=application).exclude(state__in=NOT_COUNTING_FOR_MAX_LOANS)
        if applicant.id_number:
            earlier = earlier.filter(application__applicant__id_number_digest=lookup_digest(applicant.id_number))
        else:
            earlier = earlier.filter(application__applicant__credit_code=applicant.credit_code)
        if earlier.count() >= int(max_loans):
            problems.append(_("The borrower already has %(n)s loans; the programme allows at most %(n)s.") % {"n": max_loans})
    if borrower_kind not in BorrowerKind.values:
        problems.append(_("Unknown borrower kind."))
    else:
        cap = loan_cap(rules=version, borrower_kind=borrower_kind)
        if amount > cap:
            problems.append(
                _("The amount %(amount)s exceeds the cap %(cap)s for a borrower of kind %(kind)s.")
                % {"amount": amount, "cap": cap, "kind": BorrowerKind(borrower_kind).label}
            )
    return problems


def training_certificate_holds(*, application: Application, rules: dict) -> bool:
    """The training requirement: a certificate issued by the training programme to the applicant, found in its
    register by the applicant's citizen ID or cited on the case by its number (cases.services.training.certificates;
    a number unknown or issued to someone else is refused when cited). An uploaded certificate counts only where the rules accept
    training taken elsewhere (training_certificate_upload_accepted: another district's designated provider, whose
    register this installation cannot read; the reviewer checks the file). docs/adr/0013-training-subsidy.md"""
    from cases.services.training.certificates import certificate_cited

    if certificate_cited(application=application) is not None:
        return True
    return (
        bool(rules.get("training_certificate_upload_accepted"))
        and application.attachments.filter(kind="training_certificate").exists()
    )


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
