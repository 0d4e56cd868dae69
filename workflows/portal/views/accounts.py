"""The portal's home page and accounts: registration, login, the real-name binding, claiming a case filed at
the window, and the applicant's notifications."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import services as case_services
from cases.constants import Role
from cases.exceptions import DomainError
from workflows.login import LockedStatusMixin
from workflows.portal import forms, selectors
from workflows.portal.views.common import error_text, is_officer, portal_login_required


def home(request):
    context = {"programmes": selectors.portal_programmes(), "is_officer": is_officer(request.user)}
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
            form.add_error("login", error_text(error))
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
            form.add_error("identifier", error_text(error))
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
                form.add_error("code", error_text(error))
            else:
                messages.success(request, _("Case %(number)s is now in your account.") % {"number": application.number})
                return redirect("portal:case", public_id=application.public_id)
    return render(request, "workflows/portal/claim.html", {"form": form})


@portal_login_required
def notifications(request):
    return render(
        request, "workflows/portal/notifications.html", {"items": selectors.portal_notifications_for(user=request.user)}
    )
