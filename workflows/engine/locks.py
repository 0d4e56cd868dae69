"""The case, then its flow's process row: the first two locks of every write that moves a flow (ADR 0003).

Every flow locks its process row through `CaseFirstLock` when a task runs: inside a transaction that already holds the
row (taken here, right after the case, or inserted by this transaction when the flow starts) it takes nothing more;
else it takes the row as viewflow's `select_for_update_lock` does. Taking it here, right after the case, keeps the
order case -> process -> anything else even when the flow moves at the end of a write that locked a loan, a round or
a batch on the way.
"""

from collections.abc import Iterable
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from viewflow.workflow import lock
from viewflow.workflow.status import STATUS

from cases.exceptions import TaskAlreadyCompleted, TransitionForbidden
from cases.models import Application
from cases.services.locks import case_lock, cases_lock, rows_held, rows_hold
from workflows.models import SubsidyProcess, SubsidyTask


def _process_key(pk: int) -> tuple[str, int]:
    return ("process", pk)


def process_hold(process_id: int) -> None:
    """This transaction holds the process row: it locked it, or inserted it (no other transaction sees it yet)."""
    rows_hold([_process_key(process_id)])


@receiver(post_save, sender=SubsidyProcess, dispatch_uid="process_inserted_is_held")
def _process_inserted(sender, instance, created, **kwargs) -> None:
    """A flow's start inserts its process row: the inserting transaction holds it (no other one sees it yet)."""
    if created:
        process_hold(instance.pk)


def _processes_lock(applications: list[Application]) -> None:
    process_ids = sorted(a.process_id for a in applications if a.process_id is not None)
    if process_ids:
        list(SubsidyProcess.objects.select_for_update().filter(pk__in=process_ids).order_by("pk").values_list("pk", flat=True))
        rows_hold([_process_key(pk) for pk in process_ids])


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


def task_lock(*, task_id: int) -> tuple[Application, SubsidyTask]:
    """A task's case locked, then its process row and the task row locked and read with it (one statement each; the
    task row is locked too so that the statement returns it as last committed, should a writer that holds only the
    process, such as viewflow's own pages, have changed it while this one waited). Refused when the task is unknown."""
    try:
        application = case_lock(process__task__pk=task_id)
    except Application.DoesNotExist:
        raise TransitionForbidden() from None
    task = SubsidyTask.objects.select_related("process").select_for_update(of=("self", "process")).get(pk=task_id)
    rows_hold([_process_key(task.process_id)])
    return application, task


def open_task_lock(*, task_id: int, nodes: Iterable[str]) -> tuple[Application, SubsidyTask]:
    """An open (new or assigned) task of one of `nodes`: its case and process locked (in that order), then the task
    read again under those locks. Refused when the task is unknown, finished or of another node."""
    application, task = task_lock(task_id=task_id)
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise TaskAlreadyCompleted()
    if task.flow_task.name not in nodes:
        raise TransitionForbidden()
    return application, task


class CaseFirstLock:
    """viewflow's flow lock: nothing more when this transaction already holds the process row (the step took the case
    and then the process, or started the flow); else the process's case row first (blocking: the house order, also for
    viewflow's own pages, so that they never hold a process a step waits for while it holds the case), then
    viewflow's `select_for_update_lock` on the process (NOWAIT, retried)."""

    def __init__(self) -> None:
        self.fallback = lock.SelectForUpdateLock()

    @contextmanager
    def __call__(self, flow_class, process_pk):
        if process_pk is not None and rows_held(_process_key(process_pk)):
            yield
            return
        with transaction.atomic():
            if process_pk is not None:
                list(Application.objects.select_for_update(of=("self",)).filter(process_id=process_pk).values_list("pk"))
            with self.fallback(flow_class, process_pk):
                yield


case_first_lock = CaseFirstLock()
