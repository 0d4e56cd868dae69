"""The write entry for a claim's flow: its start at submission, the row decisions and the completion of each review
task, approval, the payment confirmed by the bank, and the clawbacks. Each locks the case, then its process, lets
cases.services.social_insurance.review change the claim, moves the flow and schedules documents after commit."""

from django.db import transaction
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.constants import ProgrammeKind, Status
from cases.exceptions import PermissionDenied, TransitionForbidden
from cases.models import Application, User
from cases.services.social_insurance import review, settlement
from documents.constants import DocumentKind
from documents.tasks import schedule_case_document
from workflows.engine.locks import open_task_lock
from workflows.engine.notifications import notify_status_change
from workflows.engine.steps import flow_for, human_task_complete, open_task
from workflows.models import SubsidyTask

ROW_NODES = {"town_review": "town", "district_review": "district"}


def _document(application: Application, kind: str) -> None:
    step = application.audit_entries.order_by("-id").first()
    schedule_case_document(kind=kind, application_id=application.pk, step_id=step.pk)


def claim_flow_start(sender, *, claim, by: User, org_unit=None, bank=None, **kwargs) -> None:
    """Receiver of claim_submitted, inside the submission's transaction: the claim's case and its flow, the
    acceptance notice owed."""
    application = review.claim_case_open(claim=claim, by=by, org_unit=org_unit, bank=bank)
    process = flow_for(application.programme).start.run(application=application)
    Application.objects.filter(pk=application.pk).update(process=process)
    application.process = process
    _document(application, DocumentKind.ACCEPTANCE_NOTICE)
    notify_status_change(application=application)


def _open_row_task(*, task_id: int, by: User) -> tuple[Application, str]:
    """Lock the case and its process; the task must be an open town or district review, not held by another."""
    application, task = open_task_lock(task_id=task_id, nodes=ROW_NODES)
    if task.owner_id is not None and task.owner_id != by.pk:
        raise PermissionDenied(_("The task is assigned to someone else."))
    return application, ROW_NODES[task.flow_task.name]


def task_rows_decide(*, task_id: int, by: User, approve=(), refuse: dict[int, str] | None = None) -> dict[str, int]:
    with transaction.atomic():
        application, level = _open_row_task(task_id=task_id, by=by)
        return review.rows_decide(application=application, by=by, level=level, approve=approve, refuse=refuse)


def task_rows_decide_remaining(*, task_id: int, by: User, decision: str, reason: str = "") -> int:
    with transaction.atomic():
        application, level = _open_row_task(task_id=task_id, by=by)
        return review.rows_decide_remaining(application=application, by=by, level=level, decision=decision, reason=reason)


def task_level_complete(*, task_id: int, by: User, opinion: str) -> Application:
    """Complete the town or district review: the review opinion is owed (a refusal notice when no row is left)."""

    def complete(application: Application, task: SubsidyTask) -> Application:
        return review.level_complete(application=application, by=by, level=ROW_NODES[task.flow_task.name], opinion=opinion)

    with transaction.atomic():
        application = human_task_complete(task_id=task_id, by=by, nodes=ROW_NODES, action=complete)
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


def claim_payment_row_settle(*, row, by: User, today) -> str:
    """One row of the bank's return file for a claim (called by the engine's return-file import, under its locks):
    paid, the claim's approved person-months become paid with the line, the payment notice is owed, the case is
    closed and its flow ends; returned, the case waits for a corrected account."""
    application = case_services.payment_line_settle(row=row, by=by)
    if application is None:
        return "unchanged"
    notify_status_change(application=application)
    if not row.paid:
        return "returned"
    settlement.claim_paid(application=application, line=row.line)
    _document(application, DocumentKind.PAYMENT_NOTICE)
    case_services.application_close(application=application, by=by)
    task = open_task(application=application, name="payment")
    if task is None:
        raise TransitionForbidden()
    task.flow_task.run(task)
    return "paid"


def claim_rejected(sender, *, application: Application, by: User, **kwargs) -> int:
    """Receiver of case_rejected, inside the rejecting transaction: a claim's rejected case gives its person-months
    back to the ledger (nothing for another programme's case)."""
    if application.programme.kind != ProgrammeKind.SOCIAL_INSURANCE:
        return 0
    return review.claim_months_release(application=application, by=by)


def reversal_clawbacks_raise(*, by: User):
    """After a contribution file: recover every paid person-month the agency has since reversed."""
    with transaction.atomic():
        return settlement.reversal_clawbacks_raise(by=by)
