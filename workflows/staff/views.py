"""Staff pages that are not flow tasks: case detail and search, publicity, statistics.

Views call selectors (reads, scoped by *_for_user) and services (writes) only; domain errors become responses in
workflows.middleware.DomainErrorMiddleware.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases import services as case_services
from cases.constants import Role
from cases.selectors import (
    SEARCH_PAGE_SIZE,
    application_attachments,
    application_statistics_for_user,
    application_timeline,
    applications_awaiting_publicity_for_user,
    applications_for_user,
    applications_in_publicity_for_user,
    applications_search_for_user,
    attachment_for_user,
)
from cases.services.social_insurance.statistics import PERIODS as SI_PERIODS
from cases.services.social_insurance.statistics import social_insurance_figures_for_user
from workflows.engine import steps as flow_services
from workflows.engine.queue import review_permissions
from workflows.evidence import attachment_response
from workflows.programmes.loan.selectors import loan_statistics_for_user
from workflows.staff.forms import CaseSearchForm, ObjectionForm, PublishForm


def home(request):
    """The start page: each user's own work. Anonymous visitors go to the staff login and come back here."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if user.role == Role.APPLICANT:
        return redirect("portal:home")
    if user.role == Role.BANK_OFFICER:
        return redirect("loans:list")
    if user.role == Role.FINANCE_OFFICER:
        return redirect("finance:batches")
    if user.role == Role.EXPERT:  # an expert's only pages are the panels they sit on
        return redirect("venture_rounds")
    if review_permissions(user=user):
        return redirect("work_queue")  # reviewers at every level: the cases waiting for their decision
    return redirect("startup:index")  # the review queues of the staff site (its menu leads to every programme)


def _staff_only(user) -> None:
    """Case pages are for government staff (and a bank officer for its loans' cases); an expert has none."""
    if user.role in (Role.APPLICANT, Role.EXPERT) or user.org_unit_id is None:
        raise PermissionDenied


def _case_page(request, public_id, *, reveal: str | None = None):
    """The staff case page; with `reveal` (a key of cases.services.REVEALABLE), that number in full, once."""
    _staff_only(request.user)  # applicants follow their cases in the portal
    application = applications_for_user(user=request.user).filter(public_id=public_id).first()
    if application is None:
        raise Http404
    revealed = {}
    if reveal is not None:
        revealed[reveal] = case_services.personal_number_reveal(application=application, by=request.user, what=reveal)
    return render(
        request,
        "workflows/case_detail.html",
        {
            "case": application,
            "applicant": application.applicant,
            "revealed": revealed,
            "may_reveal": case_services.personal_number_may_reveal(user=request.user, application=application),
            "timeline": application_timeline(application=application),
            "documents": application.documents.order_by("issued_at"),
            "attachments": application_attachments(application=application),
            "corrections": application.corrections.all(),
        },
    )


@login_required
def case_detail(request, public_id):
    return _case_page(request, public_id)


@login_required
@require_safe
def case_attachment(request, public_id, pk):
    """One evidence file of a case in the user's scope, checked against its digest; 404 for any other (applicants
    open theirs from the portal)."""
    if request.user.role in (Role.APPLICANT, Role.EXPERT) or request.user.org_unit_id is None:
        raise Http404
    attachment = attachment_for_user(user=request.user, public_id=public_id, pk=pk)
    if attachment is None:
        raise Http404
    return attachment_response(request, attachment, base_template="workflows/page.html")


@never_cache
@login_required
@require_POST
def case_reveal(request, public_id):
    """One full number, read once: an audit row per reveal, the page kept by no cache."""
    return _case_page(request, public_id, reveal=request.POST.get("reveal", ""))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def case_list(request):
    """The user's cases, newest first, paged by keyset (after=<id>), never by OFFSET.

    The search text is posted, never put in the address: it may be a citizen ID or account number. A search for a
    status only stays a plain link."""
    _staff_only(request.user)
    form = CaseSearchForm((request.POST if request.method == "POST" else request.GET) or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = applications_search_for_user(
        user=request.user, text=data.get("q", ""), status=data.get("status", ""), after_id=data.get("after")
    )
    cases, more = rows[:SEARCH_PAGE_SIZE], len(rows) > SEARCH_PAGE_SIZE
    next_url = next_post = None
    if more and data.get("q"):
        next_post = {"q": data["q"], "status": data.get("status", ""), "after": cases[-1].pk}
    elif more:
        next_url = "?" + urlencode({"status": data.get("status", ""), "after": cases[-1].pk})
    context = {"form": form, "cases": cases, "next_url": next_url, "next_post": next_post}
    return render(request, "workflows/case_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def publicity(request):
    """District staff: publish approved cases as a publicity list; record objections received during publicity."""
    if not request.user.has_perm("cases.manage_publicity"):
        raise PermissionDenied
    awaiting = list(applications_awaiting_publicity_for_user(user=request.user).select_related("programme"))
    in_publicity = list(applications_in_publicity_for_user(user=request.user))
    action = request.POST.get("action") if request.method == "POST" else None
    publish_form = PublishForm(request.POST if action == "publish" else None, applications=awaiting)
    objection_form = ObjectionForm(request.POST if action == "objection" else None, applications=in_publicity)

    if action == "publish" and publish_form.is_valid():
        chosen = publish_form.cleaned_data["cases"]
        batch = flow_services.publicity_publish(
            programme=chosen[0].programme,
            applications=chosen,
            by=request.user,
            starts_on=publish_form.cleaned_data["starts_on"],
        )
        messages.success(
            request,
            _("Publicity list %(number)s published with %(count)d cases, open until %(ends_on)s.")
            % {"number": batch.number, "count": len(chosen), "ends_on": batch.ends_on},
        )
        return redirect("publicity")
    if action == "objection" and objection_form.is_valid():
        application = objection_form.cleaned_data["case"]
        flow_services.objection_record(
            application=application,
            by=request.user,
            objector_name=objection_form.cleaned_data["objector_name"],
            objector_contact=objection_form.cleaned_data["objector_contact"],
            reason=objection_form.cleaned_data["reason"],
        )
        messages.success(
            request, _("Objection recorded for case %(number)s; it awaits investigation.") % {"number": application.number}
        )
        return redirect("publicity")
    status = 400 if action else 200
    return render(
        request,
        "workflows/publicity.html",
        {
            "awaiting": awaiting,
            "in_publicity": in_publicity,
            "publish_form": publish_form,
            "objection_form": objection_form,
        },
        status=status,
    )


@login_required
def statistics(request):
    """Managers: counts and money per status, programme and town, over the cases of their unit and below; the
    social-insurance subsidy's people, person-months, employers and yuan per town and month, quarter or year."""
    if not request.user.has_perm("cases.view_statistics"):
        raise PermissionDenied
    period = request.GET.get("si_period")
    period = period if period in SI_PERIODS else "quarter"
    context = {
        "stats": application_statistics_for_user(user=request.user),
        "loans": loan_statistics_for_user(user=request.user),
        "social_insurance": social_insurance_figures_for_user(user=request.user, period=period),
        "si_period": period,
        "si_periods": [("month", _("By month")), ("quarter", _("By quarter")), ("year", _("By year"))],
    }
    return render(request, "workflows/statistics.html", context)
