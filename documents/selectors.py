from cases.models import User
from cases.selectors import application_visible_to
from documents.models import Document


def document_visible_to(*, user: User, document: Document) -> bool:
    if document.application_id:
        return application_visible_to(user=user, application=document.application)
    # Batch documents: staff whose unit contains the batch's unit.
    batch = document.publicity_batch or document.payment_batch
    return (
        user.is_authenticated
        and user.role != "applicant"
        and user.org_unit_id is not None
        and batch is not None
        and user.org_unit.contains(batch.org_unit)
    )
