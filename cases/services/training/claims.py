"""The provider's claim per trainee, and its settlement.

- A claim is filed after the class's last day and at the latest on the last day of the claim window (the rules'
  claim_within_months, 6 by default); it lists certified trainees not claimed before (each trainee is claimed once).
- It is settled the day after the trainees' business window ends (business_window_months after the class's last
  day, 6 by default): a trainee who registered a business from the class's first day to the window's last day, inclusive, is
  paid the full amount per trainee, any other the rules' share (50 % by default), to the cent. The business start is
  read from the person's own cases (start-up subsidy, loan, venture: the business registration date they filed).
- The settled claim is sent as `claim_settled` in the same transaction: the programme that reviews it
  (workflows.programmes.training) opens its case, accepted at once and waiting for the district, and starts its
  flow there.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Min
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import ApplicantCategory, ProgrammeKind, ReviewLevel, Status
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.models import Application, User
from cases.models.training import (
    ClaimRowOutcome,
    ClassStatus,
    Trainee,
    TrainingClaim,
    TrainingClaimRow,
    TrainingClaimStatus,
    TrainingClass,
)
from cases.money import CENT
from cases.services.applications import _level_deadline, _transition
from cases.services.audit import audit_record
from cases.services.numbering import case_number_next
from cases.services.social_insurance.employers import employer_event_record
from cases.services.training.providers import provider_acts_for
from cases.services.training.rules import (
    amount_per_trainee,
    business_window_ends_on,
    claim_window_ends_on,
    share_without_business,
)

# Sent with claim and by once a claim is settled, in the settlement's transaction.
claim_settled = Signal()
# The programmes whose cases record the applicant's business registration date.
BUSINESS_PROGRAMMES = (ProgrammeKind.STARTUP, ProgrammeKind.LOAN, ProgrammeKind.VENTURE)


@transaction.atomic
def claim_file(*, training_class: TrainingClass, by: User, lines: list[int] | None = None) -> TrainingClaim:
    """Claim the listed roster lines (all certified trainees not claimed yet when None)."""
    training_class = (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related("provider__employer__applicant", "rules", "programme")
        .get(pk=training_class.pk)
    )
    if not provider_acts_for(provider=training_class.provider, by=by):
        raise PermissionDenied(_("Only the training provider's own agents act for its classes."))
    if training_class.status != ClassStatus.RESULTS_RECORDED:
        raise TransitionForbidden(_("A claim is filed once the exam results of the class are recorded."))
    today = timezone.localdate()
    rules = training_class.rules
    last_day = claim_window_ends_on(rules, training_class.ends_on)
    if today > last_day:
        raise TransitionForbidden(
            _("The claim window of this class ended on %(day)s; a claim is no longer accepted.") % {"day": last_day}
        )
    certified = Trainee.objects.filter(training_class=training_class, certificate__isnull=False, claim_row__isnull=True)
    if lines is not None:
        wanted = {int(n) for n in lines}
        found = set(certified.filter(line__in=wanted).values_list("line", flat=True))
        missing = sorted(wanted - found)
        if missing:
            raise DomainError(
                _("Line %(lines)s is no certified trainee left to claim.") % {"lines": ", ".join(str(n) for n in missing)}
            )
        certified = certified.filter(line__in=wanted)
    trainees = list(certified.order_by("line"))
    if not trainees:
        raise DomainError(_("No certified trainee of this class is left to claim."))
    claim = TrainingClaim.objects.create(
        programme=training_class.programme,
        rules=rules,
        training_class=training_class,
        amount_per_trainee=amount_per_trainee(rules),
        share=share_without_business(rules),
        settles_on=business_window_ends_on(rules, training_class.ends_on),
        filed_by=by,
    )
    TrainingClaimRow.objects.bulk_create([TrainingClaimRow(claim=claim, trainee=t) for t in trainees])
    employer_event_record(
        employer=training_class.provider.employer,
        by=by,
        action="training_claim_file",
        note=_("%(c)s: %(n)s trainees") % {"c": training_class.number, "n": len(trainees)},
    )
    return claim


def business_start(*, person_digest: str, first: dt.date, last: dt.date) -> dt.date | None:
    """The earliest business registration date in [first, last] the person filed on a case of their own."""
    return Application.objects.filter(
        applicant__id_number_digest=person_digest,
        programme__kind__in=BUSINESS_PROGRAMMES,
        submitted_at__isnull=False,
        business_registered_on__gte=first,
        business_registered_on__lte=last,
    ).aggregate(first=Min("business_registered_on"))["first"]


def row_amount(*, claim: TrainingClaim, started_on: dt.date | None) -> Decimal:
    if started_on is not None:
        return claim.amount_per_trainee
    return (claim.amount_per_trainee * claim.share).quantize(CENT, rounding=ROUND_HALF_UP)


def claim_settle(*, claim: TrainingClaim, today: dt.date | None = None) -> TrainingClaim:
    """Settle one claim whose business window has ended (inside the caller's transaction; the claim row locked):
    each row's outcome and amount, the claim's total, then its case (claim_settled)."""
    claim = (
        TrainingClaim.objects.select_for_update(of=("self",))
        .select_related("training_class__provider__employer__applicant", "rules", "programme")
        .get(pk=claim.pk)
    )
    if claim.status != TrainingClaimStatus.FILED:
        raise TransitionForbidden(_("This claim has been settled already."))
    if (today or timezone.localdate()) <= claim.settles_on:
        raise TransitionForbidden(_("The business window of this claim ends on %(day)s.") % {"day": claim.settles_on})
    first = claim.training_class.starts_on
    rows = list(claim.rows.select_related("trainee"))
    for row in rows:
        row.business_started_on = business_start(person_digest=row.trainee.id_number_digest, first=first, last=claim.settles_on)
        row.outcome = ClaimRowOutcome.FULL if row.business_started_on else ClaimRowOutcome.SHARE
        row.amount = row_amount(claim=claim, started_on=row.business_started_on)
    TrainingClaimRow.objects.bulk_update(rows, ["business_started_on", "outcome", "amount"])
    claim.settled_amount = sum((row.amount for row in rows), Decimal("0.00"))
    claim.settled_at = timezone.now()
    claim.status = TrainingClaimStatus.SETTLED
    claim.save(update_fields=["settled_amount", "settled_at", "status"])
    employer_event_record(
        employer=claim.training_class.provider.employer,
        by=claim.filed_by,
        action="training_claim_settle",
        note=_("%(c)s: %(full)s in full, %(share)s at the share, %(total)s yuan")
        % {
            "c": claim.training_class.number,
            "full": sum(1 for r in rows if r.outcome == ClaimRowOutcome.FULL),
            "share": sum(1 for r in rows if r.outcome == ClaimRowOutcome.SHARE),
            "total": claim.settled_amount,
        },
    )
    if claim.settled_amount > 0:
        claim_settled.send(sender=TrainingClaim, claim=claim, by=claim.filed_by)
    return claim


def claims_settle_due(*, today: dt.date | None = None) -> int:
    """Settle every filed claim whose business window ended before today, one transaction each. Safe to run again:
    a settled claim is left alone. Returns how many were settled."""
    today = today or timezone.localdate()
    count = 0
    for pk in TrainingClaim.objects.filter(status=TrainingClaimStatus.FILED, settles_on__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            claim = TrainingClaim.objects.select_for_update().get(pk=pk)
            if claim.status != TrainingClaimStatus.FILED:
                continue
            claim_settle(claim=claim, today=today)
            count += 1
    return count


def claim_case_open(*, claim: TrainingClaim, by: User) -> Application:
    """The case of a claim just settled (inside the settlement's transaction): filed under the claim's rules version
    for the settled amount, accepted at once, waiting for the district. Paid to the provider's account."""
    if claim.application_id is not None:
        raise TransitionForbidden(_("This claim is already under review."))
    employer = claim.training_class.provider.employer
    applicant = employer.applicant
    application = Application(
        number=case_number_next(programme=claim.programme, year=timezone.localdate().year),
        programme=claim.programme,
        rules=claim.rules,
        applicant=applicant,
        org_unit=employer.org_unit,
        category=ApplicantCategory.EMPLOYER,
        business_name=applicant.name,
        business_credit_code=applicant.credit_code or "",
        requested_amount=claim.settled_amount,
        bank_name=employer.bank_name,
        bank_account_name=employer.bank_account_name,
        bank_account_number=employer.bank_account_number,
        filed_by=by,
    )
    _transition(application.submit, at=timezone.now())
    _transition(application.accept)
    application.deadline = _level_deadline(application, ReviewLevel.DISTRICT)
    application.save()
    audit_record(application=application, by=by, action="submit", from_status=Status.DRAFT)
    audit_record(
        application=application,
        by=by,
        action="training:settled",
        from_status=Status.SUBMITTED,
        comment=_("Class %(c)s: %(n)s trainees, %(total)s yuan settled")
        % {"c": claim.training_class.number, "n": claim.rows.count(), "total": claim.settled_amount},
    )
    claim.application = application
    claim.save(update_fields=["application"])
    return application
