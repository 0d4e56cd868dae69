"""Payment batches (清册): the maker prepares, the checker approves, the bank file goes out; a batch is
reconciled when no line is still out at the bank."""

import hashlib
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import (
    PaymentBatchStatus,
    PaymentLineStatus,
    Status,
)
from cases.exceptions import DomainError, PermissionDenied, SameMakerChecker, TransitionForbidden
from cases.models import Application, BankFileLayout, PaymentBatch, PaymentLine, Programme, User
from cases.selectors import application_visible_to
from cases.services.applications import _save, _transition
from cases.services.audit import audit_record
from cases.services.locks import cases_lock
from cases.services.numbering import counter_next
from cases.services.payments.bank_files import _bank_file_store, bank_file_render
from cases.services.payments.lines import payment_line_add, validate_bank_account

PAYABLE = (Status.PUBLICITY_PASSED, Status.PAYMENT_RETURNED)


@transaction.atomic
def payment_batch_create(
    *,
    programme: Programme,
    applications: list[Application],
    by: User,
    layout: BankFileLayout | None,
    criteria: dict | None = None,
) -> PaymentBatch:
    if not by.has_perm("cases.prepare_payment") or by.org_unit_id is None:
        raise PermissionDenied()
    if not applications:
        raise DomainError(_("Choose at least one case to pay."))
    if layout is None:
        raise DomainError(_("Choose the bank file layout of the paying bank."))
    # The cases first (ascending pk), then the counter and the batch: one lock order (ADR 0003).
    locked = cases_lock(pks=[a.pk for a in applications])
    year = timezone.localdate().year
    batch = PaymentBatch.objects.create(
        number=f"QC-{programme.case_prefix}-{year}-{counter_next(key=f'payment:{programme.code}:{year}'):04d}",
        programme=programme,
        org_unit=by.org_unit,
        prepared_by=by,
        layout=layout,
        criteria=criteria or {},
    )
    total = Decimal("0")
    for application in locked:
        if application.programme_id != programme.pk or not application_visible_to(user=by, application=application):
            raise PermissionDenied()
        if application.status not in PAYABLE:
            raise TransitionForbidden(
                _("Case %(number)s has not passed publicity or is already being paid.") % {"number": application.number}
            )
        validate_bank_account(application.bank_account_number)
        if PaymentLine.objects.filter(
            application=application,
            instalment=1,
            status__in=[PaymentLineStatus.PENDING, PaymentLineStatus.SENT, PaymentLineStatus.PAID],
        ).exists():
            raise TransitionForbidden(_("Case %(number)s already has a payment line.") % {"number": application.number})
        before = application.status
        _transition(application.queue_payment)
        _save(application)
        payment_line_add(batch=batch, application=application, instalment=1, amount=application.approved_amount)
        total += application.approved_amount
        audit_record(application=application, by=by, action="payment_queued", from_status=before, comment=batch.number)
    batch.total = total
    batch.line_count = len(locked)
    batch.save(update_fields=["total", "line_count"])
    return batch


@transaction.atomic
def payment_batch_approval_record(*, batch: PaymentBatch, by: User) -> PaymentBatch:
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if not by.has_perm("cases.approve_payment") or by.org_unit_id is None or not by.org_unit.contains(batch.org_unit):
        raise PermissionDenied()
    if batch.prepared_by_id == by.pk:
        raise SameMakerChecker()
    if batch.status != PaymentBatchStatus.DRAFT:
        raise TransitionForbidden(_("The batch has already been approved."))
    batch.status = PaymentBatchStatus.APPROVED
    batch.approved_by = by
    batch.approved_at = timezone.now()
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    return batch


def _lines_mark_sent(*, batch: PaymentBatch) -> int:
    return batch.lines.filter(status=PaymentLineStatus.PENDING).update(status=PaymentLineStatus.SENT)


@transaction.atomic
def payment_batch_export(*, batch: PaymentBatch, by: User, fmt: str = "csv") -> bytes:
    """The bank file (CSV or XLSX). Exporting again gives the same bytes and changes nothing.

    Order: lock the batch, render, store the file, mark the lines sent, record the digest, all in one transaction.
    A crash after the file is written and before the lines are marked rolls everything back; the file left behind
    is byte-identical to what the retry writes, and the lines are never duplicated (they already exist, one live
    line per case and instalment, keyed case/instalment/attempt)."""
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if not by.has_perm("cases.prepare_payment") or by.org_unit_id is None or not by.org_unit.contains(batch.org_unit):
        raise PermissionDenied()
    if batch.status == PaymentBatchStatus.DRAFT:
        raise TransitionForbidden(_("A batch is sent to the bank only after approval."))
    content = bank_file_render(batch=batch, fmt=fmt)
    _bank_file_store(batch=batch, fmt=fmt, content=content)
    if batch.status == PaymentBatchStatus.APPROVED:
        _lines_mark_sent(batch=batch)
        batch.status = PaymentBatchStatus.EXPORTED
        batch.exported_at = timezone.now()
        batch.bank_file_sha256 = hashlib.sha256(bank_file_render(batch=batch, fmt="csv")).hexdigest()
        batch.save(update_fields=["status", "exported_at", "bank_file_sha256"])
    return content


def payment_batch_reconcile_if_done(*, batch: PaymentBatch) -> None:
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == PaymentBatchStatus.EXPORTED and not batch.lines.filter(status=PaymentLineStatus.SENT).exists():
        batch.status = PaymentBatchStatus.RECONCILED
        batch.save(update_fields=["status"])
