"""An employer's quarterly claim: opened once per quarter, its roster checked and saved whole (or only its valid
rows, when the employer asks for that), each claimed person-month entered in the ledger in the same transaction.

The ledger's unique constraint (person, month) is the last word: a roster that passed its check while another
employer's roster took one of its months in between is refused whole at save, and nothing of it stays.

A submitted claim is sent as `claim_submitted` inside the same transaction: the programme that reviews it
(workflows.programmes.social_insurance) opens its case and starts its flow there, so a claim is never submitted
without its review, and a failure there leaves the claim a draft.
"""

import hashlib
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import ApplicantKind, ProgrammeKind
from cases.exceptions import InvalidImport, PermissionDenied, TransitionForbidden
from cases.models import Applicant, OrgUnit, Programme, User
from cases.models.social_insurance import (
    ClaimStatus,
    EntitlementStatus,
    PersonMonthEntitlement,
    RosterRow,
    SocialInsuranceClaim,
)
from cases.selectors import employer_acts_for
from cases.services.social_insurance.checks import RosterReport, report_raise, roster_check
from cases.services.social_insurance.review import BankAccount

# Sent with claim, by, org_unit and bank once a roster is saved, in the submission's transaction.
claim_submitted = Signal()


def _acts_for(*, employer: Applicant, by: User) -> bool:
    """The employer's own account, one of its agents, or a window officer of its town."""
    return employer_acts_for(employer=employer, by=by)


def social_insurance_claim_open(*, employer: Applicant, programme: Programme, year: int, quarter: int, by: User):
    """The employer's claim for one quarter (the existing one if it was opened before)."""
    if programme.kind != ProgrammeKind.SOCIAL_INSURANCE:
        raise TransitionForbidden(_("This programme does not take roster claims."))
    if employer.kind != ApplicantKind.ENTERPRISE or not employer.credit_code:
        raise PermissionDenied(_("Only an employer with a unified social credit code claims this subsidy."))
    if not _acts_for(employer=employer, by=by):
        raise PermissionDenied(_("Only the employer's own account may file its claims."))
    if quarter not in (1, 2, 3, 4):
        raise TransitionForbidden(_("A quarter is 1, 2, 3 or 4."))
    if programme.current_rules is None:
        raise TransitionForbidden(_("This programme has no rules yet."))
    claim, _created = SocialInsuranceClaim.objects.get_or_create(
        programme=programme,
        employer=employer,
        year=year,
        quarter=quarter,
        defaults={"rules": programme.current_rules, "created_by": by},
    )
    return claim


def _rows_save(claim: SocialInsuranceClaim, report: RosterReport) -> None:
    rows = RosterRow.objects.bulk_create(
        [
            RosterRow(
                claim=claim,
                line=line.line,
                id_number=line.id_number,
                name=line.name,
                category=line.category,
                contract_start=line.contract_start,
                contract_end=line.contract_end,
                original_retirement_age=line.original_retirement_age,
                graduated_on=line.graduated_on,
                months=[f"{m:%Y-%m}" for m in line.months],
                amount=line.amount,
            )
            for line in report.valid
        ],
        batch_size=500,
    )
    PersonMonthEntitlement.objects.bulk_create(
        [
            PersonMonthEntitlement(
                person_digest=line.digest,
                month=month,
                category=line.category,
                employer_id=claim.employer_id,
                roster_row=row,
                amount=amount,
                status=EntitlementStatus.CLAIMED,
            )
            for line, row in zip(report.valid, rows, strict=True)
            for month, amount in sorted(line.amounts.items())
        ],
        batch_size=1000,
    )


def roster_submit(
    *,
    claim: SocialInsuranceClaim,
    content: bytes,
    filename: str,
    by: User,
    only_valid_rows: bool = False,
    org_unit: OrgUnit | None = None,
    bank: BankAccount | None = None,
) -> RosterReport:
    """Check the roster and save it with its person-months. With refused rows, nothing is saved unless the employer
    accepts saving only the valid rows (only_valid_rows); a roster with no valid row is never saved.
    `org_unit` (the town or community that reviews the claim) and `bank` (the account paid) default to those of the
    employer's previous claim."""
    if not _acts_for(employer=claim.employer, by=by):
        raise PermissionDenied(_("Only the employer's own account may file its claims."))
    try:
        with transaction.atomic():
            claim = (
                SocialInsuranceClaim.objects.select_for_update(of=("self",)).select_related("employer", "rules").get(pk=claim.pk)
            )
            if claim.status != ClaimStatus.DRAFT:
                raise TransitionForbidden(_("The roster of this quarter has been submitted already."))
            report = roster_check(claim=claim, content=content)
            if not only_valid_rows:
                report_raise(report)
            if not report.valid:
                raise InvalidImport(details=[_("No row of the roster can be claimed."), *report.messages])
            # The digest column of each RosterRow is written by its field's pre_save, bulk_create included.
            _rows_save(claim, report)
            claim.status = ClaimStatus.SUBMITTED
            claim.roster_filename = filename[:200]
            claim.roster_sha256 = hashlib.sha256(content).hexdigest()
            claim.total_amount = sum((line.amount for line in report.valid), Decimal("0.00"))
            claim.submitted_at = timezone.now()
            claim.full_clean()
            claim.save(update_fields=["status", "roster_filename", "roster_sha256", "total_amount", "submitted_at"])
            claim_submitted.send(sender=SocialInsuranceClaim, claim=claim, by=by, org_unit=org_unit, bank=bank)
    except IntegrityError:
        raise InvalidImport(
            details=[_("Another claim took one of these person-months while the roster was being saved; check it again.")]
        ) from None
    return report
