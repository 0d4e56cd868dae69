"""Graduate venture grants: the review graph with an expert-panel stage between district review and the award.

community -> town -> district review -> await_panel (Handle, completed when the round's panel closes)
          -> award (the district approver confirms the tier's amount, overrides it with a reason, or refuses)
          -> publicity -> payment -> end

A case waiting for the panel keeps the legal status district_reviewed; its open task is `await_panel` until the panel
has scored it, then `award`. `expected_open_tasks()` tells the consistency check which one.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow import Flow
from viewflow.workflow.status import STATUS

from cases.constants import Status
from cases.exceptions import TransitionForbidden
from cases.models import Application, User, VentureProject, VentureRound
from cases.services import venture as venture_services
from documents.constants import DocumentKind
from documents.tasks import schedule_case_document
from workflows import flows, venture_views
from workflows.flows import REVIEW_ROUTES, ReviewGraph, route_by_status, status_is
from workflows.models import SubsidyTask
from workflows.nodes import ServiceTask


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
        ServiceTask(venture_views.AwardView.as_view())
        .Annotation(title=gettext_lazy("Award by tier"))
        .Permission("cases.approve_application")
        .Next(this.route)
    )
    route = route_by_status(
        {name: condition for name, condition in REVIEW_ROUTES.items() if name != "approve"}
        | {"await_panel": waiting_for_panel, "award": ready_for_award}
    )


flows.FLOWS_BY_PROGRAMME_KIND["venture"] = VentureFlow


def expected_open_tasks() -> dict[int, str]:
    """Application id -> the open task a venture case in district_reviewed must have (the rest follow
    OPEN_TASK_FOR_STATUS)."""
    rows = VentureProject.objects.filter(application__status=Status.DISTRICT_REVIEWED).values_list("application_id", "mean_score")
    return {pk: ("award" if score is not None else "await_panel") for pk, score in rows}


# --- orchestration: the cases services change the record, then the flow moves --------------------


def _lock_case(**lookup) -> Application:
    return Application.objects.select_for_update().select_related("programme").get(**lookup)


def _open_task(application: Application, name: str) -> SubsidyTask | None:
    return (
        SubsidyTask.objects.filter(
            process_id=application.process_id,
            status__in=(STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED),
            flow_task=getattr(VentureFlow.instance, name),
        )
        .order_by("id")
        .first()
    )


def venture_rules(application: Application) -> None:
    """Before submission: graduate legal representative, capital share, never funded before."""
    venture_services.venture_eligibility_assert(application=application, today=timezone.localdate())


flows.SUBMIT_RULES_BY_PROGRAMME_KIND["venture"] = venture_rules


def venture_panel_close(*, round_: VentureRound, by: User) -> list[VentureProject]:
    """Close the panel; every scored case moves from await_panel to award and gets its panel record."""
    with transaction.atomic():
        projects = venture_services.panel_close(round_=round_, by=by)
        for project in projects:
            application = _lock_case(pk=project.application_id)
            task = _open_task(application, "await_panel")
            if task is None:
                raise TransitionForbidden(_("Case %(number)s is not waiting for the panel.") % {"number": application.number})
            task.flow_task.run(task)
            step = application.audit_entries.order_by("-id").first()
            schedule_case_document(kind=DocumentKind.VENTURE_PANEL_RECORD, application_id=application.pk, step_id=step.pk)
    return projects


def venture_task_award(
    *, task_id: int, by: User, refuse: bool = False, amount: Decimal | None = None, reason: str = ""
) -> Application:
    """Complete the award task: confirm the proposed amount, override it with a reason, or refuse."""
    from workflows.services import human_task_complete  # workflows.services imports the flows, this module among them

    def award(application: Application, task: SubsidyTask) -> Application:
        return venture_services.venture_award_decide(application=application, by=by, refuse=refuse, amount=amount, reason=reason)

    with transaction.atomic():
        application = human_task_complete(task_id=task_id, by=by, nodes={"award"}, action=award)
        kind = DocumentKind.VENTURE_REFUSAL_NOTICE if refuse else DocumentKind.VENTURE_APPROVAL_DECISION
        step = application.audit_entries.order_by("-id").first()
        schedule_case_document(kind=kind, application_id=application.pk, step_id=step.pk)
    return application
