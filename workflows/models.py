"""The simulator's counters, and proxies of viewflow's Process and Task: fixed query counts in the stock lists, our own managers for scoping.

viewflow has no row-level scoping. Every stock list reaches the rows through `task_class._default_manager` /
`process_class._default_manager` and the methods below (`filter_available`, `inbox`, `queue`, `archive`,
`user_queue`, `user_archive`), so scoping them here limits the inbox, queue, archive, dashboard and menu badges to
the cases the user may see (cases.selectors.applications_for_user: their org unit and below).

The scope of a case is stored with its flow: `data["scope"]` of the process and of each of its tasks holds the path
of the case's org unit ("/district/town/community/"), written when the process starts (workflows.engine.graph) and
copied onto every task as it is created. For staff whose rule is "my unit and below" the lists then filter on that
path by prefix, on an index of the task table (migration 0005), without joining the cases. The other rules (finance
officers, bank officers, applicants, experts) keep the sub-query over the cases.
"""

from django.db import models
from viewflow.workflow.managers import ProcessQuerySet, TaskQuerySet
from viewflow.workflow.models import Process, Task

from cases.constants import Role
from cases.selectors import applications_for_user

SCOPE = "scope"
# Roles whose scope is not (only) their unit and below: docs/access-matrix.md (the federation's reviewers read the
# district's cases of their one programme).
OTHER_RULES = frozenset({Role.APPLICANT, Role.BANK_OFFICER, Role.EXPERT, Role.FINANCE_OFFICER, Role.FEDERATION_REVIEWER})


def scope_prefix(user) -> str | None:
    """The org-unit path that alone decides which cases the user sees ("my unit and below"), or None when another rule
    decides (cases.selectors.applications_for_user)."""
    if not user.is_authenticated or not user.is_active or user.org_unit_id is None or user.role in OTHER_RULES:
        return None
    return user.org_unit.path


def _visible_process_ids(user):
    """A subquery (one SQL statement, no N+1): the processes of the cases the user may see."""
    return applications_for_user(user=user).filter(process__isnull=False).values("process_id")


def _viewable_flows(flow_classes, user) -> list:
    return [flow_class for flow_class in flow_classes if flow_class.instance.has_view_permission(user)]


def _scoped(queryset, user, process_id: str):
    """`queryset` limited to the user's cases, once (viewflow's queue applies the manager's scope twice)."""
    mark = ("user", user.pk)
    if getattr(queryset, "_scoped_for", None) == mark:
        return queryset
    prefix = scope_prefix(user)
    if prefix is not None:
        scoped = queryset.filter(**{f"data__{SCOPE}__startswith": prefix})
    else:
        scoped = queryset.filter(**{f"{process_id}__in": _visible_process_ids(user)})
    scoped._scoped_for = mark
    return scoped


class SubsidyProcessQuerySet(ProcessQuerySet):
    def for_user(self, user):
        return _scoped(self, user, "pk")

    def _chain(self, **kwargs):
        chained = super()._chain(**kwargs)
        if hasattr(self, "_scoped_for"):
            chained._scoped_for = self._scoped_for
        return chained

    def filter_available(self, flow_classes, user):
        return self.coerce_for(_viewable_flows(flow_classes, user)).for_user(user)


class SubsidyTaskQuerySet(TaskQuerySet):
    def for_user(self, user):
        return _scoped(self, user, "process_id")

    def _chain(self, **kwargs):
        chained = super()._chain(**kwargs)
        if hasattr(self, "_scoped_for"):
            chained._scoped_for = self._scoped_for
        return chained

    def filter_available(self, flow_classes, user):
        # viewflow's version restarts from `model.objects`, dropping any filter applied before: keep the chain. A
        # task's node names its flow, so the flows are chosen on the task row (viewflow joins every process for it).
        nodes = [node for flow_class in _viewable_flows(flow_classes, user) for node in flow_class.instance.nodes()]
        available = self.filter(flow_task__in=nodes).select_related("process")
        available._coerced = True
        return available.for_user(user)

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

    def save(self, *args, **kwargs):
        """A new task carries its case's scope (from its process, already in memory when viewflow creates it)."""
        if self._state.adding and SCOPE not in (self.data or {}):
            scope = (self.process.data or {}).get(SCOPE)
            if scope:
                self.data = {**(self.data or {}), SCOPE: scope}
        super().save(*args, **kwargs)

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
