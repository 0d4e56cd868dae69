"""A defaulted loan: the bank declares the default, the guarantee fund compensates the bank, recoveries are recorded
against the compensation, and the loan closes recovered or written off. Same order as every loan write: lock the
case, then the loan (`_lock`), check permission, transition, save, audit on the case."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from cases.exceptions import DomainError, TransitionForbidden
from cases.models import Loan, LoanRecovery, User
from cases.models.loan import LoanState
from cases.services.loans.lifecycle import _assert_bank, _assert_staff, _audit, _lock, _save, _transition, loan_outstanding
from cases.services.loans.rules import _cents, _rule, compensation_compute


@transaction.atomic
def loan_default_record(*, loan: Loan, by: User, today: dt.date) -> Loan:
    loan = _lock(loan)
    _assert_bank(by, loan)
    before = loan.state
    _transition(loan.declare_default, on=today, outstanding=loan_outstanding(loan=loan))
    _save(loan, "defaulted_on", "outstanding_at_default")
    _audit(loan, by=by, action="defaulted", before=before, comment=str(loan.outstanding_at_default))
    return loan


@transaction.atomic
def loan_compensation_record(*, loan: Loan, by: User, today: dt.date) -> Loan:
    """The guarantee fund pays the bank its share of the outstanding principal."""
    loan = _lock(loan)
    _assert_staff(by, "cases.approve_application", loan)
    tiers = _rule(loan.application.rules_in_force, "compensation_tiers", [[None, "1.00"]])
    before = loan.state
    amount = compensation_compute(outstanding=loan.outstanding_at_default or Decimal("0"), tiers=tiers)
    _transition(loan.compensate, on=today, amount=amount)
    _save(loan, "compensated_on", "compensation_amount")
    _audit(loan, by=by, action="compensated", before=before, comment=str(amount))
    return loan


@transaction.atomic
def loan_recovery_payment_record(*, loan: Loan, by: User, amount: Decimal, on: dt.date, note: str = "") -> LoanRecovery:
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
def loan_closure_record(*, loan: Loan, by: User, today: dt.date, written_off: bool) -> Loan:
    loan = _lock(loan)
    _assert_staff(by, "cases.approve_application", loan)
    before = loan.state
    _transition(loan.write_off if written_off else loan.close_recovered, on=today)
    _save(loan, "closed_on")
    _audit(loan, by=by, action="written_off" if written_off else "recovered", before=before)
    return loan
