"""Routing of human tasks. The legal status lives on the case (cases.Application.status); the flows only decide
which task is open and who may take it. Every node that changes a case calls a service.

The review graph is a plain mixin (Flow subclassing binds later tasks to the base flow): each programme's flow is
`class XFlow(ReviewGraph, Flow)` and may add or override nodes; the programmes declare their flows to
workflows.engine.registry.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from cases.constants import ReviewLevel, Status
from cases.models import Application
from cases.models.application import REVIEWABLE
from workflows.engine import views
from workflows.engine.locks import case_first_lock
from workflows.engine.nodes import CaseStart, Route, ServiceTask
from workflows.engine.routing import case_in_hand
from workflows.models import SCOPE, SubsidyProcess, SubsidyTask


def status_of(activation) -> str:
    """The case's status, read once per routing decision (a Switch asks every case condition in turn)."""
    held = case_in_hand(activation.process.pk)
    if held is not None:
        return held.status
    status = getattr(activation, "_case_status", None)
    if status is None:
        status = Application.objects.values_list("status", flat=True).get(process_id=activation.process.pk)
        activation._case_status = status
    return status


def status_is(*statuses):
    def condition(activation) -> bool:
        return status_of(activation) in statuses

    return condition


def waiting_level_of(activation) -> str | None:
    """The review level the case waits for, by its status and the levels of its own rules version (a version
    without the town level sends an accepted case to the district). Read once per routing decision."""
    if status_of(activation) not in REVIEWABLE:
        return None
    held = case_in_hand(activation.process.pk)
    if held is not None:
        return held.waiting_level
    if not hasattr(activation, "_case_waiting_level"):
        application = Application.objects.select_related("rules", "programme__current_rules").get(
            process_id=activation.process.pk
        )
        activation._case_waiting_level = application.waiting_level
    return activation._case_waiting_level


def waiting_for(level: str):
    def condition(activation) -> bool:
        return waiting_level_of(activation) == level

    return condition


# Where the flow goes next, by the case's status: target node name -> condition. Flows derive their own table
# from this one (drop nodes they do not have, add their own); the first condition that holds wins.
REVIEW_ROUTES = {
    "accept": waiting_for(ReviewLevel.COMMUNITY),
    "town_review": waiting_for(ReviewLevel.TOWN),
    "district_review": waiting_for(ReviewLevel.DISTRICT),
    "approve": waiting_for(ReviewLevel.APPROVAL),
    "await_correction": status_is(Status.RETURNED_FOR_CORRECTION),
    "await_publicity": status_is(Status.DISTRICT_APPROVED),
    "investigate_objection": status_is(Status.OBJECTION_RAISED),
    "payment": status_is(Status.PUBLICITY_PASSED),
    "end": status_is(Status.REJECTED, Status.CLOSED),
}


def route_by_status(routes: dict) -> flow.Switch:
    switch = Route().Annotation(title=_("Route by status"))
    for name, condition in routes.items():
        switch = switch.Case(getattr(this, name), condition)
    return switch


class ReviewGraph:
    """community acceptance -> town review -> district review -> district approval -> publicity -> payment.
    The town review is skipped for a case whose rules version has no town level (routing by waiting_for)."""

    process_class = SubsidyProcess
    task_class = SubsidyTask
    lock_impl = case_first_lock

    start = CaseStart(this.start_case).Annotation(title=_("Submitted")).Next(this.accept)

    accept = (
        ServiceTask(views.DecisionView.as_view())
        .Annotation(title=_("Community acceptance"))
        .Permission("cases.accept_application")
        .Next(this.route)
    )
    town_review = (
        ServiceTask(views.DecisionView.as_view())
        .Annotation(title=_("Town review"))
        .Permission("cases.review_town")
        .Next(this.route)
    )
    district_review = (
        ServiceTask(views.DecisionView.as_view())
        .Annotation(title=_("District review"))
        .Permission("cases.review_district")
        .Next(this.route)
    )
    approve = (
        ServiceTask(views.DecisionView.as_view())
        .Annotation(title=_("District approval"))
        .Permission("cases.approve_application")
        .Next(this.route)
    )
    await_correction = flow.Handle().Annotation(title=_("Waiting for the applicant's correction")).Next(this.route)

    route = route_by_status(REVIEW_ROUTES)

    await_publicity = flow.Handle().Annotation(title=_("Waiting for the publicity list")).Next(this.publicity)
    publicity = flow.Handle().Annotation(title=_("In publicity")).Next(this.route)
    investigate_objection = (
        ServiceTask(views.ObjectionView.as_view())
        .Annotation(title=_("Investigate objection"))
        .Permission("cases.manage_publicity")
        .Next(this.route)
    )
    payment = flow.Handle().Annotation(title=_("Payment")).Next(this.route)
    end = flow.End()

    def start_case(self, activation, application):
        activation.process.artifact = application
        # the case's scope, kept with the flow (workflows.models): the lists filter on it without joining the cases
        activation.process.data = {**(activation.process.data or {}), SCOPE: application.org_unit.path}
        return activation.process


# The open task each live status must have (check_consistency proves it); review_levels_open_tasks_expected() names
# the cases whose rules version changes it.
OPEN_TASK_FOR_STATUS = {
    Status.SUBMITTED: "accept",
    Status.ACCEPTED: "town_review",
    Status.TOWN_REVIEWED: "district_review",
    Status.DISTRICT_REVIEWED: "approve",
    Status.RETURNED_FOR_CORRECTION: "await_correction",
    Status.DISTRICT_APPROVED: "await_publicity",
    Status.IN_PUBLICITY: "publicity",
    Status.OBJECTION_RAISED: "investigate_objection",
    Status.PUBLICITY_PASSED: "payment",
    Status.PAYMENT_PENDING: "payment",
    Status.PAYMENT_RETURNED: "payment",
}


def review_levels_open_tasks_expected() -> dict[int, str]:
    """Application id -> open task, for accepted cases whose rules version has no town level: district_review."""
    rows = Application.objects.filter(status=Status.ACCEPTED).values_list("pk", "rules__review_levels")
    return {pk: "district_review" for pk, levels in rows if levels is not None and ReviewLevel.TOWN not in levels}
