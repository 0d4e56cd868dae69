"""A quarterly roster (XLSX, or CSV in UTF-8 or GBK): its template, and the checks one row needs on its own.

Columns (the template's header, fixed: the file is a format, not page text):
  公民身份号码, 姓名, 人员类别, 劳动合同起始日期, 劳动合同终止日期 (empty: open-ended), 申报月份 (2026-01,2026-02 or
  2026-01~2026-03), 单位缴费合计 (the employer's pension + medical + unemployment contributions for those months, in
  yuan), 女职工原退休年龄 (50 or 55, women only), 毕业日期 (graduates only).

Checks against the ledger and the contribution records (other employers, the cap, what was paid) are in
cases.services.social_insurance.checks; roster_check runs both and reports every bad row with its line number.
"""

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases import crypto
from cases.identifiers import validate_citizen_id
from cases.models.social_insurance import RosterCategory
from cases.services.social_insurance.retirement import WOMEN_ORIGINAL_AGES, birth_and_sex, retirement_month
from cases.validators import validate_name

ROSTER_COLUMNS = [
    "公民身份号码",
    "姓名",
    "人员类别",
    "劳动合同起始日期",
    "劳动合同终止日期",
    "申报月份",
    "单位缴费合计",
    "女职工原退休年龄",
    "毕业日期",
]
# The category as an employer writes it (the template's words) or as its code.
CATEGORY_WORDS = {
    "就业困难人员": RosterCategory.HARD_TO_EMPLOY,
    "4050人员": RosterCategory.HARD_TO_EMPLOY,
    "登记失业人员": RosterCategory.UNEMPLOYED,
    "失地农民": RosterCategory.LAND_LOST_FARMER,
    "残疾人": RosterCategory.DISABLED,
    "高校毕业生": RosterCategory.GRADUATE,
    **{value: value for value in RosterCategory.values},
}
MAX_ROSTER_ROWS = 10_000
MAX_ROSTER_BYTES = 5 * 1024 * 1024
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*月?$")
_SEPARATORS = re.compile(r"[,，、;；\s]+")
_RANGE = re.compile(r"\s*[~～至]\s*")


@dataclass
class RosterLine:
    """A row that passed its own checks, in the form the ledger checks and the save need."""

    line: int
    id_number: str
    digest: str
    name: str
    category: str
    contract_start: dt.date
    contract_end: dt.date | None
    months: list[dt.date]
    stated_total: Decimal
    original_retirement_age: int
    retirement: dt.date
    graduated_on: dt.date | None
    amounts: dict[dt.date, Decimal] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        return sum(self.amounts.values(), Decimal("0.00"))


def quarter_months(year: int, quarter: int) -> list[dt.date]:
    return [dt.date(year, 3 * (quarter - 1) + offset, 1) for offset in (1, 2, 3)]


def date_read(text: str) -> dt.date | None:
    text = text.strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else dt.date(*map(int, text.split("-")))
    except (ValueError, TypeError):
        return None


def amount_read(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _month_read(text: str) -> dt.date | None:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def months_read(text: str) -> list[dt.date] | None:
    """ "2026-01,2026-02", "202601、202602" or "2026-01~2026-03" (a range within one year): the months in order, or
    None when a part is not a month."""
    months: list[dt.date] = []
    for part in _SEPARATORS.split(_RANGE.sub("~", text.strip())):
        if not part:
            continue
        ends = [_month_read(piece) for piece in part.split("~")]
        if None in ends or len(ends) > 2 or ends[0] > ends[-1]:
            return None
        month = ends[0]
        while month <= ends[-1]:
            months.append(month)
            month += relativedelta(months=1)
    return sorted(months) if months else None


def _person_reasons(cells: list[str]) -> tuple[list[str], str, str | None]:
    """The citizen ID number (normalised) and name checks; the category code or None."""
    reasons = []
    id_number = cells[0].replace(" ", "").upper()
    try:
        validate_citizen_id(id_number)
    except ValidationError as error:
        reasons.append(str(error.messages[0]))
    if not cells[1]:
        reasons.append(_("The name is missing."))
    else:
        try:
            validate_name(cells[1])
        except ValidationError as error:
            reasons.append(str(error.messages[0]))
    category = CATEGORY_WORDS.get(cells[2])
    if category is None:
        reasons.append(
            _("Unknown category “%(c)s”: write one of %(known)s.") % {"c": cells[2], "known": "、".join(list(CATEGORY_WORDS)[:6])}
        )
    return reasons, id_number, category


def _contract_reasons(start: dt.date | None, end: dt.date | None, cells: list[str], min_years: int) -> list[str]:
    reasons = []
    if start is None:
        reasons.append(_("The contract start is not a date (YYYY-MM-DD)."))
    if cells[4] and end is None:
        reasons.append(_("The contract end is not a date (YYYY-MM-DD); leave it empty for an open-ended contract."))
    if start and end and end < start + relativedelta(years=min_years) - dt.timedelta(days=1):
        reasons.append(
            _("The labour contract runs from %(start)s to %(end)s: shorter than %(years)s year(s).")
            % {"start": start, "end": end, "years": min_years}
        )
    return reasons


def _months_reasons(months, cells, *, start, end, quarter: list[dt.date]) -> list[str]:
    if months is None:
        return [_("The months claimed “%(m)s” are not months (write 2026-01,2026-02 or 2026-01~2026-03).") % {"m": cells[5]}]
    reasons = []
    outside = [m for m in months if m not in quarter]
    if outside:
        reasons.append(_("Months %(m)s are outside the quarter claimed.") % {"m": ", ".join(f"{m:%Y-%m}" for m in outside)})
    if start:
        uncovered = [m for m in months if m < start.replace(day=1) or (end is not None and m > end)]
        if uncovered:
            reasons.append(_("Months %(m)s are outside the labour contract.") % {"m": ", ".join(f"{m:%Y-%m}" for m in uncovered)})
    return reasons


def _retirement_read(cells: list[str], id_number: str) -> tuple[list[str], int | None, dt.date | None]:
    """The original retirement age (60 for a man; 50 or 55 as written for a woman) and the retirement month."""
    try:
        validate_citizen_id(id_number)
    except ValidationError:
        return [], None, None  # the ID's own reason is reported already
    birth, sex = birth_and_sex(id_number)
    if sex == "male":
        return [], 60, retirement_month(birth=birth, original_age=60)
    if cells[7] not in {str(age) for age in WOMEN_ORIGINAL_AGES}:
        return [_("For a woman, write her original statutory retirement age: 50 (worker) or 55 (cadre).")], None, None
    age = int(cells[7])
    return [], age, retirement_month(birth=birth, original_age=age)


def row_parse(number: int, cells: list[str], *, quarter: list[dt.date], rules) -> tuple[RosterLine | None, list[str]]:
    """One row on its own: the RosterLine, or the reasons it is refused (in the user's language)."""
    from cases.services.social_insurance.rules import roster_rule

    cells = [*cells, *[""] * (len(ROSTER_COLUMNS) - len(cells))][: len(ROSTER_COLUMNS)]
    reasons, id_number, category = _person_reasons(cells)
    start, end = date_read(cells[3]), (date_read(cells[4]) if cells[4] else None)
    reasons += _contract_reasons(start, end, cells, int(roster_rule(rules, "contract_min_years")))
    months = months_read(cells[5])
    reasons += _months_reasons(months, cells, start=start, end=end, quarter=quarter)
    stated = amount_read(cells[6])
    if stated is None:
        reasons.append(_("The employer's contribution total “%(a)s” is not a number.") % {"a": cells[6]})
    elif stated < 0:
        reasons.append(_("The employer's contribution total %(a)s is negative.") % {"a": cells[6]})
    age_reasons, age, retirement = _retirement_read(cells, id_number)
    reasons += age_reasons
    if retirement and months:
        late = [m for m in months if m >= retirement]
        if late:
            reasons.append(
                _("The person reaches the statutory retirement age in %(r)s: months %(m)s cannot be claimed.")
                % {"r": f"{retirement:%Y-%m}", "m": ", ".join(f"{m:%Y-%m}" for m in late)}
            )
    graduated = date_read(cells[8]) if cells[8] else None
    if category == RosterCategory.GRADUATE:
        reasons += _graduate_reasons(graduated, start, cells, int(roster_rule(rules, "graduate_within_years")))
    if reasons:
        return None, reasons
    line = RosterLine(
        line=number,
        id_number=id_number,
        digest=crypto.lookup_digest(id_number),
        name=cells[1],
        category=category,
        contract_start=start,
        contract_end=end,
        months=months,
        stated_total=stated,
        original_retirement_age=age,
        retirement=retirement,
        graduated_on=graduated,
    )
    return line, []


def _graduate_reasons(graduated: dt.date | None, start: dt.date | None, cells: list[str], years: int) -> list[str]:
    if graduated is None:
        return [_("For a graduate, write the graduation date (YYYY-MM-DD).")]
    if start and not graduated <= start <= graduated + relativedelta(years=years):
        return [
            _("Graduated on %(g)s: hired on %(s)s, not within %(y)s year(s) of graduation.")
            % {"g": graduated, "s": start, "y": years}
        ]
    return []


def roster_template() -> bytes:
    """The downloadable template: an XLSX with the header and one example row."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(ROSTER_COLUMNS)
    sheet.append(["330110196803150013", "张三", "就业困难人员", "2026-01-01", "2027-12-31", "2026-01~2026-03", "2131.20", "", ""])
    for column, width in zip("ABCDEFGHI", (22, 10, 14, 16, 16, 20, 14, 16, 12), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
