"""The loans' own measures for the statistics (workflows.engine.statistics), each by its own date within the period:
loans lent and their principal (disbursement), the principal still outstanding on them today, defaults, the
guarantee fund's compensation and what was recovered after it; and the interest subsidies claimed in the period,
approved and not yet paid. Interest subsidies paid are the programme's common
paid figure (its payment lines)."""

from django.db.models import Count, Q, Sum

from cases.models import Loan, LoanPeriod, LoanRecovery, SubsidyClaim
from cases.models.loan import FINAL_LOAN_STATES, SubsidyClaimStatus
from workflows.engine.statistics import town_expression

PREFIX = "application__"


def _between(lookup: str, period) -> Q:
    return Q(**{f"{lookup}__gte": period.start, f"{lookup}__lte": period.end})


def statistics(*, cases, counted, period) -> dict:
    loans = Loan.objects.filter(application__in=cases.values("pk"))
    measures: dict = {}
    for row in (
        loans.annotate(town=town_expression(PREFIX))
        .values("town")
        .annotate(
            loans_lent=Count("id", filter=_between("disbursed_on", period)),
            lent=Sum("principal", filter=_between("disbursed_on", period)),
            defaulted=Count("id", filter=_between("defaulted_on", period)),
            compensation=Sum("compensation_amount", filter=_between("compensated_on", period)),
        )
        .order_by()
    ):
        measures[row.pop("town")] = row
    lent_in_period = loans.filter(_between("disbursed_on", period)).exclude(state__in=FINAL_LOAN_STATES)
    for row in (
        LoanPeriod.objects.filter(loan__in=lent_in_period.values("pk"), repaid_on__isnull=True)
        .annotate(town=town_expression("loan__" + PREFIX))
        .values("town")
        .annotate(outstanding=Sum("principal"))
        .order_by()
    ):
        measures.setdefault(row["town"], {})["outstanding"] = row["outstanding"]
    for row in (
        LoanRecovery.objects.filter(Q(loan__in=loans.values("pk")) & _between("recovered_on", period))
        .annotate(town=town_expression("loan__" + PREFIX))
        .values("town")
        .annotate(loan_recovered=Sum("amount"))
        .order_by()
    ):
        measures.setdefault(row["town"], {})["loan_recovered"] = row["loan_recovered"]
    for row in (  # claimed in the period, approved, not yet paid (today)
        SubsidyClaim.objects.filter(
            Q(loan__in=loans.values("pk"), status__in=(SubsidyClaimStatus.APPROVED, SubsidyClaimStatus.PAYMENT_PENDING))
            & _between("claimed_on", period)
        )
        .annotate(town=town_expression("loan__" + PREFIX))
        .values("town")
        .annotate(subsidy_awaiting=Sum("amount"))
        .order_by()
    ):
        measures.setdefault(row["town"], {})["subsidy_awaiting"] = row["subsidy_awaiting"]
    return measures
