"""Consistency checks of the social-insurance ledger (run by check_consistency through the registry). Sums are taken
in Python: SQLite sums decimals as floats."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count

from cases.constants import PaymentLineStatus, ProgrammeKind, Status
from cases.models import Clawback, PaymentLine
from cases.models.social_insurance import EntitlementStatus, PersonMonthEntitlement, RowDecision, SocialInsuranceClaim

APPROVED_ON = (Status.DISTRICT_APPROVED, Status.IN_PUBLICITY, Status.OBJECTION_RAISED, Status.PUBLICITY_PASSED)


def _months_by(field: str, **filters) -> dict[int, Decimal]:
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for key, amount in PersonMonthEntitlement.objects.filter(**filters).values_list(field, "amount").iterator(chunk_size=5000):
        sums[key] += amount
    return sums


def check_ledger() -> list[str]:
    """No person-month twice; a paid month has a paid line; each paid line pays exactly its months (paid or since
    recovered); each clawback recovers exactly its months; an approved claim's amount is the sum of its months; a
    rejected claim holds no month."""
    problems = [
        f"ledger: person {digest[:8]} month {month:%Y-%m} held {n} times"
        for digest, month, n in PersonMonthEntitlement.objects.values("person_digest", "month")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("person_digest", "month", "n")
    ]
    unpaid = PersonMonthEntitlement.objects.filter(status=EntitlementStatus.PAID).exclude(
        payment_line__status=PaymentLineStatus.PAID
    )
    problems += [f"ledger: month {m.month:%Y-%m} of row {m.roster_row_id} paid without a paid line" for m in unpaid]
    by_line = _months_by("payment_line_id", payment_line__isnull=False)
    lines = PaymentLine.objects.filter(
        application__programme__kind=ProgrammeKind.SOCIAL_INSURANCE, status=PaymentLineStatus.PAID
    ).values_list("pk", "key", "amount")
    problems += [
        f"payment line {key}: {amount} paid != {by_line.get(pk, Decimal('0'))} in its person-months"
        for pk, key, amount in lines
        if by_line.get(pk, Decimal("0")) != amount
    ]
    by_clawback = _months_by("clawback_id", clawback__isnull=False)
    clawbacks = Clawback.objects.filter(application__programme__kind=ProgrammeKind.SOCIAL_INSURANCE)
    problems += [
        f"clawback {c.pk}: {c.amount} != {by_clawback.get(c.pk, Decimal('0'))} in its recovered months"
        for c in clawbacks.only("pk", "amount")
        if by_clawback.get(c.pk, Decimal("0")) != c.amount
    ]
    return problems + _claim_problems()


def _claim_problems() -> list[str]:
    problems = []
    approved = _months_by(
        "roster_row__claim_id",
        roster_row__town_decision=RowDecision.APPROVED,
        roster_row__district_decision=RowDecision.APPROVED,
    )
    claims = SocialInsuranceClaim.objects.filter(application__status__in=APPROVED_ON).values_list(
        "pk", "application__number", "application__approved_amount"
    )
    for pk, number, amount in claims:
        if approved.get(pk, Decimal("0")) != amount:
            problems.append(f"claim {number}: approved {amount} != {approved.get(pk, Decimal('0'))} in its person-months")
    held = (
        PersonMonthEntitlement.objects.filter(roster_row__claim__application__status=Status.REJECTED)
        .values("roster_row__claim__application__number")
        .annotate(n=Count("id"))
        .values_list("roster_row__claim__application__number", "n")
    )
    problems += [f"claim {number}: rejected but holds {n} person-months in the ledger" for number, n in held]
    return problems
