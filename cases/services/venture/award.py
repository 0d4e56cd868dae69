"""The district approver's award: confirm the proposed amount, override it with a recorded reason, or refuse."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from cases.constants import Decision, ReviewLevel
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.models import (
    Application,
    User,
    VentureProject,
)
from cases.services.applications import staff_may
from cases.services.locks import case_locked
from cases.services.reviews import application_decide


@transaction.atomic
def venture_award_decide(
    *, application: Application, by: User, refuse: bool = False, amount: Decimal | None = None, reason: str = ""
) -> Application:
    """The district approver confirms the proposed amount, overrides it with a recorded reason, or refuses (the
    refusal carries the mean score)."""
    application = case_locked(application)
    if not staff_may(user=by, permission="cases.approve_application", application=application):
        raise PermissionDenied()
    project = VentureProject.objects.select_for_update().get(application=application)
    if not project.panel_done:
        raise TransitionForbidden(_("The expert panel has not scored this project yet."))
    reason = (reason or "").strip()
    score_text = _("Mean panel score %(score)s.") % {"score": project.mean_score}
    if refuse:
        if not reason:
            raise DomainError(_("Give the reason for the refusal."))
        return application_decide(
            application=application, by=by, level=ReviewLevel.APPROVAL, decision=Decision.REJECT, opinion=f"{score_text} {reason}"
        )
    target = project.proposed_amount if amount is None else Decimal(amount)
    if target is None:
        raise DomainError(
            _("The mean score %(score)s is below the lowest tier: refuse, or give an amount and a reason.")
            % {"score": project.mean_score}
        )
    if target != project.proposed_amount:
        if not reason:
            raise DomainError(
                _("Overriding the proposed amount %(proposed)s needs a reason.") % {"proposed": project.proposed_amount or "-"}
            )
        project.override_reason = reason
        project.save(update_fields=["override_reason"])
    opinion = f"{score_text} {reason}".strip() if reason else score_text
    return application_decide(
        application=application, by=by, level=ReviewLevel.APPROVAL, decision=Decision.PASS, opinion=opinion, amount=target
    )
