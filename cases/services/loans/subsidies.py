"""The interest subsidy per period (先还后贴): refusal rules, claims, review (which commits the envelope: ADR
0007), the payment batch and the settlement of its lines."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import PaymentLineStatus
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.models import BankFileLayout, Loan, LoanPeriod, PaymentBatch, PaymentLine, Programme, SubsidyClaim, User
from cases.models.loan import SubsidyClaimSource, SubsidyClaimStatus
from cases.services.audit import audit_record
from cases.services.budget import budget_commit, budget_pay
from cases.services.loans.lifecycle import _assert_staff, _audit, _lock, bank_officer_of
from cases.services.locks import case_lock, cases_lock
from cases.services.numbering import counter_next
from cases.services.payments import ReturnRow, payment_line_add, validate_bank_account

# --- interest subsidy (先还后贴) -------------------------------------------------------------------


def subsidy_refusal(*, period: LoanPeriod) -> str | None:
    """Why the period earns no subsidy (now), or None."""
    if period.overdue:
        return _("Period %(n)s was overdue: no interest subsidy.") % {"n": period.number}
    if period.extended:
        return _("Period %(n)s was extended: no interest subsidy.") % {"n": period.number}
    if period.repaid_on is None:
        return _("Period %(n)s has not been repaid yet: the subsidy follows the repayment.") % {"n": period.number}
    if period.repaid_on > period.due_on:
        return _("Period %(n)s was repaid late: no interest subsidy.") % {"n": period.number}
    if SubsidyClaim.objects.filter(period=period).exists():
        return _("The interest subsidy for period %(n)s has already been claimed.") % {"n": period.number}
    if period.subsidy <= 0:
        return _("Period %(n)s carries no interest subsidy.") % {"n": period.number}
    return None


def _claim_create(*, loan: Loan, period: LoanPeriod, by: User | None, source: str, today: dt.date) -> SubsidyClaim:
    reason = subsidy_refusal(period=period)
    if reason:
        raise TransitionForbidden(reason)
    try:
        with transaction.atomic():
            claim = SubsidyClaim.objects.create(
                loan=loan, period=period, amount=period.subsidy, source=source, claimed_by=by, claimed_on=today
            )
    except IntegrityError:
        raise TransitionForbidden(
            _("The interest subsidy for period %(n)s has already been claimed.") % {"n": period.number}
        ) from None
    _audit(loan, by=by, action="subsidy_claimed", before=loan.state, comment=f"#{period.number} {period.subsidy} {source}")
    return claim


@transaction.atomic
def subsidy_claim_open_record(*, loan: Loan, period_number: int, by: User, today: dt.date) -> SubsidyClaim:
    """The borrower (or the bank) claims the subsidy for a period repaid on time."""
    loan = _lock(loan)
    if loan.application.applicant.user_id == by.pk:
        source = SubsidyClaimSource.BORROWER
    elif bank_officer_of(user=by, bank=loan.bank):
        source = SubsidyClaimSource.BANK_FILE
    else:
        raise PermissionDenied()
    period = loan.periods.select_for_update().filter(number=period_number).first()
    if period is None:
        raise DomainError(_("The loan has no period %(n)s.") % {"n": period_number})
    return _claim_create(loan=loan, period=period, by=by, source=source, today=today)


def subsidy_claims_open_due(*, today: dt.date) -> int:
    """Open a claim for every period repaid on time that has none yet. Safe to run twice."""
    opened = 0
    periods = LoanPeriod.objects.filter(
        repaid_on__isnull=False, repaid_on__lte=today, overdue=False, extended=False, subsidy__gt=0, subsidy_claim__isnull=True
    ).order_by("loan_id", "number")
    for period_id, loan_id in periods.values_list("pk", "loan_id"):
        with transaction.atomic():
            loan = _lock(Loan(pk=loan_id))
            period = LoanPeriod.objects.select_for_update().get(pk=period_id)
            if subsidy_refusal(period=period) is None:
                _claim_create(loan=loan, period=period, by=None, source=SubsidyClaimSource.SYSTEM, today=today)
                opened += 1
    return opened


@transaction.atomic
def subsidy_claim_review_record(*, claim: SubsidyClaim, by: User, approved: bool, note: str = "") -> SubsidyClaim:
    loan = _lock(Loan(pk=SubsidyClaim.objects.values_list("loan_id", flat=True).get(pk=claim.pk)))
    claim = SubsidyClaim.objects.select_for_update(of=("self",)).select_related("period").get(pk=claim.pk)
    _assert_staff(by, "cases.review_district", loan)
    if claim.status != SubsidyClaimStatus.OPEN:
        raise TransitionForbidden(_("The claim has already been reviewed."))
    if approved and (claim.period.overdue or claim.period.extended):
        raise TransitionForbidden(_("No interest subsidy is paid for an overdue or extended period."))
    if not approved and not note.strip():
        raise DomainError(_("A refusal needs a reason."))
    if approved:
        # Lock order: case, loan, claim, then the envelope row (budget_commit). Refused with BudgetExceeded, nothing
        # changed, when the year's envelope cannot carry the amount.
        application = loan.application
        claim.envelope = budget_commit(application=application, amount=claim.amount, year=timezone.localdate().year)
    claim.status = SubsidyClaimStatus.APPROVED if approved else SubsidyClaimStatus.REFUSED
    claim.reviewed_by = by
    claim.review_note = note
    claim.save(update_fields=["status", "reviewed_by", "review_note", "envelope"])
    _audit(loan, by=by, action="subsidy_" + claim.status, before=loan.state, comment=f"#{claim.period.number} {note}".strip())
    return claim


@transaction.atomic
def subsidy_batch_create(
    *, programme: Programme, claims: list[SubsidyClaim], by: User, today: dt.date, layout: BankFileLayout | None
) -> PaymentBatch:
    """A payment batch (清册) of approved subsidy claims: one line per loan period (instalment = period number)."""
    if not by.has_perm("cases.prepare_payment") or by.org_unit_id is None:
        raise PermissionDenied()
    if not claims:
        raise DomainError(_("Choose at least one claim to pay."))
    if layout is None:
        raise DomainError(_("Choose the bank file layout of the paying bank."))
    # The claims' cases first (ascending pk), then the counter, the batch and the claims: one lock order (ADR 0003).
    cases_lock(pks=SubsidyClaim.objects.filter(pk__in=[c.pk for c in claims]).values_list("loan__application_id", flat=True))
    batch = PaymentBatch.objects.create(
        number=f"QC-{programme.case_prefix}-{today.year}-{counter_next(key=f'payment:{programme.code}:{today.year}'):04d}",
        programme=programme,
        org_unit=by.org_unit,
        prepared_by=by,
        layout=layout,
    )
    total = Decimal("0")
    for claim in sorted(claims, key=lambda c: c.pk):
        claim = (
            SubsidyClaim.objects.select_for_update(of=("self",))
            .select_related("period", "loan__application__org_unit")
            .get(pk=claim.pk)
        )
        application = claim.loan.application
        if application.programme_id != programme.pk or not by.org_unit.contains(application.org_unit):
            raise PermissionDenied()
        if claim.status != SubsidyClaimStatus.APPROVED or claim.period.overdue or claim.period.extended:
            raise TransitionForbidden(
                _("The claim for period %(n)s of %(case)s is not approved for payment.")
                % {"n": claim.period.number, "case": application.number}
            )
        validate_bank_account(application.bank_account_number)
        line = payment_line_add(batch=batch, application=application, instalment=claim.period.number, amount=claim.amount)
        claim.status = SubsidyClaimStatus.PAYMENT_PENDING
        claim.payment_line = line
        claim.save(update_fields=["status", "payment_line"])
        total += claim.amount
        audit_record(
            application=application, by=by, action="loan:subsidy_queued", from_status=application.status, comment=batch.number
        )
    batch.total = total
    batch.line_count = len(claims)
    batch.save(update_fields=["total", "line_count"])
    return batch


@transaction.atomic
def subsidy_line_settle(*, row: ReturnRow, by: User, today: dt.date) -> SubsidyClaim | None:
    """Apply one checked row of the bank's return file to a subsidy line. A row already applied changes nothing.
    Locks the case, then the line, then the claim."""
    case_lock(pk=row.line.application_id)
    line = PaymentLine.objects.select_for_update().get(pk=row.line.pk)
    if line.status != PaymentLineStatus.SENT:
        return None
    claim = SubsidyClaim.objects.select_for_update(of=("self",)).select_related("loan__application").get(payment_line=line)
    if row.paid:
        line.status = PaymentLineStatus.PAID
        claim.status = SubsidyClaimStatus.PAID
        claim.paid_on = today
        budget_pay(application=claim.loan.application, amount=claim.amount, envelope=claim.envelope)
    else:
        line.status = PaymentLineStatus.RETURNED
        line.return_reason = row.reason[:200]
        claim.status = SubsidyClaimStatus.APPROVED  # back in the queue for a later batch (补发)
        claim.payment_line = None
    line.bank_reference = row.bank_reference[:64]
    line.settled_at = timezone.now()
    line.save(update_fields=["status", "return_reason", "bank_reference", "settled_at"])
    claim.save(update_fields=["status", "paid_on", "payment_line"])
    application = claim.loan.application
    audit_record(
        application=application, by=by, action="loan:subsidy_" + line.status, from_status=application.status, comment=row.reason
    )
    return claim
