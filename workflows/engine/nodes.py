"""The flows' own nodes.

- ServiceTask: a human task whose view calls a service. The service takes the locks (case row, then flow) and checks
  every permission itself, so the URL wrapper only finds the task; it does not lock or start it. Completed by a step
  in one write of its row (`take`, then start and execute).
- Route: the routing by the case's status, its row written once (inserted done), its conditions read from the case
  the step holds (workflows.engine.routing).
- CaseStart: the flow's start inside the submitting step's transaction, without a savepoint of its own.
"""

from functools import update_wrapper

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.timezone import now
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.start import StartHandleActivation
from viewflow.workflow.nodes.switch import SwitchActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import flow_started, task_finished, task_started
from viewflow.workflow.status import STATUS

from workflows.engine.routing import case_in_hand


def _wrap(node, origin_view):
    def view(request, *args, **kwargs):
        task = get_object_or_404(node.flow_class.task_class, pk=kwargs["task_pk"], process_id=kwargs["process_pk"])
        if task.flow_task != node:
            raise Http404
        request.task = task
        return origin_view(request, *args, **kwargs)

    update_wrapper(view, origin_view)
    return view


class ServiceTaskActivation(ViewActivation):
    @Activation.status.transition(source=STATUS.NEW, target=STATUS.ASSIGNED)
    def take(self, user):
        """Assigned to `user` on the way to its completion in the same transaction: the completion writes the task
        row once, with its owner (viewflow's `assign` writes it a first time)."""
        self.task.owner = user


class ServiceTask(flow.View):
    """Claim (assign), execute and the assign buttons of viewflow's pages follow workflows.engine.assignment: only a
    user allowed to execute the task may claim it, be assigned it or execute it."""

    activation_class = ServiceTaskActivation

    def can_assign(self, user, task):
        from workflows.engine.assignment import task_may_execute

        return super().can_assign(user, task) and task_may_execute(user=user, task=task)

    def can_execute(self, user, task):
        from workflows.engine.assignment import task_may_execute

        return super().can_execute(user, task) and task_may_execute(user=user, task=task)

    @property
    def view_path(self):
        return path(f"<int:process_pk>/{self.name}/<int:task_pk>/execute/", _wrap(self, self.view), name="execute")


class RouteActivation(SwitchActivation):
    """A routing decision written once: the row is inserted when the route is decided (done, or in error), not
    inserted new and updated. With the case in hand (the step's locked instance, workflows.engine.graph) the
    conditions read no row and need no savepoint; else viewflow's own activation reads the case."""

    previous_task = None

    # viewflow keeps activations in sets, hashed by their task: this one's row is written later, so it hashes as itself
    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        task = flow_task.flow_class.task_class(process=prev_activation.process, flow_task=flow_task, token=token)
        task.data = data if data is not None else {}
        task.seed = seed
        activation = cls(task)
        activation.previous_task = prev_activation.task
        return activation

    def _insert(self) -> None:
        if self.task.pk is None:
            self.task.save()
            self.task.previous.add(self.previous_task)

    @Activation.status.super()
    def activate(self):
        if case_in_hand(self.process.pk) is None:
            self._insert()
            super().activate.original()
            return
        with self.exception_guard():
            self.next_task = next((node for node, cond in self.flow_task._branches if cond is None or cond(self)), None)
            if self.next_task is None:
                self._insert()
                raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")

    @Activation.status.super()
    def complete(self):
        if self.task.pk is not None:
            super().complete.original()
            return
        self.task.finished = now()
        self._insert()
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class Route(flow.Switch):
    activation_class = RouteActivation


class CaseStartActivation(StartHandleActivation):
    @Activation.status.super()
    def execute(self):
        """viewflow's start, without a savepoint of its own: the flow starts inside the step that submits the case,
        whose transaction is the unit (a failure undoes the submission too). The new process row is held by the
        transaction that inserts it (workflows.engine.locks), so the flow lock takes nothing more."""
        task_started.send(sender=self.flow_class, process=self.process, task=self.task)
        with transaction.atomic(savepoint=False):
            self.process.save()
            with self.flow_class.lock(self.process.pk):
                self.complete()
                flow_started.send(sender=self.flow_class, process=self.process, task=self.task)
                self.activate_next()


class CaseStart(flow.StartHandle):
    activation_class = CaseStartActivation
