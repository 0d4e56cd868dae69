"""Filing online: the one pre-check for every programme, the steps of a draft (basics, business, documents, review) and
submission."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cases import services as case_services
from cases.constants import ApplicantCategory, AttachmentKind, ProgrammeKind, Status
from cases.exceptions import DomainError
from cases.models import Application, Programme
from workflows.engine import steps as flow_services
from workflows.engine.precheck import Outcome, ProgrammeVerdict, Route, precheck_run
from workflows.portal import forms, precheck_forms, selectors
from workflows.portal.views import disabled
from workflows.portal.views.common import (
    applicant_of,
    error_text,
    portal_login_required,
    precheck_answers,
    precheck_prefill,
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
def programme_check(request, code: str | None = None):
    """The one pre-check for every programme (`code`, from a programme's own link, only names the programme the
    visitor came for). Every programme gets a verdict with its reasons and, when the visitor may apply, the way
    onward; when no open programme takes them, the service window. The answers are kept in the session: the filing
    forms show them filled in, also after registration and the real-name binding."""
    came_for = get_object_or_404(Programme, code=code) if code else None
    form = precheck_forms.PrecheckForm(request.POST or None, initial=precheck_answers(request))
    result = None
    if request.method == "POST" and form.is_valid():
        result = precheck_run(answers=form.answers(), today=timezone.localdate())
        precheck_remember(request, answers=form.cleaned_data)
    context = {
        "form": form,
        "came_for": came_for,
        "result": result,
        "rows": [_verdict_row(request, row) for row in result.verdicts] if result else [],
        "window": {
            "name": settings.SERVICE_WINDOW_NAME,
            "address": settings.SERVICE_WINDOW_ADDRESS,
            "hours": settings.SERVICE_WINDOW_HOURS,
            "phone": settings.SERVICE_PHONE,
        },
    }
    return render(request, "workflows/portal/check.html", context)


def _verdict_row(request, row: ProgrammeVerdict) -> dict:
    """One programme's verdict and, for a visitor who may apply now, where to go: the filing form or the employers'
    pages (through registration or login with `next` for an anonymous visitor), or the service window."""
    verdict = row.verdict
    links = []
    if verdict.outcome == Outcome.YES:
        if verdict.route == Route.WINDOW:
            links.append(("#window", _("Go to the service window"), False))
        else:
            pages = {Route.EMPLOYER: "portal:employer_home", Route.PROVIDER: "portal:training_home"}
            target = (
                reverse(pages[verdict.route]) if verdict.route in pages else reverse("portal:apply", args=[row.programme.code])
            )
            if request.user.is_authenticated:
                links.append((target, _("Apply now"), False))
            else:
                links.append((with_next(reverse("portal:register"), target), _("Create an account and apply"), False))
                links.append((with_next(reverse("portal:login"), target), _("Log in and apply"), True))
    return {"row": row, "outcome": Outcome(verdict.outcome).label, "links": links}


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
    answered = precheck_prefill(request)
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
    answered = precheck_prefill(request)
    from_precheck = [
        name
        for name in ("business_registered_on", "graduated_on", "jobs_created")
        if not getattr(application, name) and answered.get(name)
    ]
    form = forms.BusinessForm(
        request.POST or None,
        initial={
            "business_name": application.business_name,
            "business_credit_code": application.business_credit_code,
            "business_registered_on": application.business_registered_on or answered.get("business_registered_on"),
            "graduated_on": application.graduated_on or answered.get("graduated_on"),
            "jobs_created": application.jobs_created or answered.get("jobs_created"),
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
