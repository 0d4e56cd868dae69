"""Who holds a review task, and decisions on many tasks at once, for the work queue.

Each function locks the case row, then its process row (workflows.engine.locks), re-reads the task under those locks
and refuses what no longer holds (done, held by someone else, not allowed). The bulk operations treat every task on
its own, each in its own transaction, and report every outcome: one case refused never undoes or blocks another.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed

from cases import services as case_services
from cases.constants import Decision
from cases.exceptions import DomainError, PermissionDenied
from cases.models import Application, User
from cases.selectors import applications_for_user
from workflows.engine.assignment import task_refusal
from workflows.engine.locks import open_task_lock
from workflows.engine.steps import TASK_LEVEL, task_decide
from workflows.models import SubsidyTask


def _locked(task_id: int) -> tuple[Application, SubsidyTask]:
    """A review task, its case and process locked first (workflows.engine.locks.open_task_lock)."""
    return open_task_lock(task_id=task_id, nodes=TASK_LEVEL)


def task_claim(*, task_id: int, by: User) -> SubsidyTask:
    """The user takes a review task they may execute. Already theirs: nothing changes."""
    with transaction.atomic():
        application, task = _locked(task_id)
        refusal = task_refusal(user=by, task=task)
        if refusal is not None:
            raise refusal
        if task.owner_id == by.pk:
            return task
        if task.owner_id is not None:
            raise PermissionDenied(_("The task is assigned to someone else."))
        with task.activation() as activation:
            activation.assign(by)
        return activation.task


def task_assign(*, task_id: int, by: User, to: User) -> SubsidyTask:
    """Hand a review task, unclaimed or held by `by`, to a colleague allowed to execute it (audited)."""
    with transaction.atomic():
        application, task = _locked(task_id)
        if task.owner_id is not None and task.owner_id != by.pk:
            raise PermissionDenied(_("The task is assigned to someone else."))
        refusal = task_refusal(user=by, task=task)
        if refusal is not None:
            raise refusal
        if task_refusal(user=to, task=task) is not None:
            raise PermissionDenied(
                _("%(name)s may not handle this task (another unit or another role): it was not assigned.")
                % {"name": to.get_full_name() or to.get_username()}
            )
        case_services.review_task_assignment_record(
            application=application, by=by, assignee=to, level=TASK_LEVEL[task.flow_task.name]
        )
        with task.activation() as activation:
            if activation.task.owner_id is None:
                activation.assign(to)
            else:
                activation.reassign(to)
        return activation.task


@dataclass(frozen=True)
class Outcome:
    """What happened to one case of a bulk action."""

    number: str
    public_id: str
    done: bool
    reason: str = ""


def _each(task_ids: list[int], *, by: User, action: Callable[[int], object]) -> list[Outcome]:
    """Run `action` on each task the user may see (their unit and below), in case order; a task outside it is
    reported without naming its case."""
    cases = applications_for_user(user=by).values("pk")
    visible = {
        task.pk: task.process.application
        for task in SubsidyTask.objects.filter(pk__in=task_ids, process__application__in=cases).select_related(
            "process__application"
        )
    }
    outcomes = []
    for task_id in sorted(set(task_ids), key=lambda pk: (visible[pk].pk if pk in visible else 0, pk)):
        application = visible.get(task_id)
        if application is None:
            outcomes.append(Outcome(number="", public_id="", done=False, reason=_("This task is not in your queue.")))
            continue
        try:
            action(task_id)
        except (DomainError, FlowLockFailed) as error:
            reason = (
                error.message
                if isinstance(error, DomainError)
                else _("Someone else is working on this case right now. Please try again in a moment.")
            )
            outcomes.append(Outcome(application.number, str(application.public_id), False, str(reason)))
        else:
            outcomes.append(Outcome(application.number, str(application.public_id), True))
    return outcomes


def tasks_assign(*, task_ids: list[int], by: User, to: User) -> list[Outcome]:
    return _each(task_ids, by=by, action=lambda pk: task_assign(task_id=pk, by=by, to=to))


def tasks_pass(*, task_ids: list[int], by: User, opinion: str) -> list[Outcome]:
    """Pass each case at its level with the same opinion, through the decision a single task page records (its
    audit row, review opinion and document); each case in its own transaction."""
    opinion = (opinion or "").strip()
    if not opinion:
        raise DomainError(_("An opinion is required."))
    return _each(task_ids, by=by, action=lambda pk: task_decide(task_id=pk, by=by, decision=Decision.PASS, opinion=opinion))
