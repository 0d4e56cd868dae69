"""The bank's return file: every row checked first (all or nothing), remembered by digest, then applied line by
line (paid or returned, 退票)."""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import (
    PaymentLineStatus,
)
from cases.exceptions import InvalidImport
from cases.models import Application, PaymentBatch, PaymentLine, PaymentReturnFile, User
from cases.services.applications import _save, _transition
from cases.services.audit import audit_record
from cases.services.budget import budget_pay
from cases.services.locks import case_lock
from cases.services.payments.lines import line_reference

XLSX_MAGIC = b"PK\x03\x04"
RETURN_FILE_COLUMNS = ["reference", "account_number", "amount", "result", "reason", "bank_reference"]


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


def return_file_template(*, batch: PaymentBatch) -> bytes:
    """A return file for the bank to fill in (UTF-8 with BOM, so spreadsheet programs read it): the header the import
    expects and one row per line awaiting the bank, with its reference, account and amount; the bank writes the
    result (paid or returned), the reason of a return and its own reference."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RETURN_FILE_COLUMNS)
    for line in batch.lines.filter(status=PaymentLineStatus.SENT).select_related("application").order_by("id"):
        writer.writerow([line_reference(line), line.account_number, f"{line.amount:.2f}", "", "", ""])
    return out.getvalue().encode("utf-8-sig")


def return_file_parse(*, batch: PaymentBatch, content: bytes) -> list[ReturnRow]:
    """Check every row; raise InvalidImport listing each bad row with its line number. Nothing is written.

    Refused: unknown references, a reference twice, an amount or account that differs from the batch, an unknown
    result, a returned line without the bank's reason, and a TOTAL row (optional) that is not the sum of the rows."""
    table = _return_file_table(content)
    header = table[0] if table else None
    if header is None or [h.strip() for h in header][: len(RETURN_FILE_COLUMNS)] != RETURN_FILE_COLUMNS:
        raise InvalidImport(details=[_("Line 1: the header must be %(columns)s.") % {"columns": ",".join(RETURN_FILE_COLUMNS)}])
    check = _ReturnFileCheck(lines={line_reference(line): line for line in batch.lines.all()})
    for number, raw in enumerate(table[1:], start=2):
        raw = [cell.strip() for cell in raw]
        while len(raw) > len(RETURN_FILE_COLUMNS) and raw[-1] == "":
            raw.pop()
        if not any(raw):
            continue
        if raw[0] == "TOTAL":
            check.total_read(number, raw)
        else:
            check.row_read(number, raw)
    check.total_compare()
    if check.errors:
        raise InvalidImport(details=check.errors)
    return check.rows


@dataclass
class _ReturnFileCheck:
    """What reading a return file has found so far: the good rows, the errors, and the sums to compare."""

    lines: dict[str, PaymentLine]
    errors: list[str] = field(default_factory=list)
    rows: list[ReturnRow] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    file_sum: Decimal = Decimal("0")
    stated_total: tuple[int, Decimal] | None = None

    def total_read(self, number: int, raw: list[str]) -> None:
        try:
            self.stated_total = (number, Decimal(raw[2]))
        except (InvalidOperation, IndexError):
            self.errors.append(_("Line %(n)s: the total is not a number.") % {"n": number})

    def row_read(self, number: int, raw: list[str]) -> None:
        if len(raw) != len(RETURN_FILE_COLUMNS):
            self.errors.append(_("Line %(n)s: expected %(c)s columns.") % {"n": number, "c": len(RETURN_FILE_COLUMNS)})
            return
        reference, account, amount_text, result, reason, bank_reference = raw
        line = self.lines.get(reference)
        if line is None:
            self.errors.append(_("Line %(n)s: unknown payment reference %(r)s.") % {"n": number, "r": reference})
            return
        if reference in self.seen:
            self.errors.append(_("Line %(n)s: payment reference %(r)s appears twice.") % {"n": number, "r": reference})
            return
        self.seen.add(reference)
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            self.errors.append(_("Line %(n)s: the amount is not a number.") % {"n": number})
            return
        self.file_sum += amount
        if amount != line.amount or account != line.account_number:
            self.errors.append(_("Line %(n)s: amount or account differs from the batch.") % {"n": number})
        elif result not in ("paid", "returned"):
            self.errors.append(_("Line %(n)s: result must be paid or returned.") % {"n": number})
        elif result == "returned" and not reason:
            self.errors.append(_("Line %(n)s: a returned line needs the bank's reason.") % {"n": number})
        else:
            self.rows.append(ReturnRow(line=line, paid=result == "paid", reason=reason, bank_reference=bank_reference))

    def total_compare(self) -> None:
        if self.stated_total is not None and self.stated_total[1] != self.file_sum:
            number, total = self.stated_total
            self.errors.append(
                _("Line %(n)s: the total %(total)s is not the sum of the lines %(sum)s.")
                % {"n": number, "total": f"{total:.2f}", "sum": f"{self.file_sum:.2f}"}
            )


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
