"""Reads of flow state, scoped like the cases they route (cases.selectors.applications_for_user)."""

from django.db.models import QuerySet

from cases.models import User
from workflows.models import SubsidyProcess, SubsidyTask


def tasks_for_user(*, user: User) -> QuerySet[SubsidyTask]:
    """Tasks of the cases the user may see: staff their org unit and below, never beside it."""
    return SubsidyTask.objects.for_user(user)


def processes_for_user(*, user: User) -> QuerySet[SubsidyProcess]:
    return SubsidyProcess.objects.for_user(user)


def task_visible_to(*, user: User, process_id: int, task_id: int | None = None) -> bool:
    """One query: is the process (and the task, which must belong to it) in the user's scope?"""
    if task_id is None:
        return processes_for_user(user=user).filter(pk=process_id).exists()
    return tasks_for_user(user=user).filter(pk=task_id, process_id=process_id).exists()
