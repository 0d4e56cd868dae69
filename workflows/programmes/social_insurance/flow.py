"""The claim's review graph: submitted and accepted at once (the roster passed every automatic check), then

town review (each roster row approved or refused) -> district review (each row the town approved)
-> district approval (the amount: the approved rows' person-months) -> publicity -> payment -> end

Every claim's case starts accepted, waiting for the town (cases.services.social_insurance.review.claim_case_open);
after that its legal status routes it exactly as the common graph does. No return for correction (the employer
files a corrected roster in a later quarter instead).
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow import Flow

from workflows.engine.graph import REVIEW_ROUTES, ReviewGraph, route_by_status
from workflows.engine.nodes import ServiceTask
from workflows.programmes.social_insurance.views import ClaimApproveView, RowsReviewView

NOT_IN_CLAIMS = ("accept", "await_correction")


class SocialInsuranceFlow(ReviewGraph, Flow):
    process_title = _("Employer social-insurance subsidy")
    process_description = _("Roster rows reviewed by the town and the district, approval, publicity and payment.")

    start = flow.StartHandle(this.start_case).Annotation(title=_("Claim submitted")).Next(this.town_review)
    accept = None
    await_correction = None
    town_review = (
        ServiceTask(RowsReviewView.as_view())
        .Annotation(title=_("Town review of the roster"))
        .Permission("cases.review_town")
        .Next(this.route)
    )
    district_review = (
        ServiceTask(RowsReviewView.as_view())
        .Annotation(title=_("District review of the roster"))
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
