"""Builders for the social-insurance tests: employers, people, the agency's file, rosters as CSV or XLSX bytes.

The year's standard used throughout (Hangzhou-like figures, an administrator's data):
  minimum base 4,462.00 x (pension 16 % + medical 9.5 % + unemployment 0.5 %) = 4,462.00 x 0.26 = 1,160.12 a month.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

from cases import crypto
from cases.constants import ApplicantKind, Role
from cases.identifiers import citizen_id_check_char, credit_code_check_char
from cases.models import Applicant, OrgUnit, Programme, User
from cases.models.social_insurance import (
    EntitlementStatus,
    PersonMonthEntitlement,
    RosterRow,
    SocialInsuranceClaim,
    SocialInsuranceStandard,
)
from cases.services.social_insurance import CONTRIBUTION_COLUMNS, ROSTER_COLUMNS, contribution_file_import

MONTHLY_CAP = Decimal("1160.12")
# One person-month at the minimum base, full rates: 4462 x 0.16 = 713.92; x 0.095 = 423.89; x 0.005 = 22.31;
# 713.92 + 423.89 + 22.31 = 1,160.12, exactly the cap.
AT_MINIMUM = ("4462.00", "713.92", "423.89", "22.31")
# Base 6,000: 960.00 + 570.00 + 30.00 = 1,560.00 a month, above the cap: the subsidy pays 1,160.12.
ABOVE_CAP = ("6000.00", "960.00", "570.00", "30.00")
# Base 4,462 with a reduced medical rate of 9 %: 4462 x 0.09 = 401.58; 713.92 + 401.58 + 22.31 = 1,137.81 a month.
BELOW_CAP = ("4462.00", "713.92", "401.58", "22.31")


def citizen_id(birth: str, sequence: str) -> str:
    """birth YYYYMMDD; sequence of three digits (odd last digit: a man)."""
    first17 = f"330110{birth}{sequence}"
    return first17 + citizen_id_check_char(first17)


def credit_code(n: int) -> str:
    first17 = f"91330110MA2CB{n:04d}"
    return first17 + credit_code_check_char(first17)


def standards(programme: Programme, *years: int) -> None:
    for year in years:
        SocialInsuranceStandard.objects.create(
            programme=programme,
            year=year,
            minimum_base=Decimal("4462.00"),
            pension_rate=Decimal("0.16"),
            medical_rate=Decimal("0.095"),
            unemployment_rate=Decimal("0.005"),
        )


def employer(n: int) -> Applicant:
    user = User.objects.create_user(username=f"employer-{n}", password="correct-horse-battery", role=Role.APPLICANT)
    return Applicant.objects.create(
        kind=ApplicantKind.ENTERPRISE, name=f"杭州余杭第{n}实业有限公司", credit_code=credit_code(n), user=user
    )


def bureau(district: OrgUnit) -> User:
    return User.objects.create_user(
        username="bureau", password="correct-horse-battery", role=Role.DISTRICT_REVIEWER, org_unit=district
    )


def table_csv(header: list[str], rows: list[list[str]], *, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def table_xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def roster(rows: list[list[str]], *, encoding: str = "utf-8") -> bytes:
    return table_csv(ROSTER_COLUMNS, rows, encoding=encoding)


def paid(person: str, payer: Applicant, months: list[str], amounts: tuple[str, ...], *, by: User, reversal: str = "0") -> dict:
    """The agency's file: `person` paid for by `payer` in each month (YYYYMM), imported by the bureau."""
    rows = [[person, payer.credit_code, month, *amounts, reversal] for month in months]
    return contribution_file_import(content=table_csv(CONTRIBUTION_COLUMNS, rows), filename="agency.csv", by=by)


def history(*, programme: Programme, payer: Applicant, person: str, first: dt.date, months: int, category: str) -> None:
    """Person-months already paid to `payer` in earlier quarters (one claim holding them all, as the ledger keeps
    them): the state a cap is counted against."""
    claim, _created = SocialInsuranceClaim.objects.get_or_create(
        programme=programme,
        employer=payer,
        year=first.year,
        quarter=1,
        defaults={"rules": programme.current_rules, "created_by": payer.user},
    )
    row = RosterRow.objects.create(
        claim=claim,
        line=claim.roster_rows.count() + 2,
        id_number=person,
        name="历史",
        category=category,
        contract_start=first,
        original_retirement_age=60,
        amount=MONTHLY_CAP * months,
    )
    month = first
    for _number in range(months):
        PersonMonthEntitlement.objects.create(
            person_digest=crypto.lookup_digest(person),
            month=month,
            category=category,
            employer=payer,
            roster_row=row,
            amount=MONTHLY_CAP,
            status=EntitlementStatus.PAID,
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
