"""Loan pages that work on many loans at once: the district's qualification queue, the subsidy-claim review queue
and the bank's quarterly interest file. Writes go through workflows.programmes.loan.actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.exceptions import DomainError, InvalidImport, PermissionDenied
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan import forms, selectors
from workflows.programmes.loan.views import attempt, error_text, loan_page, local_today

# --- qualification -----------------------------------------------------------------------------------------


def _may_qualify(user) -> None:
    if not user.has_perm("cases.approve_application") or user.org_unit_id is None:
        raise HttpForbidden()


@loan_page
def qualify_list(request):
    _may_qualify(request.user)
    cases = list(selectors.qualifiable_cases_for(user=request.user)[:200])
    return render(request, "loan/qualify_list.html", {"cases": cases, "form": forms.QualifyForm()})


@loan_page
def qualify(request, public_id):
    _may_qualify(request.user)
    application = selectors.qualifiable_case_for(user=request.user, public_id=public_id)
    form = forms.QualifyForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        issued = {}

        def run():
            issued["loan"] = loan_flow.loan_certificate_issue(
                application=application,
                bank=form.cleaned_data["bank"],
                by=request.user,
                today=local_today(),
                borrower_kind=form.cleaned_data["borrower_kind"],
            )

        refusal = attempt(run) if form.is_valid() else _("Nothing was changed: correct the form below.")
        if refusal is None:
            loan = issued["loan"]
            messages.success(
                request,
                _("Qualification certificate %(number)s issued; the loan is routed to %(bank)s.")
                % {"number": loan.certificate_number, "bank": loan.bank.name},
            )
            return redirect("loans:detail", public_id=application.public_id)
        messages.error(request, refusal)
        status = 400
    return render(request, "loan/qualify.html", {"application": application, "form": form}, status=status)


# --- subsidy claims ----------------------------------------------------------------------------------------


@loan_page
def claim_queue(request):
    if not request.user.has_perm("cases.review_district") or request.user.org_unit_id is None:
        raise HttpForbidden()
    rows = [
        {"claim": claim, "form": forms.ClaimReviewForm(auto_id=f"claim{claim.pk}_%s")}
        for claim in selectors.open_claims_for(user=request.user)[:200]
    ]
    return render(request, "loan/claims.html", {"rows": rows})


@loan_page
@require_POST
def claim_review(request, public_id, period):
    claim = selectors.open_claim_for(user=request.user, public_id=public_id, period=period)
    form = forms.ClaimReviewForm(request.POST)
    number = claim.loan.application.number
    if form.is_valid():
        approved = form.cleaned_data["decision"] == "approve"
        refusal = attempt(
            lambda: loan_flow.subsidy_claim_review(
                claim=claim, by=request.user, approved=approved, note=form.cleaned_data["note"]
            )
        )
    else:
        approved = False
        refusal = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if refusal is not None:
        messages.error(
            request, _("Period %(n)s of %(case)s: nothing was changed. %(why)s") % {"n": period, "case": number, "why": refusal}
        )
    elif approved:
        messages.success(request, _("Subsidy for period %(n)s of %(case)s approved.") % {"n": period, "case": number})
    else:
        messages.success(request, _("Subsidy for period %(n)s of %(case)s refused.") % {"n": period, "case": number})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("loans:claims")
    return redirect(target)


# --- the bank's interest file ------------------------------------------------------------------------------


@loan_page
def interest_file(request):
    officer = getattr(request.user, "bank_officer", None)
    if officer is None or not selectors.bank_officer_of(user=request.user, bank=officer.bank):
        raise HttpForbidden()
    posted = request.method == "POST"
    form = forms.InterestFileForm(request.POST if posted else None, request.FILES if posted else None)
    context = {"form": form, "bank": officer.bank, "columns": selectors.INTEREST_FILE_COLUMNS}
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                counts = loan_flow.interest_file_import(
                    content=upload.read(), filename=upload.name, by=request.user, today=local_today()
                )
            except PermissionDenied:
                raise
            except InvalidImport as error:
                context.update(import_error=error.message, import_details=[str(d) for d in error.details])
            except DomainError as error:
                context.update(import_error=error_text(error), import_details=[])
            else:
                messages.success(
                    request,
                    _(
                        "Interest file imported: %(rows)s rows, %(repayments)s repayments recorded, %(claims)s subsidy "
                        "claims opened, %(already_claimed)s periods already claimed, %(not_eligible)s periods without "
                        "subsidy."
                    )
                    % counts,
                )
                return redirect("loans:interest_file")
        return render(request, "loan/interest_file.html", context, status=400)
    return render(request, "loan/interest_file.html", context)
