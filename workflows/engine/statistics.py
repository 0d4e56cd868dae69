"""The district's figures per programme, town and period: the one selector behind the statistics page, its exports
and `manage.py statistics` (definitions in docs/statistics.md).

Common figures come from the cases and their payments, in a few aggregate queries whatever the number of cases; a
programme adds its own measures (person-months, trainees, households, loans lent...) through the `statistics` hook
of its registration (workflows.engine.registry), called with its cases and the period and answering
{town id: {measure: value}}.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.constants import ApplicantKind, ClawbackStatus, PaymentLineStatus, Status, UnitLevel
from cases.exceptions import DomainError
from cases.models import Application, Clawback, OrgUnit, PaymentLine, Programme, User
from cases.selectors import applications_for_user
from workflows.engine.registry import registry

ZERO = Decimal("0.00")
# Cases that stay approved: an upheld objection (rejected), a withdrawal or a refusal takes the amount away.
APPROVED_STATUSES = (
    Status.DISTRICT_APPROVED,
    Status.IN_PUBLICITY,
    Status.OBJECTION_RAISED,
    Status.PUBLICITY_PASSED,
    Status.PAYMENT_PENDING,
    Status.PAYMENT_RETURNED,
    Status.PAID,
    Status.CLOSED,
    Status.CLAWBACK,
)
BASIS_APPROVAL = "approval"
BASIS_PAYMENT = "payment"
BASES = ((BASIS_APPROVAL, gettext_lazy("by date of approval")), (BASIS_PAYMENT, gettext_lazy("by date of payment")))
# Measures a programme's hook may add, in the order of the tables; a hook's "people" replaces the common count.
MEASURES = {
    "people": gettext_lazy("People"),
    "households": gettext_lazy("Households"),
    "person_months": gettext_lazy("Person-months"),
    "trainees": gettext_lazy("Trainees"),
    "loans_lent": gettext_lazy("Loans lent"),
    "lent": gettext_lazy("Lent (principal disbursed)"),
    "outstanding": gettext_lazy("Principal outstanding"),
    "defaulted": gettext_lazy("Loans defaulted"),
    "compensation": gettext_lazy("Guarantee fund compensation"),
    "loan_recovered": gettext_lazy("Recovered after default"),
    "subsidy_awaiting": gettext_lazy("Interest subsidies approved, awaiting payment"),
}
LOAN_MEASURES = frozenset(
    {"loans_lent", "lent", "outstanding", "defaulted", "compensation", "loan_recovered", "subsidy_awaiting"}
)
MONEY_MEASURES = frozenset({"lent", "outstanding", "compensation", "loan_recovered", "subsidy_awaiting"})


class StatisticsError(DomainError):
    default_message = gettext_lazy("These statistics cannot be computed.")


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end` (both included); cases counted by their approval or by their payment date."""

    start: dt.date
    end: dt.date
    basis: str = BASIS_APPROVAL
    label: str = ""

    @property
    def year(self) -> int:
        return self.end.year


def period_for(*, year=None, quarter=None, month=None, start=None, end=None, basis=BASIS_APPROVAL) -> Period:
    """A year, a quarter or a month of a year, or a range of dates. Bad input raises StatisticsError in words."""
    if basis not in dict(BASES):
        raise StatisticsError(_("Choose the approval date or the payment date."))
    if start or end:
        if not (start and end) or start > end:
            raise StatisticsError(_("Give a range of dates whose start is not after its end."))
        return Period(start, end, basis, f"{start.isoformat()} – {end.isoformat()}")
    if not year or not 2000 <= int(year) <= 2100:
        raise StatisticsError(_("Give a year between 2000 and 2100."))
    year = int(year)
    if quarter and month:
        raise StatisticsError(_("Give a quarter or a month, not both."))
    if quarter:
        if not 1 <= int(quarter) <= 4:
            raise StatisticsError(_("A quarter is 1, 2, 3 or 4."))
        first = 3 * int(quarter) - 2
        last = dt.date(year, first + 2, calendar.monthrange(year, first + 2)[1])
        return Period(dt.date(year, first, 1), last, basis, _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter})
    if month:
        if not 1 <= int(month) <= 12:
            raise StatisticsError(_("A month is 1 to 12."))
        month = int(month)
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return Period(dt.date(year, month, 1), last, basis, f"{year}-{month:02d}")
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), basis, str(year))


def town_expression(prefix: str = ""):
    """The town of a case's unit (a community's parent; a town or the district itself), from a model `prefix` away
    from the case ("" for the case, "application__" for a payment line)."""
    return Case(
        When(**{f"{prefix}org_unit__level": UnitLevel.COMMUNITY}, then=F(f"{prefix}org_unit__parent_id")),
        default=F(f"{prefix}org_unit_id"),
    )


@dataclass
class Row:
    """One programme in one town (or a sum of them: a programme's total, a town's total, the district's)."""

    decided: int = 0
    cases: int = 0
    people: int = 0
    firms: int = 0
    jobs: int = 0
    startups: int = 0  # approved cases whose business created at least one job
    requested: Decimal = ZERO
    approved: Decimal = ZERO
    paid: Decimal = ZERO
    clawback_open: Decimal = ZERO
    clawback_recovered: Decimal = ZERO
    measures: dict = field(default_factory=dict)

    @property
    def paid_net(self) -> Decimal:
        return self.paid - self.clawback_recovered

    def add(self, other: "Row") -> None:
        for name in ("decided", "cases", "people", "firms", "jobs", "startups", "requested", "approved", "paid"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.clawback_open += other.clawback_open
        self.clawback_recovered += other.clawback_recovered
        for key, value in other.measures.items():
            self.measures[key] = self.measures.get(key, 0) + value


@dataclass(frozen=True)
class ProgrammeInfo:
    id: int
    code: str
    name: str
    kind: str
    grant: bool  # False for a loan: its approved amount is the bank's principal, not a grant


@dataclass
class Figures:
    period: Period
    scope: OrgUnit | None
    programmes: list[ProgrammeInfo]
    towns: list[OrgUnit]
    cells: dict[tuple[int, int], Row]  # (programme id, town id) -> row
    user: User | None = None  # whose scope (None: the district's, for the command)
    town: OrgUnit | None = None  # the town asked for, if any

    def cases(self) -> QuerySet[Application]:
        """The cases in the figures' scope (before the period)."""
        return scope_cases(user=self.user, town=self.town)

    def programme_total(self, programme_id: int) -> Row:
        return _sum(row for (p, _t), row in self.cells.items() if p == programme_id)

    def town_total(self, town_id: int, *, grants_only: bool = True) -> Row:
        grants = {p.id for p in self.programmes if p.grant or not grants_only}
        return _sum(row for (p, t), row in self.cells.items() if t == town_id and p in grants)

    @property
    def grants(self) -> Row:
        """Every grant programme together (loans kept out: see `loans`)."""
        grants = {p.id for p in self.programmes if p.grant}
        return _sum(row for (p, _t), row in self.cells.items() if p in grants)

    @property
    def loans(self) -> Row:
        loans = {p.id for p in self.programmes if not p.grant}
        return _sum(row for (p, _t), row in self.cells.items() if p in loans)

    @property
    def measure_keys(self) -> list[str]:
        present = {key for row in self.cells.values() for key in row.measures}
        return [key for key in MEASURES if key in present]

    @property
    def empty(self) -> bool:
        return not any(row.decided or row.cases or row.paid or row.measures for row in self.cells.values())


def _sum(rows) -> Row:
    total = Row()
    for row in rows:
        total.add(row)
    return total


def scope_cases(*, user: User | None, town: OrgUnit | None) -> QuerySet[Application]:
    """The cases the figures cover: the user's (managers and administrators, docs/access-matrix.md), or the district's
    for the command; within `town` when given. Submitted cases only (a draft is nobody's figure)."""
    if user is None:
        cases = Application.objects.all()
    elif user.is_authenticated and user.has_perm("cases.view_statistics"):
        cases = applications_for_user(user=user)
    else:
        cases = Application.objects.none()
    if town is not None:
        cases = cases.filter(org_unit__path__startswith=town.path)
    return cases.exclude(status=Status.DRAFT).order_by()


def town_for_code(*, code: str, user: User | None = None) -> OrgUnit:
    """A town by its code, within the user's unit; an unknown code (or one outside the unit) raises StatisticsError."""
    towns = OrgUnit.objects.filter(level=UnitLevel.TOWN, code=code)
    if user is not None:
        towns = towns.filter(path__startswith=user.org_unit.path) if user.org_unit_id else towns.none()
    town = towns.first()
    if town is None:
        raise StatisticsError(_("There is no town with the code %(code)s.") % {"code": code})
    return town


def _in_period(lookup: str, period: Period) -> Q:
    return Q(**{f"{lookup}__date__gte": period.start, f"{lookup}__date__lte": period.end})


def counted_cases(cases: QuerySet[Application], period: Period) -> QuerySet[Application]:
    """The cases of the period: decided in it (approval basis), or paid in it (payment basis)."""
    if period.basis == BASIS_PAYMENT:
        paid = PaymentLine.objects.filter(Q(status=PaymentLineStatus.PAID) & _in_period("settled_at", period))
        return cases.filter(pk__in=paid.values("application_id"))
    return cases.filter(_in_period("decided_at", period))


def _case_rows(counted: QuerySet[Application]) -> list[dict]:
    approved = Q(status__in=APPROVED_STATUSES)
    firm = Coalesce(NullIf(F("business_credit_code"), Value("")), F("applicant__credit_code"))
    created_jobs = Q(jobs_report__jobs__gt=0) | Q(jobs_report__isnull=True, jobs_created__gt=0)
    return list(
        counted.annotate(town=town_expression())
        .values("programme_id", "town")
        .annotate(
            decided=Count("id"),
            cases=Count("id", filter=approved),
            people=Count("applicant_id", distinct=True, filter=approved & Q(applicant__kind=ApplicantKind.PERSON)),
            firms=Count(firm, distinct=True, filter=approved),
            jobs=Sum(Coalesce(F("jobs_report__jobs"), F("jobs_created")), filter=approved),
            startups=Count("id", filter=approved & created_jobs),
            requested=Sum("requested_amount"),
            approved=Sum("approved_amount", filter=approved),
        )
        .order_by()
    )


def _money_rows(counted: QuerySet[Application], period: Period) -> tuple[list[dict], list[dict]]:
    """Paid lines (a returned line is never paid: its re-issue is the one paid line) and clawbacks of the cases."""
    lines = PaymentLine.objects.filter(application__in=counted.values("pk"), status=PaymentLineStatus.PAID)
    if period.basis == BASIS_PAYMENT:
        lines = lines.filter(_in_period("settled_at", period))
    paid = list(
        lines.annotate(programme_id=F("application__programme_id"), town=town_expression("application__"))
        .values("programme_id", "town")
        .annotate(paid=Sum("amount"))
        .order_by()
    )
    clawbacks = list(
        Clawback.objects.filter(application__in=counted.values("pk"))
        .annotate(programme_id=F("application__programme_id"), town=town_expression("application__"))
        .values("programme_id", "town")
        .annotate(
            recovered_total=Sum("recovered"),
            open_total=Sum(F("amount") - F("recovered"), filter=Q(status=ClawbackStatus.OPEN)),
        )
        .order_by()
    )
    return paid, clawbacks


def figures_for(*, period: Period, user: User | None = None, town: OrgUnit | None = None) -> Figures:
    """Every figure of the period in the scope: five queries for the common figures, one or two per hook."""
    cases = scope_cases(user=user, town=town)
    counted = counted_cases(cases, period)
    cells: dict[tuple[int, int], Row] = {}

    def cell(programme_id, town_id) -> Row:
        return cells.setdefault((programme_id, town_id), Row())

    for values in _case_rows(counted):
        row = cell(values.pop("programme_id"), values.pop("town"))
        for name, value in values.items():
            setattr(row, name, value or (ZERO if name in ("requested", "approved") else 0))
    paid, clawbacks = _money_rows(counted, period)
    for values in paid:
        cell(values["programme_id"], values["town"]).paid = values["paid"] or ZERO
    for values in clawbacks:
        row = cell(values["programme_id"], values["town"])
        row.clawback_recovered, row.clawback_open = values["recovered_total"] or ZERO, values["open_total"] or ZERO
    programmes = {p.pk: p for p in Programme.objects.order_by("code")}
    for programme in programmes.values():
        hook = getattr(registry.get(programme.kind), "statistics", None)
        if hook is None:
            continue
        mine = cases.filter(programme=programme)
        for town_id, measures in hook(cases=mine, counted=counted.filter(programme=programme), period=period).items():
            if any(measures.values()):
                cell(programme.pk, town_id).measures.update({k: v for k, v in measures.items() if v})
    for (programme_id, _town), row in cells.items():
        if "people" in row.measures:
            row.people = row.measures.pop("people")
        if not programmes[programme_id].commits_budget_on_approval:
            row.approved = ZERO  # a loan's approval qualifies the borrower: no grant is approved
    figures = _figures(period, town or (user.org_unit if user is not None else None), programmes, cells)
    figures.user, figures.town = user, town
    return figures


def _figures(period, scope, programmes, cells) -> Figures:
    used = {p for p, _t in cells}
    towns = OrgUnit.objects.filter(pk__in={t for _p, t in cells}).order_by("path")
    return Figures(
        period=period,
        scope=scope,
        programmes=[
            ProgrammeInfo(p.pk, p.code, p.name, p.kind, p.commits_budget_on_approval) for p in programmes.values() if p.pk in used
        ],
        towns=list(towns),
        cells=cells,
    )
