"""The portal's shared pieces: its language, its login, and how a domain error reads on a page."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.urls import reverse_lazy
from django.utils import translation

from cases.constants import Role
from cases.exceptions import DomainError
from cases.models import Applicant

PORTAL_LANGUAGES = {code for code, _name in settings.LANGUAGES}
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


def error_text(error: DomainError) -> str:
    details = "；".join(str(d) for d in error.details)
    return f"{error.message} {details}".strip() if details else str(error.message)


def applicant_of(user) -> Applicant | None:
    return Applicant.objects.filter(user=user).first() if user.is_authenticated else None


def is_officer(user) -> bool:
    return user.is_authenticated and user.role == Role.COMMUNITY_OFFICER and user.has_perm("cases.accept_application")
