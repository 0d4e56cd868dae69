"""Venture-grant configuration read from the programme: rubric, tiers (a score equal to a tier's min_score belongs
to that tier), weighted totals, round periods."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from cases.exceptions import DomainError

POINTS = Decimal("0.01")
ROUND_MANAGER_PERMISSION = "cases.review_district"


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    weight: Decimal
    max_points: Decimal


@dataclass(frozen=True)
class Tier:
    number: int
    min_score: Decimal
    amount: Decimal


def _decimal(value, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise DomainError(_("%(what)s is not a number.") % {"what": what}) from None


def rubric_parse(data: list[dict]) -> list[Criterion]:
    criteria = [
        Criterion(
            code=c["code"],
            name=c["name"],
            weight=_decimal(c["weight"], c["code"]),
            max_points=_decimal(c["max_points"], c["code"]),
        )
        for c in data
    ]
    if not criteria or sum(c.weight for c in criteria) != 100 or any(c.max_points <= 0 or c.weight <= 0 for c in criteria):
        raise DomainError(_("A rubric needs criteria with positive weights summing to 100 and positive maximum points."))
    return criteria


def tiers_parse(data: list[dict]) -> list[Tier]:
    tiers = [
        Tier(number=i, min_score=_decimal(t["min_score"], "min_score"), amount=_decimal(t["amount"], "amount"))
        for i, t in enumerate(data, 1)
    ]
    if not tiers or any(a.min_score >= b.min_score or a.amount >= b.amount for a, b in zip(tiers, tiers[1:], strict=False)):
        raise DomainError(_("Tiers must rise in both score and amount."))
    return tiers


def tier_for(*, score: Decimal, tiers: list[Tier]) -> Tier | None:
    """The highest tier whose min_score is at most the score: a score equal to a boundary gets the tier above it."""
    chosen = None
    for tier in tiers:
        if score >= tier.min_score:
            chosen = tier
    return chosen


def sheet_total(*, points: dict[str, Decimal], criteria: list[Criterion]) -> Decimal:
    total = sum((points[c.code] / c.max_points * c.weight for c in criteria), Decimal("0"))
    return total.quantize(POINTS, rounding=ROUND_HALF_UP)


def round_period(*, on: dt.date, months: int) -> tuple[str, dt.date, dt.date]:
    """Calendar-aligned periods: quarterly (3) gives 2026Q1..Q4; other lengths give 2026P1..."""
    index = (on.month - 1) // months
    start = dt.date(on.year, index * months + 1, 1)
    end = start + relativedelta(months=months) - dt.timedelta(days=1)
    code = f"{on.year}Q{index + 1}" if months == 3 else f"{on.year}P{index + 1}"
    return code, start, end
