"""Payment batches (清册): maker prepares, checker approves, the bank file goes out, the bank's return file
comes back. A case is never paid twice: one live line per case and instalment, one paid line, enforced by the
database as well as here."""

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
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
from cases.models import Application, BankFileLayout, Clawback, PaymentBatch, PaymentLine, PaymentReturnFile, Programme, User
from cases.selectors import application_visible_to
from cases.services.applications import _save, _transition, staff_may
from cases.services.audit import audit_record
from cases.services.budget import budget_pay, budget_recover
from cases.services.locks import case_lock, cases_lock
from cases.services.numbering import counter_next

BANK_FILE_COLUMNS = ["reference", "payee_name", "bank_name", "account_number", "amount", "case_number"]
DEFAULT_LAYOUT_COLUMNS = [{"field": name, "header": name} for name in BANK_FILE_COLUMNS]
BANK_FILE_FORMATS = ("csv", "xlsx")
XLSX_MAGIC = b"PK\x03\x04"
RETURN_FILE_COLUMNS = ["reference", "account_number", "amount", "result", "reason", "bank_reference"]
PAYABLE = (Status.PUBLICITY_PASSED, Status.PAYMENT_RETURNED)


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


@transaction.atomic
def payment_batch_create(
    *,
    programme: Programme,
    applications: list[Application],
    by: User,
    layout: BankFileLayout | None = None,
    criteria: dict | None = None,
) -> PaymentBatch:
    if not by.has_perm("cases.prepare_payment") or by.org_unit_id is None:
        raise PermissionDenied()
    if not applications:
        raise DomainError(_("Choose at least one case to pay."))
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


def _layout(batch: PaymentBatch) -> tuple[list[dict], str, str, bool]:
    layout = batch.layout
    if layout is None:
        return DEFAULT_LAYOUT_COLUMNS, "utf-8", "yuan", True
    return layout.columns, layout.encoding, layout.amount_format, layout.totals_row


def _amount_text(amount: Decimal, amount_format: str) -> str:
    return str(int(amount * 100)) if amount_format == "fen" else f"{amount:.2f}"


def bank_file_rows(*, batch: PaymentBatch) -> tuple[list[str], list[dict], dict | None]:
    """Headers, one dict of field values per line (amounts as Decimal), and the totals row (or None)."""
    columns, _encoding, _format, totals = _layout(batch)
    rows = []
    for line in batch.lines.select_related("application").order_by("id"):
        rows.append(
            {
                "reference": line_reference(line),
                "key": line.key,
                "payee_name": line.payee_name,
                "bank_name": line.bank_name,
                "account_number": line.account_number,
                "amount": line.amount,
                "case_number": line.application.number,
                "batch_number": batch.number,
            }
        )
    total_row = None
    if totals:
        first, last = columns[0]["field"], columns[-1]["field"]
        total_row = {c["field"]: "" for c in columns}
        total_row[first] = "TOTAL"
        total_row["amount"] = sum((r["amount"] for r in rows), Decimal("0"))
        if last not in (first, "amount"):
            total_row[last] = str(len(rows))
    return [c["header"] for c in columns], rows, total_row


def bank_file_render(*, batch: PaymentBatch, fmt: str = "csv") -> bytes:
    """The bank file, byte for byte the same every time it is rendered for the same batch."""
    if fmt not in BANK_FILE_FORMATS:
        raise DomainError(_("Unknown bank file format %(fmt)s.") % {"fmt": fmt})
    columns, encoding, amount_format, _totals = _layout(batch)
    headers, rows, total_row = bank_file_rows(batch=batch)
    fields = [c["field"] for c in columns]
    every = rows + ([total_row] if total_row else [])
    if fmt == "xlsx":
        return _xlsx_render(batch, headers, fields, every, amount_format)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in every:
        writer.writerow([_amount_text(row[f], amount_format) if f == "amount" else row[f] for f in fields])
    try:
        return out.getvalue().encode(encoding)
    except UnicodeEncodeError:
        raise DomainError(_("A name in the batch cannot be written in %(encoding)s.") % {"encoding": encoding}) from None


def _xlsx_render(batch: PaymentBatch, headers: list[str], fields: list[str], rows: list[dict], amount_format: str) -> bytes:
    """Amounts go in as Decimal (openpyxl writes str(Decimal): exact) with a 0.00 format, or as whole fen integers;
    account numbers and references as text, never numbers."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = batch.number[:31]
    sheet.append(headers)
    for row in rows:
        values = []
        for field in fields:
            value = row[field]
            if field == "amount":
                value = int(value * 100) if amount_format == "fen" else value
            values.append(value)
        sheet.append(values)
        for cell, field in zip(sheet[sheet.max_row], fields, strict=True):
            if field == "amount":
                cell.number_format = "0" if amount_format == "fen" else "0.00"
            else:
                cell.number_format = "@"
    moment = dt.datetime(2000, 1, 1)  # noqa: DTZ001 - fixed document properties: the same batch always gives the same bytes
    workbook.properties.created = moment
    workbook.properties.modified = moment
    raw = io.BytesIO()
    workbook.save(raw)
    return _zip_normalised(raw.getvalue())


def _zip_normalised(content: bytes) -> bytes:
    """Rewrite a zip with fixed entry timestamps so equal contents give equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here whatever we set
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            target.writestr(fixed, data)
    return out.getvalue()


def bank_file_path(*, batch: PaymentBatch, fmt: str) -> str:
    return f"payments/bank-files/{batch.number}.{fmt}"


def _bank_file_store(*, batch: PaymentBatch, fmt: str, content: bytes) -> None:
    """Write (or overwrite with the identical bytes) the stored copy of the bank file."""
    path = bank_file_path(batch=batch, fmt=fmt)
    if default_storage.exists(path):
        default_storage.delete(path)
    default_storage.save(path, ContentFile(content))


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


@dataclass(frozen=True)
class ReturnRow:
    line: PaymentLine
    paid: bool
    reason: str
    bank_reference: str


def _return_file_table(content: bytes) -> list[list[str]]:
    """Rows of text cells from a CSV (UTF-8 or GBK) or XLSX return file."""
    if content.startswith(XLSX_MAGIC):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable workbook is one user-facing error
            raise InvalidImport(details=[_("The file is not a readable XLSX workbook.")]) from None
        table = []
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            table.append(
                ["" if v is None else (format(Decimal(str(v)), "f") if isinstance(v, float) else str(v)) for v in values]
            )
        workbook.close()
        return table
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gbk")
        except UnicodeDecodeError:
            raise InvalidImport(details=[_("The file is neither UTF-8 nor GBK text.")]) from None
    return list(csv.reader(io.StringIO(text)))


def return_file_parse(*, batch: PaymentBatch, content: bytes) -> list[ReturnRow]:
    """Check every row; raise InvalidImport listing each bad row with its line number. Nothing is written.

    Refused: unknown references, a reference twice, an amount or account that differs from the batch, an unknown
    result, a returned line without the bank's reason, and a TOTAL row (optional) that is not the sum of the rows."""
    table = _return_file_table(content)
    header = table[0] if table else None
    if header is None or [h.strip() for h in header][: len(RETURN_FILE_COLUMNS)] != RETURN_FILE_COLUMNS:
        raise InvalidImport(details=[_("Line 1: the header must be %(columns)s.") % {"columns": ",".join(RETURN_FILE_COLUMNS)}])
    lines = {line_reference(line): line for line in batch.lines.all()}
    errors: list[str] = []
    rows: list[ReturnRow] = []
    seen: set[str] = set()
    file_sum = Decimal("0")
    stated_total: tuple[int, Decimal] | None = None
    for number, raw in enumerate(table[1:], start=2):
        raw = [cell.strip() for cell in raw]
        while len(raw) > len(RETURN_FILE_COLUMNS) and raw[-1] == "":
            raw.pop()
        if not any(raw):
            continue
        if raw[0] == "TOTAL":
            try:
                stated_total = (number, Decimal(raw[2]))
            except (InvalidOperation, IndexError):
                errors.append(_("Line %(n)s: the total is not a number.") % {"n": number})
            continue
        if len(raw) != len(RETURN_FILE_COLUMNS):
            errors.append(_("Line %(n)s: expected %(c)s columns.") % {"n": number, "c": len(RETURN_FILE_COLUMNS)})
            continue
        reference, account, amount_text, result, reason, bank_reference = raw
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
        file_sum += amount
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
    if stated_total is not None and stated_total[1] != file_sum:
        errors.append(
            _("Line %(n)s: the total %(total)s is not the sum of the lines %(sum)s.")
            % {"n": stated_total[0], "total": f"{stated_total[1]:.2f}", "sum": f"{file_sum:.2f}"}
        )
    if errors:
        raise InvalidImport(details=errors)
    return rows


def return_file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def return_file_seen(*, batch: PaymentBatch, content: bytes) -> PaymentReturnFile | None:
    return PaymentReturnFile.objects.filter(batch=batch, sha256=return_file_digest(content)).first()


def return_file_record(*, batch: PaymentBatch, content: bytes, by: User, counts: dict[str, int], file_name: str = "") -> None:
    """Remember a return file by digest (the unique constraint makes a concurrent second import fail and roll back)."""
    digest = return_file_digest(content)
    PaymentReturnFile.objects.create(
        batch=batch,
        sha256=digest,
        file_name=file_name[:200],
        imported_by=by,
        paid=counts["paid"],
        returned=counts["returned"],
        unchanged=counts["unchanged"],
    )
    PaymentBatch.objects.filter(pk=batch.pk).update(return_file_sha256=digest)


@transaction.atomic
def payment_line_settle(*, row: ReturnRow, by: User) -> Application | None:
    """Apply one checked row. Returns the case if its status changed; a row already applied changes nothing.
    Locks the case, then the line."""
    application = case_lock(pk=row.line.application_id)
    line = PaymentLine.objects.select_for_update().get(pk=row.line.pk)
    if line.status != PaymentLineStatus.SENT:
        return None
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
    application = case_lock(pk=application.pk)
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
    application = case_lock(pk=application.pk)
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
