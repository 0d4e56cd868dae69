"""A human task whose view calls a service. The service takes the locks (case row, then flow) and checks every
permission itself, so the URL wrapper only finds the task; it does not lock or start it."""

from functools import update_wrapper

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from viewflow.workflow import flow


def _wrap(node, origin_view):
    def view(request, *args, **kwargs):
        task = get_object_or_404(node.flow_class.task_class, pk=kwargs["task_pk"], process_id=kwargs["process_pk"])
        if task.flow_task != node:
            raise Http404
        request.task = task
        return origin_view(request, *args, **kwargs)

    update_wrapper(view, origin_view)
    return view


class ServiceTask(flow.View):
    """Claim (assign), execute and the assign buttons of viewflow's pages follow workflows.engine.assignment: only a
    user allowed to execute the task may claim it, be assigned it or execute it."""

    def can_assign(self, user, task):
        from workflows.engine.assignment import task_may_execute

        return super().can_assign(user, task) and task_may_execute(user=user, task=task)

    def can_execute(self, user, task):
        from workflows.engine.assignment import task_may_execute

        return super().can_execute(user, task) and task_may_execute(user=user, task=task)

    @property
    def view_path(self):
        return path(f"<int:process_pk>/{self.name}/<int:task_pk>/execute/", _wrap(self, self.view), name="execute")
