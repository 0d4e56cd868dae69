"""Routing of human tasks. The legal status lives on the case (cases.Application.status); the flows only decide
which task is open and who may take it. Every node that changes a case calls a service.

The review graph is a plain mixin (Flow subclassing binds later tasks to the base flow): each programme's flow is
`class XFlow(ReviewGraph, Flow)` and may add or override nodes.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.flow import Flow

from cases.constants import Status
from cases.models import Application
from workflows import views
from workflows.models import SubsidyProcess, SubsidyTask
from workflows.nodes import ServiceTask


def status_of(activation) -> str:
    """The case's status, read once per routing decision (a Switch asks every case condition in turn)."""
    status = getattr(activation, "_case_status", None)
    if status is None:
        status = Application.objects.values_list("status", flat=True).get(process_id=activation.process.pk)
        activation._case_status = status
    return status


def status_is(*statuses):
    def condition(activation) -> bool:
        return status_of(activation) in statuses

    return condition


# Where the flow goes next, by the case's status: target node name -> condition. Flows derive their own table
# from this one (drop nodes they do not have, add their own); the first condition that holds wins.
REVIEW_ROUTES = {
    "accept": status_is(Status.SUBMITTED),
    "town_review": status_is(Status.ACCEPTED),
    "district_review": status_is(Status.TOWN_REVIEWED),
    "approve": status_is(Status.DISTRICT_REVIEWED),
    "await_correction": status_is(Status.RETURNED_FOR_CORRECTION),
    "await_publicity": status_is(Status.DISTRICT_APPROVED),
    "investigate_objection": status_is(Status.OBJECTION_RAISED),
    "payment": status_is(Status.PUBLICITY_PASSED),
    "end": status_is(Status.REJECTED, Status.CLOSED),
}


def route_by_status(routes: dict) -> flow.Switch:
    switch = flow.Switch().Annotation(title=_("Route by status"))
    for name, condition in routes.items():
        switch = switch.Case(getattr(this, name), condition)
    return switch


class ReviewGraph:
    """community acceptance -> town review -> district review -> district approval -> publicity -> payment."""

    process_class = SubsidyProcess
    task_class = SubsidyTask
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_case).Annotation(title=_("Submitted")).Next(this.accept)

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
        return activation.process


class StartupFlow(ReviewGraph, Flow):
    process_title = _("One-off start-up subsidy")
    process_description = _("Community acceptance, town and district review, approval, publicity and payment.")


# The open task each live status must have (check_consistency proves it).
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

FLOWS_BY_PROGRAMME_KIND = {"startup": StartupFlow}
# Rules a programme checks on the locked case before it is submitted (raise DomainError to refuse), whatever the
# way in: the portal, the community window or a simulation.
SUBMIT_RULES_BY_PROGRAMME_KIND: dict = {}

import workflows.loans  # noqa: E402, F401 - registers LoanFlow under "loan"
import workflows.venture  # noqa: E402,F401  - registers VentureFlow under "venture"
