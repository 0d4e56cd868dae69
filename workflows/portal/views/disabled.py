"""The disabled entrepreneurs' household grant in the portal (残疾人自主创业扶持): one filing page for the applicant, a
family member with the applicant's power of attorney, or the community officer at the window (`portal:disabled_file`);
the same page to change a draft; the applicant's confirmation by SMS code of a case filed for them. The documents,
review and submission are the common steps (workflows.portal.views.filing)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cases import services as case_services
from cases.constants import ProgrammeKind, Status
from cases.exceptions import DomainError
from cases.identifiers import mask_citizen_id
from cases.models import Application, DisabledGrant, Programme
from workflows.engine.sms import proxy_confirmation_send
from workflows.portal import disabled_forms, selectors
from workflows.portal.views.common import applicant_of, error_text, is_officer, portal_login_required, with_next

STEPS = [
    ("facts", gettext_lazy("Certificate, household and business")),
    ("documents", gettext_lazy("Documents")),
    ("review", gettext_lazy("Review and submit")),
]


def disabled_programme() -> Programme:
    programme = selectors.portal_programmes().filter(kind=ProgrammeKind.DISABLED).first()
    if programme is None:
        raise Http404
    return programme


def steps_context(application: Application | None, current: str) -> dict:
    return {"steps": STEPS, "current_step": current, "application": application}


def mask_mobile(value: str) -> str:
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 7 else value


@portal_login_required
@require_http_methods(["GET", "POST"])
def disabled_file(request):
    """File the household grant: for oneself, for a family member, or (a community officer) for a visitor."""
    programme = disabled_programme()
    officer = is_officer(request.user)
    own = None if officer else applicant_of(request.user)
    if not officer and own is None:
        messages.info(request, _("Bind your account to your real name before you apply."))
        return redirect(with_next(reverse("portal:bind"), request.path))
    initial = {"bank_account_name": own.name} if own else {}
    communities = selectors.portal_communities()
    form = disabled_forms.DisabledFilingForm(
        request.POST or None,
        communities=communities,
        officer=officer,
        fixed_community=request.user.org_unit if officer else None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = _file(request, programme=programme, data=data, own=own, for_someone=form.for_someone)
        except DomainError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Draft %(number)s saved. Now upload the documents.") % {"number": application.number})
            return redirect("portal:step", public_id=application.public_id, step="documents")
    context = {"form": form, "programme": programme, "officer": officer, **steps_context(None, "facts")}
    return render(request, "workflows/portal/disabled_file.html", context, status=400 if form.errors else 200)


def _file(request, *, programme: Programme, data: dict, own, for_someone: bool) -> Application:
    if for_someone:
        if own is not None and own.id_number and own.id_number.upper() == data["applicant_id_number"]:
            raise DomainError(_("That is your own citizen ID number: choose “For myself”."))
        applicant = case_services.applicant_person_get_or_create(
            name=data["applicant_name"], id_number=data["applicant_id_number"], mobile=data["applicant_mobile"]
        )
        mobile = data["applicant_mobile"]
    else:
        applicant, mobile = own, ""
    return case_services.disabled_application_create(
        programme=programme,
        applicant=applicant,
        org_unit=request.user.org_unit if is_officer(request.user) else data["community"],
        by=request.user,
        certificate_number=data["certificate_number"],
        household_number=data["household_number"],
        resident_in_district=data["resident_in_district"],
        business_form=data["business_form"],
        business_name=data["business_name"],
        business_credit_code=data["business_credit_code"],
        business_registered_on=data["business_registered_on"],
        bank_name=data["bank_name"],
        bank_account_name=data["bank_account_name"],
        bank_account_number=data["bank_account_number"],
        confirmation_mobile=mobile,
    )


def step_facts(request, application: Application):
    """The filing page again for a draft: its facts filled in, saved through the service."""
    grant = DisabledGrant.objects.get(application=application)
    form = disabled_forms.DisabledFilingForm(
        request.POST or None,
        communities=selectors.portal_communities(),
        fixed_community=application.org_unit,
        editing=True,
        initial={
            "certificate_number": grant.certificate_number,
            "household_number": grant.household_number,
            "resident_in_district": grant.resident_in_district,
            "business_form": grant.business_form,
            "business_name": application.business_name,
            "business_credit_code": application.business_credit_code,
            "business_registered_on": application.business_registered_on,
            "bank_name": application.bank_name,
            "bank_account_name": application.bank_account_name,
            "bank_account_number": application.bank_account_number,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case_services.disabled_facts_update(
                application=application,
                by=request.user,
                certificate_number=data["certificate_number"],
                household_number=data["household_number"],
                resident_in_district=data["resident_in_district"],
                business_form=data["business_form"],
                business_name=data["business_name"],
                business_credit_code=data["business_credit_code"],
                business_registered_on=data["business_registered_on"],
                bank_name=data["bank_name"],
                bank_account_name=data["bank_account_name"],
                bank_account_number=data["bank_account_number"],
            )
        except DomainError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:step", public_id=application.public_id, step="documents")
    context = {"form": form, "programme": application.programme, "officer": False, **steps_context(application, "facts")}
    return render(request, "workflows/portal/disabled_file.html", context, status=400 if form.errors else 200)


def confirmation_context(application: Application) -> dict:
    """For the review step of a case filed for the applicant: whether they confirmed, where the code goes."""
    grant = DisabledGrant.objects.filter(application=application).first()
    if grant is None or not grant.filed_by_proxy:
        return {}
    return {
        "confirmation": {
            "confirmed": grant.confirmed_at is not None,
            "mobile": mask_mobile(grant.confirmation_mobile),
            "applicant": application.applicant.name,
            "id_number": mask_citizen_id(application.applicant.id_number or ""),
            "form": disabled_forms.ConfirmationCodeForm(),
        }
    }


def _draft(request, public_id) -> Application:
    application = selectors.portal_case_for(user=request.user, public_id=public_id)
    if application.programme.kind != ProgrammeKind.DISABLED:
        raise Http404
    return application


@portal_login_required
@require_POST
def disabled_confirm_send(request, public_id):
    application = _draft(request, public_id)
    try:
        mobile = proxy_confirmation_send(application=application, by=request.user)
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("A code was sent to %(mobile)s. Ask the applicant to read it to you, then enter it below.")
            % {"mobile": mask_mobile(mobile)},
        )
    return redirect("portal:step", public_id=application.public_id, step="review")


@portal_login_required
@require_POST
def disabled_confirm(request, public_id):
    application = _draft(request, public_id)
    form = disabled_forms.ConfirmationCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the 6-digit code the applicant received."))
    else:
        try:
            case_services.disabled_confirm(application=application, by=request.user, code=form.cleaned_data["code"])
        except DomainError as error:
            messages.error(request, error_text(error))
        else:
            if application.status == Status.DRAFT:
                messages.success(request, _("The applicant has confirmed the application. You may submit it now."))
    return redirect("portal:step", public_id=application.public_id, step="review")
