"""The district report's indicators per town, and the towns' assessment against the district's targets
(definitions in docs/statistics.md). Computed from the period's figures (workflows.engine.statistics) and the
imported reference data (cases.models.reference), in three queries beside the figures."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from cases.constants import UnitLevel
from cases.models import BusinessRegistration, Indicator, LabourFigure, OrgUnit, TownTarget
from workflows.engine.statistics import Figures

ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")
HUNDRED = Decimal("100")
RATIO_INDICATORS = (Indicator.ACTIVITY_INDEX, Indicator.EMPLOYMENT_CONTRIBUTION, Indicator.JOBS_PER_STARTUP)


def _ratio(numerator, denominator, scale=Decimal("1")) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class TownIndicators:
    town: OrgUnit | None  # None: the whole scope
    supported: int = 0
    jobs: int = 0
    startups: int = 0
    private_enterprises: int = 0
    individual_businesses: int = 0
    labour_force: int = 0
    residents: int = 0
    new_employment: int = 0

    @property
    def new_businesses(self) -> int:
        return self.private_enterprises + self.individual_businesses

    @property
    def activity_index(self) -> Decimal | None:
        """New private enterprises and individual businesses per hundred of the labour force (%)."""
        return _ratio(self.new_businesses, self.labour_force, HUNDRED)

    @property
    def employment_contribution(self) -> Decimal | None:
        """Jobs created by the supported start-ups as a share of the new urban employment (%)."""
        return _ratio(self.jobs, self.new_employment, HUNDRED)

    @property
    def jobs_per_startup(self) -> Decimal | None:
        """Jobs per supported start-up that created any (the report's 1 : x)."""
        return _ratio(self.jobs, self.startups)

    def value(self, indicator: str):
        return getattr(self, indicator)

    def add(self, other: "TownIndicators") -> None:
        for name in (
            "supported",
            "jobs",
            "startups",
            "private_enterprises",
            "individual_businesses",
            "labour_force",
            "residents",
            "new_employment",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def indicators_for(figures: Figures) -> tuple[list[TownIndicators], TownIndicators]:
    """Per town of the scope (every town with cases or reference data), and the scope's total."""
    period = figures.period
    scope = figures.scope
    towns = OrgUnit.objects.filter(level=UnitLevel.TOWN)
    if scope is not None:
        towns = towns.filter(path__startswith=scope.path) if scope.level != UnitLevel.COMMUNITY else towns.none()
    by_town = {town.pk: TownIndicators(town) for town in towns.order_by("path")}
    for town in figures.towns:
        if town.pk in by_town:
            row = figures.town_total(town.pk, grants_only=False)
            item = by_town[town.pk]
            item.supported, item.jobs, item.startups = row.cases, row.jobs, row.startups
    registrations = (
        BusinessRegistration.objects.filter(town__in=list(by_town), month__gte=period.start, month__lte=period.end)
        .values("town")
        .annotate(p=Sum("private_enterprises"), i=Sum("individual_businesses"))
        .order_by()
    )
    for row in registrations:
        by_town[row["town"]].private_enterprises, by_town[row["town"]].individual_businesses = row["p"], row["i"]
    for labour in LabourFigure.objects.filter(town__in=list(by_town), year=period.year):
        item = by_town[labour.town_id]
        item.labour_force, item.residents, item.new_employment = labour.labour_force, labour.residents, labour.new_employment
    rows = [
        item
        for item in by_town.values()
        if item.supported or item.new_businesses or item.labour_force or item.town in figures.towns
    ]
    total = TownIndicators(None)
    for item in rows:
        total.add(item)
    # Cases filed at the district itself belong to no town: they count in the total only.
    for town in figures.towns:
        if town.pk not in by_town:
            row = figures.town_total(town.pk, grants_only=False)
            total.supported, total.jobs, total.startups = (
                total.supported + row.cases,
                total.jobs + row.jobs,
                total.startups + row.startups,
            )
    return rows, total


@dataclass
class Score:
    indicator: str
    label: str
    target: Decimal
    actual: Decimal | int | None
    weight: Decimal

    @property
    def achievement(self) -> Decimal | None:
        """Actual against target, in per cent (one decimal)."""
        return _ratio(self.actual or 0, self.target, HUNDRED)

    @property
    def score(self) -> Decimal:
        """The indicator's weight times the achievement, capped at the full weight."""
        achieved = min(Decimal(self.actual or 0) / self.target, Decimal("1"))
        return (self.weight * achieved).quantize(TWO_DECIMALS, rounding=ROUND_HALF_UP)


@dataclass
class Assessment:
    town: OrgUnit
    scores: list[Score] = field(default_factory=list)
    rank: int = 0

    @property
    def total(self) -> Decimal:
        return sum((score.score for score in self.scores), Decimal("0.00"))


def assessment_for(figures: Figures, indicators: list[TownIndicators]) -> list[Assessment]:
    """The towns with targets for the period's year, scored and ranked (equal totals share a rank). Each indicator
    the district set a target for weighs the same; the weights add up to 100."""
    targets = TownTarget.objects.filter(year=figures.period.year, town__in=[i.town for i in indicators])
    targets = list(targets.order_by("town__path", "indicator"))
    assessed = [value for value in Indicator.values if any(t.indicator == value for t in targets)]
    if not assessed:
        return []
    weight = (HUNDRED / len(assessed)).quantize(TWO_DECIMALS)
    labels = dict(Indicator.choices)
    by_town = {item.town.pk: item for item in indicators}
    results: dict[int, Assessment] = {}
    for target in targets:
        item = by_town[target.town_id]
        assessment = results.setdefault(target.town_id, Assessment(item.town))
        assessment.scores.append(
            Score(target.indicator, str(labels[target.indicator]), target.target, item.value(target.indicator), weight)
        )
    ranked = sorted(results.values(), key=lambda a: (-a.total, a.town.path))
    for position, assessment in enumerate(ranked, start=1):
        previous = ranked[position - 2] if position > 1 else None
        assessment.rank = previous.rank if previous is not None and previous.total == assessment.total else position
    return ranked
