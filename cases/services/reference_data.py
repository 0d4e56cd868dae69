"""Reference data for the statistics (docs/statistics.md): imports of business registrations, labour figures and
jobs per case, and the district's targets per town and year.

A file is checked whole before anything is written: a wrong header, a negative or non-numeric count, an unknown
town code or case number, a key twice in the file or a wrong encoding refuses it with every reason, line by line,
and nothing is imported. A later file for the same town and month (year, case) replaces the earlier figures.
District administrators import and set targets; everyone else is refused.
"""

import datetime as dt
import hashlib
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from cases.constants import Role, UnitLevel
from cases.exceptions import InvalidImport, PermissionDenied
from cases.models import (
    Application,
    BusinessRegistration,
    Indicator,
    JobsReport,
    LabourFigure,
    OrgUnit,
    ReferenceFile,
    ReferenceKind,
    TownTarget,
    User,
)
from cases.services.social_insurance.tables import header_check, reasons_text, table_rows

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20000
COLUMNS = {
    ReferenceKind.REGISTRATIONS: ["镇街代码", "月份", "新增私营企业", "新增个体工商户"],
    ReferenceKind.LABOUR: ["镇街代码", "年份", "常住人口", "劳动力人口", "城镇新增就业"],
    ReferenceKind.JOBS: ["案件编号", "带动就业人数"],
}
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def reference_data_may(*, user: User) -> bool:
    """District administrators keep the reference data and the targets."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.ADMINISTRATOR
        and user.org_unit_id is not None
        and user.org_unit.level == UnitLevel.DISTRICT
    )


def _count(text: str, column: str, problems: list[str]) -> int | None:
    if not re.fullmatch(r"-?\d+", text or ""):
        problems.append(_("%(column)s must be a whole number (found “%(value)s”).") % {"column": column, "value": text})
        return None
    value = int(text)
    if value < 0:
        problems.append(_("%(column)s may not be negative (found %(value)s).") % {"column": column, "value": value})
        return None
    return value


def _town(code: str, towns: dict[str, OrgUnit], problems: list[str]) -> OrgUnit | None:
    town = towns.get(code)
    if town is None:
        problems.append(_("There is no town with the code %(code)s.") % {"code": code or "—"})
    return town


def _parse_registration(cells, towns, problems) -> dict | None:
    town = _town(cells[0], towns, problems)
    match = MONTH.match(cells[1])
    month = None
    if match and 2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12:
        month = dt.date(int(match[1]), int(match[2]), 1)
    else:
        problems.append(_("The month must read like 2026-03 (found “%(value)s”).") % {"value": cells[1]})
    private = _count(cells[2], COLUMNS[ReferenceKind.REGISTRATIONS][2], problems)
    individual = _count(cells[3], COLUMNS[ReferenceKind.REGISTRATIONS][3], problems)
    if problems:
        return None
    return {
        "key": (town.pk, month),
        "town": town,
        "month": month,
        "private_enterprises": private,
        "individual_businesses": individual,
    }


def _parse_labour(cells, towns, problems) -> dict | None:
    columns = COLUMNS[ReferenceKind.LABOUR]
    town = _town(cells[0], towns, problems)
    year = _count(cells[1], columns[1], problems)
    if year is not None and not 2000 <= year <= 2100:
        problems.append(_("The year must lie between 2000 and 2100 (found %(value)s).") % {"value": year})
    residents, labour, new = (_count(cells[i], columns[i], problems) for i in (2, 3, 4))
    if not problems and labour > residents:
        problems.append(_("The labour force may not exceed the residents."))
    if problems:
        return None
    return {
        "key": (town.pk, year),
        "town": town,
        "year": year,
        "residents": residents,
        "labour_force": labour,
        "new_employment": new,
    }


def _parse_jobs(cells, cases, problems) -> dict | None:
    application = cases.get(cells[0])
    if application is None:
        problems.append(_("There is no case numbered %(number)s.") % {"number": cells[0] or "—"})
    jobs = _count(cells[1], COLUMNS[ReferenceKind.JOBS][1], problems)
    if problems:
        return None
    return {"key": application.pk, "application": application, "jobs": jobs}


def _parsed(kind: str, rows) -> list[dict]:
    columns = COLUMNS[kind]
    header_check(rows, columns)
    if kind == ReferenceKind.JOBS:
        numbers = [cells[0] for _n, cells in rows[1:] if cells]
        lookup = {a.number: a for a in Application.objects.filter(number__in=numbers).only("pk", "number")}
        parse = _parse_jobs
    else:
        lookup = {u.code: u for u in OrgUnit.objects.filter(level=UnitLevel.TOWN)}
        parse = _parse_registration if kind == ReferenceKind.REGISTRATIONS else _parse_labour
    details, parsed, seen = [], [], {}
    for number, cells in rows[1:]:
        cells = cells + [""] * (len(columns) - len(cells))
        problems: list[str] = []
        if len(cells) > len(columns) and any(cells[len(columns) :]):
            problems.append(_("The line has more cells than the header."))
        row = parse(cells, lookup, problems) if not problems else None
        if row is not None and row["key"] in seen:
            problems.append(_("The same entry as line %(line)s.") % {"line": seen[row["key"]]})
        if problems:
            details.append(_("Line %(n)s: %(reasons)s") % {"n": number, "reasons": reasons_text(problems)})
            continue
        seen[row["key"]] = number
        parsed.append(row)
    if details:
        raise InvalidImport(details=details)
    return parsed


@transaction.atomic
def reference_file_import(*, kind: str, content: bytes, filename: str, by: User) -> ReferenceFile:
    """Import one reference file (CSV in UTF-8 or GBK, or XLSX) whole, or refuse it whole with InvalidImport."""
    if not reference_data_may(user=by):
        raise PermissionDenied(_("Only the district's administrators import reference data."))
    if kind not in ReferenceKind.values:
        raise InvalidImport(details=[_("Choose what the file contains.")])
    rows = table_rows(content=content, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    parsed = _parsed(kind, rows)
    record = ReferenceFile.objects.create(
        kind=kind, filename=filename[:200], sha256=hashlib.sha256(content).hexdigest(), rows=len(parsed), imported_by=by
    )
    for row in parsed:
        row.pop("key")
        if kind == ReferenceKind.REGISTRATIONS:
            town, month = row.pop("town"), row.pop("month")
            BusinessRegistration.objects.update_or_create(town=town, month=month, defaults={**row, "source_file": record})
        elif kind == ReferenceKind.LABOUR:
            town, year = row.pop("town"), row.pop("year")
            LabourFigure.objects.update_or_create(town=town, year=year, defaults={**row, "source_file": record})
        else:
            JobsReport.objects.update_or_create(
                application=row["application"], defaults={"jobs": row["jobs"], "source_file": record}
            )
    return record


def _target_value(text, problems: list[str], label: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        problems.append(_("%(indicator)s: a target is a number above zero with at most two decimals.") % {"indicator": label})
        return None
    return value


@transaction.atomic
def town_targets_set(*, year: int, values: dict[tuple[int, str], str], by: User) -> int:
    """Set the targets of a year: {(town id, indicator): text}; an empty text removes that target. All or nothing."""
    if not reference_data_may(user=by):
        raise PermissionDenied(_("Only the district's administrators set the towns' targets."))
    towns = {t.pk: t for t in OrgUnit.objects.filter(level=UnitLevel.TOWN, pk__in={k[0] for k in values})}
    labels = dict(Indicator.choices)
    problems: list[str] = []
    parsed = {}
    for (town_id, indicator), text in values.items():
        if town_id not in towns or indicator not in labels:
            problems.append(_("Unknown town or indicator."))
            continue
        parsed[(town_id, indicator)] = _target_value(text, problems, f"{towns[town_id].name} {labels[indicator]}")
    if problems:
        raise InvalidImport(_("The targets were not saved."), details=problems)
    for (town_id, indicator), value in parsed.items():
        if value is None:
            TownTarget.objects.filter(town_id=town_id, year=year, indicator=indicator).delete()
        else:
            TownTarget.objects.update_or_create(
                town_id=town_id, year=year, indicator=indicator, defaults={"target": value, "set_by": by}
            )
    return sum(1 for value in parsed.values() if value is not None)
