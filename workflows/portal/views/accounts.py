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
from workflows.engine import sms
from workflows.login import LockedStatusMixin
from workflows.portal import forms, selectors
from workflows.portal.views.common import error_text, is_officer, portal_login_required, safe_next, with_next


def home(request):
    context = {"programmes": selectors.portal_programmes(), "is_officer": is_officer(request.user)}
    if request.user.is_authenticated:
        context["cases"] = selectors.portal_cases_for(user=request.user)
        context["has_loans"] = bool(selectors.portal_loans_for(user=request.user))
        context["bound"] = bool(request.user.id_number or request.user.credit_code)
    return render(request, "workflows/portal/home.html", context)


REGISTER_MOBILE_SESSION_KEY = "portal_register_mobile"


@require_http_methods(["GET", "POST"])
def register(request):
    """Create an account in two steps: the mobile number, to which "Send code" texts a verification code (within the
    resend limits); then the code, an optional e-mail address and the password. Then the real-name binding, and on
    to where the visitor was going (`next`)."""
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "portal:home")
    sent_to = request.session.get(REGISTER_MOBILE_SESSION_KEY, "")
    sending = request.method == "POST" and request.POST.get("action") == "send"
    form = forms.RegisterForm(request.POST or None, for_code=sending, initial={"mobile": sent_to})
    if sending and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            sms.verification_code_send(mobile=mobile)
        except DomainError as error:
            form.add_error("mobile", error_text(error))
        else:
            request.session[REGISTER_MOBILE_SESSION_KEY] = mobile
            messages.success(
                request,
                _("A verification code was sent to %(mobile)s. It is valid for %(minutes)s minutes.")
                % {"mobile": mobile, "minutes": case_services.sms_code_valid_minutes()},
            )
            return redirect(with_next(reverse("portal:register"), next_url))
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = case_services.applicant_user_register_confirmed(
                mobile=data["mobile"], code=data["code"], password=data["password1"], email=data["email"]
            )
        except case_services.SmsCodeRefused as error:
            form.add_error("code", error_text(error))
        except DomainError as error:
            form.add_error("mobile", error_text(error))
        else:
            auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])  # keeps the pre-check answers
            request.session.pop(REGISTER_MOBILE_SESSION_KEY, None)
            messages.success(request, _("Your account was created. Next, bind it to your real name."))
            return redirect(with_next(reverse("portal:bind"), next_url))
    # The whole form once a code was sent (or the full form was posted); before that, the mobile number alone.
    full = bool(sent_to) or (request.method == "POST" and not sending)
    context = {"form": form, "next": next_url, "full": full}
    return render(request, "workflows/portal/register.html", context)


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
    next_url = safe_next(request)
    if user.id_number or user.credit_code:
        messages.info(request, _("Your account is already bound to a real name."))
        return redirect(next_url or "portal:home")
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
            return redirect(next_url or "portal:home")
    return render(request, "workflows/portal/bind.html", {"form": form, "next": next_url})


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
