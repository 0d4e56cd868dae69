"""Employers (社保补贴): the organisation account, its agents, the claims per quarter and their rosters.

The same pages serve the organisation's agents and a window officer (代办) acting for an employer of the officer's
town; workflows.portal.selectors.portal_employer_for decides who sees which organisation (404 otherwise). A roster
is checked first (its row-by-row report, nothing saved), then submitted whole or by its valid rows only.
"""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.constants import Role
from cases.exceptions import DomainError
from cases.models import AgentRole, Employer, SocialInsuranceClaim
from cases.models.social_insurance import ClaimStatus
from cases.selectors import employer_window_town
from cases.services.social_insurance import employers as employer_services
from cases.services.social_insurance import roster_check, roster_template
from cases.services.social_insurance.roster import MAX_ROSTER_ROWS
from workflows.portal import forms, selectors
from workflows.portal.uploads import SizeLimitUploadHandler, request_too_large, upload_read
from workflows.portal.views.common import error_text, portal_login_required

TEMPLATE_NAME = "社保补贴花名册模板.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _event_labels() -> dict[str, str]:
    return {
        "register": _("Organisation registered"),
        "agent_add": _("Agent added"),
        "claim_open": _("Claim opened"),
        "roster_check": _("Roster checked"),
        "roster_submit": _("Roster submitted"),
        "training_designate": _("Designated as a training provider"),
        "training_designation_end": _("Training designation ended"),
        "training_class_file": _("Training class filed"),
        "training_class_approve": _("Training class approved"),
        "training_class_refuse": _("Training class refused"),
        "training_roster_file": _("Training roster filed"),
        "training_results": _("Exam results recorded"),
        "training_claim_file": _("Training subsidy claimed"),
        "training_claim_settle": _("Training claim settled"),
    }


def _events(found: Employer) -> list:
    labels = _event_labels()
    events = list(selectors.portal_employer_events(employer=found))
    for event in events:
        event.label = labels.get(event.action, event.action)
    return events


def _claim_url(employer: Employer, claim: SocialInsuranceClaim) -> str:
    return reverse(
        "portal:employer_claim", kwargs={"public_id": employer.public_id, "year": claim.year, "quarter": claim.quarter}
    )


def _size_message() -> str:
    return _("The roster is too large: a roster may hold at most %(rows)s people and 5 MB. Split the roster.") % {
        "rows": f"{MAX_ROSTER_ROWS:,}"
    }


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return [this_year, this_year - 1]


@portal_login_required
@require_safe
def employer_home(request):
    """An agent goes to their organisation; a window officer sees their town's employers; anyone else may register."""
    employers = list(selectors.portal_employers_for(user=request.user))
    if request.user.role == Role.APPLICANT and len(employers) == 1:
        return redirect("portal:employer", public_id=employers[0].public_id)
    if request.user.role != Role.APPLICANT and employer_window_town(user=request.user) is None:
        raise Http404
    return render(
        request,
        "workflows/portal/employer_home.html",
        {"employers": employers, "at_window": request.user.role != Role.APPLICANT},
    )


def _register(request, *, template: str):
    form = forms.EmployerForm(request.POST or None, communities=_communities(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employer = employer_services.employer_register(
                name=data["name"],
                credit_code=data["credit_code"],
                address=data["address"],
                org_unit=data["community"],
                bank_name=data["bank_name"],
                bank_account_name=data["bank_account_name"],
                bank_account_number=data["bank_account_number"],
                by=request.user,
            )
        except DomainError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The organisation %(name)s is registered.") % {"name": employer.applicant.name})
            return redirect("portal:employer", public_id=employer.public_id)
    return render(request, template, {"form": form})


def _communities(user):
    communities = selectors.portal_communities()
    town = employer_window_town(user=user)
    return communities.filter(path__startswith=town.path) if town is not None else communities


@portal_login_required
@require_http_methods(["GET", "POST"])
def employer_register(request):
    """Online: the account registering the organisation becomes its administrator."""
    if request.user.role != Role.APPLICANT:
        raise Http404
    if selectors.portal_employers_for(user=request.user).exists():
        messages.info(request, _("Your account already acts for an organisation."))
        return redirect("portal:employer_home")
    return _register(request, template="workflows/portal/employer_register.html")


@portal_login_required
@require_http_methods(["GET", "POST"])
def window_employer(request):
    """At the window: an officer registers the organisation of an employer who cannot file online."""
    if employer_window_town(user=request.user) is None:
        raise Http404
    return _register(request, template="workflows/portal/window_employer.html")


@portal_login_required
@require_safe
def employer(request, public_id):
    found = selectors.portal_employer_for(user=request.user, public_id=public_id)
    agents = list(selectors.portal_employer_agents(employer=found))
    is_admin = any(a.user_id == request.user.pk and a.role == AgentRole.ADMIN for a in agents)
    programme = selectors.portal_roster_programme()
    context = {
        "employer": found,
        "agents": agents,
        "is_admin": is_admin,
        "agent_form": forms.AgentForm(roles=AgentRole.choices) if is_admin else None,
        "claims": selectors.portal_employer_claims(user=request.user, employer=found),
        "programme": programme,
        "open_form": forms.ClaimOpenForm(years=_years()) if programme else None,
        "events": _events(found),
        "at_window": request.user.role != Role.APPLICANT,
    }
    return render(request, "workflows/portal/employer.html", context)


@portal_login_required
@require_POST
def employer_agent_add(request, public_id):
    found = selectors.portal_employer_for(user=request.user, public_id=public_id)
    form = forms.AgentForm(request.POST, roles=AgentRole.choices)
    if not form.is_valid():
        messages.error(request, _("Enter the agent's portal login and choose a role."))
    else:
        try:
            agent = employer_services.employer_agent_add(
                employer=found, login=form.cleaned_data["login"], role=form.cleaned_data["role"], by=request.user
            )
        except DomainError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request, _("%(name)s now acts for the organisation.") % {"name": employer_services.actor_name(agent.user)}
            )
    return redirect(reverse("portal:employer", kwargs={"public_id": found.public_id}) + "#agents")


@portal_login_required
@require_POST
def employer_claim_open(request, public_id):
    found = selectors.portal_employer_for(user=request.user, public_id=public_id)
    programme = selectors.portal_roster_programme()
    form = forms.ClaimOpenForm(request.POST, years=_years())
    if programme is None or not form.is_valid():
        messages.error(request, _("Choose the year and the quarter of the claim."))
        return redirect("portal:employer", public_id=found.public_id)
    try:
        claim = employer_services.employer_claim_open(
            employer=found,
            programme=programme,
            year=form.cleaned_data["year"],
            quarter=form.cleaned_data["quarter"],
            by=request.user,
        )
    except DomainError as error:
        messages.error(request, error_text(error))
        return redirect("portal:employer", public_id=found.public_id)
    return redirect(_claim_url(found, claim))


def _claim_page(request, found: Employer, claim: SocialInsuranceClaim, *, report=None, error: str = ""):
    upload = getattr(claim, "pending_upload", None) if claim.status == ClaimStatus.DRAFT else None
    if report is None and upload is not None and not error:
        try:
            report = roster_check(claim=claim, content=employer_services.roster_upload_content(upload))
        except DomainError as failure:
            error = error_text(failure)
    context = {
        "employer": found,
        "claim": claim,
        "upload": upload,
        "report": report,
        "refused": sorted(report.refused.items()) if report else [],
        "valid_total": sum((line.amount for line in report.valid), Decimal("0.00")) if report else None,
        "error": error,
        "rows": selectors.portal_roster_rows(claim=claim) if claim.status != ClaimStatus.DRAFT else [],
        "upload_form": forms.RosterUploadForm(),
    }
    return render(request, "workflows/portal/employer_claim.html", context, status=400 if error else 200)


@portal_login_required
@require_safe
def employer_claim(request, public_id, year: int, quarter: int):
    found = selectors.portal_employer_for(user=request.user, public_id=public_id)
    claim = selectors.portal_employer_claim(user=request.user, employer=found, year=year, quarter=quarter)
    return _claim_page(request, found, claim)


@csrf_exempt  # checked by _roster_upload once the size is known to be acceptable (as for evidence uploads)
@portal_login_required
@require_POST
def roster_upload(request, public_id, year: int, quarter: int):
    """A roster checked row by row; the report is shown and the file kept for the submission. A body above the
    upload limit is refused from its Content-Length alone."""
    found = selectors.portal_employer_for(user=request.user, public_id=public_id)
    claim = selectors.portal_employer_claim(user=request.user, employer=found, year=year, quarter=quarter)
    if request_too_large(request):
        messages.error(request, _size_message())
        return redirect(_claim_url(found, claim))
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _roster_upload(request, found, claim)


@csrf_protect
def _roster_upload(request, found: Employer, claim: SocialInsuranceClaim):
    form = forms.RosterUploadForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        return _claim_page(request, found, claim, error=_size_message())
    upload = form.cleaned_data.get("file") if form.is_valid() else None
    try:
        content = upload_read(upload)
        report = employer_services.roster_upload_check(claim=claim, content=content, filename=upload.name, by=request.user)
    except DomainError as failure:
        return _claim_page(request, found, claim, error=error_text(failure))
    claim.refresh_from_db()
    return _claim_page(request, found, claim, report=report)


@portal_login_required
@require_POST
def roster_submit(request, public_id, year: int, quarter: int):
    found = selectors.portal_employer_for(user=request.user, public_id=public_id)
    claim = selectors.portal_employer_claim(user=request.user, employer=found, year=year, quarter=quarter)
    form = forms.RosterSubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Upload the roster and check it before submitting."))
        return redirect(_claim_url(found, claim))
    try:
        report = employer_services.employer_roster_submit(
            claim=claim,
            sha256=form.cleaned_data["sha256"],
            by=request.user,
            only_valid_rows=form.cleaned_data["only_valid_rows"],
        )
    except DomainError as failure:
        messages.error(request, error_text(failure))
    else:
        claim.refresh_from_db()
        messages.success(
            request,
            _("Roster submitted: %(n)s people, ¥%(total)s claimed.")
            % {"n": len(report.valid), "total": f"{claim.total_amount:,.2f}"},
        )
    return redirect(_claim_url(found, claim))


@require_safe
def roster_template_download(request):
    response = HttpResponse(roster_template(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(TEMPLATE_NAME)}"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
