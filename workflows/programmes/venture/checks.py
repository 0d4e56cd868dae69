"""Consistency facts of the venture programme (read by check_consistency through the registry)."""

from cases.constants import Status
from cases.models import VentureProject


def expected_open_tasks() -> dict[int, str]:
    """Application id -> the open task a venture case in district_reviewed must have (the rest follow
    OPEN_TASK_FOR_STATUS)."""
    rows = VentureProject.objects.filter(application__status=Status.DISTRICT_REVIEWED).values_list("application_id", "mean_score")
    return {pk: ("award" if score is not None else "await_panel") for pk, score in rows}
