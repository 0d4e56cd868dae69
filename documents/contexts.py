"""What each document kind prints: plain dicts built from the record (one query shape per kind, no rendering here)."""

from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from cases import calendar
from cases.constants import AttachmentKind, Decision, ReviewLevel, UnitLevel
from cases.identifiers import mask_account_number, mask_citizen_id
from cases.models import Application, PaymentBatch, PublicityBatch
from cases.money import format_yuan, yuan_in_capitals
from cases.selectors import (
    application_attachments_current,
    application_decision_expected_on,
    correction_due_on,
    correction_slots,
    publicity_rows_public,
)
from cases.services.loans import loan_document_context
from cases.services.social_insurance.review import publicity_batch_rows
from documents.constants import ATTACHMENT_ZH, DECISION_ZH, LEVEL_ZH, DocumentKind
from documents.social_insurance import social_insurance_document_context
from documents.venture import venture_document_context


def masked_bank(number: str) -> str:
    return mask_account_number(number)


def case_context(application: Application) -> dict:
    applicant = application.applicant
    return {
        "case": application,
        "masked_identifier": mask_citizen_id(applicant.id_number) if applicant.id_number else applicant.credit_code,
        "requested_yuan": format_yuan(application.requested_amount),
        "requested_capitals": yuan_in_capitals(application.requested_amount),
        "submitted_on": timezone.localtime(application.submitted_at).date() if application.submitted_at else "",
        "bank_masked": masked_bank(application.bank_account_number),
        "bank_name": application.bank_name,
    }


def receipt_context(application: Application) -> dict:
    """The submission receipt (受理回执): what was received, each review level's limit and the expected decision date
    on the working-day calendar, the service phone."""
    rules = application.rules_in_force
    return {
        "received": [
            {
                "kind_label": ATTACHMENT_ZH.get(a.kind, "其他"),
                "kind_label_en": str(AttachmentKind(a.kind).label),
                "name": a.original_name,
                "size_kb": max(1, round(a.size / 1024)),
            }
            for a in application_attachments_current(application=application)
        ],
        "levels": [
            {"label": LEVEL_ZH.get(level, level), "label_en": str(ReviewLevel(level).label), "days": rules.days_for(level)}
            for level in rules.review_levels
        ],
        "total_days": sum(rules.days_for(level) for level in rules.review_levels),
        "decision_expected_on": application_decision_expected_on(application=application),
        "service_phone": settings.SERVICE_PHONE,
    }


def _opinion_rows(application: Application) -> list[dict]:
    return [
        {
            "level_label": LEVEL_ZH.get(o.level, o.level),
            "level_label_en": str(ReviewLevel(o.level).label),
            "reviewer": o.reviewer.get_full_name() or o.reviewer.username,
            "date": timezone.localtime(o.created_at).date(),
            "decision_label": DECISION_ZH.get(o.decision, o.decision),
            "decision_label_en": str(Decision(o.decision).label),
            "opinion": o.opinion,
        }
        for o in application.opinions.select_related("reviewer")
    ]


def case_document_context(*, kind: str, application: Application, subject: dict | None = None) -> dict:
    """What a case document prints. `subject` narrows it to a part of the case (a subsidy statement's period)."""
    context = case_context(application)
    last_opinion = application.opinions.select_related("reviewer").order_by("-id").first()
    if kind == DocumentKind.SUBMISSION_RECEIPT:
        context.update(receipt_context(application))
    elif kind == DocumentKind.ACCEPTANCE_NOTICE:
        context["deadline"] = application.deadline
    elif kind == DocumentKind.CORRECTION_NOTICE:
        correction = application.corrections.order_by("-id").first()
        context["items"] = [
            {
                "kind_label": ATTACHMENT_ZH.get(item.kind, "其他") if item.named_kind else "其他",
                "kind_label_en": str(AttachmentKind(item.kind).label) if item.named_kind else "Other",
                "message": item.reason,
            }
            for item in correction_slots(request=correction)
        ]
        context["due_days"] = settings.CORRECTION_WORKING_DAYS
        context["due_on"] = correction_due_on(request=correction)
        context["level_label"] = LEVEL_ZH.get(correction.level, correction.level)
        context["level_label_en"] = str(ReviewLevel(correction.level).label)
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
        context["appeal_body_en"] = f"the People's Government of {district.name_en or district.name}"
    elif kind in (DocumentKind.LOAN_CERTIFICATE, DocumentKind.LOAN_SUBSIDY_STATEMENT):
        period = (subject or {}).get("period") if kind == DocumentKind.LOAN_SUBSIDY_STATEMENT else None
        context.update(loan_document_context(application=application, period_number=period))
    elif kind == DocumentKind.PAYMENT_NOTICE:
        line = application.payment_lines.filter(status="paid").select_related("batch").get()
        context.update(
            paid_yuan=format_yuan(line.amount),
            paid_capitals=yuan_in_capitals(line.amount),
            paid_on=timezone.localtime(line.settled_at).date(),
            batch_number=line.batch.number,
            bank_name=line.bank_name,
            bank_masked=masked_bank(line.account_number),
        )
    context.update(venture_document_context(kind=kind, application=application))
    context.update(social_insurance_document_context(kind=kind, application=application))
    return context


# A long list is set as consecutive fixed-layout tables of this many rows (about a page each), numbered through, as
# the approval decision's annex is: no table grows with the list. (The social-insurance list's annex of people was
# one automatic-layout table: 1,500 people took 95 pages at 12 ms a person; now 5,000 take 157 pages at 8.8 ms.)
LIST_ROWS_PER_TABLE = 40


def in_tables(rows: list[dict]) -> list[list[dict]]:
    """The rows numbered from 1 (`seq`) and cut into tables of LIST_ROWS_PER_TABLE."""
    numbered = [{**row, "seq": seq} for seq, row in enumerate(rows, start=1)]
    return [numbered[i : i + LIST_ROWS_PER_TABLE] for i in range(0, len(numbered), LIST_ROWS_PER_TABLE)]


def publicity_context(batch: PublicityBatch) -> dict:
    """The list as the public reads it (it is also served on the public board): masked names and identifiers, the
    applicant's unit, the amount; no case number."""
    public_rows = publicity_rows_public(batch=batch)
    rows = [
        {"name": row.masked_name, "masked_id": row.masked_id, "unit": row.unit, "amount": f"{row.amount:,.2f}"}
        for row in public_rows
    ]
    total = sum((row.amount for row in public_rows), Decimal("0"))
    return {
        "programme": batch.programme,
        "rows": rows,
        "row_tables": in_tables(rows),
        "starts_on": batch.starts_on,
        "ends_on": batch.ends_on,
        # the batch's own period (the programme's publicity days when it was opened, whatever the rules say now)
        "publicity_days": calendar.working_days_between(batch.starts_on, batch.ends_on) + 1,
        "total_yuan": format_yuan(total),
        "total_capitals": yuan_in_capitals(total),
        "person_tables": in_tables([{**vars(row), "amount": f"{row.amount:,.2f}"} for row in publicity_batch_rows(batch=batch)]),
    }


def payment_list_context(batch: PaymentBatch) -> dict:
    rows = [
        {
            "payee": line.payee_name,
            "bank": line.bank_name,
            "account": masked_bank(line.account_number),
            "number": line.application.number,
            "amount": f"{line.amount:,.2f}",
        }
        for line in batch.lines.select_related("application").order_by("id")
    ]
    approver = batch.approved_by
    return {
        "batch": batch,
        "rows": rows,
        "row_tables": in_tables(rows),
        "total_yuan": format_yuan(batch.total),
        "total_capitals": yuan_in_capitals(batch.total),
        "approver_name": (approver.get_full_name() or approver.username) if approver else "",
    }
