"""Issue documents: number, render, store with SHA-256. One document per step (step_key); an issued document is
never overwritten: a re-issue gets a new number and supersedes the old one."""

import hashlib
from decimal import Decimal

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cases.constants import AttachmentKind, Decision, ReviewLevel, UnitLevel
from cases.identifiers import mask_citizen_id
from cases.models import Application, OrgUnit, PaymentBatch, PublicityBatch
from cases.money import format_yuan, yuan_in_capitals
from cases.services import counter_next
from cases.services.loans import loan_document_context
from documents.constants import TITLES, DocumentKind, DocumentStatus
from documents.models import Document, new_token
from documents.rendering import render_pdf

KIND_WORD = {
    DocumentKind.ACCEPTANCE_NOTICE: "受",
    DocumentKind.CORRECTION_NOTICE: "告",
    DocumentKind.REVIEW_OPINION: "审",
    DocumentKind.APPROVAL_DECISION: "决",
    DocumentKind.REFUSAL_NOTICE: "驳",
    DocumentKind.PUBLICITY_LIST: "公",
    DocumentKind.PAYMENT_NOTICE: "拨",
    DocumentKind.PAYMENT_LIST: "清",
    DocumentKind.LOAN_CERTIFICATE: "资",
    DocumentKind.LOAN_SUBSIDY_STATEMENT: "息",
}
DISTRICT_KINDS = {
    DocumentKind.APPROVAL_DECISION,
    DocumentKind.PUBLICITY_LIST,
    DocumentKind.PAYMENT_NOTICE,
    DocumentKind.PAYMENT_LIST,
}


def document_number_next(*, unit: OrgUnit, kind: str, programme_word: str, year: int) -> str:
    """余人社创决〔2026〕00123号: gapless per issuing unit x kind x year (row lock on the counter)."""
    value = counter_next(key=f"doc:{unit.code}:{kind}:{programme_word}:{year}")
    prefix = unit.document_prefix or unit.name
    return f"{prefix}人社{programme_word}{KIND_WORD[DocumentKind(kind)]}〔{year}〕{value:05d}号"


def _unit_title(unit: OrgUnit) -> str:
    if unit.level == UnitLevel.DISTRICT:
        return f"{unit.name}人力资源和社会保障局"
    return f"{unit.name}劳动保障服务所" if unit.level == UnitLevel.TOWN else f"{unit.name}公共就业服务站"


def _qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=1)


def _masked_bank(number: str) -> str:
    return "*" * max(len(number) - 4, 0) + number[-4:]


def _case_context(application: Application) -> dict:
    applicant = application.applicant
    return {
        "case": application,
        "masked_identifier": mask_citizen_id(applicant.id_number) if applicant.id_number else applicant.credit_code,
        "requested_yuan": format_yuan(application.requested_amount),
        "requested_capitals": yuan_in_capitals(application.requested_amount),
        "submitted_on": timezone.localtime(application.submitted_at).date() if application.submitted_at else "",
        "bank_masked": _masked_bank(application.bank_account_number),
        "bank_name": application.bank_name,
    }


def _opinion_rows(application: Application) -> list[dict]:
    return [
        {
            "level_label": ReviewLevel(o.level).label,
            "reviewer": o.reviewer.get_full_name() or o.reviewer.username,
            "date": timezone.localtime(o.created_at).date(),
            "decision_label": Decision(o.decision).label,
            "opinion": o.opinion,
        }
        for o in application.opinions.select_related("reviewer")
    ]


def case_document_context(*, kind: str, application: Application) -> dict:
    context = _case_context(application)
    last_opinion = application.opinions.select_related("reviewer").order_by("-id").first()
    if kind == DocumentKind.ACCEPTANCE_NOTICE:
        context["deadline"] = application.deadline
    elif kind == DocumentKind.CORRECTION_NOTICE:
        correction = application.corrections.order_by("-id").first()
        context["items"] = [
            {
                "kind_label": AttachmentKind(i["kind"]).label if i.get("kind") in AttachmentKind.values else "其他",
                "message": i["message"],
            }
            for i in correction.items
        ]
        context["level_label"] = ReviewLevel(correction.level).label
        context["reviewer_name"] = correction.requested_by.get_full_name() or correction.requested_by.username
    elif kind == DocumentKind.REVIEW_OPINION:
        context["opinions"] = _opinion_rows(application)
    elif kind == DocumentKind.APPROVAL_DECISION:
        context["approved_yuan"] = format_yuan(application.approved_amount)
        context["approved_capitals"] = yuan_in_capitals(application.approved_amount)
    elif kind == DocumentKind.REFUSAL_NOTICE:
        objection = application.objections.order_by("-id").first()
        context["reason"] = (
            (objection.decision_reason if objection and objection.status == "upheld" else last_opinion.opinion)
            if (objection or last_opinion)
            else ""
        )
        district = application.org_unit.ancestor_at(UnitLevel.DISTRICT)
        context["appeal_body"] = f"{district.name}人民政府"
    elif kind in (DocumentKind.LOAN_CERTIFICATE, DocumentKind.LOAN_SUBSIDY_STATEMENT):
        context.update(loan_document_context(application=application))
    elif kind == DocumentKind.PAYMENT_NOTICE:
        line = application.payment_lines.filter(status="paid").select_related("batch").get()
        context.update(
            paid_yuan=format_yuan(line.amount),
            paid_capitals=yuan_in_capitals(line.amount),
            paid_on=timezone.localtime(line.settled_at).date(),
            batch_number=line.batch.number,
            bank_name=line.bank_name,
            bank_masked=_masked_bank(line.account_number),
        )
    return context


def publicity_context(batch: PublicityBatch) -> dict:
    entries = batch.entries.select_related("application__applicant").order_by("id")
    rows = []
    total = Decimal("0")
    for entry in entries:
        applicant = entry.application.applicant
        rows.append(
            {
                "name": applicant.name,
                "masked_id": mask_citizen_id(applicant.id_number) if applicant.id_number else applicant.credit_code,
                "number": entry.application.number,
                "amount": f"{entry.amount:,.2f}",
            }
        )
        total += entry.amount
    return {
        "programme": batch.programme,
        "rows": rows,
        "starts_on": batch.starts_on,
        "ends_on": batch.ends_on,
        "total_yuan": format_yuan(total),
    }


def payment_list_context(batch: PaymentBatch) -> dict:
    rows = [
        {
            "payee": line.payee_name,
            "bank": line.bank_name,
            "account": line.account_number,
            "number": line.application.number,
            "amount": f"{line.amount:,.2f}",
        }
        for line in batch.lines.select_related("application").order_by("id")
    ]
    approver = batch.approved_by
    return {
        "batch": batch,
        "rows": rows,
        "total_yuan": format_yuan(batch.total),
        "total_capitals": yuan_in_capitals(batch.total),
        "approver_name": (approver.get_full_name() or approver.username) if approver else "",
    }


def _issuing_unit(kind: str, application: Application | None, fallback: OrgUnit) -> OrgUnit:
    if application is None or kind in DISTRICT_KINDS:
        return fallback.ancestor_at(UnitLevel.DISTRICT)
    last = application.opinions.select_related("org_unit").order_by("-id").first()
    return last.org_unit if last else application.org_unit


def document_render(
    *, kind: str, number: str, token: str, unit: OrgUnit, context: dict, issued_at, language: str = "zh-hans"
) -> bytes:
    verify_url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("verify", args=[token])
    context = {
        **context,
        "title": TITLES[DocumentKind(kind)],
        "number": number,
        "issuing_unit_title": _unit_title(unit),
        "issued_on": f"{timezone.localtime(issued_at):%Y年%m月%d日}",
        "verify_url": verify_url,
        "qr_data_uri": _qr_data_uri(verify_url),
        "language": language,
    }
    with translation.override(language):
        html = render_to_string(f"documents/{kind}.html", context)
    return render_pdf(html)


def document_issue(
    *,
    kind: str,
    step_key: str,
    application: Application | None = None,
    publicity_batch: PublicityBatch | None = None,
    payment_batch: PaymentBatch | None = None,
    supersedes: Document | None = None,
) -> Document:
    """Issue the document for one step. Issuing the same step again returns the existing document."""
    existing = Document.objects.filter(step_key=step_key).first()
    if existing:
        return existing
    if application is not None:
        context = case_document_context(kind=kind, application=application)
        programme, base_unit = application.programme, application.org_unit
    elif publicity_batch is not None:
        context, programme, base_unit = publicity_context(publicity_batch), publicity_batch.programme, publicity_batch.org_unit
    else:
        context, programme, base_unit = payment_list_context(payment_batch), payment_batch.programme, payment_batch.org_unit
    unit = _issuing_unit(kind, application, base_unit)
    issued_at = timezone.now()
    token = new_token()
    # Render outside the numbering transaction: the counter row stays locked only for the insert.
    year = timezone.localdate().year
    with transaction.atomic():
        number = document_number_next(unit=unit, kind=kind, programme_word=programme.document_word, year=year)
        pdf = document_render(kind=kind, number=number, token=token, unit=unit, context=context, issued_at=issued_at)
        document = Document(
            kind=kind,
            number=number,
            step_key=step_key,
            application=application,
            publicity_batch=publicity_batch,
            payment_batch=payment_batch,
            issuing_unit=unit,
            issued_at=issued_at,
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            token=token,
            supersedes=supersedes,
        )
        document.file.save(f"{token}.pdf", ContentFile(pdf), save=False)
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:
            document.file.delete(save=False)
            return Document.objects.get(step_key=step_key)
        if supersedes is not None:
            Document.objects.filter(pk=supersedes.pk).update(status=DocumentStatus.SUPERSEDED)
    return document
