"""The statistics of a period as one structure: what `manage.py statistics` prints (JSON or a table), what the XLSX
export writes and what the page shows, all from the same selectors (workflows.engine.statistics, .indicators)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from workflows.engine.indicators import Assessment, TownIndicators, assessment_for, indicators_for
from workflows.engine.statistics import BASES, MEASURES, MONEY_MEASURES, Figures, Row

ROW_FIELDS = (
    "decided",
    "cases",
    "people",
    "firms",
    "jobs",
    "requested",
    "approved",
    "paid",
    "clawback_open",
    "clawback_recovered",
    "paid_net",
)


def column_labels() -> dict[str, str]:
    return {
        "decided": _("Cases decided"),
        "cases": _("Cases approved"),
        "people": _("People"),
        "firms": _("Firms"),
        "jobs": _("Jobs created"),
        "requested": _("Requested"),
        "approved": _("Approved"),
        "paid": _("Paid"),
        "clawback_open": _("Clawbacks being recovered"),
        "clawback_recovered": _("Clawbacks recovered"),
        "paid_net": _("Paid net of clawbacks"),
        **{key: str(label) for key, label in MEASURES.items()},
    }


INDICATOR_FIELDS = (
    "supported",
    "jobs",
    "startups",
    "private_enterprises",
    "individual_businesses",
    "new_businesses",
    "labour_force",
    "new_employment",
    "activity_index",
    "employment_contribution",
    "jobs_per_startup",
)


def row_dict(row: Row, *, grant: bool = True) -> dict:
    values = {name: getattr(row, name) for name in ROW_FIELDS}
    if not grant:
        values["approved"] = None  # a loan's approval is no grant: see the loan measures
    values.update(row.measures)
    return values


def indicators_dict(item: TownIndicators) -> dict:
    return {name: item.value(name) for name in INDICATOR_FIELDS}


@dataclass
class Report:
    figures: Figures
    indicators: list[TownIndicators]
    indicator_total: TownIndicators
    assessment: list[Assessment]

    def as_dict(self) -> dict:
        figures = self.figures
        period = figures.period
        return {
            "period": {"start": period.start, "end": period.end, "basis": period.basis, "label": period.label},
            "scope": None if figures.scope is None else {"code": figures.scope.code, "name": figures.scope.name},
            "programmes": [
                {"code": p.code, "name": p.name, "grant": p.grant, **row_dict(figures.programme_total(p.id), grant=p.grant)}
                for p in figures.programmes
            ],
            "grants": row_dict(figures.grants),
            "towns": [{"code": town.code, "name": town.name, **row_dict(figures.town_total(town.pk))} for town in figures.towns],
            "indicators": {
                "towns": [{"code": i.town.code, "name": i.town.name, **indicators_dict(i)} for i in self.indicators],
                "total": indicators_dict(self.indicator_total),
            },
            "assessment": [
                {
                    "rank": a.rank,
                    "code": a.town.code,
                    "name": a.town.name,
                    "total": a.total,
                    "scores": [
                        {
                            "indicator": s.indicator,
                            "target": s.target,
                            "actual": s.actual,
                            "achievement": s.achievement,
                            "score": s.score,
                        }
                        for s in a.scores
                    ],
                }
                for a in self.assessment
            ],
        }


def report_for(figures: Figures) -> Report:
    indicators, total = indicators_for(figures)
    return Report(figures, indicators, total, assessment_for(figures, indicators))


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value.as_tuple().exponent == -2 else str(value)
    return str(value)


def table_lines(report: Report) -> list[str]:
    """The report as plain text columns (the command's --format table)."""
    data = report.as_dict()
    labels = column_labels()
    lines = [f"{_('Period')}: {data['period']['label']} ({dict(BASES)[data['period']['basis']]})"]

    def block(title: str, rows: list[dict], keys: list[str]) -> None:
        lines.append("")
        lines.append(title)
        lines.append("\t".join([title, *(labels.get(k, k) for k in keys)]))
        for row in rows:
            lines.append("\t".join([row["name"], *(_text(row.get(k)) for k in keys)]))

    measures = [k for k in MEASURES if any(k in p for p in data["programmes"]) and k != "people"]
    block(_("By programme"), [*data["programmes"], {"name": _("Grants total"), **data["grants"]}], [*ROW_FIELDS, *measures])
    block(_("By town (grants)"), data["towns"], list(ROW_FIELDS))
    lines.append("")
    lines.append(_("Indicators"))
    for row in [*data["indicators"]["towns"], {"name": _("Total"), **data["indicators"]["total"]}]:
        lines.append("\t".join([row["name"], *(f"{k}={_text(row[k])}" for k in INDICATOR_FIELDS)]))
    for item in data["assessment"]:
        lines.append(f"{item['rank']}\t{item['name']}\t{_text(item['total'])}")
    return lines


__all__ = ["MONEY_MEASURES", "Report", "column_labels", "report_for", "table_lines"]
