"""A whole roster checked: every row on its own (roster.row_parse), duplicates within the file, then against the
database: person-months already in the ledger (any employer), the months cap per person and category counted
across employers (given way to the retirement age for people close to it), and the agency's contribution records
(a claimed month needs a paid, unreversed contribution by this employer; the stated total must match them).

Queries go by chunks of digests, never one per row: a 5,000-row roster is a few dozen queries.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cases.exceptions import InvalidImport
from cases.models.social_insurance import (
    CAP_COUNTING_STATUSES,
    ContributionRecord,
    PersonMonthEntitlement,
    SocialInsuranceClaim,
    SocialInsuranceStandard,
)
from cases.services.social_insurance.retirement import month_index
from cases.services.social_insurance.roster import (
    MAX_ROSTER_BYTES,
    MAX_ROSTER_ROWS,
    ROSTER_COLUMNS,
    RosterLine,
    quarter_months,
    row_parse,
)
from cases.services.social_insurance.rules import months_cap, person_month_amount, roster_rule
from cases.services.social_insurance.tables import header_check, reasons_text, table_rows

CHUNK = 500


@dataclass
class RosterReport:
    """The rows that may be saved, and each refused row's line number with its reasons."""

    valid: list[RosterLine] = field(default_factory=list)
    refused: dict[int, list[str]] = field(default_factory=dict)

    def refuse(self, line: int, reasons: list[str]) -> None:
        self.refused.setdefault(line, []).extend(reasons)

    @property
    def messages(self) -> list[str]:
        return [_("Line %(n)s: %(reasons)s") % {"n": n, "reasons": reasons_text(r)} for n, r in sorted(self.refused.items())]


def _chunks(values: list[str]):
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _ledger_of(digests: list[str]) -> dict[str, list[tuple]]:
    held: dict[str, list[tuple]] = defaultdict(list)
    for chunk in _chunks(digests):
        rows = PersonMonthEntitlement.objects.filter(person_digest__in=chunk).values_list(
            "person_digest", "month", "category", "employer_id", "status"
        )
        for digest, *rest in rows:
            held[digest].append(tuple(rest))
    return held


def _contributions_of(digests: list[str], *, credit_code: str, months: list[dt.date]) -> dict[tuple, ContributionRecord]:
    found = {}
    for chunk in _chunks(digests):
        records = ContributionRecord.objects.filter(employer_credit_code=credit_code, month__in=months, person_digest__in=chunk)
        for record in records:
            found[record.person_digest, record.month] = record
    return found


def _months_text(months) -> str:
    return ", ".join(f"{m:%Y-%m}" for m in sorted(months))


def _ledger_reasons(line: RosterLine, held: list[tuple], *, claim: SocialInsuranceClaim, rules) -> list[str]:
    reasons = []
    mine = sorted(m for m, _c, employer, _s in held if employer == claim.employer_id and m in line.months)
    others = sorted(m for m, _c, employer, _s in held if employer != claim.employer_id and m in line.months)
    if mine:
        reasons.append(_("Months %(m)s of this person were already claimed by this employer.") % {"m": _months_text(mine)})
    if others:
        reasons.append(_("Months %(m)s of this person were already claimed by another employer.") % {"m": _months_text(others)})
    used = [m for m, category, _e, status in held if category == line.category and status in CAP_COUNTING_STATUSES]
    first = min([*used, *line.months])
    near_years = int(roster_rule(rules, "near_retirement_years"))
    if month_index(line.retirement) - month_index(first) < near_years * 12:
        return reasons  # close to retirement: the months run to the retirement age (checked row by row)
    cap = months_cap(rules, line.category)
    if len(used) + len(line.months) > cap:
        reasons.append(
            _("The person already has %(used)s subsidised months in this category; %(new)s more exceed the cap of %(cap)s.")
            % {"used": len(used), "new": len(line.months), "cap": cap}
        )
    return reasons


def _contribution_reasons(line: RosterLine, found: dict, *, standards: dict[int, SocialInsuranceStandard]) -> list[str]:
    records = {m: found.get((line.digest, m)) for m in line.months}
    missing = [m for m, record in records.items() if record is None]
    reversed_ = [m for m, record in records.items() if record is not None and record.reversed]
    if missing:
        return [_("Months %(m)s: the agency's records show no contribution by this employer.") % {"m": _months_text(missing)}]
    if reversed_:
        return [_("Months %(m)s: the contribution was reversed (退保 or correction).") % {"m": _months_text(reversed_)}]
    paid = sum(record.employer_total for record in records.values())
    if paid != line.stated_total:
        return [
            _("The employer's contribution total %(stated)s differs from the agency's records (%(paid)s).")
            % {"stated": line.stated_total, "paid": paid}
        ]
    unset = sorted({m.year for m in line.months} - set(standards))
    if unset:
        return [_("No social-insurance standard is configured for %(y)s.") % {"y": ", ".join(map(str, unset))}]
    line.amounts = {m: person_month_amount(record=r, cap=standards[m.year].monthly_cap) for m, r in records.items()}
    return []


def _rows_parse(rows, *, claim: SocialInsuranceClaim, report: RosterReport) -> list[RosterLine]:
    quarter = quarter_months(claim.year, claim.quarter)
    lines: list[RosterLine] = []
    first_line_of: dict[str, int] = {}
    for number, cells in rows[1:]:
        person = "".join((cells[0] if cells else "").split()).upper()
        if person and person in first_line_of:
            report.refuse(number, [_("The same person is on line %(first)s.") % {"first": first_line_of[person]}])
            continue
        first_line_of.setdefault(person, number)
        line, reasons = row_parse(number, cells, quarter=quarter, rules=claim.rules)
        if line is None:
            report.refuse(number, reasons)
        else:
            lines.append(line)
    return lines


def roster_check(*, claim: SocialInsuranceClaim, content: bytes) -> RosterReport:
    """Every row of the file checked; nothing is written. Raises InvalidImport for a file that cannot be read at all
    (empty, too large, too many rows, wrong encoding, wrong header)."""
    rows = table_rows(content=content, max_bytes=MAX_ROSTER_BYTES, max_rows=MAX_ROSTER_ROWS)
    header_check(rows, ROSTER_COLUMNS)
    report = RosterReport()
    lines = _rows_parse(rows, claim=claim, report=report)
    digests = [line.digest for line in lines]
    held = _ledger_of(digests)
    found = _contributions_of(digests, credit_code=claim.employer.credit_code, months=quarter_months(claim.year, claim.quarter))
    standards = {s.year: s for s in SocialInsuranceStandard.objects.filter(programme=claim.programme_id, year=claim.year)}
    for line in lines:
        reasons = _ledger_reasons(line, held.get(line.digest, []), claim=claim, rules=claim.rules)
        reasons += _contribution_reasons(line, found, standards=standards)
        if reasons:
            report.refuse(line.line, reasons)
        else:
            report.valid.append(line)
    return report


def report_raise(report: RosterReport) -> None:
    if report.refused:
        raise InvalidImport(details=report.messages)
