"""What follows a payment: the account corrected after a bank return (补发) and clawbacks of money paid."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import (
    ClawbackStatus,
    PaymentLineStatus,
)
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.models import Application, Clawback, User
from cases.services.applications import _save, _transition, staff_may
from cases.services.audit import audit_record
from cases.services.budget import budget_recover
from cases.services.locks import case_lock, case_locked
from cases.services.payments.lines import validate_bank_account


@transaction.atomic
def bank_account_correct(
    *, application: Application, by: User, bank_name: str, account_name: str, account_number: str
) -> Application:
    """After a bank return (退票), the applicant corrects the account; the case joins a later batch (补发)."""
    application = case_locked(application)
    if not (
        application.applicant.user_id == by.pk
        or staff_may(user=by, permission="cases.accept_application", application=application)
    ):
        raise PermissionDenied()
    validate_bank_account(account_number)
    before = application.status
    _transition(
        application.correct_bank_account,
        bank_name=bank_name,
        account_name=account_name,
        account_number=account_number.replace(" ", ""),
    )
    _save(application, "bank_name", "bank_account_name", "bank_account_number")
    audit_record(application=application, by=by, action="bank_account_corrected", from_status=before)
    return application


@transaction.atomic
def clawback_open(*, application: Application, by: User, amount: Decimal, reason: str) -> Clawback:
    application = case_locked(application)
    if not staff_may(user=by, permission="cases.approve_application", application=application):
        raise PermissionDenied()
    paid = application.payment_lines.filter(status=PaymentLineStatus.PAID).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    if not reason.strip() or amount <= 0 or amount > paid:
        raise DomainError(
            _("A clawback needs a reason and an amount above zero, at most what was paid (%(paid)s).") % {"paid": paid}
        )
    before = application.status
    _transition(application.open_clawback)
    _save(application)
    clawback = Clawback.objects.create(application=application, amount=amount, reason=reason, opened_by=by)
    audit_record(application=application, by=by, action="clawback_opened", from_status=before, comment=reason)
    return clawback


@transaction.atomic
def clawback_recovered(*, clawback: Clawback, by: User, amount: Decimal | None = None) -> Clawback:
    """Record money recovered: all that is still open (amount=None) or a part. Each recovery goes back to the
    envelope, split over the funding sources in proportion to what each paid for the case."""
    application = case_lock(pk=Clawback.objects.values_list("application_id", flat=True).get(pk=clawback.pk))
    clawback = Clawback.objects.select_for_update().get(pk=clawback.pk)
    if not staff_may(user=by, permission="cases.prepare_payment", application=application):
        raise PermissionDenied()
    if clawback.status != ClawbackStatus.OPEN:
        raise TransitionForbidden()
    outstanding = clawback.amount - clawback.recovered
    amount = outstanding if amount is None else amount
    if amount <= 0 or amount > outstanding or amount != amount.quantize(Decimal("0.01")):
        raise DomainError(
            _("A recovery is above zero, in whole cents and at most what is still open (%(open)s).") % {"open": outstanding}
        )
    budget_recover(application=application, amount=amount)
    clawback.recovered += amount
    fields = ["recovered"]
    if clawback.recovered == clawback.amount:
        clawback.status = ClawbackStatus.RECOVERED
        clawback.recovered_at = timezone.now()
        fields += ["status", "recovered_at"]
    clawback.save(update_fields=fields)
    audit_record(application=application, by=by, action="clawback_recovered", from_status=application.status, comment=str(amount))
    return clawback
