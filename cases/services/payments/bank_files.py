"""The bank file of a batch (CSV or XLSX, in the batch's layout), byte for byte the same every time it is
rendered, and its stored copy."""

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from cases.exceptions import DomainError
from cases.models import PaymentBatch
from cases.services.payments.lines import line_reference

BANK_FILE_COLUMNS = ["reference", "payee_name", "bank_name", "account_number", "amount", "case_number"]
DEFAULT_LAYOUT_COLUMNS = [{"field": name, "header": name} for name in BANK_FILE_COLUMNS]
BANK_FILE_FORMATS = ("csv", "xlsx")


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
