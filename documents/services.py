"""Issue documents: number, render, store with SHA-256. One document per step (step_key); an issued document is
never overwritten: a re-issue gets a new number and supersedes the old one, both stay on record."""

import hashlib
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
from cases.services import counter_next, outbox_item_claim, outbox_item_done, outbox_item_failed
from cases.services.audit import audit_record
from cases.services.locks import case_lock
from documents.constants import TITLES, TITLES_EN, DocumentKind, DocumentLanguage, DocumentStatus
from documents.contexts import case_document_context, payment_list_context, publicity_context
from documents.exceptions import DocumentAlreadySuperseded, ReissueNotAllowed, ReissueReasonMissing
from documents.models import Document, new_token
from documents.rendering import render_pdf
from documents.selectors import document_visible_to
from documents.venture import VENTURE_DISTRICT_KINDS

KIND_WORD = {
    DocumentKind.SUBMISSION_RECEIPT: "收",
    DocumentKind.ACCEPTANCE_NOTICE: "受",
    DocumentKind.CORRECTION_NOTICE: "告",
    DocumentKind.REVIEW_OPINION: "审",
    DocumentKind.APPROVAL_DECISION: "决",
    DocumentKind.REFUSAL_NOTICE: "驳",
    DocumentKind.PUBLICITY_LIST: "公",
    DocumentKind.PAYMENT_NOTICE: "拨",
    DocumentKind.PAYMENT_LIST: "清",
    DocumentKind.VENTURE_PANEL_RECORD: "评",
    DocumentKind.VENTURE_APPROVAL_DECISION: "决",
    DocumentKind.VENTURE_REFUSAL_NOTICE: "驳",
    DocumentKind.LOAN_CERTIFICATE: "资",
    DocumentKind.LOAN_SUBSIDY_STATEMENT: "息",
}
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


class _AlreadyIssued(Exception):
    """Raised inside the numbering transaction to roll the counter back when another worker issued the step."""


def document_number_next(*, unit: OrgUnit, kind: str, programme_word: str, year: int) -> str:
    """余人社创决〔2026〕00123号: gapless per issuing unit x kind x year.

    The counter row stays locked until the caller's transaction ends, so the caller must insert the document in
    the same transaction: a rollback gives the number back, a commit uses it. No gap, no duplicate.
    """
    value = counter_next(key=f"doc:{unit.code}:{kind}:{programme_word}:{year}")
    prefix = unit.document_prefix or unit.name
    return f"{prefix}人社{programme_word}{KIND_WORD[DocumentKind(kind)]}〔{year}〕{value:05d}号"


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
) -> Document:
    """Issue the document for one step. Issuing the same step again (retry, duplicate task) returns the existing one.

    Numbering, rendering and the insert share one transaction: the counter row lock serialises issuers of the same
    unit x kind x year, a second issuer of the same step sees the first one's row once it holds the lock and rolls
    its increment back, so a duplicate never consumes a number.
    """
    existing = Document.objects.filter(step_key=step_key).first()
    if existing:
        return existing
    about = subject or {}
    subject = _subject(
        kind=kind, application=application, publicity_batch=publicity_batch, payment_batch=payment_batch, subject=about
    )
    issued_at = timezone.now()
    document = Document(
        kind=kind,
        step_key=step_key,
        application=application,
        publicity_batch=publicity_batch,
        payment_batch=payment_batch,
        subject=about,
        issuing_unit=subject.unit,
        issued_at=issued_at,
        language=language or document_language_for(programme=subject.programme),
        token=new_token(),
        supersedes=supersedes,
        issued_by=by,
        reason=reason,
    )
    try:
        _document_store(document, subject=subject, supersedes=supersedes)
    except (_AlreadyIssued, IntegrityError):
        _file_discard(document)
        found = Document.objects.filter(step_key=step_key).first()
        if found is None:
            raise
        return found
    except BaseException:
        _file_discard(document)
        raise
    return document


def _document_store(document: Document, *, subject: _Subject, supersedes: Document | None) -> None:
    """Number, render and insert in one transaction (the order document_issue explains)."""
    with transaction.atomic():
        document.number = document_number_next(
            unit=subject.unit,
            kind=document.kind,
            programme_word=subject.programme.document_word,
            year=timezone.localdate(document.issued_at).year,
        )
        if Document.objects.filter(step_key=document.step_key).exists():
            raise _AlreadyIssued()
        _pdf_attach(document, context=subject.context)
        document.save()
        if supersedes is not None:
            _supersede(supersedes)


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
    """Issue the document an outbox item records, and mark the item done in the same transaction.

    The item row is locked (skipping it when another worker holds it), so two deliveries of one item issue one
    document; a delivery that finds the item done issues nothing. A failure is noted on the item, which stays
    pending for the next dispatch."""
    try:
        with transaction.atomic():
            item = outbox_item_claim(item_id=item_id)
            if item is None:
                return None
            owed = item.payload
            document = document_issue(
                kind=owed["kind"],
                step_key=item.key,
                application=_owed_subject(Application, item.application_id),
                publicity_batch=_owed_subject(PublicityBatch, owed.get("publicity_batch")),
                payment_batch=_owed_subject(PaymentBatch, owed.get("payment_batch")),
                subject=owed.get("subject") or None,
            )
            outbox_item_done(item=item)
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
    """A new version with a new number that supersedes `document`; both stay on record; the case audit says why."""
    reason = (reason or "").strip()
    if not reason:
        raise ReissueReasonMissing()
    if not _may_reissue(user=by, document=document):
        raise ReissueNotAllowed()
    with transaction.atomic():
        if document.application_id:
            case_lock(pk=document.application_id)  # the case first, then the document (ADR 0003)
        old = Document.objects.select_for_update().get(pk=document.pk)
        if old.status != DocumentStatus.VALID:
            raise DocumentAlreadySuperseded()
        new = document_issue(
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
        )
        if old.application_id:
            audit_record(
                application=old.application,
                by=by,
                action="document_reissued",
                from_status=old.application.status,
                comment=f"{old.number} -> {new.number}: {reason}",
            )
    return new
