"""The portal's shared pieces: its language, its login, and how a domain error reads on a page."""

import datetime as dt
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from cases.constants import ApplicantCategory, Role
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


def safe_next(request) -> str:
    """The portal page the visitor was going to (`next`, posted or in the query), or "" when it is missing or leads
    anywhere else (another host or scheme, or outside the portal)."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    if not value or not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return value if urlsplit(value).path.startswith("/portal/") else ""


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# The pre-check's answers, kept in the session, so that registration, the real-name binding and the filing forms need
# not ask them again. Dates are kept as ISO strings (the session is JSON).
PRECHECK_SESSION_KEY = "portal_precheck"
PRECHECK_FIELDS = (
    "who",
    "group",
    "graduated_on",
    "resident",
    "runs_business",
    "business_registered_on",
    "hired",
    "syb_trained",
)
PRECHECK_DATES = ("graduated_on", "business_registered_on")


def precheck_remember(request, *, answers: dict) -> None:
    request.session[PRECHECK_SESSION_KEY] = {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name, value in answers.items()
        if name in PRECHECK_FIELDS and value not in (None, "")
    }


def precheck_answers(request) -> dict:
    """The answers given in this session, dates as dates; {} when there are none."""
    kept = request.session.get(PRECHECK_SESSION_KEY) or {}
    answers = {}
    for name, value in kept.items():
        if name not in PRECHECK_FIELDS or not isinstance(value, str | int):
            continue
        if name in PRECHECK_DATES:
            try:
                answers[name] = dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                continue
        else:
            answers[name] = value
    return answers


def precheck_prefill(request) -> dict:
    """What the filing forms take from the pre-check: the applicant category (from who and the group), the dates of
    graduation and business registration, the jobs created (the staff hired plus the applicant)."""
    answers = precheck_answers(request)
    prefill = {}
    if answers.get("who") == "employer":
        prefill["category"] = ApplicantCategory.EMPLOYER
    elif answers.get("who") == "person" and answers.get("group") in ApplicantCategory.values:
        prefill["category"] = answers["group"]
    if answers.get("graduated_on") and prefill.get("category") == ApplicantCategory.GRADUATE:
        prefill["graduated_on"] = answers["graduated_on"]
    if answers.get("runs_business") == "yes":
        if answers.get("business_registered_on"):
            prefill["business_registered_on"] = answers["business_registered_on"]
        if isinstance(answers.get("hired"), int):
            prefill["jobs_created"] = answers["hired"] + 1
    return prefill
