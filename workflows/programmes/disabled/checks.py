"""Consistency facts of the household grant (`check_consistency`): every filed case has its certificate facts, at
most one case per household is granted or under way, and a case filed for the applicant was confirmed by them."""

from django.db.models import Count

from cases.constants import ProgrammeKind, Status
from cases.models import Application, DisabledGrant
from cases.services.disabled.filing import NOT_HOLDING


def cases_without_facts() -> list[str]:
    missing = Application.objects.filter(programme__kind=ProgrammeKind.DISABLED, disabled_grant__isnull=True)
    return [f"disabled case {number} has no certificate facts" for number in missing.values_list("number", flat=True)]


def households_granted_twice() -> list[str]:
    rows = (
        DisabledGrant.objects.exclude(application__status__in=NOT_HOLDING)
        .values("household_number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    return [f"household {row['household_number']} holds {row['n']} household grants" for row in rows]


def unconfirmed_proxy_cases() -> list[str]:
    rows = (
        DisabledGrant.objects.exclude(proxy_relation="")
        .filter(confirmed_at__isnull=True)
        .exclude(application__status__in=[Status.DRAFT, Status.WITHDRAWN])
        .values_list("application__number", flat=True)
    )
    return [f"disabled case {number} was submitted for the applicant without their confirmation" for number in rows]


CHECKS = {
    "disabled_cases_have_facts": cases_without_facts,
    "disabled_one_grant_per_household": households_granted_twice,
    "disabled_proxy_cases_confirmed": unconfirmed_proxy_cases,
}
