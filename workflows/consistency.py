"""Invariants across the record, the flows and the files. Each problem is one line of text."""

import hashlib
from collections import defaultdict
from decimal import Decimal

from django.db import models
from django.db.models import Count, Sum
from viewflow.workflow.status import PROCESS, STATUS

from cases.constants import COMMITTED_STATUSES, BudgetEntryKind, PaymentLineStatus, ProgrammeKind, Status, SubsidyClaimStatus
from cases.models import Application, AuditEntry, BudgetEntry, BudgetEntrySplit, BudgetEnvelope, FundingSource, PaymentLine
from documents.models import Document
from workflows.flows import OPEN_TASK_FOR_STATUS
from workflows.loans import check_loans, loan_open_tasks_expected
from workflows.models import SubsidyTask
from workflows.venture import expected_open_tasks as expected_venture_tasks

OPEN_TASK_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
PAID_STATUSES = (Status.PAID, Status.CLOSED, Status.CLAWBACK)


def check_flows() -> list[str]:
    problems = []
    open_tasks = defaultdict(list)
    for process_id, name in SubsidyTask.objects.filter(status__in=OPEN_TASK_STATUSES).values_list("process_id", "flow_task"):
        open_tasks[process_id].append(name.name if hasattr(name, "name") else str(name).rsplit(".", 1)[-1])
    # flows whose open task depends on more than the status (venture: panel or award; loans: the loan's own life)
    per_flow = {**expected_venture_tasks(), **loan_open_tasks_expected()}
    rows = Application.objects.values_list("pk", "number", "status", "process_id", "process__status")
    for pk, number, status, process_id, process_status in rows.iterator(chunk_size=2000):
        expected = per_flow[pk] if pk in per_flow else OPEN_TASK_FOR_STATUS.get(status)
        if expected:
            if process_id is None or process_status in (PROCESS.DONE, PROCESS.CANCELED):
                problems.append(f"{number}: status {status} but no live process")
                continue
            tasks = open_tasks.get(process_id, [])
            if tasks != [expected]:
                problems.append(f"{number}: status {status} expects open task {expected}, found {tasks}")
        elif status == Status.DRAFT:
            if process_id is not None:
                problems.append(f"{number}: draft with a process")
        elif process_id is not None:
            if process_status not in (PROCESS.DONE, PROCESS.CANCELED) or open_tasks.get(process_id):
                problems.append(f"{number}: final status {status} but its process is still live")
    return problems


def check_payments() -> list[str]:
    problems = []
    paid_counts = dict(
        PaymentLine.objects.filter(status=PaymentLineStatus.PAID)
        .values_list("application_id")
        .annotate(n=Count("id"))
        .values_list("application_id", "n")
    )
    # Loan cases are paid per period (check_loans), never once.
    one_off = Application.objects.exclude(programme__kind="loan")
    for pk, number, status in one_off.values_list("pk", "number", "status").iterator(chunk_size=2000):
        paid = paid_counts.get(pk, 0)
        if status in PAID_STATUSES and paid != 1:
            problems.append(f"{number}: status {status} with {paid} paid payment lines")
        if status not in PAID_STATUSES and paid:
            problems.append(f"{number}: status {status} but {paid} paid payment lines")
    live = (
        PaymentLine.objects.filter(status__in=[PaymentLineStatus.PENDING, PaymentLineStatus.SENT])
        .values_list("application__number", "instalment")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for number, instalment, n in live:
        problems.append(f"{number}: instalment {instalment} has {n} live payment lines")
    return problems


def check_budgets() -> list[str]:
    problems = []
    sums = defaultdict(lambda: defaultdict(Decimal))
    for envelope_id, kind, amount in (
        BudgetEntry.objects.values_list("envelope_id", "kind").annotate(s=Sum("amount")).values_list("envelope_id", "kind", "s")
    ):
        sums[envelope_id][kind] = amount
    for envelope in BudgetEnvelope.objects.select_related("programme"):
        s = sums[envelope.pk]
        committed = s[BudgetEntryKind.COMMIT] - s[BudgetEntryKind.RELEASE] - s[BudgetEntryKind.PAY]
        paid = s[BudgetEntryKind.PAY] - s[BudgetEntryKind.RECOVER]
        if committed != envelope.committed or paid != envelope.paid:
            problems.append(
                f"envelope {envelope}: counters committed={envelope.committed} paid={envelope.paid}, ledger committed={committed} paid={paid}"
            )
        if envelope.committed + envelope.paid > envelope.amount or envelope.committed < 0 or envelope.paid < 0:
            problems.append(f"envelope {envelope}: over its amount or negative")
        if envelope.programme.kind == ProgrammeKind.LOAN:
            problems += _loan_envelope_problems(envelope, ledger_paid=paid)
            continue
        live = Application.objects.filter(
            budget_entries__envelope=envelope, budget_entries__kind=BudgetEntryKind.COMMIT, status__in=list(COMMITTED_STATUSES)
        ).aggregate(s=Sum("approved_amount"))["s"] or Decimal("0")
        if live != envelope.committed:
            problems.append(
                f"envelope {envelope}: committed {envelope.committed} but approved cases awaiting payment hold {live}"
            )
    problems += check_funding_sources()
    return problems


def _loan_envelope_problems(envelope: BudgetEnvelope, *, ledger_paid: Decimal) -> list[str]:
    """A loan envelope commits per subsidy claim (ADR 0007): approved claims not yet paid hold what is committed,
    paid claims what was paid. Summed in Python (SQLite sums decimals as floats)."""
    held: dict[str, Decimal] = defaultdict(Decimal)
    for status, amount in envelope.subsidy_claims.values_list("status", "amount"):
        held[status] += amount
    problems = []
    awaiting = held[SubsidyClaimStatus.APPROVED] + held[SubsidyClaimStatus.PAYMENT_PENDING]
    if awaiting != envelope.committed:
        problems.append(f"envelope {envelope}: committed {envelope.committed} but approved subsidy claims hold {awaiting}")
    if held[SubsidyClaimStatus.PAID] != ledger_paid:
        problems.append(
            f"envelope {envelope}: paid subsidy claims {held[SubsidyClaimStatus.PAID]} but the ledger paid {ledger_paid}"
        )
    return problems


def check_funding_sources() -> list[str]:
    """For co-funded envelopes: shares add to 1, the sources' counters add up to the envelope's, each source's
    counters match its ledger splits, and every split entry adds up to its entry."""
    problems = []
    split_sums = defaultdict(lambda: defaultdict(Decimal))
    for source_id, kind, amount in (
        BudgetEntrySplit.objects.values_list("source_id", "entry__kind")
        .annotate(s=Sum("amount"))
        .values_list("source_id", "entry__kind", "s")
    ):
        split_sums[source_id][kind] = amount
    sources_by_envelope = defaultdict(list)
    for source in FundingSource.objects.select_related("envelope").order_by("envelope_id", "id"):
        sources_by_envelope[source.envelope_id].append(source)
    for envelope_id, sources in sources_by_envelope.items():
        envelope = sources[0].envelope
        if sum((s.share for s in sources), Decimal("0")) != 1:
            problems.append(f"envelope {envelope}: funding shares add up to {sum(s.share for s in sources)}, not 1")
        committed = sum((s.committed for s in sources), Decimal("0"))
        paid = sum((s.paid for s in sources), Decimal("0"))
        if committed != envelope.committed or paid != envelope.paid:
            problems.append(
                f"envelope {envelope}: sources hold committed={committed} paid={paid}, envelope committed={envelope.committed} paid={envelope.paid}"
            )
        for source in sources:
            s = split_sums[source.pk]
            ledger_committed = s[BudgetEntryKind.COMMIT] - s[BudgetEntryKind.RELEASE] - s[BudgetEntryKind.PAY]
            ledger_paid = s[BudgetEntryKind.PAY] - s[BudgetEntryKind.RECOVER]
            if (ledger_committed, ledger_paid) != (source.committed, source.paid):
                problems.append(
                    f"envelope {envelope} source {source.code}: counters committed={source.committed} paid={source.paid}, "
                    f"ledger committed={ledger_committed} paid={ledger_paid}"
                )
            if source.committed < 0 or source.paid < 0:
                problems.append(f"envelope {envelope} source {source.code}: negative")
        unsplit = (
            BudgetEntry.objects.filter(envelope_id=envelope_id)
            .annotate(split=Sum("splits__amount"))
            .exclude(split=models.F("amount"))
            .values_list("pk", "amount", "split")
        )
        for pk, amount, split in unsplit:
            problems.append(f"envelope {envelope}: ledger entry {pk} of {amount} is split into {split}")
    return problems


def check_documents() -> list[str]:
    problems = []
    for document in Document.objects.only("number", "file", "sha256").iterator(chunk_size=500):
        try:
            with document.file.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except FileNotFoundError:
            problems.append(f"document {document.number}: file missing")
            continue
        if digest != document.sha256:
            problems.append(f"document {document.number}: stored digest does not match its file")
    return problems


def check_audit() -> list[str]:
    problems = []
    last = {}
    for application_id, to_status in (
        AuditEntry.objects.order_by("application_id", "id").values_list("application_id", "to_status").iterator(chunk_size=5000)
    ):
        last[application_id] = to_status
    for pk, number, status in Application.objects.values_list("pk", "number", "status").iterator(chunk_size=2000):
        if last.get(pk) != status:
            problems.append(f"{number}: status {status} but last audit entry says {last.get(pk)}")
    return problems


def check_all() -> dict[str, list[str]]:
    return {
        "flows": check_flows(),
        "payments": check_payments(),
        "budgets": check_budgets(),
        "documents": check_documents(),
        "audit": check_audit(),
        "loans": check_loans(),
    }
