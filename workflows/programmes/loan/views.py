"""Loan pages for bank officers and district staff. Reads go through workflows.programmes.loan.selectors (scoped by
cases.services.loans.loans_for_user: a loan outside the user's scope is a 404); writes go through the loan services
and the orchestration in workflows.programmes.loan.actions. A refused action (DomainError) changes nothing and is shown on the page;
PermissionDenied is left to workflows.middleware (403)."""

from collections.abc import Callable
from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from cases.constants import Role
from cases.exceptions import DomainError, PermissionDenied
from cases.models import Loan
from cases.models.loan import REPAYING_LOAN_STATES, LoanState, SubsidyClaimStatus
from cases.services.applications import staff_may
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan import forms, selectors

NOT_LOAN_PAGES = (Role.APPLICANT, Role.EXPERT)


def loan_page(view):
    """Signed-in staff and bank officers; applicants use the portal (their loan pages are there)."""

    @login_required
    @wraps(view)
    def inner(request, *args, **kwargs):
        if request.user.role in NOT_LOAN_PAGES:
            raise Http404
        return view(request, *args, **kwargs)

    return inner


def error_text(error: DomainError) -> str:
    details = "; ".join(str(d) for d in error.details)
    return f"{error.message} {details}".strip() if details else str(error.message)


def attempt(action: Callable[[], object]) -> str | None:
    """Run one service call: None when done, else the refusal's text (the service changed nothing). PermissionDenied
    goes on to the middleware (403)."""
    try:
        action()
    except PermissionDenied:
        raise
    except DomainError as error:
        return error_text(error)
    return None


def local_today():
    return timezone.localdate()


# --- lists ------------------------------------------------------------------------------------------------


@loan_page
def loan_list(request):
    state = request.GET.get("state", "")
    if state not in LoanState.values:
        state = ""
    try:
        after = int(request.GET.get("after", "")) or None
    except ValueError:
        after = None
    loans, next_after = selectors.loans_page(user=request.user, state=state, after=after)
    context = {
        "loans": loans,
        "state": state,
        "states": LoanState.choices,
        "next_after": next_after,
        "is_bank": hasattr(request.user, "bank_officer") and request.user.role == Role.BANK_OFFICER,
    }
    return render(request, "loan/loan_list.html", context)


# --- one loan ---------------------------------------------------------------------------------------------


def _roles(user, loan: Loan) -> dict[str, bool]:
    application = loan.application
    return {
        "is_bank": selectors.bank_officer_of(user=user, bank=loan.bank),
        "may_approve": staff_may(user=user, permission="cases.approve_application", application=application),
        "may_review": staff_may(user=user, permission="cases.review_district", application=application),
    }


def _detail(request, loan: Loan, *, status: int = 200, **bound):
    """The loan page with the action forms the user may use in the loan's state; `bound` replaces a blank form with
    the one just submitted (with its errors)."""
    roles = _roles(request.user, loan)
    schedule = selectors.loan_schedule(loan=loan)
    state = loan.state
    available: dict[str, object] = {}
    if roles["is_bank"]:
        if state == LoanState.QUALIFIED:
            available["decision_form"] = forms.BankDecisionForm()
        if state == LoanState.GUARANTEED:
            available["disburse_form"] = forms.DisburseForm(initial={"principal": loan.qualified_amount, "period_months": 3})
        unpaid = [line.period for line in schedule if line.period.repaid_on is None]
        if state in REPAYING_LOAN_STATES and unpaid:
            available["repayment_form"] = forms.RepaymentForm(periods=unpaid, initial={"repaid_on": local_today()})
        if state in (LoanState.DISBURSED, LoanState.REPAYING) and unpaid:
            available["extend_form"] = forms.ExtendForm()
        if state == LoanState.OVERDUE:
            available["default_form"] = forms.ConfirmForm()
    if roles["may_approve"]:
        if state == LoanState.BANK_ACCEPTED:
            available["guarantee_form"] = forms.ConfirmForm()
        if state == LoanState.DEFAULTED:
            available["compensate_form"] = forms.ConfirmForm()
        if state == LoanState.COMPENSATED:
            available["recovery_form"] = forms.RecoveryForm(initial={"recovered_on": local_today()})
            available["close_form"] = forms.CloseForm()
    for name, form in bound.items():
        if name in available:
            available[name] = form
    recoveries = list(loan.recoveries.all())
    context = {
        "loan": loan,
        "application": loan.application,
        "schedule": [
            {
                "line": line,
                "review_form": forms.ClaimReviewForm(auto_id=f"review{line.period.number}_%s")
                if roles["may_review"] and line.claim and line.claim.status == SubsidyClaimStatus.OPEN
                else None,
            }
            for line in schedule
        ],
        "rate_percent": f"{loan.annual_rate * 100:.2f}%" if loan.annual_rate is not None else "",
        "recoveries": recoveries,
        "recovered_total": sum((r.amount for r in recoveries), start=Decimal("0")),
        "history": selectors.loan_history(loan=loan),
        **roles,
        **available,
    }
    return render(request, "loan/loan_detail.html", context, status=status)


@loan_page
def loan_detail(request, public_id):
    loan = selectors.loan_for_user(user=request.user, public_id=public_id)
    return _detail(request, loan)


def _done(request, loan: Loan, text: str):
    messages.success(request, text)
    return redirect("loans:detail", public_id=loan.application.public_id)


def _reload(request, loan: Loan) -> Loan:
    return selectors.loan_for_user(user=request.user, public_id=loan.application.public_id)


def _action(request, public_id, *, name: str, form_class, run, success, form_kwargs=None):
    """The shared shape of every POST action on one loan."""
    loan = selectors.loan_for_user(user=request.user, public_id=public_id)
    form = form_class(request.POST, **(form_kwargs(loan) if form_kwargs else {}))
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: correct the form below."))
    else:
        refusal = attempt(lambda: run(loan, form))
        if refusal is None:
            return _done(request, loan, success(loan, form))
        messages.error(request, refusal)
    return _detail(request, _reload(request, loan), status=400, **{name: form})


@loan_page
@require_POST
def bank_decision(request, public_id):
    def run(loan, form):
        accepted = form.cleaned_data["decision"] == "accept"
        loan_flow.loan_bank_decide(
            loan=loan, by=request.user, today=local_today(), accepted=accepted, reason=form.cleaned_data["reason"]
        )

    def success(loan, form):
        if form.cleaned_data["decision"] == "accept":
            return _("Loan %(number)s accepted after due diligence.") % {"number": loan.certificate_number}
        return _("Loan %(number)s declined.") % {"number": loan.certificate_number}

    return _action(request, public_id, name="decision_form", form_class=forms.BankDecisionForm, run=run, success=success)


@loan_page
@require_POST
def disbursement(request, public_id):
    def run(loan, form):
        data = form.cleaned_data
        loan_flow.loan_disburse(
            loan=loan,
            by=request.user,
            today=local_today(),
            contract_number=data["contract_number"],
            principal=data["principal"],
            annual_rate=form.annual_rate,
            term_months=data["term_months"],
            period_months=data["period_months"],
            repayment_method=data["repayment_method"],
        )

    def success(loan, form):
        return _("Loan disbursed under contract %(contract)s; the schedule is below.") % {
            "contract": form.cleaned_data["contract_number"].strip()
        }

    return _action(request, public_id, name="disburse_form", form_class=forms.DisburseForm, run=run, success=success)


@loan_page
@require_POST
def loan_repayment(request, public_id):
    def run(loan, form):
        loan_flow.loan_repayment_record(
            loan=loan, by=request.user, period_number=form.cleaned_data["period"], repaid_on=form.cleaned_data["repaid_on"]
        )

    def success(loan, form):
        return _("Repayment of period %(n)s recorded.") % {"n": form.cleaned_data["period"]}

    def kwargs(loan):
        return {"periods": loan.periods.filter(repaid_on__isnull=True).order_by("number")}

    return _action(
        request, public_id, name="repayment_form", form_class=forms.RepaymentForm, run=run, success=success, form_kwargs=kwargs
    )


@loan_page
@require_POST
def extension(request, public_id):
    def run(loan, form):
        loan_flow.loan_extend(loan=loan, by=request.user, today=local_today(), months=form.cleaned_data["months"])

    def success(loan, form):
        return _("Loan extended by %(months)s months; the extended periods earn no interest subsidy.") % {
            "months": form.cleaned_data["months"]
        }

    return _action(request, public_id, name="extend_form", form_class=forms.ExtendForm, run=run, success=success)


def _one_button(name: str, service, done: str):
    """A POST with nothing to enter (default, guarantee, compensation): the service, then `done` (translated)."""

    @loan_page
    @require_POST
    def view(request, public_id):
        def run(loan, form):
            service(loan=loan, by=request.user, today=local_today())

        return _action(request, public_id, name=name, form_class=forms.ConfirmForm, run=run, success=lambda loan, form: _(done))

    return view


loan_default = _one_button("default_form", loan_flow.loan_default_declare, gettext_noop("Default declared."))
loan_guarantee = _one_button("guarantee_form", loan_flow.loan_guarantee_issue, gettext_noop("Guarantee issued."))
compensation = _one_button(
    "compensate_form", loan_flow.loan_compensate, gettext_noop("The guarantee fund's compensation is recorded.")
)


@loan_page
@require_POST
def loan_recovery(request, public_id):
    def run(loan, form):
        data = form.cleaned_data
        loan_flow.loan_recovery_record(
            loan=loan, by=request.user, amount=data["amount"], on=data["recovered_on"], note=data["note"]
        )

    def success(loan, form):
        return _("Recovery of %(amount)s yuan recorded.") % {"amount": form.cleaned_data["amount"]}

    return _action(request, public_id, name="recovery_form", form_class=forms.RecoveryForm, run=run, success=success)


@loan_page
@require_POST
def loan_close(request, public_id):
    def run(loan, form):
        loan_flow.loan_recovery_close(
            loan=loan, by=request.user, today=local_today(), written_off=form.cleaned_data["outcome"] == "written_off"
        )

    def success(loan, form):
        if form.cleaned_data["outcome"] == "written_off":
            return _("Loan written off and closed.")
        return _("Loan closed as recovered.")

    return _action(request, public_id, name="close_form", form_class=forms.CloseForm, run=run, success=success)
