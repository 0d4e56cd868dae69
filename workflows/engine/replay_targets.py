"""The district report's figures the replay reproduces (`manage.py replay_report`, workflows.engine.replay), per
year, and their comparison with the statistics of the replayed year."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _


class ReplayRefused(Exception):
    """The replay cannot run as asked (a year without the report's figures, a year already replayed, targets the
    programmes' rules cannot hold); nothing was written."""


@dataclass(frozen=True)
class Target:
    """What the report counts for one programme: `count` of `count_field` (cases, people, households, trainees,
    loans lent) and, when it gives one, `total` of `total_field` (paid or lent), in yuan. `sizes` shape the run
    where the report is silent (employers, classes)."""

    kind: str
    code: str
    label: str
    count: int
    count_field: str
    total: Decimal | None = None
    total_field: str = "paid"
    sizes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reference:
    """The reference data the replay imports for the year. From the report: the new private enterprises and
    individual businesses and the indicators; the labour force, new urban employment and jobs are derived so that
    the indicators come out at the report's precision (`labour_force` from the activity index, `jobs` from jobs per
    start-up, `new_employment` from the employment contribution); `residents` are not in the report."""

    private_enterprises: int
    individual_businesses: int
    labour_force: int
    residents: int
    new_employment: int
    jobs: int  # over the start-up cases (every replayed case except employers' and providers' claims)


@dataclass(frozen=True)
class ReportTargets:
    source: str
    programmes: tuple[Target, ...]
    reference: Reference
    indicators: dict[str, Decimal]  # activity_index, employment_contribution, jobs_per_startup

    def target(self, kind: str) -> Target | None:
        return next((t for t in self.programmes if t.kind == kind), None)


# The report (/work/shared/seed): "2010年以来，已有23人申报自谋职业、自主创业，发放补贴71.43万元；企业招用就业困难人员20157人，
# 发放社保补贴27227万元；帮扶101户残疾人家庭实现自主创业，发放扶持补助金30.3万元；44家大学生创业企业……共拨付资金205.39万元；
# 发放小额贷款7088.7万元" and "SYB创业培训2200余人"; "2011年以来全区新增私营企业1540家，新增个体工商户3300户，全员创业活动指数为
# 30.6%，创业对就业的贡献率达38.1%，创业带动就业比例为1:6.2". The number of loans, employers and classes is not in it.
REPORT = ReportTargets(
    source="余杭区创建创业型城区工作报告",
    programmes=(
        Target("startup", "startup", "一次性创业补贴", 23, "cases", Decimal("714300.00")),
        Target("disabled", "disabled", "残疾人家庭自主创业扶持", 101, "households", Decimal("303000.00")),
        Target("venture", "venture", "大学生创业企业资助", 44, "cases", Decimal("2053900.00")),
        Target("loan", "loan", "小额担保贷款", 240, "loans_lent", Decimal("70887000.00"), total_field="lent"),
        Target("training", "training", "SYB创业培训", 2200, "trainees", sizes={"classes": 80}),
        Target(
            "social_insurance",
            "social-insurance",
            "企业社保补贴",
            20157,
            "people",
            Decimal("272270000.00"),
            sizes={"employers": 400},
        ),
    ),
    # 4,840 new businesses / 15,817 = 30.6 %; 2,530 jobs / 408 start-ups (23 + 101 + 44 + 240) = 6.2;
    # 2,530 / 6,640 new urban jobs = 38.1 %.
    reference=Reference(
        private_enterprises=1540,
        individual_businesses=3300,
        labour_force=15817,
        residents=26400,
        new_employment=6640,
        jobs=2530,
    ),
    indicators={
        "activity_index": Decimal("30.6"),
        "employment_contribution": Decimal("38.1"),
        "jobs_per_startup": Decimal("6.2"),
    },
)
REPORT_YEARS = {2010: REPORT}  # the report's figures run from 2010


def targets_for(year: int) -> ReportTargets:
    targets = REPORT_YEARS.get(year)
    if targets is None:
        known = ", ".join(str(y) for y in sorted(REPORT_YEARS))
        raise ReplayRefused(
            _("There are no report figures for %(year)s to replay (the report covers %(years)s).")
            % {"year": year, "years": known}
        )
    return targets


@dataclass(frozen=True)
class Comparison:
    label: str
    expected: object
    actual: object

    @property
    def same(self) -> bool:
        if isinstance(self.expected, Decimal):
            return self.actual is not None and Decimal(str(self.actual)) == self.expected
        return self.expected == self.actual


def comparison(data: dict, targets: ReportTargets) -> list[Comparison]:
    """The report's figures beside the statistics of the year (`statistics_report.Report.as_dict()`)."""
    from cases.models import Indicator
    from workflows.engine.statistics_report import column_labels

    labels = {**column_labels(), **{key: str(label) for key, label in Indicator.choices}}
    by_code = {p["code"]: p for p in data["programmes"]}
    rows = []
    for target in targets.programmes:
        figures = by_code.get(target.code, {})
        for key, expected in ((target.count_field, target.count), (target.total_field, target.total)):
            if expected is not None:
                rows.append(Comparison(f"{target.label}：{labels[key]}", expected, figures.get(key)))
    total = data["indicators"]["total"]
    reference = targets.reference
    rows.append(Comparison(_("New private enterprises"), reference.private_enterprises, total["private_enterprises"]))
    rows.append(Comparison(_("New individual businesses"), reference.individual_businesses, total["individual_businesses"]))
    for key, value in targets.indicators.items():
        rows.append(Comparison(labels[key], value, total[key]))
    return rows
