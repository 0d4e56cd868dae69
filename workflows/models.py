"""Proxies of viewflow's Process and Task: fixed query counts in the stock lists, our own manager for scoping."""

from viewflow.workflow.managers import ProcessQuerySet, TaskQuerySet
from viewflow.workflow.models import Process, Task


class SubsidyProcess(Process):
    objects = ProcessQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "subsidy process"


class SubsidyTask(Task):
    objects = TaskQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "subsidy task"
