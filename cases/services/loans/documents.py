"""What the loan documents print (a read; documents renders it)."""

from decimal import Decimal

from cases.models import Application, Loan, SubsidyClaim
from cases.models.loan import SubsidyClaimStatus
from cases.money import format_yuan, yuan_in_capitals
from cases.services.loans.subsidies import subsidy_refusal


def loan_document_context(*, application: Application, period_number: int | None = None) -> dict:
    """What the qualification certificate and the subsidy statement print (a read; documents renders it).

    With `period_number` (a statement for one period) the rows are that period's and the running total counts the
    subsidies paid for periods up to it; without, every period and everything paid so far."""
    loan = Loan.objects.select_related("bank").filter(application=application).first()
    if loan is None:
        return {}
    periods = list(loan.periods.order_by("number"))
    claims = {c.period_id: c for c in SubsidyClaim.objects.filter(loan=loan)}
    shown = [p for p in periods if period_number is None or p.number == period_number]
    counted = [p for p in periods if period_number is None or p.number <= period_number]
    paid_total = sum(
        (claims[p.pk].amount for p in counted if p.pk in claims and claims[p.pk].status == SubsidyClaimStatus.PAID),
        Decimal("0"),
    )
    rows = []
    for period in shown:
        claim = claims.get(period.pk)
        rows.append(
            {
                "number": period.number,
                "due_on": period.due_on,
                "repaid_on": period.repaid_on,
                "interest": f"{period.interest:,.2f}",
                "subsidy": f"{claim.amount:,.2f}" if claim else "",
                "status": SubsidyClaimStatus(claim.status).label if claim else (subsidy_refusal(period=period) or ""),
                "paid_on": claim.paid_on if claim else None,
            }
        )
    context = {
        "loan": loan,
        "bank_name": loan.bank.name,
        "qualified_yuan": format_yuan(loan.qualified_amount),
        "qualified_capitals": yuan_in_capitals(loan.qualified_amount),
        "principal_yuan": format_yuan(loan.principal) if loan.principal else "",
        "rate_percent": f"{loan.annual_rate * 100:.2f}%" if loan.annual_rate is not None else "",
        "periods": rows,
        "period_count": len(periods),
        "subsidy_paid_yuan": format_yuan(paid_total),
        "subsidy_paid_capitals": yuan_in_capitals(paid_total),
    }
    if period_number is not None and shown:
        claim = claims.get(shown[0].pk)
        amount = claim.amount if claim else Decimal("0")
        context.update(period=rows[0], period_subsidy_yuan=format_yuan(amount), period_subsidy_capitals=yuan_in_capitals(amount))
    return context
