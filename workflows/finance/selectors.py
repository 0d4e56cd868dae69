"""Reads for the finance pages. Scope: the user's org unit and below (district-wide envelopes only for district staff)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from cases.constants import LIVE_PAYMENT_LINE_STATUSES, PaymentLineStatus, ProgrammeKind, Status, UnitLevel
from cases.models import (
    Application,
    BudgetEnvelope,
    FundingSource,
    OrgUnit,
    PaymentBatch,
    PaymentLine,
    Programme,
    SubsidyClaim,
    User,
)
from cases.models.loan import SubsidyClaimStatus
from cases.selectors import applications_for_user
from cases.services.loans import loans_for_user

PAYABLE = (Status.PUBLICITY_PASSED, Status.PAYMENT_RETURNED)


def _staff_unit(user: User) -> OrgUnit | None:
    if not user.is_authenticated or not user.is_active or user.org_unit_id is None:
        return None
    return user.org_unit


def envelopes_for_user(*, user: User) -> QuerySet[BudgetEnvelope]:
    unit = _staff_unit(user)
    if unit is None:
        return BudgetEnvelope.objects.none()
    scope = Q(org_unit__path__startswith=unit.path)
    if unit.level == UnitLevel.DISTRICT:
        scope |= Q(org_unit__isnull=True)
    return (
        BudgetEnvelope.objects.filter(scope)
        .select_related("programme", "org_unit")
        .prefetch_related(Prefetch("sources", queryset=FundingSource.objects.order_by("priority", "id")))
        .order_by("-year", "programme__code", "org_unit__path")
    )


def batches_for_user(*, user: User) -> QuerySet[PaymentBatch]:
    unit = _staff_unit(user)
    if unit is None:
        return PaymentBatch.objects.none()
    return (
        PaymentBatch.objects.filter(org_unit__path__startswith=unit.path)
        .select_related("programme", "org_unit", "prepared_by", "approved_by", "layout")
        .order_by("-id")
    )


def batches_with_progress(*, user: User, limit: int = 200) -> list[PaymentBatch]:
    """The user's batches, newest first, each with `progress`: its lines paid / returned / awaiting the bank / not
    yet sent (one query)."""
    batches = list(
        batches_for_user(user=user).annotate(
            paid_n=Count("lines", filter=Q(lines__status=PaymentLineStatus.PAID)),
            returned_n=Count("lines", filter=Q(lines__status=PaymentLineStatus.RETURNED)),
            sent_n=Count("lines", filter=Q(lines__status=PaymentLineStatus.SENT)),
            pending_n=Count("lines", filter=Q(lines__status=PaymentLineStatus.PENDING)),
        )[:limit]
    )
    for batch in batches:
        batch.progress = Progress(paid=batch.paid_n, returned=batch.returned_n, awaiting=batch.sent_n, not_sent=batch.pending_n)
    return batches


def payable_cases_for(
    *,
    user: User,
    programme: Programme,
    town: OrgUnit | None = None,
    approved_from: dt.date | None = None,
    approved_to: dt.date | None = None,
) -> QuerySet[Application]:
    """Approved, publicity-passed (or returned and corrected) cases without a live payment line."""
    qs = applications_for_user(user=user).filter(programme=programme, status__in=PAYABLE)
    qs = qs.exclude(payment_lines__status__in=LIVE_PAYMENT_LINE_STATUSES)
    if town is not None:
        qs = qs.filter(org_unit__path__startswith=town.path)
    if approved_from:
        qs = qs.filter(decided_at__date__gte=approved_from)
    if approved_to:
        qs = qs.filter(decided_at__date__lte=approved_to)
    return qs.order_by("number")


def loan_programmes() -> QuerySet[Programme]:
    return Programme.objects.filter(kind=ProgrammeKind.LOAN).order_by("code")


def payable_subsidy_claims_for(*, user: User, programme: Programme) -> QuerySet[SubsidyClaim]:
    """Approved interest-subsidy claims of the programme on loans in the user's unit and below, not yet in a batch."""
    if _staff_unit(user) is None:
        return SubsidyClaim.objects.none()
    return (
        SubsidyClaim.objects.filter(
            loan__in=loans_for_user(user=user),
            loan__application__programme=programme,
            status=SubsidyClaimStatus.APPROVED,
            payment_line__isnull=True,
        )
        .select_related("period", "loan__application__applicant")
        .order_by("loan__application__number", "period__number")
    )


def towns_for_user(*, user: User) -> QuerySet[OrgUnit]:
    unit = _staff_unit(user)
    if unit is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=unit.path, level=UnitLevel.TOWN).order_by("code")


@dataclass(frozen=True)
class Progress:
    """How far a batch's lines have come, as counts and as whole percentages of the lines (for the bar)."""

    paid: int
    returned: int
    awaiting: int
    not_sent: int

    @property
    def total(self) -> int:
        return self.paid + self.returned + self.awaiting + self.not_sent

    def _percent(self, count: int) -> int:
        return round(100 * count / self.total) if self.total else 0

    @property
    def segments(self) -> list[dict]:
        """The non-empty parts in the bar's order: kind, count, width and offset in percent of the bar."""
        parts = [("paid", self.paid), ("returned", self.returned), ("awaiting", self.awaiting), ("not-sent", self.not_sent)]
        segments, offset = [], 0
        for kind, count in parts:
            if count:
                width = self._percent(count)
                segments.append({"kind": kind, "count": count, "width": width, "offset": offset})
                offset += width
        return segments


@dataclass(frozen=True)
class Reconciliation:
    """sent = paid + returned + pending, to the cent. `pending` is sent and not yet answered by the bank."""

    lines: int
    sent: Decimal
    paid: Decimal
    returned: Decimal
    pending: Decimal
    not_sent: Decimal
    paid_count: int
    returned_count: int
    pending_count: int

    not_sent_count: int = 0

    @property
    def balanced(self) -> bool:
        return self.sent == self.paid + self.returned + self.pending

    @property
    def progress(self) -> Progress:
        return Progress(
            paid=self.paid_count, returned=self.returned_count, awaiting=self.pending_count, not_sent=self.not_sent_count
        )


def batch_reconciliation(*, batch: PaymentBatch) -> Reconciliation:
    sums = {
        status: (total or Decimal("0"), count)
        for status, total, count in batch.lines.values_list("status")
        .annotate(t=Sum("amount"), n=Count("id"))
        .values_list("status", "t", "n")
    }

    def amount(status):
        return sums.get(status, (Decimal("0"), 0))[0]

    def count(status):
        return sums.get(status, (Decimal("0"), 0))[1]

    paid, returned, pending = amount(PaymentLineStatus.PAID), amount(PaymentLineStatus.RETURNED), amount(PaymentLineStatus.SENT)
    return Reconciliation(
        lines=sum(n for _, n in sums.values()),
        sent=batch.total if batch.exported_at else Decimal("0"),
        paid=paid,
        returned=returned,
        pending=pending,
        not_sent=amount(PaymentLineStatus.PENDING),
        paid_count=count(PaymentLineStatus.PAID),
        returned_count=count(PaymentLineStatus.RETURNED),
        pending_count=count(PaymentLineStatus.SENT),
        not_sent_count=count(PaymentLineStatus.PENDING),
    )


def batch_lines(*, batch: PaymentBatch) -> QuerySet[PaymentLine]:
    return batch.lines.select_related("application").order_by("id")
