"""The simulator's counters, and proxies of viewflow's Process and Task: fixed query counts in the stock lists, our own managers for scoping.

viewflow has no row-level scoping. Every stock list reaches the rows through `task_class._default_manager` /
`process_class._default_manager` and the methods below (`filter_available`, `inbox`, `queue`, `archive`,
`user_queue`, `user_archive`), so scoping them here limits the inbox, queue, archive, dashboard and menu badges to
the cases the user may see (cases.selectors.applications_for_user: their org unit and below).
"""

from django.db import models
from viewflow.workflow.managers import ProcessQuerySet, TaskQuerySet
from viewflow.workflow.models import Process, Task

from cases.selectors import applications_for_user


def _visible_process_ids(user):
    """A subquery (one SQL statement, no N+1): the processes of the cases the user may see."""
    return applications_for_user(user=user).filter(process__isnull=False).values("process_id")


def _viewable_flows(flow_classes, user) -> list:
    return [flow_class for flow_class in flow_classes if flow_class.instance.has_view_permission(user)]


class SubsidyProcessQuerySet(ProcessQuerySet):
    def for_user(self, user):
        return self.filter(pk__in=_visible_process_ids(user))

    def filter_available(self, flow_classes, user):
        return self.coerce_for(_viewable_flows(flow_classes, user)).for_user(user)


class SubsidyTaskQuerySet(TaskQuerySet):
    def for_user(self, user):
        return self.filter(process_id__in=_visible_process_ids(user))

    def filter_available(self, flow_classes, user):
        # viewflow's version restarts from `model.objects`, dropping any filter applied before: keep the chain.
        return self.coerce_for(_viewable_flows(flow_classes, user)).for_user(user)

    def user_queue(self, user, flow_class=None):
        return super().user_queue(user, flow_class=flow_class).for_user(user)

    def user_archive(self, user, flow_class=None):
        return super().user_archive(user, flow_class=flow_class).for_user(user)


class SubsidyProcess(Process):
    objects = SubsidyProcessQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "subsidy process"


class SubsidyTask(Task):
    objects = SubsidyTaskQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "subsidy task"


class SimulationCounter(models.Model):
    """A named counter the simulator takes unique numbers from (workflows.engine.identities): the sequence
    numbers of one birth date's synthetic citizen IDs, the organisation codes of synthetic credit codes, the numbers
    of synthetic usernames. Incremented under the row lock, so runs one after another or in parallel on one database
    never receive the same number."""

    key = models.CharField(max_length=64, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "simulation counter"

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
