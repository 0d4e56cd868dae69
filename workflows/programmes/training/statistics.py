"""The programme's own measure for the statistics (workflows.engine.statistics): the trainees claimed for in its
counted cases still approved (a settled claim's rows)."""

from django.db.models import Count

from cases.models.training import TrainingClaimRow
from workflows.engine.statistics import APPROVED_STATUSES, town_expression


def statistics(*, cases, counted, period) -> dict:
    rows = (
        TrainingClaimRow.objects.filter(claim__application__in=counted.filter(status__in=APPROVED_STATUSES).values("pk"))
        .annotate(town=town_expression("claim__application__"))
        .values("town")
        .annotate(trainees=Count("trainee", distinct=True))
        .order_by()
    )
    return {row["town"]: {"trainees": row["trainees"]} for row in rows}
