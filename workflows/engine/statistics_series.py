"""The series behind the statistics charts: grants approved and paid per month, and each programme's budget used
against its envelope. Aggregate queries over the same scope and period as workflows.engine.statistics."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from cases.constants import PaymentLineStatus, UnitLevel
from cases.models import BudgetEnvelope, PaymentLine
from workflows.engine.statistics import APPROVED_STATUSES, ZERO, Figures, Period


@dataclass(frozen=True)
class MonthPoint:
    month: str  # 2026-03
    approved: Decimal
    paid: Decimal


def _months(period: Period) -> list[str]:
    months, year, month = [], period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly_series(figures: Figures) -> list[MonthPoint]:
    """Grants approved (by approval month) and paid (by payment month) in each month of the period. Two queries."""
    period = figures.period
    cases = figures.cases().filter(programme__commits_budget_on_approval=True)
    approved = {
        row["m"].strftime("%Y-%m"): row["total"]
        for row in cases.filter(
            status__in=APPROVED_STATUSES, decided_at__date__gte=period.start, decided_at__date__lte=period.end
        )
        .annotate(m=TruncMonth("decided_at"))
        .values("m")
        .annotate(total=Sum("approved_amount"))
        .order_by()
    }
    paid = {
        row["m"].strftime("%Y-%m"): row["total"]
        for row in PaymentLine.objects.filter(
            application__in=cases.values("pk"),
            status=PaymentLineStatus.PAID,
            settled_at__date__gte=period.start,
            settled_at__date__lte=period.end,
        )
        .annotate(m=TruncMonth("settled_at"))
        .values("m")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    return [MonthPoint(m, approved.get(m) or ZERO, paid.get(m) or ZERO) for m in _months(period)]


@dataclass(frozen=True)
class BudgetUse:
    programme: str
    envelope: Decimal
    committed: Decimal
    paid: Decimal

    @property
    def used(self) -> Decimal:
        return self.committed + self.paid

    @property
    def share(self) -> Decimal | None:
        return (self.used * 100 / self.envelope).quantize(Decimal("0.1")) if self.envelope else None


def budget_use(figures: Figures) -> list[BudgetUse]:
    """The envelopes of the period's year in the scope: every one (the district's and the towns') for the district,
    a town's own for a town. One query."""
    scope = figures.scope
    envelopes = BudgetEnvelope.objects.filter(year=figures.period.year)
    if scope is not None and scope.level != UnitLevel.DISTRICT:
        envelopes = envelopes.filter(org_unit__path__startswith=scope.path)
    rows = (
        envelopes.values("programme__name", "programme__code")
        .annotate(amount=Sum("amount"), committed=Sum("committed"), paid=Sum("paid"))
        .order_by("programme__code")
    )
    return [BudgetUse(r["programme__name"], r["amount"], r["committed"], r["paid"]) for r in rows]
