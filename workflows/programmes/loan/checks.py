"""Consistency checks of the loan programme (run by check_consistency through the registry)."""

from collections import Counter, defaultdict
from decimal import Decimal

from cases.constants import PaymentLineStatus, ProgrammeKind, Status
from cases.models import Application, BudgetEnvelope, Loan, LoanPeriod, PaymentLine, SubsidyClaim
from cases.models.loan import FINAL_LOAN_STATES, SubsidyClaimStatus


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


def loan_envelope_problems(envelope: BudgetEnvelope, *, ledger_paid: Decimal) -> list[str]:
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
