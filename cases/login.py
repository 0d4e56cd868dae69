"""Login forms shared by every sign-in page (staff, portal, admin): lock-out check before the password is tried,
failures counted (cases.services.access), and each page's rule on which accounts may use it."""

import math

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.constants import Role
from cases.models import AccessEvent
from cases.services import access

LOCKED = "locked"
WRONG_PAGE = "wrong_page"


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or the header named by LOGIN_CLIENT_ADDRESS_HEADER (e.g. HTTP_X_REAL_IP)
    when a reverse proxy in front sets it (of a list, the last entry: the one the proxy added). Behind a proxy
    without it every client shares the proxy's address."""
    if request is None:
        return ""
    header = settings.LOGIN_CLIENT_ADDRESS_HEADER
    value = request.META.get(header, "") if header else ""
    return (value.split(",")[-1].strip() or request.META.get("REMOTE_ADDR", ""))[:45]


def is_applicant_account(user) -> bool:
    return user.role == Role.APPLICANT and not (user.is_staff or user.is_superuser)


class ThrottledLoginMixin:
    """For an AuthenticationForm: refuse while locked (even the right password), count wrong passwords."""

    account_locked_message = _(
        "Too many failed attempts for this account. Try again in %(minutes)s minutes or ask an administrator to unlock it."
    )
    address_locked_message = _("Too many failed sign-in attempts from your address. Try again in %(minutes)s minutes.")

    def _locked_error(self, lock: AccessEvent) -> ValidationError:
        minutes = max(math.ceil((lock.until - timezone.now()).total_seconds() / 60), 1)
        message = self.account_locked_message if lock.scope == AccessEvent.Scope.ACCOUNT else self.address_locked_message
        return ValidationError(message, code=LOCKED, params={"minutes": minutes})

    def clean(self):
        username = self.cleaned_data.get("username")
        address = client_address(self.request)
        if username is not None and self.cleaned_data.get("password"):
            lock = access.login_lock_find(username=username, address=address)
            if lock is not None:
                raise self._locked_error(lock)
        try:
            return super().clean()
        except ValidationError as error:
            if getattr(error, "code", None) == "invalid_login":
                lock = access.login_failure_record(username=username, address=address)
                if lock is not None:
                    raise self._locked_error(lock) from error
            raise

    @property
    def locked(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, LOCKED)


class StaffLoginForm(ThrottledLoginMixin, AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if is_applicant_account(user):
            raise ValidationError(
                _("This sign-in page is for staff. Applicants sign in on the applicant portal."), code=WRONG_PAGE
            )


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class ApplicantLoginForm(ThrottledLoginMixin, AuthenticationForm):
    account_locked_message = _(
        "Too many failed attempts for this account. Try again in %(minutes)s minutes or reset your password."
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not is_applicant_account(user):
            raise ValidationError(
                _("Staff accounts cannot sign in on the applicant portal. Use the staff sign-in page."), code=WRONG_PAGE
            )
