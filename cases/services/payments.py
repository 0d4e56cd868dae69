"""Payment batches (清册): maker prepares, checker approves, the bank file goes out, the bank's return file
comes back. A case is never paid twice: one live line per case and instalment, one paid line, enforced by the
database as well as here."""

import csv
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import (
    ClawbackStatus,
    PaymentBatchStatus,
    PaymentLineStatus,
    Status,
)
from cases.exceptions import DomainError, InvalidImport, PermissionDenied, SameMakerChecker, TransitionForbidden
from cases.models import Application, Clawback, PaymentBatch, PaymentLine, Programme, User
from cases.selectors import application_visible_to
from cases.services.applications import _lock, _save, _transition, staff_may
from cases.services.audit import audit_record
from cases.services.budget import budget_pay, budget_recover
from cases.services.numbering import counter_next

BANK_FILE_COLUMNS = ["reference", "payee_name", "bank_name", "account_number", "amount", "case_number"]
RETURN_FILE_COLUMNS = ["reference", "account_number", "amount", "result", "reason", "bank_reference"]
PAYABLE = (Status.PUBLICITY_PASSED, Status.PAYMENT_RETURNED)


def line_reference(line: PaymentLine) -> str:
    return f"PL{line.pk:010d}"


def validate_bank_account(number: str) -> None:
    digits = number.replace(" ", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 30:
        raise DomainError(_("A bank account number has 12 to 30 digits."))


@transaction.atomic
def payment_batch_create(*, programme: Programme, applications: list[Application], by: User) -> PaymentBatch:
    if not by.has_perm("cases.prepare_payment") or by.org_unit_id is None:
        raise PermissionDenied()
    if not applications:
        raise DomainError(_("Choose at least one case to pay."))
    year = timezone.localdate().year
    batch = PaymentBatch.objects.create(
        number=f"QC-{programme.case_prefix}-{year}-{counter_next(key=f'payment:{programme.code}:{year}'):04d}",
        programme=programme,
        org_unit=by.org_unit,
        prepared_by=by,
    )
    total = Decimal("0")
    for application in sorted(applications, key=lambda a: a.pk):
        application = _lock(application)
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
        PaymentLine.objects.create(
            batch=batch,
            application=application,
            amount=application.approved_amount,
            payee_name=application.bank_account_name,
            bank_name=application.bank_name,
            account_number=application.bank_account_number,
        )
        total += application.approved_amount
        audit_record(application=application, by=by, action="payment_queued", from_status=before, comment=batch.number)
    batch.total = total
    batch.line_count = len(applications)
    batch.save(update_fields=["total", "line_count"])
    return batch


@transaction.atomic
def payment_batch_approve(*, batch: PaymentBatch, by: User) -> PaymentBatch:
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


def bank_file_render(*, batch: PaymentBatch) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BANK_FILE_COLUMNS)
    lines = batch.lines.select_related("application").order_by("id")
    for line in lines:
        writer.writerow(
            [
                line_reference(line),
                line.payee_name,
                line.bank_name,
                line.account_number,
                f"{line.amount:.2f}",
                line.application.number,
            ]
        )
    writer.writerow(["TOTAL", "", "", "", f"{batch.total:.2f}", str(batch.line_count)])
    return out.getvalue().encode("utf-8")


@transaction.atomic
def payment_batch_export(*, batch: PaymentBatch, by: User) -> bytes:
    """The bank file. Exporting again gives the same file and changes nothing."""
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if not by.has_perm("cases.prepare_payment") or by.org_unit_id is None or not by.org_unit.contains(batch.org_unit):
        raise PermissionDenied()
    if batch.status == PaymentBatchStatus.DRAFT:
        raise TransitionForbidden(_("A batch is sent to the bank only after approval."))
    content = bank_file_render(batch=batch)
    if batch.status == PaymentBatchStatus.APPROVED:
        batch.lines.filter(status=PaymentLineStatus.PENDING).update(status=PaymentLineStatus.SENT)
        batch.status = PaymentBatchStatus.EXPORTED
        batch.exported_at = timezone.now()
        batch.bank_file_sha256 = hashlib.sha256(content).hexdigest()
        batch.save(update_fields=["status", "exported_at", "bank_file_sha256"])
    return content


@dataclass(frozen=True)
class ReturnRow:
    line: PaymentLine
    paid: bool
    reason: str
    bank_reference: str


def return_file_parse(*, batch: PaymentBatch, content: bytes) -> list[ReturnRow]:
    """Check every row; raise InvalidImport listing each bad row with its line number. Nothing is written."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gbk")
        except UnicodeDecodeError:
            raise InvalidImport(details=[_("The file is neither UTF-8 nor GBK text.")]) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != RETURN_FILE_COLUMNS:
        raise InvalidImport(details=[_("Line 1: the header must be %(columns)s.") % {"columns": ",".join(RETURN_FILE_COLUMNS)}])
    lines = {line_reference(line): line for line in batch.lines.all()}
    errors: list[str] = []
    rows: list[ReturnRow] = []
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(RETURN_FILE_COLUMNS):
            errors.append(_("Line %(n)s: expected %(c)s columns.") % {"n": number, "c": len(RETURN_FILE_COLUMNS)})
            continue
        reference, account, amount_text, result, reason, bank_reference = (cell.strip() for cell in raw)
        line = lines.get(reference)
        if line is None:
            errors.append(_("Line %(n)s: unknown payment reference %(r)s.") % {"n": number, "r": reference})
            continue
        if reference in seen:
            errors.append(_("Line %(n)s: payment reference %(r)s appears twice.") % {"n": number, "r": reference})
            continue
        seen.add(reference)
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            errors.append(_("Line %(n)s: the amount is not a number.") % {"n": number})
            continue
        if amount != line.amount or account != line.account_number:
            errors.append(_("Line %(n)s: amount or account differs from the batch.") % {"n": number})
            continue
        if result not in ("paid", "returned"):
            errors.append(_("Line %(n)s: result must be paid or returned.") % {"n": number})
            continue
        if result == "returned" and not reason:
            errors.append(_("Line %(n)s: a returned line needs the bank's reason.") % {"n": number})
            continue
        rows.append(ReturnRow(line=line, paid=result == "paid", reason=reason, bank_reference=bank_reference))
    if errors:
        raise InvalidImport(details=errors)
    return rows


@transaction.atomic
def payment_line_settle(*, row: ReturnRow, by: User) -> Application | None:
    """Apply one checked row. Returns the case if its status changed; a row already applied changes nothing."""
    line = PaymentLine.objects.select_for_update().get(pk=row.line.pk)
    if line.status != PaymentLineStatus.SENT:
        return None
    application = _lock(line.application)
    before = application.status
    if row.paid:
        _transition(application.confirm_payment)
        budget_pay(application=application, amount=line.amount)
        line.status = PaymentLineStatus.PAID
    else:
        _transition(application.return_payment)
        line.status = PaymentLineStatus.RETURNED
        line.return_reason = row.reason[:200]
    line.bank_reference = row.bank_reference[:64]
    line.settled_at = timezone.now()
    line.save(update_fields=["status", "return_reason", "bank_reference", "settled_at"])
    _save(application)
    audit_record(
        application=application,
        by=by,
        action="payment_" + line.status,
        from_status=before,
        comment=f"{line.batch.number} {row.reason}".strip(),
    )
    return application


def payment_batch_reconcile_if_done(*, batch: PaymentBatch) -> None:
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == PaymentBatchStatus.EXPORTED and not batch.lines.filter(status=PaymentLineStatus.SENT).exists():
        batch.status = PaymentBatchStatus.RECONCILED
        batch.save(update_fields=["status"])


@transaction.atomic
def bank_account_correct(
    *, application: Application, by: User, bank_name: str, account_name: str, account_number: str
) -> Application:
    """After a bank return (退票), the applicant corrects the account; the case joins a later batch (补发)."""
    application = _lock(application)
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
    application = _lock(application)
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
def clawback_recovered(*, clawback: Clawback, by: User) -> Clawback:
    clawback = Clawback.objects.select_for_update().get(pk=clawback.pk)
    application = _lock(clawback.application)
    if not staff_may(user=by, permission="cases.prepare_payment", application=application):
        raise PermissionDenied()
    if clawback.status != ClawbackStatus.OPEN:
        raise TransitionForbidden()
    budget_recover(application=application, amount=clawback.amount)
    clawback.status = ClawbackStatus.RECOVERED
    clawback.recovered_at = timezone.now()
    clawback.save(update_fields=["status", "recovered_at"])
    audit_record(
        application=application, by=by, action="clawback_recovered", from_status=application.status, comment=str(clawback.amount)
    )
    return clawback
