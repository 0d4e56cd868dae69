"""Context for the social-insurance claim's documents: the acceptance notice with the roster's counts, the review
opinion with each level's counts and totals, the approval decision with its annex of approved rows, the payment
notice with the person-months paid. One aggregate query per figure; the annex is one query over the rows and one
over the ledger, so a decision of hundreds of pages stays a single plain table."""

from decimal import Decimal

from django.db.models import Count, Sum

from cases.constants import ProgrammeKind, ReviewLevel
from cases.models import Application
from cases.models.social_insurance import EntitlementStatus, SocialInsuranceClaim
from cases.money import format_yuan, to_cents
from cases.services.social_insurance.review import approved_rows, claim_person_months, level_counts
from documents.constants import DocumentKind

# The approval decision's annex is laid out in tables of this many rows, each starting on a page of its own, with
# fixed column widths: WeasyPrint lays a table out whole and splits it over pages, so one table of thousands of rows
# costs more a page the longer it is; tables of one page each cost the same a page at 100 rows or 10,000.
ANNEX_ROWS_PER_TABLE = 40

SI_KINDS = {
    DocumentKind.ACCEPTANCE_NOTICE,
    DocumentKind.REVIEW_OPINION,
    DocumentKind.APPROVAL_DECISION,
    DocumentKind.PAYMENT_NOTICE,
}


def _annex(claim: SocialInsuranceClaim) -> list[dict]:
    rows = approved_rows(claim=claim)
    months = {}
    for row_id, month, amount in (
        claim_person_months(claim=claim)
        .filter(roster_row__in=[r.pk for r in rows])
        .values_list("roster_row_id", "month", "amount")
        .order_by("roster_row_id", "month")
    ):
        months.setdefault(row_id, []).append((month, amount))
    annex = []
    for seq, row in enumerate(rows, start=1):
        held = months.get(row.pk, [])
        first, last = (held[0][0], held[-1][0]) if held else (None, None)
        annex.append(
            {
                "seq": seq,
                "line": row.line,
                "name": row.name,
                "masked_id": row.id_number[:6] + "*" * 8 + row.id_number[14:],
                "category": row.get_category_display(),
                "months": f"{first:%Y-%m}~{last:%Y-%m}" if first and first != last else (f"{first:%Y-%m}" if first else ""),
                "count": len(held),
                "amount": format_yuan(sum((a for _m, a in held), Decimal("0.00"))),
            }
        )
    return annex


def social_insurance_document_context(*, kind: str, application: Application) -> dict:
    if application.programme.kind != ProgrammeKind.SOCIAL_INSURANCE or kind not in SI_KINDS:
        return {}
    claim = SocialInsuranceClaim.objects.filter(application=application).first()
    if claim is None:
        return {}
    context = {"claim": claim, "si_template": f"documents/social_insurance/{kind}.html"}
    if kind == DocumentKind.ACCEPTANCE_NOTICE:
        totals = claim_person_months(claim=claim).aggregate(n=Count("id"), s=Sum("amount"))
        context.update(
            rows=claim.roster_rows.count(),
            person_months=totals["n"],
            claimed_yuan=format_yuan(to_cents(totals["s"] or Decimal("0"))),
        )
    elif kind == DocumentKind.REVIEW_OPINION:
        levels = []
        for level, label in ((ReviewLevel.TOWN, "镇街审核"), (ReviewLevel.DISTRICT, "区级审核")):
            counts = level_counts(claim=claim, level=level)
            if counts.pending == counts.rows and counts.rows and not application.opinions.filter(level=level).exists():
                continue
            levels.append(
                {
                    "label": label,
                    "rows": counts.rows,
                    "approved": counts.approved,
                    "refused": counts.refused,
                    "months": counts.approved_months,
                    "yuan": format_yuan(counts.approved_amount),
                }
            )
        context["levels"] = levels
    elif kind == DocumentKind.APPROVAL_DECISION:
        annex = _annex(claim)
        context.update(
            annex=annex,
            annex_parts=[annex[i : i + ANNEX_ROWS_PER_TABLE] for i in range(0, len(annex), ANNEX_ROWS_PER_TABLE)],
            annex_people=len(annex),
            annex_months=sum(r["count"] for r in annex),
        )
    elif kind == DocumentKind.PAYMENT_NOTICE:
        totals = (
            claim_person_months(claim=claim)
            .filter(status=EntitlementStatus.PAID)
            .aggregate(n=Count("id"), people=Count("person_digest", distinct=True))
        )
        context.update(paid_months=totals["n"], paid_people=totals["people"])
    return context
