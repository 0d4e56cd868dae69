"""Reads for the portal. Every case goes through cases.selectors.applications_for_user: applicants see their own,
community officers their unit's."""

from django.db.models import Count, QuerySet
from django.http import Http404

from cases.constants import ProgrammeKind, Status, UnitLevel
from cases.models import (
    Application,
    Attachment,
    CorrectionRequest,
    Employer,
    EmployerAgent,
    EmployerEvent,
    Loan,
    Notification,
    OrgUnit,
    Programme,
    RosterRow,
    SocialInsuranceClaim,
    User,
)
from cases.selectors import (
    CorrectionSlot,
    application_attachments,
    application_attachments_current,
    application_decision_expected_on,
    application_timeline,
    applications_for_user,
    attachment_for_user,
    correction_due_on,
    correction_slots,
    employers_for_user,
    social_insurance_claims_for_user,
)
from cases.services.loans import loans_for_user
from documents.constants import DocumentKind, DocumentStatus
from documents.models import Document


def portal_programmes() -> QuerySet[Programme]:
    """Programmes a person applies for; the employer social-insurance subsidy and the training subsidy (claimed by
    training providers) have their own pages."""
    return (
        Programme.objects.filter(active=True)
        .exclude(kind__in=(ProgrammeKind.SOCIAL_INSURANCE, ProgrammeKind.TRAINING))
        .order_by("code")
    )


def portal_programme(*, code: str) -> Programme:
    programme = portal_programmes().filter(code=code).first()
    if programme is None:
        raise Http404
    return programme


def portal_cases_for(*, user: User) -> QuerySet[Application]:
    return applications_for_user(user=user).order_by("-id")[:50]


def portal_case_for(*, user: User, public_id) -> Application:
    """404 for a case the user may not see: no hint that it exists."""
    application = applications_for_user(user=user).filter(public_id=public_id).first()
    if application is None:
        raise Http404
    return application


def portal_attachment_for(*, user: User, public_id, pk: int) -> Attachment:
    """One evidence file of a case the user may see; 404 for any other, as for the case."""
    attachment = attachment_for_user(user=user, public_id=public_id, pk=pk)
    if attachment is None:
        raise Http404
    return attachment


def portal_attachments(*, application: Application) -> QuerySet[Attachment]:
    return application_attachments(application=application)


def portal_attachments_current(*, application: Application) -> list[Attachment]:
    """The file that counts in each upload slot."""
    return application_attachments_current(application=application)


def portal_status_history(*, application: Application) -> list[dict]:
    """Every status the case went through, with its date (draft edits and claims are left out)."""
    return [
        {"at": entry.created_at, "status": entry.to_status, "label": Status(entry.to_status).label}
        for entry in application_timeline(application=application)
        if entry.action == "create" or entry.from_status != entry.to_status
    ]


def portal_open_correction(*, application: Application) -> CorrectionRequest | None:
    if application.status != Status.RETURNED_FOR_CORRECTION:
        return None
    return application.corrections.filter(answered_at__isnull=True).first()


def portal_correction_slots(*, correction: CorrectionRequest) -> list[CorrectionSlot]:
    return correction_slots(request=correction)


def portal_correction_due_on(*, correction: CorrectionRequest):
    return correction_due_on(request=correction)


def portal_decision_expected_on(*, application: Application):
    return application_decision_expected_on(application=application)


def portal_receipt(*, application: Application) -> Document | None:
    return portal_documents(application=application).filter(kind=DocumentKind.SUBMISSION_RECEIPT).first()


def portal_documents(*, application: Application) -> QuerySet[Document]:
    return application.documents.filter(status=DocumentStatus.VALID).order_by("issued_at", "id")


def portal_notifications_for(*, user: User) -> QuerySet[Notification]:
    cases = applications_for_user(user=user).values("pk")
    return Notification.objects.filter(application__in=cases, channel="portal").select_related("application")[:50]


def portal_communities() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(level=UnitLevel.COMMUNITY).select_related("parent").order_by("path")


def portal_loans_for(*, user: User) -> list[Loan]:
    """ "My loans": only the loans the user borrowed (a staff account sees none here)."""
    if not user.is_authenticated:
        return []
    return list(
        loans_for_user(user=user)
        .filter(application__applicant__user=user)
        .select_related("application__programme")
        .order_by("-pk")
    )


def portal_loan_for(*, user: User, public_id) -> Loan:
    """The user's own loan on the case `public_id`; 404 for any other."""
    if not user.is_authenticated:
        raise Http404
    loan = loans_for_user(user=user).filter(application__applicant__user=user, application__public_id=public_id).first()
    if loan is None:
        raise Http404
    return loan


def portal_roster_programme() -> Programme | None:
    """The employer social-insurance subsidy, when it is open."""
    return Programme.objects.filter(active=True, kind=ProgrammeKind.SOCIAL_INSURANCE).order_by("code").first()


def portal_employers_for(*, user: User) -> QuerySet[Employer]:
    return employers_for_user(user=user).order_by("applicant__name", "pk")


def portal_employer_for(*, user: User, public_id) -> Employer:
    """An organisation the user acts for (an agent's own, a window officer's town's); 404 for any other."""
    employer = employers_for_user(user=user).filter(public_id=public_id).first()
    if employer is None:
        raise Http404
    return employer


def portal_employer_claims(*, user: User, employer: Employer) -> QuerySet[SocialInsuranceClaim]:
    return (
        social_insurance_claims_for_user(user=user)
        .filter(employer_id=employer.applicant_id)
        .annotate(rows=Count("roster_rows"))
        .order_by("-year", "-quarter", "-pk")
    )


def portal_employer_claim(*, user: User, employer: Employer, year: int, quarter: int) -> SocialInsuranceClaim:
    claim = (
        social_insurance_claims_for_user(user=user)
        .filter(employer_id=employer.applicant_id, year=year, quarter=quarter)
        .select_related("rules")
        .order_by("pk")
        .first()
    )
    if claim is None:
        raise Http404
    return claim


def portal_employer_agents(*, employer: Employer) -> QuerySet[EmployerAgent]:
    return employer.agents.select_related("user").order_by("added_at", "pk")


def portal_employer_events(*, employer: Employer) -> QuerySet[EmployerEvent]:
    return employer.events.order_by("-created_at", "-pk")[:20]


def portal_roster_rows(*, claim: SocialInsuranceClaim) -> QuerySet[RosterRow]:
    return claim.roster_rows.order_by("line")[:500]
