"""Reading an uploaded table (a roster, the agency's contribution file) into numbered rows of text cells.

XLSX is read with openpyxl in read-only mode, first sheet, values only; CSV is UTF-8 (with or without a byte-order
mark) or GBK, the encodings Excel and the agency's systems write in China. Anything else is refused with a message
the user can act on, and so is a file past the size or row limit (checked before the rows are built).
"""

import csv
import datetime as dt
import io
from decimal import Decimal

from django.utils.translation import gettext as _

from cases.exceptions import InvalidImport

XLSX_MAGIC = b"PK\x03\x04"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(str(value)), "f")
    return str(value).strip()


def _xlsx_rows(content: bytes, *, max_rows: int) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is one user-facing error
        raise InvalidImport(details=[_("The file is not a readable XLSX workbook.")]) from None
    rows = []
    try:
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            if number > max_rows + 1:
                raise InvalidImport(details=[too_many_rows(max_rows)])
            rows.append((number, [_cell_text(v) for v in values]))
    finally:
        workbook.close()
    return rows


def decode_text(content: bytes) -> str:
    """UTF-8 (byte-order mark or not), else GBK; a file with NUL bytes (UTF-16, a binary file) is neither."""
    if b"\x00" in content:
        raise InvalidImport(details=[_("The file is neither UTF-8 nor GBK text.")])
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gbk")
    except UnicodeDecodeError:
        raise InvalidImport(details=[_("The file is neither UTF-8 nor GBK text.")]) from None


def too_many_rows(max_rows: int) -> str:
    return _("The file has more than %(max)s data rows; split it into files of at most %(max)s rows.") % {"max": max_rows}


def table_rows(*, content: bytes, max_bytes: int, max_rows: int) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every line of the file, the header included; blank lines kept out.
    Raises InvalidImport for an empty, oversized, unreadable or wrongly encoded file."""
    if not content.strip():
        raise InvalidImport(details=[_("The file is empty.")])
    if len(content) > max_bytes:
        raise InvalidImport(
            details=[
                _("The file is %(size)s MB; at most %(max)s MB may be uploaded at once.")
                % {"size": round(len(content) / 1048576, 1), "max": round(max_bytes / 1048576, 1)}
            ]
        )
    if content.startswith(XLSX_MAGIC):
        rows = _xlsx_rows(content, max_rows=max_rows)
    else:
        rows = []
        for number, cells in enumerate(csv.reader(io.StringIO(decode_text(content))), start=1):
            if number > max_rows + 1:
                raise InvalidImport(details=[too_many_rows(max_rows)])
            rows.append((number, [cell.strip() for cell in cells]))
    rows = [(number, cells) for number, cells in rows if any(cells)]
    if len(rows) < 2:
        raise InvalidImport(details=[_("The file has no data rows under its header.")])
    return rows


def header_check(rows: list[tuple[int, list[str]]], columns: list[str]) -> None:
    number, header = rows[0]
    if [cell.lstrip("\ufeff") for cell in header[: len(columns)]] != columns:
        raise InvalidImport(
            details=[_("Line %(n)s: the header must be %(columns)s.") % {"n": number, "columns": ",".join(columns)}]
        )


def reasons_text(reasons: list[str]) -> str:
    """One row's reasons as one sentence: 原因一；原因二。"""
    if len(reasons) == 1:
        return reasons[0]
    return "；".join(reason.rstrip("。.") for reason in reasons) + "。"
