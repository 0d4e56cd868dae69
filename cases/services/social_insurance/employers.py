"""Employers as applicants: the organisation account, its agents, and filing a quarter's roster through them.

- An organisation is registered online by a portal account, which becomes its administrator, or at the window by a
  community officer (代办) for an employer who cannot file online; the credit code must pass its check character.
- The administrator adds agents (existing portal accounts, one organisation each); every agent acts for the
  organisation, and every act is kept in the organisation's trail (EmployerEvent) by the actor's name, marked when
  an officer did it at the window on the employer's behalf.
- A roster is first checked (roster_upload_check): the report is returned and the file kept, encrypted, with the
  draft claim; nothing of it counts. It is then submitted whole, or its valid rows only (employer_roster_submit),
  through cases.services.social_insurance.claims.roster_submit, in one transaction.
"""

import base64
import hashlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases import crypto
from cases.constants import ApplicantKind, Role
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.identifiers import validate_credit_code
from cases.models import Applicant, OrgUnit, Programme, User
from cases.models.employer import AgentRole, Employer, EmployerAgent, EmployerEvent, RosterUpload
from cases.models.social_insurance import ClaimStatus, SocialInsuranceClaim
from cases.selectors import employer_acts_for, employer_window_town
from cases.services.social_insurance.checks import RosterReport, roster_check
from cases.services.social_insurance.claims import roster_submit, social_insurance_claim_open


def actor_name(user: User) -> str:
    return (user.real_name or user.get_full_name() or user.username)[:200]


def employer_event_record(*, employer: Employer, by: User, action: str, claim=None, note: str = "") -> EmployerEvent:
    return EmployerEvent.objects.create(
        employer=employer,
        claim=claim,
        actor=by,
        actor_name=actor_name(by),
        at_window=by.role != Role.APPLICANT,
        action=action,
        note=note[:500],
    )


def _employer_of(applicant: Applicant) -> Employer:
    employer = Employer.objects.filter(applicant=applicant).first()
    if employer is None:
        raise PermissionDenied(_("This enterprise has no organisation account."))
    return employer


def _register_checks(*, credit_code: str, org_unit: OrgUnit, by: User) -> bool:
    """Who may register, and where; True when at the window."""
    if by.role == Role.APPLICANT:
        if EmployerAgent.objects.filter(user=by).exists():
            raise DomainError(_("Your account already acts for an organisation."))
        if by.credit_code and by.credit_code != credit_code:
            raise PermissionDenied(_("Your account is bound to another unified social credit code."))
        return False
    town = employer_window_town(user=by)
    if town is None:
        raise PermissionDenied(_("Only a window officer may register an organisation for an employer."))
    if not town.contains(org_unit):
        raise PermissionDenied(_("The employer must be in your town."))
    return True


@transaction.atomic
def employer_register(
    *,
    name: str,
    credit_code: str,
    address: str,
    org_unit: OrgUnit,
    bank_name: str,
    bank_account_name: str,
    bank_account_number: str,
    by: User,
) -> Employer:
    """The organisation account: online its registering account becomes its administrator; at the window no
    account is linked (the employer may register one later)."""
    credit_code = "".join((credit_code or "").split()).upper()
    try:
        validate_credit_code(credit_code)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from error
    at_window = _register_checks(credit_code=credit_code, org_unit=org_unit, by=by)
    applicant = Applicant.objects.select_for_update().filter(credit_code=credit_code).first()
    if applicant is not None and Employer.objects.filter(applicant=applicant).exists():
        raise DomainError(_("An organisation with this unified social credit code is registered already."))
    if applicant is not None and applicant.kind != ApplicantKind.ENTERPRISE:
        raise DomainError(_("The applicant data is not valid."))
    if applicant is not None and not at_window and applicant.user_id not in (None, by.pk):
        raise PermissionDenied(_("This credit code is already bound to another account."))
    try:
        if applicant is None:
            applicant = Applicant(kind=ApplicantKind.ENTERPRISE, name=name.strip(), credit_code=credit_code)
            applicant.full_clean()
            applicant.save()
        employer = Employer(
            applicant=applicant,
            address=address.strip(),
            org_unit=org_unit,
            bank_name=bank_name.strip(),
            bank_account_name=bank_account_name.strip(),
            bank_account_number="".join(bank_account_number.split()),
            registered_by=by,
            registered_at_window=at_window,
        )
        employer.full_clean()
        with transaction.atomic():
            employer.save()
            if not at_window:
                EmployerAgent.objects.create(employer=employer, user=by, role=AgentRole.ADMIN, added_by=by)
    except ValidationError as error:
        raise DomainError(_("The applicant data is not valid."), details=error.messages) from error
    except IntegrityError:  # the same organisation or account registered a moment ago
        raise DomainError(_("An organisation with this unified social credit code is registered already.")) from None
    employer_event_record(employer=employer, by=by, action="register", note=applicant.name)
    return employer


def _portal_account(login: str) -> User | None:
    """An active portal account by its login name, mobile number or e-mail address."""
    login = (login or "").strip()
    if not login:
        return None
    accounts = User.objects.filter(role=Role.APPLICANT, is_active=True)
    return (
        accounts.filter(username__iexact=login).first()
        or accounts.filter(mobile=login).first()
        or (accounts.filter(email__iexact=login).first() if "@" in login else None)
    )


@transaction.atomic
def employer_agent_add(*, employer: Employer, login: str, role: str, by: User) -> EmployerAgent:
    """The organisation's administrator authorises an existing portal account (its login name, mobile or e-mail)."""
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if not EmployerAgent.objects.filter(employer=employer, user=by, role=AgentRole.ADMIN).exists():
        raise PermissionDenied(_("Only the organisation's administrator adds agents."))
    if role not in AgentRole.values:
        raise DomainError(_("Choose the agent's role."))
    user = _portal_account(login)
    if user is None:
        raise DomainError(_("No portal account has this login name, mobile number or e-mail address."))
    if EmployerAgent.objects.filter(user=user).exists():
        raise DomainError(_("This account already acts for an organisation."))
    try:
        with transaction.atomic():
            agent = EmployerAgent.objects.create(employer=employer, user=user, role=role, added_by=by)
    except IntegrityError:
        raise DomainError(_("This account already acts for an organisation.")) from None
    employer_event_record(employer=employer, by=by, action="agent_add", note=f"{actor_name(user)} ({AgentRole(role).label})")
    return agent


@transaction.atomic
def employer_claim_open(*, employer: Employer, programme: Programme, year: int, quarter: int, by: User) -> SocialInsuranceClaim:
    """The quarter's claim (opened now, or the one opened before), in the organisation's trail."""
    existed = SocialInsuranceClaim.objects.filter(
        programme=programme, employer=employer.applicant, year=year, quarter=quarter
    ).exists()
    claim = social_insurance_claim_open(employer=employer.applicant, programme=programme, year=year, quarter=quarter, by=by)
    if not existed:
        employer_event_record(employer=employer, by=by, action="claim_open", claim=claim, note=f"{year}Q{quarter}")
    return claim


def _draft_locked(claim: SocialInsuranceClaim, by: User) -> SocialInsuranceClaim:
    claim = (
        SocialInsuranceClaim.objects.select_for_update(of=("self",))
        .select_related("employer", "rules", "programme")
        .get(pk=claim.pk)
    )
    if not employer_acts_for(employer=claim.employer, by=by):
        raise PermissionDenied(_("Only the employer's own account may file its claims."))
    if claim.status != ClaimStatus.DRAFT:
        raise TransitionForbidden(_("The roster of this quarter has been submitted already."))
    return claim


@transaction.atomic
def roster_upload_check(*, claim: SocialInsuranceClaim, content: bytes, filename: str, by: User) -> RosterReport:
    """Check every row of the file against the claim; keep the file for the submission. The claim, its rows and the
    ledger are not touched. An unreadable file (empty, too large, too many rows, wrong encoding or header) raises
    InvalidImport and keeps nothing."""
    claim = _draft_locked(claim, by)
    report = roster_check(claim=claim, content=content)
    RosterUpload.objects.update_or_create(
        claim=claim,
        defaults={
            "filename": filename[:200],
            "sha256": hashlib.sha256(content).hexdigest(),
            "content": crypto.encrypt(base64.b64encode(content).decode("ascii")),
            "valid_rows": len(report.valid),
            "refused_rows": len(report.refused),
            "uploaded_by": by,
        },
    )
    employer_event_record(
        employer=_employer_of(claim.employer),
        by=by,
        action="roster_check",
        claim=claim,
        note=_("%(file)s: %(valid)s valid rows, %(refused)s refused")
        % {"file": filename[:200], "valid": len(report.valid), "refused": len(report.refused)},
    )
    return report


def roster_upload_content(upload: RosterUpload) -> bytes:
    return base64.b64decode(crypto.decrypt(upload.content))


@transaction.atomic
def employer_roster_submit(*, claim: SocialInsuranceClaim, sha256: str, by: User, only_valid_rows: bool) -> RosterReport:
    """Submit the roster last checked (the one whose digest the employer saw): whole, or its valid rows only. A
    refusal leaves the claim, its rows, the ledger and the checked file as they were."""
    claim = _draft_locked(claim, by)
    upload = RosterUpload.objects.filter(claim=claim).first()
    if upload is None:
        raise TransitionForbidden(_("Upload the roster and check it before submitting."))
    if upload.sha256 != sha256:
        raise TransitionForbidden(_("Another roster was checked for this quarter in the meantime; look at its report first."))
    content = roster_upload_content(upload)
    report = roster_submit(claim=claim, content=content, filename=upload.filename, by=by, only_valid_rows=only_valid_rows)
    upload.delete()
    claim.refresh_from_db()
    employer_event_record(
        employer=_employer_of(claim.employer),
        by=by,
        action="roster_submit",
        claim=claim,
        note=_("%(file)s: %(valid)s rows submitted, %(refused)s left out, ¥%(total)s")
        % {"file": upload.filename, "valid": len(report.valid), "refused": len(report.refused), "total": claim.total_amount},
    )
    return report
