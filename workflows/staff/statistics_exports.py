"""The statistics as an XLSX workbook (figures, indicators, assessment: the numbers of the page, from the same
report) and the towns' assessment as a PDF in the house layout (documents.reports)."""

import io
from decimal import Decimal

from django.utils.translation import gettext as _

from cases.models import Indicator, OrgUnit
from documents.reports import assessment_report_pdf
from workflows.engine.statistics import BASES, MEASURES
from workflows.engine.statistics_report import INDICATOR_FIELDS, ROW_FIELDS, Report, column_labels


def indicator_labels() -> dict[str, str]:
    return {
        "supported": _("Start-ups supported"),
        "jobs": _("Jobs created"),
        "startups": _("Start-ups with jobs"),
        "private_enterprises": _("New private enterprises"),
        "individual_businesses": _("New individual businesses"),
        "new_businesses": _("New businesses"),
        "labour_force": _("Labour force"),
        "new_employment": _("New urban employment"),
        "activity_index": _("Activity index (%)"),
        "employment_contribution": _("Employment contribution (%)"),
        "jobs_per_startup": _("Jobs per start-up"),
    }


def _sheet(workbook, title: str, header: list[str], rows: list[list]):
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00" if cell.value.as_tuple().exponent == -2 else "0.0"
    return sheet


def statistics_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    data = report.as_dict()
    labels = column_labels()
    measures = [k for k in MEASURES if k != "people" and any(k in p for p in data["programmes"])]
    keys = [*ROW_FIELDS, *measures]
    workbook = Workbook()
    workbook.remove(workbook.active)
    period = data["period"]
    _sheet(
        workbook,
        _("By programme"),
        [_("Programme"), *(labels[k] for k in keys)],
        [[p["name"], *(p.get(k) for k in keys)] for p in data["programmes"]]
        + [[_("Grants total"), *(data["grants"].get(k) for k in keys)]],
    ).insert_rows(1)
    workbook.worksheets[0]["A1"] = f"{_('Period')}: {period['label']} ({dict(BASES)[period['basis']]})"
    _sheet(
        workbook,
        _("By town"),
        [_("Town"), *(labels[k] for k in ROW_FIELDS)],
        [[t["name"], *(t[k] for k in ROW_FIELDS)] for t in data["towns"]],
    )
    names = indicator_labels()
    rows = [[t["name"], *(t[k] for k in INDICATOR_FIELDS)] for t in data["indicators"]["towns"]]
    rows.append([_("Total"), *(data["indicators"]["total"][k] for k in INDICATOR_FIELDS)])
    _sheet(workbook, _("Indicators"), [_("Town"), *(names[k] for k in INDICATOR_FIELDS)], rows)
    indicators = dict(Indicator.choices)
    _sheet(
        workbook,
        _("Assessment"),
        [_("Rank"), _("Town"), _("Indicator"), _("Target"), _("Actual"), _("Achievement (%)"), _("Score")],
        [
            [a["rank"], a["name"], str(indicators[s["indicator"]]), s["target"], s["actual"], s["achievement"], s["score"]]
            for a in data["assessment"]
            for s in a["scores"]
        ]
        + [[a["rank"], a["name"], _("Total"), None, None, None, a["total"]] for a in data["assessment"]],
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _shown(value) -> str:
    return "—" if value is None else str(value)


def assessment_pdf(report: Report, *, unit: OrgUnit) -> bytes:
    data = report.as_dict()
    names = indicator_labels()
    shown = ("supported", "new_businesses", "jobs", "activity_index", "employment_contribution", "jobs_per_startup")
    indicators = dict(Indicator.choices)
    context = {
        "title": _("Entrepreneurship statistics and town assessment"),
        "period": data["period"]["label"],
        "scope": data["scope"]["name"] if data["scope"] else _("the district"),
        "basis": dict(BASES)[data["period"]["basis"]],
        "indicator_labels": [names[k] for k in shown],
        "indicator_rows": [
            {"name": row["name"], "values": [_shown(row[k]) for k in shown]}
            for row in [*data["indicators"]["towns"], {"name": _("Total"), **data["indicators"]["total"]}]
        ],
        "assessment": [
            {
                **a,
                "scores": [
                    {
                        **s,
                        "label": str(indicators[s["indicator"]]),
                        "actual": _shown(s["actual"]),
                        "achievement": _shown(s["achievement"]),
                    }
                    for s in a["scores"]
                ],
            }
            for a in data["assessment"]
        ],
    }
    return assessment_report_pdf(unit=unit, context=context)
