"""Issue documents: number, render, store with SHA-256. One document per step (step_key); an issued document is
never overwritten: a re-issue gets a new number and supersedes the old one, both stay on record. Every number a
counter gives is in the number register (DocumentNumber): reserved for a step, used by its document, or void with
the reason."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cases.constants import Role, UnitLevel
from cases.models import Application, OrgUnit, PaymentBatch, Programme, PublicityBatch, User
from cases.services import outbox_item_claim, outbox_item_done, outbox_item_failed
from cases.services.audit import audit_record
from cases.services.locks import case_lock
from documents.constants import TITLES, TITLES_EN, DocumentKind, DocumentLanguage, DocumentStatus
from documents.contexts import case_document_context, payment_list_context, publicity_context
from documents.exceptions import (
    DocumentAlreadySuperseded,
    ReissueNotAllowed,
    ReissueReasonMissing,
)
from documents.models import Document, new_token
from documents.numbering import (
    NumberAlreadyUsed,
    document_number_failed,
    document_number_reserve,
    document_number_use,
    document_number_void,
)
from documents.rendering import render_pdf
from documents.selectors import document_visible_to
from documents.venture import VENTURE_DISTRICT_KINDS

DISTRICT_KINDS = {
    DocumentKind.APPROVAL_DECISION,
    DocumentKind.PUBLICITY_LIST,
    DocumentKind.PAYMENT_NOTICE,
    DocumentKind.PAYMENT_LIST,
    *VENTURE_DISTRICT_KINDS,
}
# Staff who may correct a document in their scope; managers, auditors, experts and applicants only read.
REISSUERS = {
    Role.COMMUNITY_OFFICER,
    Role.TOWN_REVIEWER,
    Role.DISTRICT_REVIEWER,
    Role.DISTRICT_APPROVER,
    Role.FINANCE_OFFICER,
    Role.ADMINISTRATOR,
}


def document_language_for(*, programme: Programme) -> str:
    """Simplified Chinese unless the programme is listed in settings.DOCUMENTS_ENGLISH_PROGRAMMES (programme codes)."""
    english = getattr(settings, "DOCUMENTS_ENGLISH_PROGRAMMES", ())
    return DocumentLanguage.ENGLISH if programme.code in english else DocumentLanguage.CHINESE


def _unit_title(unit: OrgUnit, language: str) -> str:
    if language == DocumentLanguage.ENGLISH:
        name = unit.name_en or unit.name
        if unit.level == UnitLevel.DISTRICT:
            return f"{name} Human Resources and Social Security Bureau"
        return f"{name} Labour Security Service Office" if unit.level == UnitLevel.TOWN else f"{name} Employment Service Station"
    if unit.level == UnitLevel.DISTRICT:
        return f"{unit.name}人力资源和社会保障局"
    return f"{unit.name}劳动保障服务所" if unit.level == UnitLevel.TOWN else f"{unit.name}公共就业服务站"


def _qr_data_uri(url: str) -> str:
    # One pixel per module, drawn without interpolation (print.css: image-rendering: pixelated): sharp at any size
    # and cheaper to render than SVG. A fixed mask pattern skips scoring all eight masks (3.5 ms -> 0.7 ms); any
    # mask scans.
    return segno.make(url, error="m", mask=0).png_data_uri(scale=1, border=1)


def _issued_on(issued_at, language: str) -> str:
    day = timezone.localtime(issued_at).date()
    if language == DocumentLanguage.ENGLISH:
        return f"{day:%d %B %Y}"
    return f"{day.year}年{day.month}月{day.day}日"


def document_html(
    *, kind: str, number: str, token: str, unit: OrgUnit, context: dict, issued_at, language: str = DocumentLanguage.CHINESE
) -> str:
    """The official layout: issuing unit header, title, number, body, seal area, date, verification QR code."""
    verify_url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("verify", args=[token])
    english = language == DocumentLanguage.ENGLISH
    context = {
        **context,
        "title": (TITLES_EN if english else TITLES)[DocumentKind(kind)],
        "number": number,
        "issuing_unit_title": _unit_title(unit, language),
        "issued_on": _issued_on(issued_at, language),
        "verify_url": verify_url,
        "qr_data_uri": _qr_data_uri(verify_url),
        "language": language,
    }
    template = f"documents/en/{kind}.html" if english else context.get("si_template") or f"documents/{kind}.html"
    with translation.override(language):
        return render_to_string(template, context)


def document_render(
    *, kind: str, number: str, token: str, unit: OrgUnit, context: dict, issued_at, language: str = DocumentLanguage.CHINESE
) -> bytes:
    html = document_html(
        kind=kind, number=number, token=token, unit=unit, context=context, issued_at=issued_at, language=language
    )
    return render_pdf(html)


@dataclass(frozen=True)
class _Subject:
    context: dict
    programme: Programme
    unit: OrgUnit


def _subject(
    *,
    kind: str,
    application: Application | None,
    publicity_batch: PublicityBatch | None,
    payment_batch: PaymentBatch | None,
    subject: dict,
) -> _Subject:
    if application is not None:
        context, programme, base_unit = (
            case_document_context(kind=kind, application=application, subject=subject),
            application.programme,
            application.org_unit,
        )
    elif publicity_batch is not None:
        context, programme, base_unit = publicity_context(publicity_batch), publicity_batch.programme, publicity_batch.org_unit
    elif payment_batch is not None:
        context, programme, base_unit = payment_list_context(payment_batch), payment_batch.programme, payment_batch.org_unit
    else:
        raise ValueError("A document is about a case, a publicity batch or a payment batch.")
    return _Subject(context=context, programme=programme, unit=_issuing_unit(kind, application, base_unit))


def _issuing_unit(kind: str, application: Application | None, fallback: OrgUnit) -> OrgUnit:
    if application is None or kind in DISTRICT_KINDS:
        return fallback.ancestor_at(UnitLevel.DISTRICT)
    last = application.opinions.select_related("org_unit").order_by("-id").first()
    return last.org_unit if last else application.org_unit


def document_issue(
    *,
    kind: str,
    step_key: str,
    application: Application | None = None,
    publicity_batch: PublicityBatch | None = None,
    payment_batch: PaymentBatch | None = None,
    subject: dict | None = None,
    language: str | None = None,
    supersedes: Document | None = None,
    by: User | None = None,
    reason: str = "",
    on_insert: Callable[[Document], None] | None = None,
) -> Document:
    """Issue the document for one step. Issuing the same step again (retry, duplicate task) returns the existing one.

    Three steps, none holding a lock across the render: (1) the number is reserved in a transaction of its own
    (document_number_reserve: a retry takes the step's reserved number again); (2) the PDF is rendered and stored
    outside any transaction; (3) one short transaction marks the number used, inserts the row, supersedes the
    previous version and runs `on_insert` (the outbox item done, the audit row). An attempt that finds the number
    used by another attempt discards its file and returns that attempt's document.
    """
    document, _ = _document_issue(
        kind=kind,
        step_key=step_key,
        application=application,
        publicity_batch=publicity_batch,
        payment_batch=payment_batch,
        subject=subject,
        language=language,
        supersedes=supersedes,
        by=by,
        reason=reason,
        on_insert=on_insert,
    )
    return document


def _document_issue(
    *, kind, step_key, application, publicity_batch, payment_batch, subject, language, supersedes, by, reason, on_insert
):
    """document_issue, saying whether this call issued the document (False: found, issued by an earlier attempt)."""
    existing = Document.objects.filter(step_key=step_key).first()
    if existing:
        return existing, False
    about = subject or {}
    subject = _subject(
        kind=kind, application=application, publicity_batch=publicity_batch, payment_batch=payment_batch, subject=about
    )
    reservation = document_number_reserve(
        step_key=step_key, unit=subject.unit, kind=kind, programme_word=subject.programme.document_word
    )
    document = Document(
        kind=kind,
        number=reservation.number,
        step_key=step_key,
        application=application,
        publicity_batch=publicity_batch,
        payment_batch=payment_batch,
        subject=about,
        issuing_unit=subject.unit,
        # Dated the day its number was given, so the date and the year in the number always agree.
        issued_at=reservation.reserved_at,
        language=language or document_language_for(programme=subject.programme),
        token=new_token(),
        supersedes=supersedes,
        issued_by=by,
        reason=reason,
    )
    try:
        _pdf_attach(document, context=subject.context)
    except BaseException as error:
        _file_discard(document)
        document_number_failed(reservation, error)
        raise
    try:
        with transaction.atomic():
            if supersedes is not None:
                _supersedable_lock(supersedes)
            document_number_use(reservation, step_key=step_key)
            document.save()
            if supersedes is not None:
                _supersede(supersedes)
            if on_insert is not None:
                on_insert(document)
    except (NumberAlreadyUsed, IntegrityError):
        _file_discard(document)
        found = Document.objects.filter(step_key=step_key).first()
        if found is None:
            raise
        if found.number != reservation.number:
            document_number_void(number=reservation.number, reason=f"the step was issued as {found.number}")
        return found, False
    except BaseException as error:
        _file_discard(document)
        document_number_failed(reservation, error)
        raise
    return document, True


def _supersedable_lock(previous: Document) -> None:
    """The case first, then the document (ADR 0003); only a valid document can be replaced."""
    if previous.application_id:
        case_lock(pk=previous.application_id)
    if Document.objects.select_for_update().get(pk=previous.pk).status != DocumentStatus.VALID:
        raise DocumentAlreadySuperseded()


def _pdf_attach(document: Document, *, context: dict) -> None:
    """Render the numbered document and put the PDF in storage under its token, with its size and digest."""
    pdf = document_render(
        kind=document.kind,
        number=document.number,
        token=document.token,
        unit=document.issuing_unit,
        context=context,
        issued_at=document.issued_at,
        language=document.language,
    )
    document.size = len(pdf)
    document.sha256 = hashlib.sha256(pdf).hexdigest()
    document.file.save(f"{document.token}.pdf", ContentFile(pdf), save=False)


def _supersede(previous: Document) -> None:
    """The previous document stops being valid; only a valid one can be superseded, and only once."""
    changed = Document.objects.filter(pk=previous.pk, status=DocumentStatus.VALID).update(status=DocumentStatus.SUPERSEDED)
    if changed != 1:
        raise DocumentAlreadySuperseded()


def _file_discard(document: Document) -> None:
    """Remove a PDF stored for a document whose row was not kept."""
    if document.file.name:
        document.file.storage.delete(document.file.name)


def document_issue_owed(*, item_id: int) -> Document | None:
    """Issue the document an outbox item records; the item is marked done in the transaction that inserts it.

    A delivery that finds the item done, or held by another worker, issues nothing; two deliveries that both start
    share the step's number and the second one finds the document inserted (None). A failure is noted on the item,
    which stays pending for the next dispatch (and keeps its reserved number)."""
    try:
        with transaction.atomic():
            item = outbox_item_claim(item_id=item_id)
        if item is None:
            return None
        owed = item.payload
        document, issued = _document_issue(
            kind=owed["kind"],
            step_key=item.key,
            application=_owed_subject(Application, item.application_id),
            publicity_batch=_owed_subject(PublicityBatch, owed.get("publicity_batch")),
            payment_batch=_owed_subject(PaymentBatch, owed.get("payment_batch")),
            subject=owed.get("subject") or None,
            language=None,
            supersedes=None,
            by=None,
            reason="",
            on_insert=lambda document: outbox_item_done(item=item),
        )
        if not issued:
            outbox_item_done(item=item)
            return None
    except Exception as error:
        outbox_item_failed(item_id=item_id, error=error)
        raise
    return document


def _owed_subject(model, pk: int | None):
    """The case or batch an owed document is about, with what the document prints; None when it is not about one."""
    if pk is None:
        return None
    related = ("programme", "applicant", "org_unit") if model is Application else ("programme", "org_unit")
    return model.objects.select_related(*related).get(pk=pk)


def _may_reissue(*, user: User, document: Document) -> bool:
    return (
        user.is_authenticated and user.is_active and user.role in REISSUERS and document_visible_to(user=user, document=document)
    )


def document_reissue(*, document: Document, by: User, reason: str) -> Document:
    """A new version with a new number that supersedes `document`; both stay on record; the case audit says why.

    The new version renders outside any lock; the insert transaction locks the case, then the old document, and
    refuses when another re-issue replaced it meanwhile."""
    reason = (reason or "").strip()
    if not reason:
        raise ReissueReasonMissing()
    if not _may_reissue(user=by, document=document):
        raise ReissueNotAllowed()
    old = Document.objects.select_related("application").get(pk=document.pk)
    if old.status != DocumentStatus.VALID:
        raise DocumentAlreadySuperseded()

    def audit(new: Document) -> None:
        if old.application_id:
            audit_record(
                application=old.application,
                by=by,
                action="document_reissued",
                from_status=Application.objects.get(pk=old.application_id).status,  # locked by the insert
                comment=f"{old.number} -> {new.number}: {reason}",
            )

    return document_issue(
        kind=old.kind,
        step_key=f"reissue:{old.pk}",
        application=old.application,
        publicity_batch=old.publicity_batch,
        payment_batch=old.payment_batch,
        subject=old.subject,
        language=old.language,
        supersedes=old,
        by=by,
        reason=reason,
        on_insert=audit,
    )
