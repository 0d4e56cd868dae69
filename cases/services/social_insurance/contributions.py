"""The social-insurance agency's monthly contribution file, imported by the district bureau: every row checked
first (all or nothing), then applied idempotently per (person, employer, month):

- a key not seen before is recorded;
- the same amounts again change nothing (a file imported twice adds nothing);
- other amounts are a correction: the record takes them and keeps its previous total and the correcting file;
- a reversal row (冲正标志 1: 退保 or a correction taking the payment back) marks the record reversed, with the file.

Only the digest of the citizen ID is stored: the ledger and the rosters find people by it.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import crypto
from cases.constants import Role
from cases.exceptions import InvalidImport, PermissionDenied
from cases.identifiers import validate_citizen_id, validate_credit_code
from cases.models import User
from cases.models.social_insurance import ContributionFile, ContributionRecord
from cases.services.social_insurance.roster import amount_read, months_read
from cases.services.social_insurance.tables import header_check, reasons_text, table_rows

CONTRIBUTION_COLUMNS = [
    "公民身份号码",
    "单位统一社会信用代码",
    "费款所属期",
    "缴费基数",
    "单位养老保险",
    "单位医疗保险",
    "单位失业保险",
    "冲正标志",
]
MAX_CONTRIBUTION_ROWS = 200_000
MAX_CONTRIBUTION_BYTES = 40 * 1024 * 1024
IMPORTING_ROLES = (Role.DISTRICT_REVIEWER, Role.DISTRICT_APPROVER)
_FLAGS = {"": False, "0": False, "否": False, "N": False, "1": True, "是": True, "Y": True}
CHUNK = 500


@dataclass(frozen=True)
class ContributionRow:
    line: int
    person_digest: str
    credit_code: str
    month: dt.date
    base: Decimal
    pension: Decimal
    medical: Decimal
    unemployment: Decimal
    reversal: bool

    @property
    def key(self) -> tuple[str, str, dt.date]:
        return self.person_digest, self.credit_code, self.month


def _row_read(number: int, cells: list[str]) -> ContributionRow | str:
    cells = [*cells, *[""] * (len(CONTRIBUTION_COLUMNS) - len(cells))]
    reasons = []
    for value, validator in ((cells[0].upper(), validate_citizen_id), (cells[1].upper(), validate_credit_code)):
        try:
            validator(value)
        except ValidationError as error:
            reasons.append(str(error.messages[0]))
    months = months_read(cells[2])
    if months is None or len(months) != 1:
        reasons.append(_("The month “%(m)s” is not one month (YYYYMM).") % {"m": cells[2]})
    amounts = [amount_read(text) for text in cells[3:7]]
    if any(a is None for a in amounts):
        reasons.append(_("An amount is not a number."))
    elif any(a < 0 for a in amounts):
        reasons.append(_("An amount is negative."))
    if cells[7].upper() not in _FLAGS:
        reasons.append(_("The reversal flag is 0 or 1."))
    if reasons:
        return _("Line %(n)s: %(reasons)s") % {"n": number, "reasons": reasons_text(reasons)}
    return ContributionRow(
        number, crypto.lookup_digest(cells[0]), cells[1].upper(), months[0], *amounts, _FLAGS[cells[7].upper()]
    )


def contribution_file_parse(*, content: bytes) -> list[ContributionRow]:
    """Every row checked; InvalidImport lists each bad row with its line number. Nothing is written."""
    rows = table_rows(content=content, max_bytes=MAX_CONTRIBUTION_BYTES, max_rows=MAX_CONTRIBUTION_ROWS)
    header_check(rows, CONTRIBUTION_COLUMNS)
    parsed, errors, seen = [], [], {}
    for number, cells in rows[1:]:
        row = _row_read(number, cells)
        if isinstance(row, str):
            errors.append(row)
        elif row.key in seen:
            errors.append(
                _("Line %(n)s: the same person, employer and month as line %(first)s.") % {"n": number, "first": seen[row.key]}
            )
        else:
            seen[row.key] = number
            parsed.append(row)
    if errors:
        raise InvalidImport(details=errors)
    return parsed


def _existing(rows: list[ContributionRow]) -> dict[tuple, ContributionRecord]:
    found = {}
    digests = sorted({row.person_digest for row in rows})
    for start in range(0, len(digests), CHUNK):
        records = ContributionRecord.objects.select_for_update().filter(person_digest__in=digests[start : start + CHUNK])
        found.update({(r.person_digest, r.employer_credit_code, r.month): r for r in records})
    return found


def _apply(row: ContributionRow, record: ContributionRecord, file: ContributionFile, counts: dict) -> bool:
    """Change `record` for a later row of the same key; True when it changed."""
    if row.reversal:
        if record.reversed:
            return False
        record.reversed, record.reversed_in = True, file
        counts["reversed"] += 1
        return True
    amounts = (row.base, row.pension, row.medical, row.unemployment)
    if amounts == (record.base, record.pension, record.medical, record.unemployment) and not record.reversed:
        return False
    record.previous_total = Decimal("0.00") if record.reversed else record.employer_total
    record.base, record.pension, record.medical, record.unemployment = amounts
    record.reversed, record.corrected_in = False, file
    counts["corrected"] += 1
    return True


@transaction.atomic
def contribution_file_import(*, content: bytes, filename: str, by: User) -> dict[str, int]:
    """Import the agency's file (district bureau only). Returns counts: rows, created, unchanged, corrected, reversed."""
    if by.role not in IMPORTING_ROLES:
        raise PermissionDenied(_("Only the district bureau imports the social-insurance agency's contribution file."))
    rows = contribution_file_parse(content=content)
    file = ContributionFile.objects.create(
        filename=filename[:200], sha256=hashlib.sha256(content).hexdigest(), rows=len(rows), imported_by=by
    )
    counts = {"rows": len(rows), "created": 0, "unchanged": 0, "corrected": 0, "reversed": 0}
    existing = _existing(rows)
    new, changed = [], []
    for row in rows:
        record = existing.get(row.key)
        if record is None:
            new.append(
                ContributionRecord(
                    person_digest=row.person_digest,
                    employer_credit_code=row.credit_code,
                    month=row.month,
                    base=row.base,
                    pension=row.pension,
                    medical=row.medical,
                    unemployment=row.unemployment,
                    reversed=row.reversal,
                    source_file=file,
                    reversed_in=file if row.reversal else None,
                )
            )
        elif _apply(row, record, file, counts):
            changed.append(record)
        else:
            counts["unchanged"] += 1
    ContributionRecord.objects.bulk_create(new, batch_size=1000)
    fields = ["base", "pension", "medical", "unemployment", "reversed", "reversed_in", "corrected_in", "previous_total"]
    ContributionRecord.objects.bulk_update(changed, fields, batch_size=500)
    counts["created"] = len(new)
    return counts
