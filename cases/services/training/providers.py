"""Designated training providers: an organisation account (registered, with its agents, through
cases.services.social_insurance.employers) designated by the district as an SYB training provider. Every act for a
provider is kept in the organisation's trail (EmployerEvent)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.constants import UnitLevel
from cases.exceptions import DomainError, PermissionDenied
from cases.models import Employer, User
from cases.models.training import TrainingProvider
from cases.selectors import employer_acts_for
from cases.services.numbering import counter_next
from cases.services.social_insurance.employers import employer_event_record


def district_staff(user: User, permission: str) -> bool:
    """A district-level officer holding `permission` (the district designates providers and approves classes)."""
    return (
        user.is_authenticated
        and user.is_active
        and user.org_unit_id is not None
        and user.org_unit.level == UnitLevel.DISTRICT
        and user.has_perm(permission)
    )


def may_designate(user: User) -> bool:
    """Whether `user` designates providers and ends designations (a district approver)."""
    return district_staff(user, "cases.approve_application")


def provider_acts_for(*, provider: TrainingProvider, by: User) -> bool:
    """The provider's agents (or a window officer of its town, filing for it)."""
    return employer_acts_for(employer=provider.employer.applicant, by=by)


@transaction.atomic
def provider_designate(*, employer: Employer, by: User) -> TrainingProvider:
    """The district designates an organisation account as a training provider, with a designation number."""
    if not district_staff(by, "cases.approve_application"):
        raise PermissionDenied(_("Only the district designates training providers."))
    employer = Employer.objects.select_for_update(of=("self",)).select_related("applicant").get(pk=employer.pk)
    if TrainingProvider.objects.filter(employer=employer).exists():
        raise DomainError(_("This organisation is a designated training provider already."))
    year = employer.created_at.year
    number = f"SYB-JG-{year}-{counter_next(key=f'training:provider:{year}'):04d}"
    try:
        with transaction.atomic():
            provider = TrainingProvider.objects.create(employer=employer, designation_number=number, designated_by=by)
    except IntegrityError:
        raise DomainError(_("This organisation is a designated training provider already.")) from None
    employer_event_record(employer=employer, by=by, action="training_designate", note=number)
    return provider


@transaction.atomic
def provider_designation_end(*, provider: TrainingProvider, by: User, reason: str) -> TrainingProvider:
    """The district ends a designation: the provider files no new class (its classes and claims go on)."""
    if not district_staff(by, "cases.approve_application"):
        raise PermissionDenied(_("Only a district approver ends a designation."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason."))
    provider = TrainingProvider.objects.select_for_update().get(pk=provider.pk)
    if not provider.active:
        raise DomainError(_("This designation has ended already."))
    provider.active = False
    provider.save(update_fields=["active"])
    employer_event_record(employer=provider.employer, by=by, action="training_designation_end", note=reason)
    return provider
