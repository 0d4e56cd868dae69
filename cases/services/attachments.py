"""Evidence files of a case: one file per upload slot. A document kind is a slot; each free-text item of an open
correction notice has its own slot (cases.selectors.correction_slots). Uploading to a filled slot replaces its file:
the older version stays on record, marked superseded (cases.selectors.application_attachments). Before submission
the applicant may delete a slot's file; after it, files are only replaced.

Order in every write: the file is parsed and cleaned before anything is locked (a refused file changes nothing),
then lock, check permission and status, write, audit.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from cases.constants import AttachmentKind, Status
from cases.exceptions import DomainError, TransitionForbidden
from cases.models import Application, Attachment, User
from cases.selectors import correction_slots
from cases.services.applications import _assert_applicant_side
from cases.services.audit import audit_record
from cases.services.locks import case_locked
from cases.uploads import CleanUpload, upload_clean


def attachment_add(*, application: Application, by: User, kind: str, content: bytes, name: str, slot: str = "") -> Attachment:
    """Store one evidence file in its slot (replacing the slot's file, which stays on record as superseded). It is
    parsed and cleaned first (cases.uploads.upload_clean), before the case is locked: a refused file raises
    UploadRejected and changes nothing. What is stored is the cleaned file."""
    clean = upload_clean(content=content, name=name)
    return _attachment_store(application=application, by=by, kind=kind, slot=slot, clean=clean)


def _slot_check(application: Application, *, kind: str, slot: str) -> None:
    """A document kind takes no slot name; "other" only a free-text item's slot of the open correction notice."""
    if kind not in AttachmentKind.values:
        raise DomainError(_("Unknown document kind."))
    if kind != AttachmentKind.OTHER:
        if slot:
            raise DomainError(_("Unknown upload slot."))
        return
    request = application.corrections.filter(answered_at__isnull=True).first()
    free_slots = {s.slot for s in correction_slots(request=request) if not s.named_kind} if request else set()
    if application.status != Status.RETURNED_FOR_CORRECTION or slot not in free_slots:
        raise DomainError(_("Unknown upload slot."))


@transaction.atomic
def _attachment_store(*, application: Application, by: User, kind: str, slot: str, clean: CleanUpload) -> Attachment:
    application = case_locked(application)
    _assert_applicant_side(user=by, application=application)
    if application.status not in (Status.DRAFT, Status.RETURNED_FOR_CORRECTION):
        raise TransitionForbidden(_("Documents can be added only to a draft or a case returned for correction."))
    _slot_check(application, kind=kind, slot=slot)
    attachment = Attachment(
        application=application,
        kind=kind,
        slot=slot,
        original_name=clean.name[:200],
        content_type=clean.content_type,
        size=clean.size,
        sha256=clean.sha256,
        uploaded_by=by,
    )
    attachment.file.save(clean.name, ContentFile(clean.content), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_delete(*, application: Application, by: User, attachment_id: int) -> None:
    """Delete a slot's file, with its earlier versions, from a draft: nothing of a draft is on record yet. After
    submission files are only replaced (the old version stays). The stored files go once the deletion commits."""
    application = case_locked(application)
    _assert_applicant_side(user=by, application=application)
    if application.status != Status.DRAFT:
        raise TransitionForbidden(_("Files can be deleted only before the application is submitted; replace it instead."))
    attachment = application.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise DomainError(_("This file is not part of the application."))
    versions = list(application.attachments.filter(kind=attachment.kind, slot=attachment.slot))
    names = [version.file.name for version in versions if version.file.name]
    storage = attachment.file.storage
    application.attachments.filter(pk__in=[version.pk for version in versions]).delete()
    audit_record(
        application=application,
        by=by,
        action="attachment_delete",
        from_status=application.status,
        comment=f"{attachment.kind}: {attachment.original_name}",
    )
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
