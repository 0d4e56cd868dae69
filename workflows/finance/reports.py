"""Reconciliation report per batch as XLSX: one row per line, then the figures sent = paid + returned + pending.
Amounts are written as Decimal with a 0.00 format (exact for amounts of up to 15 significant digits)."""

import io

from django.utils.translation import gettext as _

from cases.identifiers import mask_account_number
from cases.models import PaymentBatch
from workflows.finance.selectors import batch_lines, batch_reconciliation


def reconciliation_xlsx(*, batch: PaymentBatch) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Reconciliation")[:31]
    sheet.append(
        [_("Payment batch"), batch.number, _("Programme"), batch.programme.name, _("Status"), batch.get_status_display()]
    )
    sheet.append([])
    headers = [
        _("Reference"),
        _("Key"),
        _("Case number"),
        _("Payee"),
        _("Account number"),
        _("Amount"),
        _("Status"),
        _("Bank reference"),
        _("Return reason"),
    ]
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    from cases.services import line_reference

    for line in batch_lines(batch=batch):
        sheet.append(
            [
                line_reference(line),
                line.key,
                line.application.number,
                line.payee_name,
                mask_account_number(line.account_number),
                line.amount,
                line.get_status_display(),
                line.bank_reference,
                line.return_reason,
            ]
        )
        sheet.cell(row=sheet.max_row, column=6).number_format = "0.00"
        sheet.cell(row=sheet.max_row, column=5).number_format = "@"
    figures = batch_reconciliation(batch=batch)
    sheet.append([])
    for label, value in (
        (_("Sent to the bank"), figures.sent),
        (_("Paid"), figures.paid),
        (_("Returned"), figures.returned),
        (_("Awaiting the bank"), figures.pending),
        (_("Balanced"), _("yes") if figures.balanced else _("NO")),
    ):
        sheet.append([label, None, None, None, None, value])
        sheet.cell(row=sheet.max_row, column=6).number_format = "0.00"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
