"""A submitted claim from its case to the money: the case opened at submission, the reviewers' decisions per roster
row (town, then district), the approval of the approved rows' person-months, their payment and their clawback.

The claim is reviewed, published and paid as a case (cases.Application): its legal status, review opinions,
publicity entry, payment line and clawbacks are the common ones. What is particular to the claim lives on its rows
and in the ledger:

- the town decides every row, the district every row the town approved (approve, or refuse with a reason; one at a
  time or all remaining rows at once); a refused row's person-months leave the ledger when its level is completed;
- a rejected case (an objection upheld during publicity, or no row left at a level) gives every month it still
  holds back to the ledger (claim_months_release, on the case_rejected signal, in the same transaction);
- approval fixes the case's amount as the sum of the approved rows' person-months (status approved);
- a confirmed payment marks exactly those person-months paid, with the payment line (a month already paid is
  never paid again: the ledger holds one row per person and month, and paid is final);
- a reversal in a later contribution file, or an ineligibility found later, recovers exactly the affected paid
  person-months: one clawback per case with their ledger amounts.

Order in each write: lock the case row, then the claim and its rows, check permission, change, save, audit. The
caller (the programme's actions) completes the flow task and schedules documents after commit. Payment and
clawbacks of the approved months: cases.services.social_insurance.settlement.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import ApplicantCategory, Decision, ReviewLevel, Status, UnitLevel
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.identifiers import mask_citizen_id, mask_name
from cases.models import Application, Employer, OrgUnit, User
from cases.models.social_insurance import (
    EntitlementStatus,
    PersonMonthEntitlement,
    RosterRow,
    RowDecision,
    SocialInsuranceClaim,
)
from cases.money import to_cents
from cases.services.applications import _level_deadline, _transition, staff_may
from cases.services.audit import audit_record
from cases.services.locks import case_locked
from cases.services.numbering import case_number_next
from cases.services.reviews import LEVEL_PERMISSION, application_decide

ROW_LEVELS = (ReviewLevel.TOWN, ReviewLevel.DISTRICT)
DECISION_FIELD = {ReviewLevel.TOWN: "town_decision", ReviewLevel.DISTRICT: "district_decision"}
MAX_REASON = 500


@dataclass(frozen=True)
class BankAccount:
    """The employer's account the subsidy is paid to."""

    bank_name: str
    account_name: str
    account_number: str


def _employer_profile(claim: SocialInsuranceClaim):
    """The employer's organisation account (cases.models.Employer), or None for an enterprise without one."""
    return Employer.objects.filter(applicant_id=claim.employer_id).first()


def _default_unit(claim: SocialInsuranceClaim) -> OrgUnit:
    """The employer's own unit; without an organisation account, the unit of its earlier claim, else the district."""
    profile = _employer_profile(claim)
    if profile is not None:
        return profile.org_unit
    earlier = Application.objects.filter(social_insurance_claim__employer_id=claim.employer_id).order_by("-id").first()
    if earlier is not None:
        return earlier.org_unit
    return OrgUnit.objects.filter(level=UnitLevel.DISTRICT).order_by("id").first()


def _default_bank(claim: SocialInsuranceClaim) -> BankAccount:
    """The account on the employer's organisation account; without one, that of its earlier claim."""
    profile = _employer_profile(claim)
    if profile is not None:
        return BankAccount(profile.bank_name, profile.bank_account_name, profile.bank_account_number)
    earlier = Application.objects.filter(social_insurance_claim__employer_id=claim.employer_id).order_by("-id").first()
    if earlier is not None:
        return BankAccount(earlier.bank_name, earlier.bank_account_name, earlier.bank_account_number)
    return BankAccount("", claim.employer.name, "")


def claim_case_open(
    *, claim: SocialInsuranceClaim, by: User, org_unit: OrgUnit | None = None, bank: BankAccount | None = None
) -> Application:
    """The case of a claim just submitted (inside roster_submit's transaction, the claim row locked): filed under the
    claim's rules version, accepted at once (the roster passed every automatic check), waiting for the town.
    The unit and the account default to those of the employer's previous claim."""
    if claim.application_id is not None:
        raise TransitionForbidden(_("This claim is already under review."))
    if claim.total_amount <= 0:
        raise DomainError(_("A claim of nothing cannot be reviewed."))
    org_unit = org_unit or _default_unit(claim)
    bank = bank or _default_bank(claim)
    employer = claim.employer
    application = Application(
        number=case_number_next(programme=claim.programme, year=timezone.localdate().year),
        programme=claim.programme,
        rules=claim.rules,
        applicant=employer,
        org_unit=org_unit,
        category=ApplicantCategory.EMPLOYER,
        business_name=employer.name,
        business_credit_code=employer.credit_code or "",
        requested_amount=claim.total_amount,
        bank_name=bank.bank_name,
        bank_account_name=bank.account_name,
        bank_account_number=bank.account_number.replace(" ", ""),
        filed_by=by,
    )
    _transition(application.submit, at=timezone.now())
    _transition(application.accept)
    application.deadline = _level_deadline(application, ReviewLevel.TOWN)
    application.save()
    audit_record(application=application, by=by, action="submit", from_status=Status.DRAFT)
    audit_record(
        application=application,
        by=by,
        action="social_insurance:accepted",
        from_status=Status.SUBMITTED,
        comment=_("Roster of %(rows)s rows, %(months)s person-months")
        % {"rows": claim.roster_rows.count(), "months": claim_person_months(claim=claim).count()},
    )
    claim.application = application
    claim.save(update_fields=["application"])
    return application


def claim_person_months(*, claim: SocialInsuranceClaim):
    return PersonMonthEntitlement.objects.filter(roster_row__claim=claim)


def claim_lock(application: Application) -> SocialInsuranceClaim:
    return SocialInsuranceClaim.objects.select_for_update(of=("self",)).get(application=application)


def _level_rows(claim: SocialInsuranceClaim, level: str):
    rows = RosterRow.objects.filter(claim=claim)
    if level == ReviewLevel.DISTRICT:
        rows = rows.filter(town_decision=RowDecision.APPROVED)
    return rows


def _locked_for_level(*, application: Application, by: User, level: str) -> tuple[Application, SocialInsuranceClaim]:
    if level not in ROW_LEVELS:
        raise TransitionForbidden()
    application = case_locked(application)
    if not staff_may(user=by, permission=LEVEL_PERMISSION[ReviewLevel(level)], application=application):
        raise PermissionDenied()
    if application.waiting_level != level:
        raise TransitionForbidden()
    return application, claim_lock(application)


def _reason_clean(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("A refused row needs its reason."))
    if len(reason) > MAX_REASON:
        raise DomainError(_("A reason has at most %(n)s characters.") % {"n": MAX_REASON})
    return reason


@transaction.atomic
def rows_decide(
    *, application: Application, by: User, level: str, approve: list[int] = (), refuse: dict[int, str] | None = None
) -> dict[str, int]:
    """Decide rows of the claim by their line numbers: `approve` lines, `refuse` {line: reason}. A line may be
    decided again until the level is completed. Unknown lines, or lines the level does not judge, change nothing."""
    refuse = {int(line): _reason_clean(reason) for line, reason in (refuse or {}).items()}
    approve = [int(line) for line in approve]
    if set(approve) & set(refuse):
        raise DomainError(_("A row is either approved or refused."))
    application, claim = _locked_for_level(application=application, by=by, level=level)
    rows = _level_rows(claim, level)
    wanted = set(approve) | set(refuse)
    found = set(rows.filter(line__in=wanted).values_list("line", flat=True))
    missing = sorted(wanted - found)
    if missing:
        raise DomainError(_("Line %(lines)s is not a row this level decides.") % {"lines": ", ".join(str(n) for n in missing)})
    field = DECISION_FIELD[level]
    rows.filter(line__in=approve).update(**{field: RowDecision.APPROVED, "refusal_reason": ""})
    for line, reason in refuse.items():
        rows.filter(line=line).update(**{field: RowDecision.REFUSED, "refusal_reason": reason})
    audit_record(
        application=application,
        by=by,
        action=f"{level}:rows",
        from_status=application.status,
        comment=_("%(a)s rows approved, %(r)s refused") % {"a": len(approve), "r": len(refuse)},
    )
    return {"approved": len(approve), "refused": len(refuse)}


@transaction.atomic
def rows_decide_remaining(*, application: Application, by: User, level: str, decision: str, reason: str = "") -> int:
    """All rows of the level not decided yet: approved, or refused with one reason. Returns how many."""
    if decision not in (RowDecision.APPROVED, RowDecision.REFUSED):
        raise DomainError(_("Unknown decision."))
    reason = _reason_clean(reason) if decision == RowDecision.REFUSED else ""
    application, claim = _locked_for_level(application=application, by=by, level=level)
    field = DECISION_FIELD[level]
    count = _level_rows(claim, level).filter(**{field: RowDecision.PENDING}).update(**{field: decision, "refusal_reason": reason})
    audit_record(
        application=application,
        by=by,
        action=f"{level}:rows_remaining:{decision}",
        from_status=application.status,
        comment=f"{count} {reason}".strip(),
    )
    return count


@dataclass(frozen=True)
class LevelCounts:
    rows: int
    approved: int
    refused: int
    pending: int
    approved_months: int
    approved_amount: Decimal


def level_counts(*, claim: SocialInsuranceClaim, level: str) -> LevelCounts:
    field = DECISION_FIELD[level]
    counts = _level_rows(claim, level).aggregate(
        rows=Count("id"),
        approved=Count("id", filter=Q(**{field: RowDecision.APPROVED})),
        refused=Count("id", filter=Q(**{field: RowDecision.REFUSED})),
        pending=Count("id", filter=Q(**{field: RowDecision.PENDING})),
    )
    months = claim_person_months(claim=claim).filter(**{f"roster_row__{field}": RowDecision.APPROVED})
    if level == ReviewLevel.DISTRICT:
        months = months.filter(roster_row__town_decision=RowDecision.APPROVED)
    totals = months.aggregate(n=Count("id"), s=Sum("amount"))
    return LevelCounts(**counts, approved_months=totals["n"], approved_amount=to_cents(totals["s"] or Decimal("0")))


@transaction.atomic
def level_complete(*, application: Application, by: User, level: str, opinion: str) -> Application:
    """Close the town or district review of the claim once every row of the level is decided: the refused rows'
    person-months leave the ledger; the case passes the level, or is rejected when no row is left approved."""
    application, claim = _locked_for_level(application=application, by=by, level=level)
    counts = level_counts(claim=claim, level=level)
    if counts.pending:
        raise DomainError(_("%(n)s rows are not decided yet.") % {"n": counts.pending})
    field = DECISION_FIELD[level]
    PersonMonthEntitlement.objects.filter(
        roster_row__claim=claim, roster_row__in=_level_rows(claim, level).filter(**{field: RowDecision.REFUSED})
    ).delete()
    decision = Decision.PASS if counts.approved else Decision.REJECT
    summary = _("%(a)s of %(n)s rows approved (%(m)s person-months, %(s)s yuan), %(r)s refused.") % {
        "a": counts.approved,
        "n": counts.rows,
        "m": counts.approved_months,
        "s": counts.approved_amount,
        "r": counts.refused,
    }
    opinion = f"{(opinion or '').strip()} {summary}".strip()
    return application_decide(application=application, by=by, level=level, decision=decision, opinion=opinion)


def claim_months_release(*, application: Application, by: User) -> int:
    """A claim's case rejected (an objection upheld during publicity, or no row left at a level): the person-months
    it still holds leave the ledger, free for another employer's claim. Inside the rejecting transaction, the case
    locked. A paid month is never released (a paid case is not rejected; its months are recovered by clawback).
    Returns how many months were released."""
    claim = SocialInsuranceClaim.objects.select_for_update(of=("self",)).filter(application=application).first()
    if claim is None:
        return 0
    held = claim_person_months(claim=claim).filter(
        status__in=(EntitlementStatus.CLAIMED, EntitlementStatus.APPROVED), payment_line__isnull=True
    )
    totals = held.aggregate(n=Count("id"), s=Sum("amount"))
    if not totals["n"]:
        return 0
    held.delete()
    audit_record(
        application=application,
        by=by,
        action="social_insurance:months_released",
        from_status=application.status,
        comment=_("%(m)s person-months (%(s)s yuan) released from the ledger") % {"m": totals["n"], "s": to_cents(totals["s"])},
    )
    return totals["n"]


def approved_months(*, claim: SocialInsuranceClaim):
    return claim_person_months(claim=claim).filter(
        roster_row__town_decision=RowDecision.APPROVED, roster_row__district_decision=RowDecision.APPROVED
    )


@transaction.atomic
def claim_approve(*, application: Application, by: User, opinion: str) -> Application:
    """District approval: the amount is the sum of the approved person-months, which become approved."""
    application = case_locked(application)
    claim = claim_lock(application)
    months = approved_months(claim=claim)
    amount = to_cents(months.aggregate(s=Sum("amount"))["s"] or Decimal("0"))
    application = application_decide(
        application=application,
        by=by,
        level=ReviewLevel.APPROVAL,
        decision=Decision.PASS,
        opinion=opinion,
        amount=amount,
    )
    months.filter(status=EntitlementStatus.CLAIMED).update(status=EntitlementStatus.APPROVED)
    return application


@dataclass(frozen=True)
class PublicityRow:
    masked_id: str
    name: str
    employer: str
    months: str
    month_count: int
    amount: Decimal


def approved_rows(*, claim: SocialInsuranceClaim) -> list[RosterRow]:
    return list(
        claim.roster_rows.filter(town_decision=RowDecision.APPROVED, district_decision=RowDecision.APPROVED).order_by("line")
    )


def publicity_rows(*, claims: list[SocialInsuranceClaim]) -> list[PublicityRow]:
    """The approved rows as published (公示): masked ID, name, employer, months and amount from the ledger."""
    rows = []
    for claim in claims:
        sums = dict(
            approved_months(claim=claim).values("roster_row_id").annotate(s=Sum("amount")).values_list("roster_row_id", "s")
        )
        for row in approved_rows(claim=claim):
            months = sorted(row.months)
            rows.append(
                PublicityRow(
                    masked_id=mask_citizen_id(row.id_number),
                    name=mask_name(row.name),
                    employer=claim.employer.name,
                    months=f"{months[0]}~{months[-1]}" if len(months) > 1 else (months[0] if months else ""),
                    month_count=len(months),
                    amount=to_cents(sums.get(row.pk) or Decimal("0")),
                )
            )
    return rows


def publicity_batch_rows(*, batch) -> list[PublicityRow]:
    """The approved rows of the claims on a publicity list (empty for another programme's list)."""
    claims = (
        SocialInsuranceClaim.objects.filter(application__publicity_entry__batch=batch)
        .select_related("employer")
        .order_by("application__publicity_entry__id")
    )
    return publicity_rows(claims=list(claims))
