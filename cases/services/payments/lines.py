"""One payment line: a transfer attempt for a case's instalment, its reference on the bank file, and the account
number check."""

from decimal import Decimal

from django.utils.translation import gettext as _

from cases.exceptions import DomainError
from cases.models import Application, PaymentBatch, PaymentLine


def line_reference(line: PaymentLine) -> str:
    return f"PL{line.pk:010d}"


def validate_bank_account(number: str) -> None:
    """Chinese bank account numbers: 12 to 30 ASCII digits (spaces between groups are ignored), nothing else.
    No Luhn check: many corporate and older personal accounts do not carry one."""
    digits = number.replace(" ", "")
    if not (digits.isascii() and digits.isdigit()) or not 12 <= len(digits) <= 30:
        raise DomainError(_("A bank account number has 12 to 30 digits and nothing else."))


def payment_line_add(*, batch: PaymentBatch, application: Application, instalment: int, amount: Decimal) -> PaymentLine:
    """One transfer attempt for a case's instalment, to the case's account: key case/instalment/attempt (ADR 0005)."""
    attempt = PaymentLine.objects.filter(application=application, instalment=instalment).count() + 1
    return PaymentLine.objects.create(
        batch=batch,
        application=application,
        instalment=instalment,
        attempt=attempt,
        key=f"{application.number}/{instalment}/{attempt}",
        amount=amount,
        payee_name=application.bank_account_name,
        bank_name=application.bank_name,
        account_number=application.bank_account_number,
    )
