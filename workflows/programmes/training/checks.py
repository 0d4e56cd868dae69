"""Consistency checks of the training subsidy (run by check_consistency through the registry). Sums are taken in
Python: SQLite sums decimals as floats."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from cases.constants import Status
from cases.models.training import (
    ClaimRowOutcome,
    Trainee,
    TrainingClaim,
    TrainingClaimRow,
    TrainingClaimStatus,
    TrainingClass,
)
from cases.services.training.claims import row_amount
from cases.services.training.rules import claim_window_ends_on, min_attendance

APPROVED_ON = (
    Status.DISTRICT_APPROVED,
    Status.IN_PUBLICITY,
    Status.OBJECTION_RAISED,
    Status.PUBLICITY_PASSED,
    Status.PAYMENT_PENDING,
    Status.PAYMENT_RETURNED,
    Status.CLOSED,
)


def _class_problems() -> list[str]:
    problems = []
    sizes = dict(Trainee.objects.values("training_class_id").annotate(n=Count("id")).values_list("training_class_id", "n"))
    for training_class in TrainingClass.objects.select_related("rules"):
        n = sizes.get(training_class.pk, 0)
        if n > training_class.capacity:
            problems.append(f"training class {training_class.number}: {n} trainees > capacity {training_class.capacity}")
        if training_class.decided_at and timezone.localtime(training_class.decided_at).date() >= training_class.starts_on:
            problems.append(f"training class {training_class.number}: decided on or after its first day")
        low = training_class.trainees.filter(attendance__lt=min_attendance(training_class.rules)).count()
        if low:
            problems.append(f"training class {training_class.number}: {low} trainees below the minimum attendance")
    return problems


def _claim_problems() -> list[str]:
    problems = []
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for claim_id, amount in TrainingClaimRow.objects.values_list("claim_id", "amount"):
        sums[claim_id] += amount
    uncertified = TrainingClaimRow.objects.filter(trainee__certificate__isnull=True).count()
    if uncertified:
        problems.append(f"training claims: {uncertified} rows without a certificate")
    for claim in TrainingClaim.objects.select_related("training_class", "rules", "application"):
        number = claim.training_class.number
        last_day = claim_window_ends_on(claim.rules, claim.training_class.ends_on)
        if timezone.localtime(claim.filed_at).date() > last_day:
            problems.append(f"training claim {claim.pk} ({number}): filed after its window ({last_day})")
        if claim.status == TrainingClaimStatus.FILED:
            if claim.application_id or claim.rows.exclude(outcome=ClaimRowOutcome.PENDING).exists():
                problems.append(f"training claim {claim.pk} ({number}): not settled but has a case or settled rows")
            continue
        if claim.settled_amount != sums.get(claim.pk, Decimal("0")):
            problems.append(f"training claim {claim.pk} ({number}): settled {claim.settled_amount} != rows {sums.get(claim.pk)}")
        for row in claim.rows.all():
            expected_outcome = ClaimRowOutcome.FULL if row.business_started_on else ClaimRowOutcome.SHARE
            if row.outcome != expected_outcome or row.amount != row_amount(claim=claim, started_on=row.business_started_on):
                problems.append(f"training claim {claim.pk} ({number}): row {row.pk} {row.outcome} {row.amount} is wrong")
        if claim.settled_amount > 0 and claim.application is None:
            problems.append(f"training claim {claim.pk} ({number}): settled without its case")
        application = claim.application
        if application is not None:
            if application.requested_amount != claim.settled_amount:
                problems.append(f"training claim {claim.pk}: case {application.number} asks {application.requested_amount}")
            if application.status in APPROVED_ON and application.approved_amount != claim.settled_amount:
                problems.append(f"training claim {claim.pk}: case {application.number} approved {application.approved_amount}")
    return problems


def check_training() -> list[str]:
    """Classes within capacity, decided before their first day, no trainee below the minimum attendance; every
    claimed trainee certified; claims filed inside their window; a settled claim's rows and total follow the rule
    and its case asks and is approved for exactly that total. (One subsidised training per person is a database
    constraint.)"""
    return _class_problems() + _claim_problems()
