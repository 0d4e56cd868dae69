"""The programme's own measure for the statistics (workflows.engine.statistics): the households of its counted cases still approved
(one grant per household, so a household is counted once however many of its cases the period holds)."""

from django.db.models import Count

from cases.models import DisabledGrant
from workflows.engine.statistics import APPROVED_STATUSES, town_expression


def statistics(*, cases, counted, period) -> dict:
    rows = (
        DisabledGrant.objects.filter(application__in=counted.filter(status__in=APPROVED_STATUSES).values("pk"))
        .annotate(town=town_expression("application__"))
        .values("town")
        .annotate(households=Count("household_number", distinct=True))
        .order_by()
    )
    return {row["town"]: {"households": row["households"]} for row in rows}
