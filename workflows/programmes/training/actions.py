"""The write entry for a training claim's flow: its start at settlement, the district review, the approval and the
periodic settlement. Each locks the case, then its process, lets cases.services.training change the claim, moves
the flow and owes the documents after commit (acceptance notice, review opinion or refusal, approval decision; the
payment notice is owed by the engine's one-off payment)."""

import datetime as dt

from django.db import transaction

from cases.constants import Status
from cases.models import Application, User
from cases.services.training import claims as claim_services
from cases.services.training import review
from documents.constants import DocumentKind
from documents.tasks import schedule_case_document
from workflows.engine.notifications import notify_status_change
from workflows.engine.steps import flow_for, human_task_complete
from workflows.models import SubsidyTask


def _document(application: Application, kind: str) -> None:
    step = application.audit_entries.order_by("-id").first()
    schedule_case_document(kind=kind, application_id=application.pk, step_id=step.pk)


def claim_flow_start(sender, *, claim, by: User, **kwargs) -> None:
    """Receiver of claim_settled, inside the settlement's transaction: the claim's case and its flow, the
    acceptance notice owed."""
    application = claim_services.claim_case_open(claim=claim, by=by)
    process = flow_for(application.programme).start.run(application=application)
    Application.objects.filter(pk=application.pk).update(process=process)
    application.process = process
    _document(application, DocumentKind.ACCEPTANCE_NOTICE)
    notify_status_change(application=application)


def claims_settle_due(*, today: dt.date | None = None) -> int:
    """Settle every claim whose business window has ended (the periodic task and the management command)."""
    return claim_services.claims_settle_due(today=today)


def task_claim_review(*, task_id: int, by: User, passed: bool, opinion: str) -> Application:
    def decide(application: Application, task: SubsidyTask) -> Application:
        return review.claim_district_decide(application=application, by=by, passed=passed, opinion=opinion)

    with transaction.atomic():
        application = human_task_complete(task_id=task_id, by=by, nodes={"district_review"}, action=decide)
        rejected = application.status == Status.REJECTED
        _document(application, DocumentKind.REFUSAL_NOTICE if rejected else DocumentKind.REVIEW_OPINION)
        notify_status_change(application=application)
    return application


def task_claim_approve(*, task_id: int, by: User, opinion: str) -> Application:
    def approve(application: Application, task: SubsidyTask) -> Application:
        return review.claim_approve(application=application, by=by, opinion=opinion)

    with transaction.atomic():
        application = human_task_complete(task_id=task_id, by=by, nodes={"approve"}, action=approve)
        _document(application, DocumentKind.APPROVAL_DECISION)
        notify_status_change(application=application)
    return application


def class_decide(*, training_class, by: User, approve: bool, reason: str = ""):
    """A district reviewer approves (or refuses) a class filed for approval."""
    from cases.services.training import class_decide as decide

    return decide(training_class=training_class, by=by, approve=approve, reason=reason)


def provider_designate(*, employer, by: User):
    """The district designates an organisation account as an SYB training provider."""
    from cases.services.training import provider_designate as designate

    return designate(employer=employer, by=by)


def provider_designation_end(*, provider, by: User, reason: str):
    """The district ends a designation: the provider files no new class; its classes and claims go on."""
    from cases.services.training import provider_designation_end as end

    return end(provider=provider, by=by, reason=reason)
