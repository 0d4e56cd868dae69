"""A settled training claim's review graph: accepted at settlement (the roster, the certificates and the business
registrations fixed its amount), then

district review (pass or reject the claim whole) -> district approval (the settled amount) -> publicity -> payment

No community or town level and no return for correction: nothing of the amount comes from the provider's words.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow import Flow

from workflows.engine.graph import REVIEW_ROUTES, ReviewGraph, route_by_status
from workflows.engine.nodes import ServiceTask
from workflows.programmes.training.views import ClaimApproveView, ClaimReviewView

NOT_IN_CLAIMS = ("accept", "town_review", "await_correction")


class TrainingFlow(ReviewGraph, Flow):
    process_title = _("Entrepreneurship training subsidy")
    process_description = _("A provider's settled claim reviewed by the district, approved, published and paid.")

    start = flow.StartHandle(this.start_case).Annotation(title=_("Claim settled")).Next(this.district_review)
    accept = None
    town_review = None
    await_correction = None
    district_review = (
        ServiceTask(ClaimReviewView.as_view())
        .Annotation(title=_("District review of the training claim"))
        .Permission("cases.review_district")
        .Next(this.route)
    )
    approve = (
        ServiceTask(ClaimApproveView.as_view())
        .Annotation(title=_("District approval"))
        .Permission("cases.approve_application")
        .Next(this.route)
    )
    route = route_by_status({name: condition for name, condition in REVIEW_ROUTES.items() if name not in NOT_IN_CLAIMS})
