from cases.auth import FLOW_VIEW
from cases.models import User
from cases.selectors import application_visible_to
from documents.constants import DocumentKind, DocumentStatus, NumberStatus
from documents.models import Document, DocumentNumber

# A payment list carries every payee's account number: only those who pay, approve or audit may read it.
PAYMENT_LIST_READERS = ("cases.prepare_payment", "cases.approve_application", "cases.view_statistics")


def document_visible_to(*, user: User, document: Document) -> bool:
    if document.application_id:
        return application_visible_to(user=user, application=document.application)
    # Batch documents: government staff whose unit contains the batch's unit (never a bank officer or an expert).
    batch = document.publicity_batch or document.payment_batch
    if not (user.is_authenticated and batch is not None and user.org_unit_id is not None and user.has_perm(FLOW_VIEW)):
        return False
    if document.kind == DocumentKind.PAYMENT_LIST and not any(user.has_perm(p) for p in PAYMENT_LIST_READERS):
        return False
    return user.org_unit.contains(batch.org_unit)


def publicity_list_current(*, batch) -> Document | None:
    """The valid publicity list PDF of a batch (the public copy served on the publicity board)."""
    return batch.documents.filter(kind=DocumentKind.PUBLICITY_LIST, status=DocumentStatus.VALID).order_by("-issued_at").first()


def publicity_list_public(*, token: str) -> Document | None:
    """A publicity list by its token, for anyone: no other kind of document is served this way."""
    return Document.objects.filter(token=token, kind=DocumentKind.PUBLICITY_LIST, status=DocumentStatus.VALID).first()


def document_numbers_void():
    """The register's void numbers, each with the step it was reserved for and the reason: the explained gaps."""
    return DocumentNumber.objects.filter(status=NumberStatus.VOID).order_by("series", "value")
