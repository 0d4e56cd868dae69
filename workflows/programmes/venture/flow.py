"""Graduate venture grants: the review graph with an expert-panel stage between district review and the award.

community -> town -> district review -> await_panel (Handle, completed when the round's panel closes)
          -> award (the district approver confirms the tier's amount, overrides it with a reason, or refuses)
          -> publicity -> payment -> end

A case waiting for the panel keeps the legal status district_reviewed; its open task is `await_panel` until the panel
has scored it, then `award`. `expected_open_tasks()` tells the consistency check which one.
"""

from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow import Flow

from cases.constants import Status
from cases.models import VentureProject
from workflows.engine.graph import REVIEW_ROUTES, ReviewGraph, route_by_status, status_is
from workflows.engine.nodes import ServiceTask
from workflows.programmes.venture.views import AwardView


def _panel_done(activation) -> bool:
    return VentureProject.objects.filter(application__process_id=activation.process.pk, mean_score__isnull=False).exists()


def waiting_for_panel(activation) -> bool:
    return status_is(Status.DISTRICT_REVIEWED)(activation) and not _panel_done(activation)


def ready_for_award(activation) -> bool:
    return status_is(Status.DISTRICT_REVIEWED)(activation) and _panel_done(activation)


class VentureFlow(ReviewGraph, Flow):
    process_title = gettext_lazy("Graduate venture grant")
    process_description = gettext_lazy("Review, expert panel, award by tier, publicity and payment.")

    # The generic approval step is replaced by the panel and the award (the award view calls the venture service).
    approve = None
    await_panel = flow.Handle().Annotation(title=gettext_lazy("Waiting for the expert panel")).Next(this.route)
    award = (
        ServiceTask(AwardView.as_view())
        .Annotation(title=gettext_lazy("Award by tier"))
        .Permission("cases.approve_application")
        .Next(this.route)
    )
    route = route_by_status(
        {name: condition for name, condition in REVIEW_ROUTES.items() if name != "approve"}
        | {"await_panel": waiting_for_panel, "award": ready_for_award}
    )
