"""Reads for the portal. Every case goes through cases.selectors.applications_for_user: applicants see their own,
community officers their unit's."""

from django.db.models import QuerySet
from django.http import Http404

from cases.constants import Status, UnitLevel
from cases.models import Application, Attachment, CorrectionRequest, Loan, Notification, OrgUnit, Programme, User
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
)
from cases.services.loans import loans_for_user
from documents.constants import DocumentKind, DocumentStatus
from documents.models import Document


def portal_programmes() -> QuerySet[Programme]:
    return Programme.objects.filter(active=True).order_by("code")


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
