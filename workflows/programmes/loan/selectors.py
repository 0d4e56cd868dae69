"""Reads for the loan pages. Every loan comes through cases.services.loans.loans_for_user (bank officers: their
bank's loans; staff: their unit and below; borrowers: their own); a loan outside it is a 404."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from cases.constants import ProgrammeKind, Role, Status
from cases.models import Application, AuditEntry, Loan, LoanPeriod, LoanRecovery, SubsidyClaim, User
from cases.models.loan import FINAL_LOAN_STATES, LoanState, SubsidyClaimStatus
from cases.selectors import applications_for_user
from cases.services.loans import INTEREST_FILE_COLUMNS, bank_officer_of, loans_for_user, subsidy_refusal

PAGE_SIZE = 50


def loan_for_user(*, user: User, public_id) -> Loan:
    """The loan of the case `public_id`, if the user may see it; else 404 (no hint that it exists)."""
    loan = loans_for_user(user=user).filter(application__public_id=public_id).first()
    if loan is None:
        raise Http404
    return loan


def loans_page(*, user: User, state: str = "", after: int | None = None) -> tuple[list[Loan], int | None]:
    """One page of the user's loans, newest first, paged by keyset (`after` = the last id of the previous page)."""
    qs = loans_for_user(user=user).select_related("application__programme")
    if state:
        qs = qs.filter(state=state)
    if after:
        qs = qs.filter(pk__lt=after)
    rows = list(qs.order_by("-pk")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].pk if more else None)


@dataclass(frozen=True)
class ScheduleLine:
    period: LoanPeriod
    claim: SubsidyClaim | None
    refusal: str | None  # why the period earns no subsidy now (None: claimable, or already claimed)

    @property
    def claimable(self) -> bool:
        return self.claim is None and self.refusal is None


def loan_schedule(*, loan: Loan) -> list[ScheduleLine]:
    """The schedule with each period's claim and, where there is none, why no subsidy can be claimed (yet)."""
    periods = list(loan.periods.order_by("number"))
    claims = {c.period_id: c for c in SubsidyClaim.objects.filter(loan=loan).select_related("reviewed_by")}
    lines = []
    for period in periods:
        claim = claims.get(period.pk)
        lines.append(ScheduleLine(period=period, claim=claim, refusal=None if claim else subsidy_refusal(period=period)))
    return lines


def loan_history(*, loan: Loan) -> QuerySet[AuditEntry]:
    """The loan's own audit rows (written on its case)."""
    return AuditEntry.objects.filter(application_id=loan.application_id, action__startswith="loan:").select_related("actor")


def qualifiable_cases_for(*, user: User) -> QuerySet[Application]:
    """Approved loan cases in the user's scope that have no qualification certificate yet."""
    if user.role == Role.BANK_OFFICER:
        return Application.objects.none()
    return (
        applications_for_user(user=user)
        .filter(programme__kind=ProgrammeKind.LOAN, status=Status.DISTRICT_APPROVED, loan__isnull=True)
        .select_related("applicant", "org_unit", "programme")
        .order_by("number")
    )


def qualifiable_case_for(*, user: User, public_id) -> Application:
    application = qualifiable_cases_for(user=user).filter(public_id=public_id).first()
    if application is None:
        raise Http404
    return application


def open_claims_for(*, user: User) -> QuerySet[SubsidyClaim]:
    """Subsidy claims awaiting review on the loans in the user's scope (staff only)."""
    if user.role in (Role.BANK_OFFICER, Role.APPLICANT):
        return SubsidyClaim.objects.none()
    return (
        SubsidyClaim.objects.filter(loan__in=loans_for_user(user=user), status=SubsidyClaimStatus.OPEN)
        .select_related("period", "loan__application__applicant", "loan__bank")
        .order_by("claimed_on", "pk")
    )


def open_claim_for(*, user: User, public_id, period: int) -> SubsidyClaim:
    claim = open_claims_for(user=user).filter(loan__application__public_id=public_id, period__number=period).first()
    if claim is None:
        raise Http404
    return claim


@dataclass(frozen=True)
class LoanStatistics:
    loans: int
    by_state: list[tuple[str, int, Decimal]]  # state label, loans, amount (principal once lent, else qualified)
    lent: Decimal  # principal of the loans disbursed
    outstanding: Decimal  # principal not yet repaid on loans not closed (defaulted ones included)
    subsidies_paid: Decimal
    subsidies_awaiting_payment: Decimal  # approved claims, in a batch or not yet
    compensation: Decimal  # paid by the guarantee fund to the banks
    recovered: Decimal


def _money(queryset, field: str) -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or Decimal("0")


def loan_statistics_for_user(*, user: User) -> LoanStatistics | None:
    """The loans of the cases in a manager's scope: what was lent, what is outstanding, what the subsidy and the
    guarantee fund cost. None for users who do not read statistics. Seven aggregate queries."""
    if not user.is_authenticated or not user.has_perm("cases.view_statistics"):
        return None
    loans = loans_for_user(user=user).order_by()
    labels = dict(LoanState.choices)
    by_state = [
        (str(labels.get(state, state)), count, principal or qualified)
        for state, count, principal, qualified in loans.values_list("state")
        .annotate(count=Count("id"), principal=Sum("principal"), qualified=Sum("qualified_amount"))
        .order_by("state")
    ]
    claims = SubsidyClaim.objects.filter(loan__in=loans)
    return LoanStatistics(
        loans=sum(count for _, count, _ in by_state),
        by_state=by_state,
        lent=_money(loans, "principal"),
        outstanding=_money(
            LoanPeriod.objects.filter(loan__in=loans.exclude(state__in=FINAL_LOAN_STATES), repaid_on__isnull=True),
            "principal",
        ),
        subsidies_paid=_money(claims.filter(status=SubsidyClaimStatus.PAID), "amount"),
        subsidies_awaiting_payment=_money(
            claims.filter(status__in=[SubsidyClaimStatus.APPROVED, SubsidyClaimStatus.PAYMENT_PENDING]), "amount"
        ),
        compensation=_money(loans, "compensation_amount"),
        recovered=_money(LoanRecovery.objects.filter(loan__in=loans), "amount"),
    )


__all__ = ["INTEREST_FILE_COLUMNS", "bank_officer_of"]  # read by the pages; the rest is defined here
