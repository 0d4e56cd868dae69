"""Invariants across the record, the flows and the files. Each problem is one line of text."""

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import Count, Exists, OuterRef, Sum
from django.utils import timezone
from viewflow.workflow.status import PROCESS, STATUS

from cases.constants import COMMITTED_STATUSES, BudgetEntryKind, PaymentLineStatus, Status
from cases.models import (
    Application,
    BudgetEntry,
    BudgetEntrySplit,
    BudgetEnvelope,
    Counter,
    FundingSource,
    Notification,
    OutboxItem,
    OutboxKind,
    PaymentLine,
)
from cases.services import audit_chain_verify, outbox_grace, outbox_pending
from documents.constants import NumberStatus
from documents.models import Document, DocumentNumber
from workflows.engine.graph import OPEN_TASK_FOR_STATUS, review_levels_open_tasks_expected
from workflows.engine.registry import registry
from workflows.models import SubsidyTask

OPEN_TASK_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
PAID_STATUSES = (Status.PAID, Status.CLOSED, Status.CLAWBACK)


def check_flows() -> list[str]:
    problems = []
    open_tasks = defaultdict(list)
    for process_id, name in SubsidyTask.objects.filter(status__in=OPEN_TASK_STATUSES).values_list("process_id", "flow_task"):
        open_tasks[process_id].append(name.name if hasattr(name, "name") else str(name).rsplit(".", 1)[-1])
    # cases whose rules version has no town level, and programmes whose open task depends on more than the status
    # (a panel, a loan's own life), say which task they expect
    per_flow: dict[int, str] = review_levels_open_tasks_expected()
    for programme in registry.all():
        if programme.expected_open_tasks is not None:
            per_flow.update(programme.expected_open_tasks())
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
    # Programmes that settle their own payment rows (per period, say) are checked by their own checks.
    one_off = Application.objects.exclude(programme__kind__in=[p.kind for p in registry.all() if p.payment_row_settle])
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
        registered = registry.get(envelope.programme.kind)
        if registered is not None and registered.envelope_check is not None:
            problems += registered.envelope_check(envelope, ledger_paid=paid)
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


def check_numbering(*, now: dt.datetime) -> list[str]:
    """Every value a document counter gave is in the number register (used by its document, reserved for a step
    still being issued, or void with its reason): a gap in a series is never silent. A number reserved longer than
    the grace period and not used is a problem until its document is issued or the number is made void."""
    problems = []
    recorded = {
        series: (count, top)
        for series, count, top in DocumentNumber.objects.values("series")
        .annotate(count=Count("id"), top=models.Max("value"))
        .values_list("series", "count", "top")
    }
    for series, value in Counter.objects.filter(key__startswith="doc:").values_list("key", "value").order_by("key"):
        if recorded.get(series, (0, 0)) == (value, value):
            continue
        known = set(DocumentNumber.objects.filter(series=series).values_list("value", flat=True))
        missing = [v for v in range(1, value + 1) if v not in known]
        if missing:
            shown = ", ".join(str(v) for v in missing[:20]) + (" ..." if len(missing) > 20 else "")
            problems.append(f"numbers {series}: value(s) {shown} given by the counter and not in the register")
    stale = DocumentNumber.objects.filter(status=NumberStatus.RESERVED, reserved_at__lt=now - outbox_grace())
    for number, step_key, reserved_at, error in stale.order_by("id").values_list(
        "number", "step_key", "reserved_at", "last_error"
    ):
        reason = f": {error.splitlines()[0]}" if error else ""
        problems.append(
            f"number {number} reserved for {step_key} since {timezone.localtime(reserved_at):%Y-%m-%d %H:%M:%S}, not used{reason}"
        )
    used = DocumentNumber.objects.filter(status=NumberStatus.USED)
    for number in used.exclude(Exists(Document.objects.filter(number=OuterRef("number")))).values_list("number", flat=True):
        problems.append(f"number {number} is recorded as used and no document carries it")
    for number in Document.objects.exclude(Exists(used.filter(number=OuterRef("number")))).values_list("number", flat=True):
        problems.append(f"document {number}: its number is not recorded as used in the register")
    return problems


def check_audit() -> list[str]:
    """Every case's hash chain recomputes and its last entry names the case's current status; the append-only
    trigger is in place (the same walk as `manage.py audit_verify`)."""
    report = audit_chain_verify()
    problems = list(report.problems)
    for pk, number, status in Application.objects.values_list("pk", "number", "status").iterator(chunk_size=2000):
        if report.last_status.get(pk) != status:
            problems.append(f"{number}: status {status} but last audit entry says {report.last_status.get(pk)}")
    return problems


def check_owed_work(*, now: dt.datetime) -> list[str]:
    """Every step that owes a document has exactly one issued document (the step key is unique), and every owed
    message its portal copy; owed work may be pending only within the grace period."""
    problems = []
    late = outbox_pending().filter(created_at__lt=now - outbox_grace()).order_by("id")
    for key, number, created_at, attempts, error in late.values_list(
        "key", "application__number", "created_at", "attempts", "last_error"
    ):
        reason = f": {error.splitlines()[0]}" if error else ""
        problems.append(
            f"{number or key}: {key} owed since {timezone.localtime(created_at):%Y-%m-%d %H:%M:%S}, not done after {attempts} failed attempt(s){reason}"
        )
    done = OutboxItem.objects.filter(done_at__isnull=False).order_by("id")
    issued = Exists(Document.objects.filter(step_key=OuterRef("key")))
    for key, number in done.filter(kind=OutboxKind.DOCUMENT).exclude(issued).values_list("key", "application__number"):
        problems.append(f"{number or key}: document {key} was issued and is missing")
    told = Exists(Notification.objects.filter(step_key=OuterRef("key"), channel="portal"))
    for key, number in done.filter(kind=OutboxKind.NOTIFICATION).exclude(told).values_list("key", "application__number"):
        problems.append(f"{number}: notification {key} was delivered and its portal message is missing")
    return problems


def check_all(*, now: dt.datetime | None = None) -> dict[str, list[str]]:
    """Every check on one snapshot of the database: writers may go on meanwhile (a second `simulate`, the web), and
    a case that moves between two of the checks' queries must not look inconsistent."""
    outermost = not connection.in_atomic_block  # inside a caller's transaction (a test) the level is already set
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return {
            "owed": check_owed_work(now=now or timezone.now()),
            "flows": check_flows(),
            "payments": check_payments(),
            "budgets": check_budgets(),
            "documents": check_documents(),
            "numbering": check_numbering(now=now or timezone.now()),
            "audit": check_audit(),
        } | {name: check() for programme in registry.all() for name, check in programme.checks.items()}
