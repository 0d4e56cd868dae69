"""Applicant portal views. They read through workflows.portal.selectors (access control in cases.selectors) and
write only through cases.services and workflows.engine.steps; domain errors become messages on the same page."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from cases import services as case_services
from cases.constants import ApplicantCategory, AttachmentKind, Role, Status
from cases.exceptions import DomainError
from cases.models import Applicant, Application
from cases.services.eligibility import eligibility_problems
from workflows.engine import steps as flow_services
from workflows.login import LockedStatusMixin
from workflows.portal import forms, selectors
from workflows.portal.uploads import (
    SizeLimitUploadHandler,
    UploadRejected,
    request_too_large,
    too_large_message,
    upload_read,
)
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan.selectors import loan_schedule

PORTAL_LANGUAGES = {code for code, _name in settings.LANGUAGES}
STEPS = [
    ("basics", gettext_lazy("Basics and account")),
    ("business", gettext_lazy("Business")),
    ("documents", gettext_lazy("Documents")),
    ("review", gettext_lazy("Review and submit")),
]
portal_login_required = login_required(login_url=reverse_lazy("portal:login"))


def portal_language(view):
    """The portal speaks Simplified Chinese unless the visitor chose English with the switch (a cookie); the
    browser's Accept-Language is not used, so a phone set to English still gets the official Chinese wording."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in PORTAL_LANGUAGES else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return view(request, *args, **kwargs)

    return wrapper


def _error_text(error: DomainError) -> str:
    details = "；".join(str(d) for d in error.details)
    return f"{error.message} {details}".strip() if details else str(error.message)


def _applicant_of(user) -> Applicant | None:
    return Applicant.objects.filter(user=user).first() if user.is_authenticated else None


def _is_officer(user) -> bool:
    return user.is_authenticated and user.role == Role.COMMUNITY_OFFICER and user.has_perm("cases.accept_application")


# --- home, accounts ----------------------------------------------------------------------------------


def home(request):
    context = {"programmes": selectors.portal_programmes(), "is_officer": _is_officer(request.user)}
    if request.user.is_authenticated:
        context["cases"] = selectors.portal_cases_for(user=request.user)
        context["has_loans"] = bool(selectors.portal_loans_for(user=request.user))
        context["bound"] = bool(request.user.id_number or request.user.credit_code)
    return render(request, "workflows/portal/home.html", context)


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = forms.RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = case_services.applicant_user_register(
                login=form.cleaned_data["login"], password=form.cleaned_data["password1"]
            )
        except DomainError as error:
            form.add_error("login", _error_text(error))
        else:
            auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(request, _("Your account was created. Next, bind it to your real name."))
            return redirect("portal:bind")
    return render(request, "workflows/portal/register.html", {"form": form})


class PortalLoginView(LockedStatusMixin, auth_views.LoginView):
    """Applicants only (staff use /accounts/login/); throttled per login name and address (cases.login)."""

    template_name = "workflows/portal/login.html"
    form_class = forms.PortalLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("portal:home")


@portal_login_required
@require_http_methods(["GET", "POST"])
def bind(request):
    user = request.user
    if user.id_number or user.credit_code:
        messages.info(request, _("Your account is already bound to a real name."))
        return redirect("portal:home")
    if user.role != Role.APPLICANT:
        raise Http404
    form = forms.BindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = data["kind"] == "person"
        try:
            case_services.user_real_name_bind(
                user=user,
                name=data["name"],
                id_number=data["identifier"] if person else "",
                credit_code="" if person else data["identifier"],
            )
        except DomainError as error:
            form.add_error("identifier", _error_text(error))
        else:
            messages.success(request, _("Your account is bound to your real name."))
            return redirect(request.GET.get("next") if _safe_next(request) else "portal:home")
    return render(request, "workflows/portal/bind.html", {"form": form})


def _safe_next(request) -> bool:
    value = request.GET.get("next", "")
    return value.startswith("/portal/") and "//" not in value


@portal_login_required
@require_http_methods(["GET", "POST"])
def claim(request):
    form = forms.ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not (request.user.id_number or request.user.credit_code):
            form.add_error(None, _("Bind your account to your real name first."))
        else:
            try:
                application = case_services.applicant_claim(code=form.cleaned_data["code"], user=request.user)
            except DomainError as error:
                form.add_error("code", _error_text(error))
            else:
                messages.success(request, _("Case %(number)s is now in your account.") % {"number": application.number})
                return redirect("portal:case", public_id=application.public_id)
    return render(request, "workflows/portal/claim.html", {"form": form})


@portal_login_required
def notifications(request):
    return render(
        request, "workflows/portal/notifications.html", {"items": selectors.portal_notifications_for(user=request.user)}
    )


# --- catalogue and pre-check ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def programme_check(request, code: str):
    programme = selectors.portal_programme(code=code)
    form = forms.PrecheckForm(request.POST or None, programme=programme)
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
        result = {"eligible": not problems, "problems": problems}
    return render(request, "workflows/portal/check.html", {"programme": programme, "form": form, "result": result})


# --- filing --------------------------------------------------------------------------------------------


def _steps_context(application: Application | None, current: str) -> dict:
    return {"steps": STEPS, "current_step": current, "application": application}


@portal_login_required
@require_http_methods(["GET", "POST"])
def apply_start(request, code: str):
    """Step 1 of a new application; saving it creates the draft."""
    programme = selectors.portal_programme(code=code)
    applicant = _applicant_of(request.user)
    if applicant is None:
        messages.info(request, _("Bind your account to your real name before you apply."))
        return redirect(f"{reverse('portal:bind')}?next={request.path}")
    form = forms.BasicsForm(
        request.POST or None,
        programme=programme,
        communities=selectors.portal_communities(),
        initial={"bank_account_name": applicant.name},
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
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Draft %(number)s saved.") % {"number": application.number})
            return redirect("portal:step", public_id=application.public_id, step="business")
    context = {"form": form, "programme": programme, **_steps_context(None, "basics")}
    return render(request, "workflows/portal/step_basics.html", context)


@portal_login_required
@require_http_methods(["GET", "POST"])
def window_start(request, code: str | None = None):
    """Community window (代办): an officer files for an applicant and records that the originals were checked."""
    if not _is_officer(request.user):
        raise Http404
    if code is None:
        return render(request, "workflows/portal/window.html", {"programmes": selectors.portal_programmes()})
    programme = selectors.portal_programme(code=code)
    who = forms.WindowApplicantForm(request.POST or None, prefix="who")
    basics = forms.BasicsForm(
        request.POST or None,
        programme=programme,
        communities=selectors.portal_communities(),
        fixed_community=request.user.org_unit,
    )
    if request.method == "POST" and who.is_valid() and basics.is_valid():
        person, data = who.cleaned_data, basics.cleaned_data
        try:
            applicant = case_services.applicant_person_get_or_create(
                name=person["applicant_name"], id_number=person["applicant_id_number"], mobile=person["applicant_mobile"]
            )
            application = case_services.application_create(
                programme=programme,
                applicant=applicant,
                org_unit=request.user.org_unit,
                by=request.user,
                category=data["category"],
                requested_amount=data["amount"],
                bank_name=data["bank_name"],
                bank_account_name=data["bank_account_name"],
                bank_account_number=data["bank_account_number"],
                originals_checked=person["originals_checked"],
            )
        except DomainError as error:
            basics.add_error(None, _error_text(error))
        else:
            messages.success(
                request,
                _("Draft %(number)s saved. Claim code for the applicant: %(code)s")
                % {"number": application.number, "code": application.claim_code},
            )
            return redirect("portal:step", public_id=application.public_id, step="business")
    context = {"who": who, "form": basics, "programme": programme, **_steps_context(None, "basics")}
    return render(request, "workflows/portal/window_start.html", context)


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
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:step", public_id=application.public_id, step="business")
    context = {"form": form, "programme": programme, **_steps_context(application, "basics")}
    return render(request, "workflows/portal/step_basics.html", context)


def _step_business(request, application: Application):
    form = forms.BusinessForm(
        request.POST or None,
        initial={
            "business_name": application.business_name,
            "business_credit_code": application.business_credit_code,
            "business_registered_on": application.business_registered_on,
            "graduated_on": application.graduated_on,
            "jobs_created": application.jobs_created or None,
        },
    )
    if application.category != ApplicantCategory.GRADUATE:
        del form.fields["graduated_on"]
    if request.method == "POST" and form.is_valid():
        try:
            case_services.application_draft_update(application=application, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:step", public_id=application.public_id, step="documents")
    context = {"form": form, "programme": application.programme, **_steps_context(application, "business")}
    return render(request, "workflows/portal/step_business.html", context)


def _document_rows(application: Application, kinds: list[str]) -> list[dict]:
    present: dict[str, list] = {}
    for attachment in application.attachments.all():
        present.setdefault(attachment.kind, []).append(attachment)
    return [
        {"kind": kind, "label": AttachmentKind(kind).label, "files": present.get(kind, [])}
        for kind in kinds
        if kind in AttachmentKind.values
    ]


def _step_documents(request, application: Application):
    rows = _document_rows(application, application.rules_in_force.required_documents)
    complete = all(row["files"] for row in rows)
    context = {"rows": rows, "complete": complete, "programme": application.programme, **_steps_context(application, "documents")}
    return render(request, "workflows/portal/step_documents.html", context)


def _step_review(request, application: Application):
    form = forms.DeclarationForm()
    missing = case_services.missing_documents(application=application)
    context = {
        "form": form,
        "missing": [AttachmentKind(k).label for k in missing],
        "rows": _document_rows(application, application.rules_in_force.required_documents),
        "programme": application.programme,
        **_steps_context(application, "review"),
    }
    return render(request, "workflows/portal/step_review.html", context)


def _upload_back(application: Application) -> str:
    if application.status == Status.DRAFT:
        return reverse("portal:step", kwargs={"public_id": application.public_id, "step": "documents"})
    return reverse("portal:case", kwargs={"public_id": application.public_id}) + "#correction"


@csrf_exempt  # checked by _upload once the size is known to be acceptable (Django's documented pattern)
@portal_login_required
@require_POST
def upload(request, public_id):
    """One file for one document kind, on a draft or in answer to a correction notice.

    A body above the limit is refused from its Content-Length alone, before anything (the CSRF check included)
    reads it; a file that grows past the limit while streaming is dropped by SizeLimitUploadHandler."""
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    if request_too_large(request):
        messages.error(request, too_large_message())
        return redirect(_upload_back(application))
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _upload(request, application)


@csrf_protect
def _upload(request, application: Application):
    back = _upload_back(application)
    form = forms.UploadForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        messages.error(request, too_large_message())
        return redirect(back)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect(back)
    kind = form.cleaned_data["kind"]
    try:
        upload = form.cleaned_data.get("file")
        case_services.attachment_add(
            application=application, by=request.user, kind=kind, content=upload_read(upload), name=upload.name
        )
    except UploadRejected as error:
        messages.error(request, f"{AttachmentKind(kind).label}: {error.message}")
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(kind)s uploaded.") % {"kind": AttachmentKind(kind).label})
    return redirect(back)


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
            "rows": _document_rows(application, application.rules_in_force.required_documents),
            "programme": application.programme,
            **_steps_context(application, "review"),
        }
        return render(request, "workflows/portal/step_review.html", context, status=400)
    try:
        flow_services.case_submit(application=application, by=request.user)
    except DomainError as error:
        application.refresh_from_db()
        if application.status != Status.DRAFT:
            messages.info(request, _("This application has already been submitted; nothing was changed."))
            return redirect("portal:case", public_id=application.public_id)
        messages.error(request, _error_text(error))
        return redirect("portal:step", public_id=application.public_id, step="review")
    messages.success(request, _("Application %(number)s submitted.") % {"number": application.number})
    return redirect("portal:case", public_id=application.public_id)


# --- the case page -------------------------------------------------------------------------------------


@portal_login_required
def case(request, public_id):
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    correction = selectors.portal_open_correction(application=application)
    correction_rows = []
    if correction:
        for item in correction.items:
            kind = item.get("kind") or ""
            answered = bool(kind) and application.attachments.filter(kind=kind, uploaded_at__gt=correction.requested_at).exists()
            correction_rows.append(
                {
                    "kind": kind,
                    "label": AttachmentKind(kind).label if kind in AttachmentKind.values else "",
                    "message": item.get("message", ""),
                    "answered": answered,
                }
            )
    context = {
        "application": application,
        "history": selectors.portal_status_history(application=application),
        "correction": correction,
        "correction_rows": correction_rows,
        "correction_form": forms.CorrectionForm(),
        "documents": selectors.portal_documents(application=application),
        "can_withdraw": application.status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED_FOR_CORRECTION),
        "is_filer_officer": _is_officer(request.user),
        "notes": application.notifications.filter(channel="portal")[:20],
    }
    return render(request, "workflows/portal/case.html", context)


@portal_login_required
@require_POST
def resubmit(request, public_id):
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    form = forms.CorrectionForm(request.POST)
    answer = form.cleaned_data["answer"] if form.is_valid() else ""
    if application.status != Status.RETURNED_FOR_CORRECTION:
        messages.info(request, _("There is no open correction notice; nothing was changed."))
        return redirect("portal:case", public_id=application.public_id)
    try:
        flow_services.case_resubmit(application=application, by=request.user, answer=answer)
    except DomainError as error:
        messages.error(request, _error_text(error))
        return redirect(reverse("portal:case", kwargs={"public_id": application.public_id}) + "#correction")
    messages.success(request, _("Corrections sent. The review continues."))
    return redirect("portal:case", public_id=application.public_id)


@portal_login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, public_id):
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    form = forms.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            flow_services.case_withdraw(application=application, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Application %(number)s withdrawn.") % {"number": application.number})
            return redirect("portal:case", public_id=application.public_id)
    return render(request, "workflows/portal/withdraw.html", {"application": application, "form": form})


# --- guaranteed loans: schedule and the interest subsidy per period (先还后贴) ------------------------------------


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
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Interest subsidy of ¥%(amount)s claimed for period %(n)s. It will be reviewed and then paid to your account.")
            % {"amount": f"{claim.amount:,.2f}", "n": period},
        )
    return redirect(reverse("portal:loans") + f"#loan-{loan.application.number}")
