"""The programme's figures per town and period, from the person-month ledger: people, person-months, employers and
yuan. A month counts once it is approved (approved, paid, or paid and recovered since); the period is the month
subsidised, not the day of the decision; the town is that of the claim's case (a community's town).

- approved: the approved months' ledger amounts;
- paid net: what was paid less what was recovered by clawback (the months still paid);
- people, person-months and employers: of the approved months.

One aggregate query, whatever the number of months; amounts summed in the database with room for a year's total.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, When
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear

from cases.constants import UnitLevel
from cases.models import Application, OrgUnit, User
from cases.models.social_insurance import EntitlementStatus, PersonMonthEntitlement
from cases.money import to_cents
from cases.selectors import applications_for_user

PERIODS = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
COUNTED = (EntitlementStatus.APPROVED, EntitlementStatus.PAID, EntitlementStatus.RECOVERED)
TOTAL = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class FiguresRow:
    town: str
    period: str
    people: int
    person_months: int
    employers: int
    approved: Decimal
    paid_net: Decimal


def _label(start, period: str) -> str:
    if period == "year":
        return f"{start:%Y}"
    if period == "quarter":
        return f"{start.year}Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}"


def social_insurance_figures(*, cases: QuerySet[Application], period: str = "quarter") -> list[FiguresRow]:
    """The figures of the approved person-months of `cases`' claims, per town and period (month, quarter or year),
    ordered by period, then town."""
    if period not in PERIODS:
        raise ValueError(period)
    months = PersonMonthEntitlement.objects.filter(roster_row__claim__application__in=cases.order_by(), status__in=COUNTED)
    unit = "roster_row__claim__application__org_unit"
    rows = list(
        months.annotate(
            town_id=Case(When(**{f"{unit}__level": UnitLevel.COMMUNITY}, then=F(f"{unit}__parent_id")), default=F(f"{unit}_id")),
            start=PERIODS[period]("month"),
        )
        .values("town_id", "start")
        .annotate(
            people=Count("person_digest", distinct=True),
            person_months=Count("id"),
            employers=Count("employer_id", distinct=True),
            approved=Sum("amount", output_field=TOTAL),
            paid_net=Sum("amount", filter=Q(status=EntitlementStatus.PAID), output_field=TOTAL),
        )
        .values_list("town_id", "start", "people", "person_months", "employers", "approved", "paid_net")
        .order_by("start", "town_id")
    )
    towns = dict(OrgUnit.objects.filter(pk__in={r[0] for r in rows}).values_list("pk", "name"))
    figures = [
        FiguresRow(
            town=towns.get(town_id, ""),
            period=_label(start, period),
            people=people,
            person_months=count,
            employers=employers,
            approved=to_cents(approved or Decimal("0")),
            paid_net=to_cents(paid_net or Decimal("0")),
        )
        for town_id, start, people, count, employers, approved, paid_net in rows
    ]
    return sorted(figures, key=lambda r: (r.period, r.town))


def social_insurance_figures_for_user(*, user: User, period: str = "quarter") -> list[FiguresRow]:
    """The figures over the cases in a manager's scope (docs/access-matrix.md: statistics); none for other users."""
    if not user.is_authenticated or not user.has_perm("cases.view_statistics"):
        return []
    return social_insurance_figures(cases=applications_for_user(user=user), period=period)
