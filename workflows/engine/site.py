"""viewflow's stock staff UI, scoped to the cases of the user's org unit and below.

viewflow has no row-level scoping. Two layers add it without patching viewflow:
- every list (inbox, queue, archive, process and task lists, dashboard, menu badges, bulk assign/unassign) reads
  through workflows.engine.selectors / the scoped managers of workflows.models;
- every URL of the flow app that names a process (process detail/cancel/chart and every task URL: index, detail,
  assign, unassign, execute, cancel, undo, revive) passes a guard that answers 404 unless the process is in the
  user's scope and the task belongs to that process. New nodes get the guard without any change here.
"""

from functools import update_wrapper

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet
from viewflow.urls import Site
from viewflow.urls.base import _URLResolver
from viewflow.utils import viewprop
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.flow.views import filters as flow_filters
from viewflow.workflow.status import STATUS

from cases.models import Application
from workflows.engine.registry import registry
from workflows.engine.selectors import processes_for_user, task_visible_to, tasks_for_user


class ReadableFiltersMixin:
    """The filter form of viewflow's lists offers the programme's own steps, each named by its title
    ("一次性创业补贴/镇街审核"), not by its Python name ("Town_Review"): read from the flow, not from the rows."""

    def get_filterset(self, filterset_class, queryset):
        filterset = super().get_filterset(filterset_class, queryset)
        field = filterset.form.fields.get("flow_task")
        if field is not None:
            steps = [node for node in self.flow_class.instance.nodes() if node.task_type == "HUMAN"]
            field.choices = [
                (get_task_ref(node), f"{node.flow_class.process_title}/{node.task_title or node.name}") for node in steps
            ]
        return filterset


class StepsFilter(flow_filters.FlowUserTaskListFilter):
    """viewflow's inbox and queue filter without its two reads over every task listed (the distinct steps, and a
    list of every case shown to filter by): the steps come from the flow (ReadableFiltersMixin); a case is found
    through the case search."""

    def __init__(self, *args, **kwargs):
        FilterSet.__init__(self, *args, **kwargs)
        self.filters.pop("process", None)


class ArchiveStepsFilter(flow_filters.FlowArchiveListFilter):
    def __init__(self, *args, **kwargs):
        FilterSet.__init__(self, *args, **kwargs)


class ScopedInboxView(ReadableFiltersMixin, flow_views.FlowInboxListView):
    filterset_class = StepsFilter

    @viewprop
    def queryset(self):
        return (
            tasks_for_user(user=self.request.user)
            .select_related("process")
            .filter(flow_task__in=self.flow_class.instance.nodes(), owner=self.request.user, status=STATUS.ASSIGNED)
            .order_by("-created")
        )


class ScopedTaskListView(ReadableFiltersMixin, flow_views.DashboardTaskListView):
    title = _("All steps of the programme")

    def flow_task(self, task):
        return task.flow_task.task_title or task.flow_task.name

    flow_task.short_description = _("Step")

    @viewprop
    def queryset(self):
        return (
            tasks_for_user(user=self.request.user)
            .filter(process__flow_class=self.flow_class)
            .select_related("process", "owner")
            .order_by("-created")
        )


class ScopedProcessListView(flow_views.DashboardProcessListView):
    title = _("Cases of the programme")

    def get_queryset(self):
        return (
            processes_for_user(user=self.request.user)
            .filter(flow_class=self.flow_class)
            .annotate(active_tasks_count=Count("task", filter=Q(task__finished__isnull=True)))
            .order_by("-created")
        )


class ScopedQueueView(ReadableFiltersMixin, flow_views.FlowQueueListView):
    filterset_class = StepsFilter


class ScopedArchiveView(ReadableFiltersMixin, flow_views.FlowArchiveListView):
    filterset_class = ArchiveStepsFilter


class NumberedDashboardView(flow_views.DashboardView):
    """The overview of a programme, each open task named by its case number (one query for all of them)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for column in context["columns"]:
            column["tasks"] = list(column["tasks"].select_related("owner"))
        process_ids = {task.process_id for column in context["columns"] for task in column["tasks"]}
        numbers = dict(
            Application.objects.filter(process_id__in=process_ids).values_list("process_id", "number") if process_ids else []
        )
        for column in context["columns"]:
            for task in column["tasks"]:
                task.case_number = numbers.get(task.process_id) or f"#{task.process_id}"
        return context


class ScopedProcessDetailView(flow_views.DetailProcessView):
    def get_queryset(self):
        return processes_for_user(user=self.request.user).filter(flow_class=self.flow_class)


class ScopedProcessCancelView(flow_views.CancelProcessView):
    def get_queryset(self):
        return processes_for_user(user=self.request.user).filter(flow_class=self.flow_class)


class ScopedBulkAssignView(flow_views.BulkAssignTasksActionView):
    def get_queryset(self):
        self.queryset = tasks_for_user(user=self.request.user)
        return super().get_queryset()

    def message_user(self):  # viewflow's own message is an untranslated "Tasks was assigned"
        messages.success(self.request, _("The selected tasks are yours now."), fail_silently=True)


class ScopedBulkUnassignView(flow_views.BulkUnassignTasksActionView):
    def get_queryset(self):
        self.queryset = tasks_for_user(user=self.request.user)
        return super().get_queryset()

    def message_user(self):  # viewflow's own message is an untranslated "Tasks was unassigned"
        messages.success(self.request, _("The selected tasks were released."), fail_silently=True)


def scope_guard(view):
    """404 unless the URL's process is visible to the user and its task (if any) belongs to that process."""

    def guarded(request, *args, **kwargs):
        process_id = kwargs.get("process_pk")
        if process_id is not None and not task_visible_to(
            user=request.user, process_id=process_id, task_id=kwargs.get("task_pk")
        ):
            raise Http404
        return view(request, *args, **kwargs)

    update_wrapper(guarded, view)
    guarded.scope_guarded = True
    return guarded


def guard_patterns(patterns: list) -> list:
    """A copy of the URL tree with every view wrapped in scope_guard (viewflow's own objects stay untouched)."""
    guarded: list = []
    for pattern in patterns:
        if isinstance(pattern, _URLResolver):
            guarded.append(
                _URLResolver(
                    pattern.pattern,
                    guard_patterns(pattern.url_patterns),
                    pattern.default_kwargs,
                    pattern.app_name,
                    pattern.namespace,
                    extra=pattern.extra,
                )
            )
        elif isinstance(pattern, URLResolver):
            guarded.append(
                URLResolver(
                    pattern.pattern,
                    guard_patterns(pattern.url_patterns),
                    pattern.default_kwargs,
                    pattern.app_name,
                    pattern.namespace,
                )
            )
        else:
            guarded.append(URLPattern(pattern.pattern, scope_guard(pattern.callback), pattern.default_args, pattern.name))
    return guarded


class ScopedFlowAppViewset(FlowAppViewset):
    dashboard_view_class = NumberedDashboardView
    inbox_view_class = ScopedInboxView
    queue_view_class = ScopedQueueView
    archive_view_class = ScopedArchiveView
    task_list_view_class = ScopedTaskListView
    process_list_view_class = ScopedProcessListView
    process_detail_view_class = ScopedProcessDetailView
    process_cancel_view_class = ScopedProcessCancelView
    tasks_assign_view_class = ScopedBulkAssignView
    tasks_unassign_view_class = ScopedBulkUnassignView
    # queue, archive, dashboard and the menu badges read through the scoped managers (workflows.models); the queue
    # and archive classes only relabel their filters.

    def _get_urls(self):
        return guard_patterns(super()._get_urls())


def site_build() -> Site:
    """One section per registered programme, in the order of settings.SUBSIDY_PROGRAMMES (read after the apps are
    ready: config.urls builds the site once)."""
    return Site(
        title=_("Entrepreneurship subsidies"),
        viewsets=[ScopedFlowAppViewset(programme.flow, icon=programme.icon) for programme in registry.all()],
    )
