"""Filing online: the pre-check of a programme, the steps of a draft (basics, business, documents, review) and
submission."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cases import services as case_services
from cases.constants import ApplicantCategory, AttachmentKind, ProgrammeKind, Status
from cases.exceptions import DomainError
from cases.models import Application
from cases.services.eligibility import eligibility_problems
from workflows.engine import steps as flow_services
from workflows.portal import forms, selectors
from workflows.portal.views import disabled
from workflows.portal.views.common import (
    applicant_of,
    error_text,
    portal_login_required,
    precheck_answers,
    precheck_remember,
    with_next,
)

STEPS = [
    ("basics", gettext_lazy("Basics and account")),
    ("business", gettext_lazy("Business")),
    ("documents", gettext_lazy("Documents")),
    ("review", gettext_lazy("Review and submit")),
]


@require_http_methods(["GET", "POST"])
def programme_check(request, code: str):
    """The pre-check. Its answers are kept in the session for the programme: the filing form shows them filled in,
    also after registration and the real-name binding."""
    programme = selectors.portal_programme(code=code)
    form = forms.PrecheckForm(
        request.POST or None, programme=programme, initial=precheck_answers(request, programme_code=programme.code)
    )
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        probe = Application(
            programme=programme,
            category=data["category"],
            business_registered_on=data.get("business_registered_on"),
            graduated_on=data.get("graduated_on"),
        )
        problems = eligibility_problems(application=probe, today=timezone.localdate())
        if data.get("received_before") == "yes":
            problems.append(_("This subsidy is granted once per person; you have received it already."))
        precheck_remember(request, programme_code=programme.code, answers=data)
        result = {"eligible": not problems, "problems": problems}
    apply_url = reverse("portal:apply", args=[programme.code])
    context = {
        "programme": programme,
        "form": form,
        "result": result,
        "apply_url": apply_url,
        "register_url": with_next(reverse("portal:register"), apply_url),
        "login_url": with_next(reverse("portal:login"), apply_url),
    }
    return render(request, "workflows/portal/check.html", context)


def steps_context(application: Application | None, current: str) -> dict:
    if application is not None and application.programme.kind == ProgrammeKind.DISABLED:
        return disabled.steps_context(application, current)
    return {"steps": STEPS, "current_step": current, "application": application}


@portal_login_required
@require_http_methods(["GET", "POST"])
def apply_start(request, code: str):
    """Step 1 of a new application; saving it creates the draft."""
    programme = selectors.portal_programme(code=code)
    if programme.kind == ProgrammeKind.DISABLED:  # its own filing page
        return redirect("portal:disabled_file")
    applicant = applicant_of(request.user)
    if applicant is None:
        messages.info(request, _("Bind your account to your real name before you apply."))
        return redirect(with_next(reverse("portal:bind"), request.path))
    initial = {"bank_account_name": applicant.name}
    answered = precheck_answers(request, programme_code=programme.code)
    if answered.get("category") in dict(forms.programme_categories(programme)):
        initial["category"] = answered["category"]
    form = forms.BasicsForm(
        request.POST or None, programme=programme, communities=selectors.portal_communities(), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = case_services.application_create(
                programme=programme,
                applicant=applicant,
                org_unit=data["community"],
                by=request.user,
                category=data["category"],
                requested_amount=data["amount"],
                bank_name=data["bank_name"],
                bank_account_name=data["bank_account_name"],
                bank_account_number=data["bank_account_number"],
            )
        except DomainError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Draft %(number)s saved.") % {"number": application.number})
            return redirect("portal:step", public_id=application.public_id, step="business")
    context = {"form": form, "programme": programme, "from_precheck": "category" in initial, **steps_context(None, "basics")}
    return render(request, "workflows/portal/step_basics.html", context)


def _draft_for(request, public_id) -> Application:
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    return application


@portal_login_required
@require_http_methods(["GET", "POST"])
def step(request, public_id, step: str):
    application = _draft_for(request, public_id)
    if application.status != Status.DRAFT:
        messages.info(request, _("This application has been submitted; it can no longer be edited."))
        return redirect("portal:case", public_id=application.public_id)
    handler = {"basics": _step_basics, "business": _step_business, "documents": _step_documents, "review": _step_review}
    if application.programme.kind == ProgrammeKind.DISABLED:
        if step in ("basics", "business"):
            return redirect("portal:step", public_id=application.public_id, step="facts")
        handler = {"facts": disabled.step_facts, "documents": _step_documents, "review": _step_review}
    if step not in handler:
        raise Http404
    return handler[step](request, application)


def _step_basics(request, application: Application):
    programme = application.programme
    form = forms.BasicsForm(
        request.POST or None,
        programme=programme,
        communities=selectors.portal_communities(),
        fixed_community=application.org_unit,
        initial={
            "category": application.category,
            "requested_amount": application.requested_amount,
            "bank_name": application.bank_name,
            "bank_account_name": application.bank_account_name,
            "bank_account_number": application.bank_account_number,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case_services.application_draft_update(
                application=application,
                by=request.user,
                category=data["category"],
                requested_amount=data["amount"],
                bank_name=data["bank_name"],
                bank_account_name=data["bank_account_name"],
                bank_account_number=data["bank_account_number"],
            )
        except DomainError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:step", public_id=application.public_id, step="business")
    context = {"form": form, "programme": programme, **steps_context(application, "basics")}
    return render(request, "workflows/portal/step_basics.html", context)


def _step_business(request, application: Application):
    # Dates the draft does not hold yet come from the pre-check's answers, if any.
    answered = precheck_answers(request, programme_code=application.programme.code)
    from_precheck = [
        name for name in ("business_registered_on", "graduated_on") if not getattr(application, name) and answered.get(name)
    ]
    form = forms.BusinessForm(
        request.POST or None,
        initial={
            "business_name": application.business_name,
            "business_credit_code": application.business_credit_code,
            "business_registered_on": application.business_registered_on or answered.get("business_registered_on"),
            "graduated_on": application.graduated_on or answered.get("graduated_on"),
            "jobs_created": application.jobs_created or None,
        },
    )
    if application.category != ApplicantCategory.GRADUATE:
        del form.fields["graduated_on"]
    if request.method == "POST" and form.is_valid():
        try:
            case_services.application_draft_update(application=application, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:step", public_id=application.public_id, step="documents")
    context = {
        "form": form,
        "programme": application.programme,
        "from_precheck": bool(from_precheck),
        **steps_context(application, "business"),
    }
    return render(request, "workflows/portal/step_business.html", context)


def document_rows(application: Application, kinds: list[str]) -> list[dict]:
    """One upload slot per required document kind, with the file that counts in it (a replaced one is kept on
    record, not shown here)."""
    current = {(a.kind, a.slot): a for a in selectors.portal_attachments_current(application=application)}
    rows = []
    for kind in kinds:
        if kind not in AttachmentKind.values:
            continue
        file = current.get((kind, ""))
        rows.append({"kind": kind, "label": AttachmentKind(kind).label, "file": file, "files": [file] if file else []})
    return rows


def _step_documents(request, application: Application):
    rows = document_rows(application, case_services.filing_documents(application=application))
    complete = all(row["files"] for row in rows)
    context = {"rows": rows, "complete": complete, "programme": application.programme, **steps_context(application, "documents")}
    return render(request, "workflows/portal/step_documents.html", context)


def _step_review(request, application: Application):
    form = forms.DeclarationForm()
    missing = case_services.missing_documents(application=application)
    context = {
        "form": form,
        "missing": [AttachmentKind(k).label for k in missing],
        "rows": document_rows(application, case_services.filing_documents(application=application)),
        "programme": application.programme,
        **steps_context(application, "review"),
        **disabled.confirmation_context(application),
    }
    return render(request, "workflows/portal/step_review.html", context)


@portal_login_required
@require_POST
def submit(request, public_id):
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    if application.status != Status.DRAFT:
        messages.info(request, _("This application has already been submitted; nothing was changed."))
        return redirect("portal:case", public_id=application.public_id)
    form = forms.DeclarationForm(request.POST)
    if not form.is_valid():
        context = {
            "form": form,
            "missing": [AttachmentKind(k).label for k in case_services.missing_documents(application=application)],
            "rows": document_rows(application, case_services.filing_documents(application=application)),
            "programme": application.programme,
            **steps_context(application, "review"),
            **disabled.confirmation_context(application),
        }
        return render(request, "workflows/portal/step_review.html", context, status=400)
    try:
        flow_services.case_submit(application=application, by=request.user)
    except DomainError as error:
        application.refresh_from_db()
        if application.status != Status.DRAFT:
            messages.info(request, _("This application has already been submitted; nothing was changed."))
            return redirect("portal:case", public_id=application.public_id)
        messages.error(request, error_text(error))
        return redirect("portal:step", public_id=application.public_id, step="review")
    messages.success(request, _("Application %(number)s submitted.") % {"number": application.number})
    return redirect("portal:case", public_id=application.public_id)
