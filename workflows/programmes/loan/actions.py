"""The loan programme's write entry: every page, task and command that changes a loan case calls one of these.
Each locks the case row, then its process, then the loan (cases.services.loans changes the record), then completes
the flow's `loan` handle once the loan is final."""

from django.db import transaction

from cases.models import Application, Bank, Loan, PaymentBatch, Programme, SubsidyClaim, User
from cases.models.loan import FINAL_LOAN_STATES
from cases.services import loans as loan_services
from documents.constants import DocumentKind
from documents.tasks import schedule_case_document
from workflows.engine.locks import case_and_process_lock, cases_and_processes_lock
from workflows.engine.steps import OPEN, open_task
from workflows.programmes.loan.flow import LoanFlow

# --- orchestration: each write locks the case row, then its process, then the loan; then completes the handle ---


def _finish_if_final(loan: Loan) -> None:
    """Complete the `loan` handle (and so end the flow) once the loan is final. Safe to call twice."""
    if loan.state not in FINAL_LOAN_STATES:
        return
    application = Application.objects.get(pk=loan.application_id)
    task = open_task(application=application, name="loan")
    if task is not None:
        task.flow_task.run(task)


def _schedule_document(kind: str, application_id: int) -> None:
    step = Application.objects.get(pk=application_id).audit_entries.order_by("-id").first()
    schedule_case_document(kind=kind, application_id=application_id, step_id=step.pk)


def loan_certificate_issue(*, application: Application, bank: Bank, by: User, today, borrower_kind: str = "individual") -> Loan:
    with transaction.atomic():
        case_and_process_lock(pk=application.pk)
        loan = loan_services.loan_qualify(application=application, bank=bank, by=by, today=today, borrower_kind=borrower_kind)
        _schedule_document(DocumentKind.LOAN_CERTIFICATE, application.pk)
    return loan


def loan_bank_decide(*, loan: Loan, by: User, today, accepted: bool, reason: str = "") -> Loan:
    with transaction.atomic():
        case_and_process_lock(pk=loan.application_id)
        loan = loan_services.loan_bank_decision_record(loan=loan, by=by, today=today, accepted=accepted, reason=reason)
        _finish_if_final(loan)
    return loan


def loan_repayment_record(*, loan: Loan, by: User, period_number: int, repaid_on) -> Loan:
    with transaction.atomic():
        case_and_process_lock(pk=loan.application_id)
        loan = loan_services.loan_period_repaid_record(loan=loan, by=by, period_number=period_number, repaid_on=repaid_on)
        _finish_if_final(loan)
    return loan


def interest_file_import(*, content: bytes, filename: str, by: User, today) -> dict[str, int]:
    """Check the file, then lock its cases (ascending pk) and their processes, record it, and end the flow of every
    loan of the file that it settled."""
    rows = loan_services.interest_file_check(content=content, filename=filename, by=by)
    with transaction.atomic():
        cases_and_processes_lock(pks={row.loan.application_id for row in rows})
        counts = loan_services.interest_file_apply(rows=rows, by=by, today=today)
        for loan in Loan.objects.filter(pk__in={row.loan.pk for row in rows}).order_by("application_id"):
            _finish_if_final(loan)
    return counts


def loan_recovery_close(*, loan: Loan, by: User, today, written_off: bool) -> Loan:
    with transaction.atomic():
        case_and_process_lock(pk=loan.application_id)
        loan = loan_services.loan_closure_record(loan=loan, by=by, today=today, written_off=written_off)
        _finish_if_final(loan)
    return loan


def loan_flows_finish() -> int:
    """End the flow of every final loan whose handle is still open (a sweep; safe to run twice)."""
    finished = 0
    pending = Loan.objects.filter(
        state__in=list(FINAL_LOAN_STATES),
        application__process__task__flow_task=LoanFlow.loan,
        application__process__task__status__in=OPEN,
    ).distinct()
    for loan in pending.order_by("pk"):
        with transaction.atomic():
            case_and_process_lock(pk=loan.application_id)
            _finish_if_final(loan)
            finished += 1
    return finished


def subsidy_payment_prepare(*, programme: Programme, claims: list[SubsidyClaim], by: User, today, layout) -> PaymentBatch:
    with transaction.atomic():
        return loan_services.subsidy_batch_create(programme=programme, claims=claims, by=by, today=today, layout=layout)


def subsidy_return_row_settle(*, row, by: User, today) -> str:
    """One row of the bank's return file for a subsidy batch (called by the engine's return-file import, under its
    locks): the claim is paid or returned; a paid period gets its statement."""
    claim = loan_services.subsidy_line_settle(row=row, by=by, today=today)
    if claim is None:
        return "unchanged"
    if not row.paid:
        return "returned"
    step = claim.loan.application.audit_entries.order_by("-id").first()
    schedule_case_document(
        kind=DocumentKind.LOAN_SUBSIDY_STATEMENT,
        application_id=claim.loan.application_id,
        step_id=step.pk,
        subject={"period": claim.period.number},
    )
    return "paid"


# --- the rest of a loan's life: lock the case and its process, let the record change, end the flow if final ---


def _loan_step(record, *, loan: Loan, **arguments):
    with transaction.atomic():
        case_and_process_lock(pk=loan.application_id)
        result = record(loan=loan, **arguments)
        _finish_if_final(Loan.objects.get(pk=loan.pk))
    return result


def loan_guarantee_issue(*, loan: Loan, by: User, today) -> Loan:
    return _loan_step(loan_services.loan_guarantee_record, loan=loan, by=by, today=today)


def loan_disburse(*, loan: Loan, by: User, **details) -> Loan:
    return _loan_step(loan_services.loan_disbursement_record, loan=loan, by=by, **details)


def loan_extend(*, loan: Loan, by: User, today, months: int) -> Loan:
    return _loan_step(loan_services.loan_extension_record, loan=loan, by=by, today=today, months=months)


def loan_default_declare(*, loan: Loan, by: User, today) -> Loan:
    return _loan_step(loan_services.loan_default_record, loan=loan, by=by, today=today)


def loan_compensate(*, loan: Loan, by: User, today) -> Loan:
    return _loan_step(loan_services.loan_compensation_record, loan=loan, by=by, today=today)


def loan_recovery_record(*, loan: Loan, by: User, amount, on, note: str = ""):
    return _loan_step(loan_services.loan_recovery_payment_record, loan=loan, by=by, amount=amount, on=on, note=note)


def subsidy_claim_open(*, loan: Loan, period_number: int, by: User, today) -> SubsidyClaim:
    return _loan_step(loan_services.subsidy_claim_open_record, loan=loan, period_number=period_number, by=by, today=today)


def subsidy_claim_review(*, claim: SubsidyClaim, by: User, approved: bool, note: str = "") -> SubsidyClaim:
    with transaction.atomic():
        case_and_process_lock(pk=SubsidyClaim.objects.values_list("loan__application_id", flat=True).get(pk=claim.pk))
        return loan_services.subsidy_claim_review_record(claim=claim, by=by, approved=approved, note=note)
