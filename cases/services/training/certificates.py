"""Reading the certificate register: the public verification by token, and the check another programme makes of a
certificate number an applicant gives (the loan's training requirement)."""

from django.db import transaction
from django.utils.translation import gettext as _

from cases.crypto import lookup_digest
from cases.exceptions import DomainError, PermissionDenied
from cases.models import Application, User
from cases.models.training import CertificateCitation, TrainingCertificate
from cases.selectors import application_visible_to
from cases.services.audit import audit_record


def certificate_by_token(token: str) -> TrainingCertificate | None:
    return (
        TrainingCertificate.objects.select_related("trainee__training_class__provider__employer__applicant")
        .filter(token=token)
        .first()
    )


def certificate_of_person(*, number: str, id_number: str) -> TrainingCertificate:
    """The certificate with this number issued to the person with this citizen ID; DomainError otherwise (a number
    unknown to the register, or issued to someone else: both read as not found, revealing nothing)."""
    number = "".join((number or "").split()).upper()
    certificate = TrainingCertificate.objects.filter(number=number).first() if number else None
    if certificate is None or certificate.person_digest != lookup_digest(id_number):
        raise DomainError(_("No training certificate with the number %(n)s was issued to this applicant.") % {"n": number or "—"})
    return certificate


@transaction.atomic
def certificate_cite(*, application: Application, number: str, by: User) -> CertificateCitation:
    """The applicant (or the officer filing for them) cites their training certificate on a case of theirs; a
    second citation replaces the first."""
    application = Application.objects.select_for_update(of=("self",)).select_related("applicant").get(pk=application.pk)
    own = application.applicant.user_id == by.pk or application.filed_by_id == by.pk
    if not own and not application_visible_to(user=by, application=application):
        raise PermissionDenied()
    if not application.applicant.id_number:
        raise DomainError(_("Only a person holds a training certificate."))
    certificate = certificate_of_person(number=number, id_number=application.applicant.id_number)
    citation, _created = CertificateCitation.objects.update_or_create(
        application=application, defaults={"certificate": certificate, "cited_by": by}
    )
    audit_record(
        application=application,
        by=by,
        action="training_certificate_cite",
        from_status=application.status,
        comment=certificate.number,
    )
    return citation


def certificate_cited(*, application: Application) -> TrainingCertificate | None:
    """The certificate that counts for a case: the one it cites, checked again against its applicant, else one the
    register holds for the applicant's citizen ID (a person trained here needs neither a number nor an upload)."""
    if not application.applicant.id_number:
        return None
    digest = lookup_digest(application.applicant.id_number)
    citation = CertificateCitation.objects.filter(application=application).select_related("certificate").first()
    if citation is not None and citation.certificate.person_digest == digest:
        return citation.certificate
    return TrainingCertificate.objects.filter(person_digest=digest).order_by("issued_at", "id").first()
