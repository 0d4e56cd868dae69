"""The loan flow and the orchestration of a loan's life.

The case passes the common review (community acceptance, town, district review, approval = qualification). After
approval the flow waits in one Handle, `loan`, while the loan lives on its own FSM (cases.models.Loan); the handle
completes, and the flow ends, when the loan reaches a final state (declined by the bank, settled, recovered or
written off). The case keeps its legal status `district_approved` throughout: it was qualified, nothing more.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow import Flow

from cases.constants import Status
from workflows.engine.graph import REVIEW_ROUTES, ReviewGraph, route_by_status, status_is

NOT_IN_LOANS = ("await_publicity", "investigate_objection", "payment")


class LoanFlow(ReviewGraph, Flow):
    process_title = _("Guaranteed start-up loan")
    process_description = _("Common review up to qualification, then the bank, the guarantee and the loan's own life.")

    # No publicity and no one-off payment: after approval the flow waits for the loan's own life.
    route = route_by_status(
        {name: condition for name, condition in REVIEW_ROUTES.items() if name not in NOT_IN_LOANS}
        | {"loan": status_is(Status.DISTRICT_APPROVED)}
    )
    loan = flow.Handle().Annotation(title=_("Loan under way")).Next(this.end)
    # The subsidy is paid per period, outside the flow.
    await_publicity = None
    publicity = None
    investigate_objection = None
    payment = None
