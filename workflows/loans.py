"""The loan flow and the orchestration of a loan's life.

The case passes the common review (community acceptance, town, district review, approval = qualification). After
approval the flow waits in one Handle, `loan`, while the loan lives on its own FSM (cases.models.Loan); the handle
completes, and the flow ends, when the loan reaches a final state (declined by the bank, settled, recovered or
written off). The case keeps its legal status `district_approved` throughout: it was qualified, nothing more.
"""

from collections import Counter, defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow import Flow

from cases.constants import FINAL_LOAN_STATES, PaymentLineStatus, ProgrammeKind, Status, SubsidyClaimStatus
from cases.models import Application, Bank, Loan, LoanPeriod, PaymentBatch, PaymentLine, Programme, SubsidyClaim, User
from cases.services import loans as loan_services
from documents.constants import DocumentKind
from documents.tasks import schedule_case_document
from workflows.flows import FLOWS_BY_PROGRAMME_KIND, REVIEW_ROUTES, ReviewGraph, route_by_status, status_is

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


FLOWS_BY_PROGRAMME_KIND[ProgrammeKind.LOAN] = LoanFlow


# --- orchestration: each write locks the case row first, then the loan, then completes the handle ------------


def _lock_case(application_id: int) -> Application:
    return Application.objects.select_for_update().select_related("programme").get(pk=application_id)


def _finish_if_final(loan: Loan) -> None:
    """Complete the `loan` handle (and so end the flow) once the loan is final. Safe to call twice."""
    if loan.state not in FINAL_LOAN_STATES:
        return
    from workflows.services import open_task

    application = Application.objects.get(pk=loan.application_id)
    task = open_task(application=application, name="loan")
    if task is not None:
        task.flow_task.run(task)


def _schedule_document(kind: str, application_id: int) -> None:
    step = Application.objects.get(pk=application_id).audit_entries.order_by("-id").first()
    schedule_case_document(kind=kind, application_id=application_id, step_id=step.pk)


def loan_certificate_issue(*, application: Application, bank: Bank, by: User, today, borrower_kind: str = "individual") -> Loan:
    with transaction.atomic():
        _lock_case(application.pk)
        loan = loan_services.loan_qualify(application=application, bank=bank, by=by, today=today, borrower_kind=borrower_kind)
        _schedule_document(DocumentKind.LOAN_CERTIFICATE, application.pk)
    return loan


def loan_bank_decide(*, loan: Loan, by: User, today, accepted: bool, reason: str = "") -> Loan:
    with transaction.atomic():
        _lock_case(loan.application_id)
        loan = loan_services.loan_bank_decide(loan=loan, by=by, today=today, accepted=accepted, reason=reason)
        _finish_if_final(loan)
    return loan


def loan_repayment_record(*, loan: Loan, by: User, period_number: int, repaid_on) -> Loan:
    with transaction.atomic():
        _lock_case(loan.application_id)
        loan = loan_services.loan_repayment_record(loan=loan, by=by, period_number=period_number, repaid_on=repaid_on)
        _finish_if_final(loan)
    return loan


def interest_file_import(*, content: bytes, filename: str, by: User, today) -> dict[str, int]:
    with transaction.atomic():
        counts = loan_services.interest_file_import(content=content, filename=filename, by=by, today=today)
        loan_flows_finish()
    return counts


def loan_recovery_close(*, loan: Loan, by: User, today, written_off: bool) -> Loan:
    with transaction.atomic():
        _lock_case(loan.application_id)
        loan = loan_services.loan_recovery_close(loan=loan, by=by, today=today, written_off=written_off)
        _finish_if_final(loan)
    return loan


def loan_flows_finish() -> int:
    """End the flow of every final loan whose handle is still open (a sweep; safe to run twice)."""
    from workflows.services import OPEN

    finished = 0
    pending = Loan.objects.filter(
        state__in=list(FINAL_LOAN_STATES),
        application__process__task__flow_task=LoanFlow.loan,
        application__process__task__status__in=OPEN,
    ).distinct()
    for loan in pending.order_by("pk"):
        with transaction.atomic():
            _lock_case(loan.application_id)
            _finish_if_final(loan)
            finished += 1
    return finished


def subsidy_payment_prepare(*, programme: Programme, claims: list[SubsidyClaim], by: User, today) -> PaymentBatch:
    with transaction.atomic():
        return loan_services.subsidy_batch_create(programme=programme, claims=claims, by=by, today=today)


# --- consistency ---------------------------------------------------------------------------------------------


def loan_open_tasks_expected() -> dict[int, str]:
    """Approved loan cases: the `loan` handle is open until the loan is final, then no task ("")."""
    rows = Application.objects.filter(programme__kind=ProgrammeKind.LOAN, status=Status.DISTRICT_APPROVED).values_list(
        "pk", "loan__state"
    )
    return {pk: "" if state in FINAL_LOAN_STATES else "loan" for pk, state in rows}


def check_loans() -> list[str]:
    problems: list[str] = []
    # Summed in Python: SQLite sums decimals as floats.
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for loan_id, principal in LoanPeriod.objects.values_list("loan_id", "principal").iterator(chunk_size=5000):
        sums[loan_id] += principal
    for loan in Loan.objects.filter(principal__isnull=False).only("pk", "principal", "contract_number", "state"):
        if sums.get(loan.pk) != loan.principal:
            problems.append(
                f"loan {loan.contract_number}: schedule principal {sums.get(loan.pk)} != loan principal {loan.principal}"
            )
        if loan.state == "settled" and loan.periods.filter(repaid_on__isnull=True).exists():
            problems.append(f"loan {loan.contract_number}: settled with unpaid periods")
    for claim in SubsidyClaim.objects.filter(
        status__in=[SubsidyClaimStatus.APPROVED, SubsidyClaimStatus.PAYMENT_PENDING, SubsidyClaimStatus.PAID]
    ).select_related("period", "loan"):
        period = claim.period
        if period.overdue or period.extended or period.repaid_on is None or period.repaid_on > period.due_on:
            problems.append(f"loan {claim.loan.contract_number}: subsidy for period {period.number} not repaid on time")
        if claim.amount != period.subsidy:
            problems.append(f"loan {claim.loan.contract_number}: claim {claim.amount} != period subsidy {period.subsidy}")
    # At most one claim per loan period (the database also enforces it) and one paid line per case x period.
    per_period = Counter(SubsidyClaim.objects.values_list("period_id", flat=True))
    problems += [f"loan period {pk}: {n} subsidy claims" for pk, n in per_period.items() if n > 1]
    paid_lines = defaultdict(list)
    loan_cases = PaymentLine.objects.filter(application__programme__kind=ProgrammeKind.LOAN)
    for line_id, application_id, instalment, amount in loan_cases.filter(status=PaymentLineStatus.PAID).values_list(
        "pk", "application_id", "instalment", "amount"
    ):
        paid_lines[(application_id, instalment)].append((line_id, amount))
    paid_claims = {
        c.payment_line_id: c for c in SubsidyClaim.objects.filter(status=SubsidyClaimStatus.PAID).select_related("period")
    }
    for (application_id, instalment), lines in paid_lines.items():
        if len(lines) > 1:
            problems.append(f"case {application_id}: period {instalment} paid {len(lines)} times")
        for line_id, amount in lines:
            claim = paid_claims.pop(line_id, None)
            if claim is None or claim.amount != amount or claim.period.number != instalment:
                problems.append(f"case {application_id}: paid line {line_id} has no matching paid claim")
    problems += [f"claim {c.pk}: paid without a paid payment line" for c in paid_claims.values()]
    return problems


def subsidies_paid_total() -> Decimal:
    return sum(SubsidyClaim.objects.filter(status=SubsidyClaimStatus.PAID).values_list("amount", flat=True), Decimal("0"))
