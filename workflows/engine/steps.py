"""Orchestration: every write that moves a case along its flow. Order in each function:
lock the case row (blocking), then the process row (workflows.engine.locks), let the cases service check permission,
transition, save and audit, complete the open task, then schedule documents and notifications after commit.

Lock order is always case row -> process row -> anything else (batch, line, envelope, counter); several cases in
ascending pk order. So two writers never wait on each other in a cycle (ADR 0003).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from cases import services as case_services
from cases.constants import Decision, ReviewLevel, Status
from cases.exceptions import DomainError, PermissionDenied, TaskAlreadyCompleted, TransitionForbidden
from cases.models import Application, AuditEntry, PaymentBatch, Programme, PublicityBatch, User
from cases.services.locks import case_lock
from documents.constants import DocumentKind
from documents.tasks import schedule_batch_document, schedule_case_document
from workflows.engine.assignment import task_refusal
from workflows.engine.locks import case_and_process_lock, cases_and_processes_lock, task_lock
from workflows.engine.notifications import notify_status_change
from workflows.engine.registry import registry
from workflows.engine.routing import routing_from
from workflows.models import SubsidyTask

TASK_LEVEL = {
    "accept": ReviewLevel.COMMUNITY,
    "town_review": ReviewLevel.TOWN,
    "district_review": ReviewLevel.DISTRICT,
    "approve": ReviewLevel.APPROVAL,
}
OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def flow_for(programme: Programme):
    registered = registry.get(programme.kind)
    if registered is None:
        raise DomainError(_("This programme has no workflow yet."))
    return registered.flow


def open_task(*, application: Application, name: str | None = None) -> SubsidyTask | None:
    tasks = SubsidyTask.objects.filter(process_id=application.process_id, status__in=OPEN)
    if name:
        tasks = tasks.filter(flow_task=getattr(flow_for(application.programme).instance, name))
    return tasks.order_by("id").first()


def _last_audit(application: Application) -> AuditEntry:
    return application.audit_entries.order_by("-id").first()


def _complete_handle(application: Application, name: str) -> None:
    task = open_task(application=application, name=name)
    if task is None:
        raise TransitionForbidden()
    task.flow_task.run(task)  # the routing reads the case: the caller's instance may predate the service's last save


def _run(application: Application, task: SubsidyTask) -> None:
    """Complete a waiting task; the routing that follows reads the case from `application`, which must be the
    instance the service returned (as it saved it)."""
    with routing_from(application):
        task.flow_task.run(task)


def case_submit(*, application: Application, by: User) -> Application:
    with transaction.atomic():
        application = case_lock(pk=application.pk)
        registered = registry.get(application.programme.kind)
        if registered is not None and registered.submit_rules is not None:
            registered.submit_rules(application)
        application = case_services.application_submit(application=application, by=by)
        flow_class = flow_for(application.programme)
        process = flow_class.start.run(application=application)
        Application.objects.filter(pk=application.pk).update(process=process)
        application.process = process
        step = application.last_audit_entry
        # the submission receipt (受理回执): what was received and when a decision is expected
        schedule_case_document(kind=DocumentKind.SUBMISSION_RECEIPT, application_id=application.pk, step_id=step.pk)
        notify_status_change(application=application, step_id=step.pk)
    return application


def human_task_complete(
    *, task_id: int, by: User, nodes: Iterable[str], action: Callable[[Application, SubsidyTask], Application]
) -> Application:
    """Complete a human task inside the caller's transaction: lock the case row, then the flow; refuse a task that
    is finished, of another node or held by someone else; `action` (a cases service) checks permission and changes
    the case; then the task is completed and the flow routes to the next node."""
    application, task = task_lock(task_id=task_id)
    activation = task.flow_task.activation_class(task)
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise TaskAlreadyCompleted()
    if task.flow_task.name not in nodes:
        raise TransitionForbidden()
    if task.owner_id is not None and task.owner_id != by.pk:
        raise PermissionDenied(_("The task is assigned to someone else."))
    refusal = task_refusal(user=by, task=task, application=application)
    if refusal is not None:
        raise refusal
    application = action(application, task)
    with routing_from(application), task.flow_task.flow_class.lock(task.process_id):
        if task.status == STATUS.NEW:
            activation.take(by)
        activation.start(None)
        activation.execute()
    return application


def task_decide(
    *,
    task_id: int,
    by: User,
    decision: str,
    opinion: str,
    amount: Decimal | None = None,
    items: list[dict] | None = None,
) -> Application:
    """Complete a human review task (accept, town_review, district_review, approve)."""

    levels: list[str] = []

    def decide(application: Application, task: SubsidyTask) -> Application:
        levels.append(TASK_LEVEL[task.flow_task.name])
        spec = registry.get(application.programme.kind)
        if spec is not None and not spec.common_decisions:
            raise TransitionForbidden(_("This case is decided on its own task page (row by row), not with one decision."))
        return case_services.application_decide(
            application=application, by=by, level=levels[0], decision=decision, opinion=opinion, amount=amount, items=items
        )

    with transaction.atomic():
        application = human_task_complete(task_id=task_id, by=by, nodes=TASK_LEVEL, action=decide)
        step = application.last_audit_entry  # the decision's entry, on the instance the service audited
        _schedule_decision_document(application=application, step=step, level=levels[0], decision=decision)
        notify_status_change(application=application, step_id=step.pk)
    return application


def _schedule_decision_document(*, application: Application, step: AuditEntry, level: str, decision: str) -> None:
    if decision == Decision.RETURN:
        kind = DocumentKind.CORRECTION_NOTICE
    elif decision == Decision.REJECT:
        kind = DocumentKind.REFUSAL_NOTICE
    elif level == ReviewLevel.COMMUNITY:
        kind = DocumentKind.ACCEPTANCE_NOTICE
    elif level == ReviewLevel.APPROVAL:
        kind = DocumentKind.APPROVAL_DECISION
    else:
        kind = DocumentKind.REVIEW_OPINION
    schedule_case_document(kind=kind, application_id=application.pk, step_id=step.pk)


def case_resubmit(*, application: Application, by: User, answer: str = "") -> Application:
    with transaction.atomic():
        application = case_and_process_lock(pk=application.pk)
        task = open_task(application=application, name="await_correction")
        if task is None:
            raise TransitionForbidden()
        application = case_services.application_resubmit(application=application, by=by, answer=answer)
        _run(application, task)
        notify_status_change(application=application, step_id=application.last_audit_entry.pk)
    return application


def case_withdraw(*, application: Application, by: User, reason: str = "") -> Application:
    with transaction.atomic():
        application = case_and_process_lock(pk=application.pk)
        application = case_services.application_withdraw(application=application, by=by, reason=reason)
        if application.process_id:
            flow_for(application.programme).instance.cancel(application.process)
        notify_status_change(application=application)
    return application


def publicity_publish(*, programme: Programme, applications: Iterable[Application], by: User, starts_on) -> PublicityBatch:
    with transaction.atomic():
        locked = cases_and_processes_lock(pks=[a.pk for a in applications])
        batch = case_services.publicity_open(programme=programme, applications=locked, by=by, starts_on=starts_on)
        for application in locked:
            _complete_handle(application, "await_publicity")
            notify_status_change(application=application)
        schedule_batch_document(kind=DocumentKind.PUBLICITY_LIST, publicity_batch_id=batch.pk)
    return batch


def objection_record(*, application: Application, by: User, objector_name: str, objector_contact: str, reason: str):
    with transaction.atomic():
        application = case_and_process_lock(pk=application.pk)
        task = open_task(application=application, name="publicity")
        if task is None:
            raise TransitionForbidden()
        objection = case_services.objection_raise(
            application=application, by=by, objector_name=objector_name, objector_contact=objector_contact, reason=reason
        )
        task.flow_task.run(task)
        notify_status_change(application=application)
    return objection


def objection_file_online(*, application: Application, name: str, contact: str, reason: str, address: str):
    """Anyone files an objection on the public board: the case's publicity task gives way to the investigation task,
    or, when the case is already investigated, the objection joins that investigation."""
    with transaction.atomic():
        application = case_and_process_lock(pk=application.pk)
        task = open_task(application=application, name="publicity") if application.status == Status.IN_PUBLICITY else None
        if application.status == Status.IN_PUBLICITY and task is None:
            raise TransitionForbidden()
        objection = case_services.objection_file(
            application=application, name=name, contact=contact, reason=reason, address=address
        )
        if task is not None:
            task.flow_task.run(task)
            notify_status_change(application=application)
    return objection


def task_objection_decide(*, task_id: int, by: User, upheld: bool, reason: str) -> Application:
    def decide(application: Application, task: SubsidyTask) -> Application:
        return case_services.objection_decide(application=application, by=by, upheld=upheld, reason=reason)

    with transaction.atomic():
        application = human_task_complete(task_id=task_id, by=by, nodes={"investigate_objection"}, action=decide)
        notify_status_change(application=application)
        if upheld:
            schedule_case_document(
                kind=DocumentKind.REFUSAL_NOTICE, application_id=application.pk, step_id=_last_audit(application).pk
            )
    return application


def publicity_close_due(*, today, batches=None) -> int:
    """Close every publicity list whose period has ended (only those of `batches` when given, as a simulation closes
    its own lists and leaves another run's alone); cases without objection pass. Safe to run twice."""
    passed = 0
    due = case_services.publicity_batches_due(today=today)
    if batches is not None:
        due = due.filter(pk__in=[batch.pk for batch in batches])
    for batch in due:
        with transaction.atomic():
            for application in cases_and_processes_lock(pks=batch.entries.values_list("application_id", flat=True)):
                if application.status != Status.IN_PUBLICITY:
                    continue
                case_services.publicity_pass_case(application=application)
                _complete_handle(application, "publicity")
                notify_status_change(application=application)
                passed += 1
            case_services.publicity_batch_close(batch=batch)
    return passed


def payment_return_import(
    *, batch: PaymentBatch, by: User, content: bytes, file_name: str = "", today: dt.date | None = None
) -> dict[str, int]:
    """Apply the bank's return file (CSV or XLSX): all rows are checked first; any error imports nothing.

    A file already imported for this batch (same SHA-256) changes nothing and reports every row unchanged; the
    digest is recorded under a unique constraint in the same transaction, so two concurrent imports of one file
    cannot both apply it. A programme that pays otherwise than once per case (for example per period, the case
    staying approved) settles each row through its registered `payment_row_settle`, with `today` as the paid date."""
    if not by.has_perm("cases.prepare_payment") or by.org_unit_id is None or not by.org_unit.contains(batch.org_unit):
        raise PermissionDenied()
    rows = case_services.return_file_parse(batch=batch, content=content)
    counts = {"paid": 0, "returned": 0, "unchanged": 0}
    with transaction.atomic():
        # The file's cases (ascending pk) and their processes first, then the batch, then each line.
        cases_and_processes_lock(pks=[row.line.application_id for row in rows])
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if case_services.return_file_seen(batch=batch, content=content) is not None:
            return {**counts, "unchanged": len(rows)}
        registered = registry.get(batch.programme.kind)
        row_settle = registered.payment_row_settle if registered is not None else None
        for row in sorted(rows, key=lambda r: (r.line.application_id, r.line.pk)):
            if row_settle is not None:
                counts[row_settle(row=row, by=by, today=today or timezone.localdate())] += 1
                continue
            application = case_services.payment_line_settle(row=row, by=by)
            if application is None:
                counts["unchanged"] += 1
                continue
            notify_status_change(application=application)
            if row.paid:
                counts["paid"] += 1
                schedule_case_document(
                    kind=DocumentKind.PAYMENT_NOTICE, application_id=application.pk, step_id=_last_audit(application).pk
                )
                case_services.application_close(application=application, by=by)
                _complete_handle(application, "payment")
            else:
                counts["returned"] += 1
        case_services.return_file_record(batch=batch, content=content, by=by, counts=counts, file_name=file_name)
        case_services.payment_batch_reconcile_if_done(batch=batch)
    return counts


def payment_batch_prepare(
    *, programme: Programme, applications: list[Application], by: User, layout, criteria: dict | None = None
) -> PaymentBatch:
    with transaction.atomic():
        batch = case_services.payment_batch_create(
            programme=programme, applications=applications, by=by, layout=layout, criteria=criteria
        )
        for application in applications:
            notify_status_change(application=application)
    return batch


def payment_batch_approve(*, batch: PaymentBatch, by: User) -> PaymentBatch:
    with transaction.atomic():
        batch = case_services.payment_batch_approval_record(batch=batch, by=by)
        schedule_batch_document(kind=DocumentKind.PAYMENT_LIST, payment_batch_id=batch.pk)
    return batch
