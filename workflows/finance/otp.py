"""Two-factor sign-in (TOTP, django-otp) for the roles that move money or approve it.

After the password login, a finance officer or district approver must verify a TOTP device before any other page:
the middleware sends them to enrolment (no confirmed device yet) or verification, keeping `next`. JSON and
non-GET requests are refused with 403 instead of redirected. Views that act on money check `second_factor_ok`
again (defence in depth: the middleware may be left out of a deployment by mistake)."""

from urllib.parse import urlencode

from django.http import HttpResponseForbidden, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from cases.constants import SECOND_FACTOR_ROLES

EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/verify/", "/finance/2fa/", "/admin/logout/")


def second_factor_required(user) -> bool:
    return bool(user.is_authenticated and getattr(user, "role", "") in SECOND_FACTOR_ROLES)


def second_factor_ok(request) -> bool:
    user = request.user
    return not second_factor_required(user) or bool(getattr(user, "is_verified", lambda: False)())


def second_factor_redirect(request):
    name = "finance:otp_verify" if user_has_device(request.user) else "finance:otp_enrol"
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if second_factor_ok(request) or request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")
        if request.method != "GET" or wants_json:
            return HttpResponseForbidden(_("Verify your second factor (authenticator code) first."))
        return second_factor_redirect(request)
