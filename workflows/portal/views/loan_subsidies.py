"""Guaranteed loans: the schedule and the interest subsidy claimed per period (先还后贴)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.exceptions import DomainError
from workflows.portal import selectors
from workflows.portal.views.common import error_text, portal_login_required
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan.selectors import loan_schedule


@portal_login_required
def loans(request):
    rows = [{"loan": loan, "schedule": loan_schedule(loan=loan)} for loan in selectors.portal_loans_for(user=request.user)]
    return render(request, "workflows/portal/loans.html", {"rows": rows})


@portal_login_required
@require_POST
def loan_claim(request, public_id, period: int):
    loan = selectors.portal_loan_for(user=request.user, public_id=public_id)
    try:
        claim = loan_flow.subsidy_claim_open(loan=loan, period_number=period, by=request.user, today=timezone.localdate())
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("Interest subsidy of ¥%(amount)s claimed for period %(n)s. It will be reviewed and then paid to your account.")
            % {"amount": f"{claim.amount:,.2f}", "n": period},
        )
    return redirect(reverse("portal:loans") + f"#loan-{loan.application.number}")
