"""The programme's own measures for the statistics (workflows.engine.statistics): the insured people and the
person-months its counted claims were approved or paid for (a month recovered by clawback is given back)."""

from django.db.models import Count

from cases.models import PersonMonthEntitlement
from cases.models.social_insurance import EntitlementStatus
from workflows.engine.statistics import town_expression

PREFIX = "roster_row__claim__application__"


def statistics(*, cases, counted, period) -> dict:
    months = PersonMonthEntitlement.objects.filter(
        roster_row__claim__application__in=counted.values("pk"),
        status__in=(EntitlementStatus.APPROVED, EntitlementStatus.PAID),
    )
    rows = (
        months.annotate(town=town_expression(PREFIX))
        .values("town")
        .annotate(person_months=Count("id"), people=Count("person_digest", distinct=True))
        .order_by()
    )
    return {row["town"]: {"person_months": row["person_months"], "people": row["people"]} for row in rows}
