"""Reads. Access control lives here: every list a user sees goes through a *_for_user selector."""

from django.db.models import QuerySet

from cases.constants import Role
from cases.models import Application, AuditEntry, OrgUnit, User


def org_units_for_user(*, user: User) -> QuerySet[OrgUnit]:
    if not user.is_authenticated or user.role == Role.APPLICANT or user.org_unit_id is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=user.org_unit.path)


def applications_for_user(*, user: User) -> QuerySet[Application]:
    """Staff: their unit and below. Applicants: their own cases. Anyone else: nothing."""
    base = Application.objects.select_related("programme", "applicant", "org_unit")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.role == Role.APPLICANT:
        return base.filter(applicant__user=user)
    if user.role == Role.BANK_OFFICER:  # not government staff: only cases whose loan is routed to their bank
        return base.filter(loan__bank__officers__user=user)
    if user.org_unit_id is None:
        return base.none()
    return base.filter(org_unit__path__startswith=user.org_unit.path)


def application_visible_to(*, user: User, application: Application) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.APPLICANT:
        return application.applicant.user_id == user.pk
    if user.role == Role.BANK_OFFICER:
        return Application.objects.filter(pk=application.pk, loan__bank__officers__user=user).exists()
    return user.org_unit_id is not None and application.org_unit.path.startswith(user.org_unit.path)


def application_timeline(*, application: Application) -> QuerySet[AuditEntry]:
    return application.audit_entries.select_related("actor", "org_unit").order_by("created_at", "id")
