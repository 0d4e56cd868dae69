"""The community window (代办): an officer files for an applicant and records that the originals were checked."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import services as case_services
from cases.constants import ProgrammeKind
from cases.exceptions import DomainError
from workflows.portal import forms, selectors
from workflows.portal.views.common import error_text, is_officer, portal_login_required
from workflows.portal.views.filing import steps_context


@portal_login_required
@require_http_methods(["GET", "POST"])
def window_start(request, code: str | None = None):
    """Community window (代办): an officer files for an applicant and records that the originals were checked."""
    if not is_officer(request.user):
        raise Http404
    if code is None:
        return render(request, "workflows/portal/window.html", {"programmes": selectors.portal_programmes()})
    programme = selectors.portal_programme(code=code)
    if programme.kind == ProgrammeKind.DISABLED:  # its own filing page, for the officer too
        return redirect("portal:disabled_file")
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
            basics.add_error(None, error_text(error))
        else:
            messages.success(
                request,
                _("Draft %(number)s saved. Claim code for the applicant: %(code)s")
                % {"number": application.number, "code": application.claim_code},
            )
            return redirect("portal:step", public_id=application.public_id, step="business")
    context = {"who": who, "form": basics, "programme": programme, **steps_context(None, "basics")}
    return render(request, "workflows/portal/window_start.html", context)
