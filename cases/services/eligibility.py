"""Programme rules checked before a case may be submitted. Rules are data on the programme."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from cases.constants import Status
from cases.crypto import lookup_digest
from cases.exceptions import EntitlementConflict, IneligibleApplication
from cases.models import Application

NOT_COUNTING = [Status.DRAFT, Status.WITHDRAWN, Status.REJECTED]


def eligibility_problems(*, application: Application, today: dt.date) -> list[str]:
    rules = application.rules_in_force.eligibility_rules or {}
    problems: list[str] = []
    categories = rules.get("categories")
    if categories and application.category not in categories:
        problems.append(_("The applicant category is not covered by this programme."))
    months = rules.get("business_min_months")
    if months:
        registered = application.business_registered_on
        if registered is None or registered > today - relativedelta(months=int(months)):
            problems.append(_("The business must have been registered at least %(months)s months ago.") % {"months": months})
    years = rules.get("graduate_within_years")
    if years and application.category == "graduate":
        graduated = application.graduated_on
        if graduated is None or graduated < today - relativedelta(years=int(years)):
            problems.append(_("Graduates must have graduated within the last %(years)s years.") % {"years": years})
    return problems


def entitlement_conflicts(*, application: Application) -> list[Application]:
    """Earlier cases that this one may not stand beside (once-only grants), by ID number or credit code."""
    rules = application.rules_in_force.eligibility_rules or {}
    if not rules.get("once_per_person"):
        return []
    applicant = application.applicant
    same_holder = Application.objects.filter(programme=application.programme).exclude(pk=application.pk)
    if applicant.id_number:
        same_holder = same_holder.filter(applicant__id_number_digest=lookup_digest(applicant.id_number))
    else:
        same_holder = same_holder.filter(applicant__credit_code=applicant.credit_code)
    return list(same_holder.exclude(status__in=NOT_COUNTING).order_by("id"))


def eligibility_assert(*, application: Application, today: dt.date) -> None:
    problems = eligibility_problems(application=application, today=today)
    if problems:
        raise IneligibleApplication(details=problems)
    conflicts = entitlement_conflicts(application=application)
    if conflicts:
        raise EntitlementConflict(
            _("The applicant already has case %(number)s in this programme; it is granted once per person.")
            % {"number": conflicts[0].number},
            details=[c.number for c in conflicts],
        )
