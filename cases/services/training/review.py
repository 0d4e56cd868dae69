"""A settled claim's review: the district reviewer passes or rejects it whole (no return: the amounts come from
the roster, the certificates and the business registrations, not from the provider's words); the district approver
approves exactly the settled amount. Each locks the case first, then the claim; the caller (the programme's
actions) completes the flow task and owes the documents after commit."""

from django.db import transaction
from django.utils.translation import gettext as _

from cases.constants import Decision, ReviewLevel
from cases.exceptions import DomainError
from cases.models import Application, User
from cases.models.training import TrainingClaim
from cases.services.locks import case_lock
from cases.services.reviews import application_decide


def claim_lock(application: Application) -> TrainingClaim:
    return TrainingClaim.objects.select_for_update(of=("self",)).get(application=application)


@transaction.atomic
def claim_district_decide(*, application: Application, by: User, passed: bool, opinion: str) -> Application:
    application = case_lock(pk=application.pk)
    claim_lock(application)
    opinion = (opinion or "").strip()
    if not passed and not opinion:
        raise DomainError(_("A rejection needs its reason."))
    decision = Decision.PASS if passed else Decision.REJECT
    return application_decide(application=application, by=by, level=ReviewLevel.DISTRICT, decision=decision, opinion=opinion)


@transaction.atomic
def claim_approve(*, application: Application, by: User, opinion: str) -> Application:
    """District approval of the settled amount."""
    application = case_lock(pk=application.pk)
    claim = claim_lock(application)
    return application_decide(
        application=application,
        by=by,
        level=ReviewLevel.APPROVAL,
        decision=Decision.PASS,
        opinion=opinion,
        amount=claim.settled_amount,
    )
