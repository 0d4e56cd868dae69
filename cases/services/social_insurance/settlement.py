"""What happens to a claim's person-months after approval: the payment confirmed by the bank marks exactly them
paid (with the payment line; paid is final, so a month is never paid twice), and a reversal in a later contribution
file (退保, or a correction taking the payment back) or an ineligibility found later recovers exactly the affected
paid months from the employer: one clawback per case of their ledger amounts, audited on the case."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from cases.constants import Status
from cases.exceptions import DomainError, PermissionDenied
from cases.identifiers import mask_citizen_id
from cases.models import Application, Clawback, PaymentLine, User
from cases.models.social_insurance import ContributionRecord, EntitlementStatus, PersonMonthEntitlement, RosterRow
from cases.money import to_cents
from cases.services.applications import staff_may
from cases.services.audit import audit_record
from cases.services.locks import case_lock
from cases.services.payments.corrections import clawback_open
from cases.services.social_insurance.review import approved_months, claim_lock


def claim_paid(*, application: Application, line: PaymentLine) -> int:
    """The bank confirmed `line`: the claim's approved person-months become paid with it. Inside the caller's
    transaction (the case locked). The line pays exactly their sum; a month paid already is left alone."""
    claim = claim_lock(application)
    months = approved_months(claim=claim).filter(status=EntitlementStatus.APPROVED, payment_line__isnull=True)
    total = to_cents(months.aggregate(s=Sum("amount"))["s"] or Decimal("0"))
    if total != line.amount:
        raise DomainError(
            _("The payment %(paid)s does not match the approved person-months %(sum)s.") % {"paid": line.amount, "sum": total}
        )
    return months.update(status=EntitlementStatus.PAID, payment_line=line)


def _clawback_open(*, application_id: int, by: User, amount: Decimal, reason: str) -> Clawback:
    """The first clawback of a case moves it to clawback (cases.services.payments.clawback_open); a later one, for
    other months, joins the case already under clawback."""
    application = case_lock(pk=application_id)
    if application.status != Status.CLAWBACK:
        return clawback_open(application=application, by=by, amount=amount, reason=reason)
    if not staff_may(user=by, permission="cases.approve_application", application=application):
        raise PermissionDenied()
    clawback = Clawback.objects.create(application=application, amount=amount, reason=reason, opened_by=by)
    audit_record(application=application, by=by, action="clawback_opened", from_status=application.status, comment=reason)
    return clawback


def _recover(*, months: list[PersonMonthEntitlement], by: User, reason: str) -> list[Clawback]:
    """One clawback per case for the given paid person-months, of exactly their ledger amounts."""
    by_case: dict[int, list[PersonMonthEntitlement]] = {}
    for month in months:
        by_case.setdefault(month.roster_row.claim.application_id, []).append(month)
    clawbacks = []
    for application_id in sorted(by_case):
        affected = by_case[application_id]
        amount = sum((m.amount for m in affected), Decimal("0.00"))
        listing = ", ".join(f"{mask_citizen_id(m.roster_row.id_number)} {m.month:%Y-%m}" for m in affected)
        clawback = _clawback_open(application_id=application_id, by=by, amount=amount, reason=f"{reason} ({listing})")
        PersonMonthEntitlement.objects.filter(pk__in=[m.pk for m in affected]).update(
            status=EntitlementStatus.RECOVERED, clawback=clawback
        )
        clawbacks.append(clawback)
    return clawbacks


def _paid_months(**filters) -> list[PersonMonthEntitlement]:
    return list(
        PersonMonthEntitlement.objects.select_related("roster_row__claim", "employer")
        .filter(status=EntitlementStatus.PAID, clawback__isnull=True, **filters)
        .order_by("roster_row__claim__application_id", "person_digest", "month")
    )


@transaction.atomic
def reversal_clawbacks_raise(*, by: User) -> list[Clawback]:
    """Every paid person-month whose contribution the agency has since reversed (退保, or a correction taking the
    payment back) is recovered from its employer: one clawback per case, of exactly those months' ledger amounts.
    Safe to run after every contribution file: a month recovered once is not recovered again."""
    reversed_keys = set(
        ContributionRecord.objects.filter(reversed=True).values_list("person_digest", "employer_credit_code", "month")
    )
    if not reversed_keys:
        return []
    digests = {key[0] for key in reversed_keys}
    affected = [
        m for m in _paid_months(person_digest__in=digests) if (m.person_digest, m.employer.credit_code, m.month) in reversed_keys
    ]
    return _recover(months=affected, by=by, reason=_("Contribution reversed by the social-insurance agency"))


@transaction.atomic
def ineligible_months_recover(*, row: RosterRow, months: list[dt.date], by: User, reason: str) -> list[Clawback]:
    """An ineligibility found after payment (for example a person who was not in the category): the row's paid
    person-months in `months` are recovered from the employer."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("A clawback needs its reason."))
    affected = _paid_months(roster_row=row, month__in=[m.replace(day=1) for m in months])
    if not affected:
        raise DomainError(_("None of these months is paid and not yet recovered."))
    return _recover(months=affected, by=by, reason=reason)
