"""The case, then its flow's process row: the first two locks of every write that moves a flow (ADR 0003).

viewflow locks the process row again (`select_for_update_lock`, NOWAIT) when a task runs; inside the same
transaction that lock is already held, so it never waits. Taking it here, right after the case, keeps the order
case -> process -> anything else even when the flow moves at the end of a write that locked a loan, a round or a
batch on the way.
"""

from collections.abc import Iterable

from viewflow.workflow.status import STATUS

from cases.exceptions import TaskAlreadyCompleted, TransitionForbidden
from cases.models import Application
from cases.services.locks import case_lock, cases_lock
from workflows.models import SubsidyProcess, SubsidyTask


def _processes_lock(applications: list[Application]) -> None:
    process_ids = sorted(a.process_id for a in applications if a.process_id is not None)
    if process_ids:
        list(SubsidyProcess.objects.select_for_update().filter(pk__in=process_ids).order_by("pk").values_list("pk", flat=True))


def case_and_process_lock(*, pk: int | None = None, **lookup) -> Application:
    """Lock the case row (cases.services.locks.case_lock), then its process row if the case has one."""
    application = case_lock(pk=pk, **lookup)
    _processes_lock([application])
    return application


def cases_and_processes_lock(*, pks: Iterable[int]) -> list[Application]:
    """Lock the cases in ascending pk order, then their process rows; the cases come back in pk order."""
    applications = cases_lock(pks=pks)
    _processes_lock(applications)
    return applications


def open_task_lock(*, task_id: int, nodes: Iterable[str]) -> tuple[Application, SubsidyTask]:
    """An open (new or assigned) task of one of `nodes`: its case and process locked (in that order), then the task
    read again under those locks. Refused when the task is unknown, finished or of another node."""
    task = SubsidyTask.objects.filter(pk=task_id).first()
    if task is None:
        raise TransitionForbidden()
    application = case_and_process_lock(process_id=task.process_id)
    task = SubsidyTask.objects.get(pk=task_id)
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise TaskAlreadyCompleted()
    if task.flow_task.name not in nodes:
        raise TransitionForbidden()
    return application, task
