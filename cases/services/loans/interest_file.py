"""The bank's quarterly interest file (CSV or XLSX): every row checked first, all or nothing."""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils.translation import gettext as _

from cases.exceptions import InvalidImport, PermissionDenied
from cases.models import Bank, Loan, LoanPeriod, SubsidyClaim, User
from cases.models.loan import SubsidyClaimSource
from cases.services.loans.lifecycle import _audit, _lock, _repay, _save, bank_officer_of
from cases.services.loans.rules import INTEREST_FILE_COLUMNS, _rule
from cases.services.loans.subsidies import _claim_create, subsidy_refusal
from cases.services.locks import cases_lock

# --- the bank's quarterly interest file -----------------------------------------------------------


@dataclass(frozen=True)
class InterestRow:
    line: int
    loan: Loan
    period: LoanPeriod
    repaid_on: dt.date


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        content.decode("gbk")
    except UnicodeDecodeError:
        raise InvalidImport(details=[_("The file is not UTF-8 text.")]) from None
    raise InvalidImport(
        details=[_("The file is encoded in GBK (or another legacy encoding); save it as UTF-8 and import it again.")]
    )


def _interest_file_rows(*, content: bytes, filename: str) -> list[tuple[int, list[str]]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises many kinds for a broken workbook
            raise InvalidImport(details=[_("The workbook cannot be read.")]) from error
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = []
            for value in values:
                if isinstance(value, dt.datetime):
                    value = value.date()
                cells.append("" if value is None else str(value))
            rows.append((number, cells))
        return rows
    return list(enumerate(csv.reader(io.StringIO(_decode(content))), start=1))


def interest_file_parse(*, content: bytes, filename: str, bank: Bank) -> list[InterestRow]:
    """Check every row; raise InvalidImport listing each bad row with its line number. Nothing is written."""
    rows = _interest_file_rows(content=content, filename=filename)
    if not rows or [c.strip() for c in rows[0][1][: len(INTEREST_FILE_COLUMNS)]] != INTEREST_FILE_COLUMNS:
        raise InvalidImport(details=[_("Line 1: the header must be %(columns)s.") % {"columns": ",".join(INTEREST_FILE_COLUMNS)}])
    errors: list[str] = []
    parsed: list[InterestRow] = []
    seen: dict[tuple[str, str], int] = {}
    loans: dict[str, Loan | None] = {}
    for number, raw in rows[1:]:
        if not any(str(cell).strip() for cell in raw):
            continue
        if len(raw) < len(INTEREST_FILE_COLUMNS):
            errors.append(_("Line %(n)s: expected %(c)s columns.") % {"n": number, "c": len(INTEREST_FILE_COLUMNS)})
            continue
        cells = [str(c).strip() for c in raw[: len(INTEREST_FILE_COLUMNS)]]
        contract, period_text = cells[0], cells[1]
        key = (contract, period_text)
        if key in seen:
            errors.append(
                _("Line %(n)s: contract %(c)s period %(p)s already appears on line %(first)s.")
                % {"n": number, "c": contract, "p": period_text, "first": seen[key]}
            )
            continue
        seen[key] = number
        if contract not in loans:
            loans[contract] = Loan.objects.filter(contract_number=contract, bank=bank).first()
        checked = _interest_row_check(number, cells, loan=loans[contract])
        if isinstance(checked, InterestRow):
            parsed.append(checked)
        else:
            errors.append(checked)
    if errors:
        raise InvalidImport(details=errors)
    return parsed


def _interest_row_check(number: int, cells: list[str], *, loan: Loan | None) -> InterestRow | str:
    """One row against its loan's schedule: the row to record, or the error to report."""
    contract, period_text, date_text, principal_text, interest_text = cells
    if loan is None:
        return _("Line %(n)s: unknown contract number %(c)s.") % {"n": number, "c": contract}
    try:
        period_number = int(period_text)
    except ValueError:
        return _("Line %(n)s: the period is not a whole number.") % {"n": number}
    period = loan.periods.filter(number=period_number).first()
    if period is None:
        return _("Line %(n)s: contract %(c)s has no period %(p)s.") % {"n": number, "c": contract, "p": period_number}
    try:
        repaid_on = dt.date.fromisoformat(date_text[:10])
    except ValueError:
        return _("Line %(n)s: the date %(d)s is not a date (YYYY-MM-DD).") % {"n": number, "d": date_text}
    maturity = loan.disbursed_on + relativedelta(months=loan.term_months + loan.extended_months)
    # A late repayment of the last periods may come after maturity, within the programme's grace window.
    grace = dt.timedelta(days=int(_rule(loan.application.rules_in_force, "late_repayment_days", 90)))
    if not loan.disbursed_on <= repaid_on <= maturity + grace:
        return _("Line %(n)s: the date %(d)s is outside the loan term %(start)s to %(end)s.") % {
            "n": number,
            "d": repaid_on,
            "start": loan.disbursed_on,
            "end": maturity,
        }
    amounts = [_amount_read(text) for text in (principal_text, interest_text)]
    if any(a is None or not a.is_finite() for a in amounts):
        return _("Line %(n)s: an amount is not a number.") % {"n": number}
    if any(a < 0 for a in amounts):
        return _("Line %(n)s: an amount is negative.") % {"n": number}
    if amounts[0] != period.principal or amounts[1] != period.interest:
        return _("Line %(n)s: principal %(p)s and interest %(i)s differ from the schedule (%(sp)s, %(si)s).") % {
            "n": number,
            "p": amounts[0],
            "i": amounts[1],
            "sp": period.principal,
            "si": period.interest,
        }
    if period.repaid_on is not None and period.repaid_on != repaid_on:
        return _("Line %(n)s: period %(p)s was recorded as repaid on %(d)s.") % {
            "n": number,
            "p": period_number,
            "d": period.repaid_on,
        }
    return InterestRow(line=number, loan=loan, period=period, repaid_on=repaid_on)


def _amount_read(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def interest_file_check(*, content: bytes, filename: str, by: User) -> list[InterestRow]:
    """Only an officer of a bank imports its file; every row is checked (interest_file_parse). Nothing is written."""
    officer = getattr(by, "bank_officer", None)
    if officer is None or not bank_officer_of(user=by, bank=officer.bank):
        raise PermissionDenied(_("Only a bank officer imports the bank's interest file."))
    return interest_file_parse(content=content, filename=filename, bank=officer.bank)


@transaction.atomic
def interest_file_apply(*, rows: list[InterestRow], by: User, today: dt.date) -> dict[str, int]:
    """Record the checked rows. Lock order (ADR 0003): every case of the file in ascending pk order, then per row
    the loan, the period and the claim. A period repaid on another date since the file was checked refuses the
    whole file (all or nothing)."""
    counts = {"rows": len(rows), "repayments": 0, "claims": 0, "already_claimed": 0, "not_eligible": 0}
    cases_lock(pks={row.loan.application_id for row in rows})
    for row in sorted(rows, key=lambda r: (r.loan.application_id, r.period.number)):
        loan = _lock(row.loan)
        period = LoanPeriod.objects.select_for_update().get(pk=row.period.pk)
        if period.repaid_on is not None and period.repaid_on != row.repaid_on:
            raise InvalidImport(
                details=[
                    _("Line %(n)s: period %(p)s was recorded as repaid on %(d)s.")
                    % {"n": row.line, "p": period.number, "d": period.repaid_on}
                ]
            )
        if period.repaid_on is None:
            before = loan.state
            _repay(loan, period, row.repaid_on)
            _save(loan, "settled_on", "closed_on")
            _audit(loan, by=by, action="repaid", before=before, comment=f"#{period.number} {row.repaid_on} (file)")
            counts["repayments"] += 1
        if SubsidyClaim.objects.filter(period=period).exists():
            counts["already_claimed"] += 1
        elif subsidy_refusal(period=period) is None:
            _claim_create(loan=loan, period=period, by=by, source=SubsidyClaimSource.BANK_FILE, today=today)
            counts["claims"] += 1
        else:
            counts["not_eligible"] += 1
    return counts
