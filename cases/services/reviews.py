"""The review levels: one reviewer's decision at one level (pass, return for correction, reject). Approval checks
the amount against the case's rules and commits the budget where the programme says approval does."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import calendar
from cases.constants import Decision, ProgrammeKind, ReviewLevel
from cases.exceptions import DomainError, PermissionDenied, SameReviewerApproval, TransitionForbidden
from cases.models import Application, CorrectionRequest, ReviewOpinion, User
from cases.models.application import PASSED_LEVEL
from cases.services.applications import _level_deadline, _save, _today, _transition, case_rejected, staff_may
from cases.services.audit import audit_record
from cases.services.budget import budget_commit
from cases.services.locks import case_atomic, case_locked

LEVEL_PERMISSION = {
    ReviewLevel.COMMUNITY: "cases.accept_application",
    ReviewLevel.TOWN: "cases.review_town",
    ReviewLevel.DISTRICT: "cases.review_district",
    ReviewLevel.APPROVAL: "cases.approve_application",
}
# A programme whose level is reviewed by another body: the district review of the disabled entrepreneurs' household
# grant is the disabled persons' federation's (残联).
PROGRAMME_LEVEL_PERMISSION = {(ProgrammeKind.DISABLED, ReviewLevel.DISTRICT): "cases.review_federation"}
REVIEW_PERMISSIONS = frozenset(LEVEL_PERMISSION.values()) | frozenset(PROGRAMME_LEVEL_PERMISSION.values())


def level_permission(*, application: Application, level: str) -> str:
    """The permission that decides `level` of this case."""
    level = ReviewLevel(level)
    return PROGRAMME_LEVEL_PERMISSION.get((application.programme.kind, level), LEVEL_PERMISSION[level])


@case_atomic
def application_decide(
    *,
    application: Application,
    by: User,
    level: str,
    decision: str,
    opinion: str,
    amount: Decimal | None = None,
    items: list[dict] | None = None,
) -> Application:
    """One reviewer's decision at one level: pass, return for correction (all items at once), or reject."""
    application = case_locked(application)
    if not staff_may(user=by, permission=level_permission(application=application, level=level), application=application):
        raise PermissionDenied()
    if application.waiting_level != level:
        raise TransitionForbidden()
    opinion = (opinion or "").strip()
    if not opinion:
        raise DomainError(_("An opinion is required."))
    before = application.status
    if decision == Decision.PASS:
        fields = _pass(application, by=by, level=level, amount=amount)
    elif decision == Decision.RETURN:
        fields = _return_for_correction(application, by=by, level=level, items=items)
    elif decision == Decision.REJECT:
        fields = _reject(application)
    else:
        raise DomainError(_("Unknown decision."))
    _save(application, "deadline", "working_days_left", *fields)
    ReviewOpinion.objects.create(
        application=application,
        level=level,
        decision=decision,
        opinion=opinion,
        amount=application.approved_amount if decision == Decision.PASS and level == ReviewLevel.APPROVAL else None,
        reviewer=by,
        org_unit=by.org_unit,
    )
    audit_record(application=application, by=by, action=f"{level}:{decision}", from_status=before, comment=opinion)
    if decision == Decision.REJECT:
        case_rejected.send(sender=Application, application=application, by=by)
    return application


def _pass(application: Application, *, by: User, level: str, amount: Decimal | None) -> list[str]:
    """Pass the level; returns the fields it changed besides status and deadline."""
    if level == ReviewLevel.APPROVAL:
        fields = _approve(application, by=by, amount=amount)
    else:
        fields = _pass_level(application, by=by, level=level)
    assert application.status == PASSED_LEVEL[ReviewLevel(level)]
    return fields


def _approve(application: Application, *, by: User, amount: Decimal | None) -> list[str]:
    """The last level: a second person fixes the amount within the cap of the case's rules."""
    if application.reviewed_by_id == by.pk:
        raise SameReviewerApproval()
    amount = Decimal(amount if amount is not None else application.requested_amount)
    cap = application.rules_in_force.max_amount
    if amount <= 0 or amount > cap:
        raise DomainError(_("The amount must be above zero and at most the programme cap %(cap)s.") % {"cap": cap})
    application.approved_amount = amount
    if application.programme.commits_budget_on_approval:
        budget_commit(application=application, amount=amount, year=_today().year)
    _transition(application.approve, at=timezone.now())
    application.deadline = None
    return ["approved_amount", "decided_at"]


def _pass_level(application: Application, *, by: User, level: str) -> list[str]:
    """Community acceptance, town or district review: the case moves on with the next level's deadline."""
    step = {
        ReviewLevel.COMMUNITY: application.accept,
        ReviewLevel.TOWN: application.pass_town_review,
        ReviewLevel.DISTRICT: application.pass_district_review,
    }[ReviewLevel(level)]
    fields = []
    if level == ReviewLevel.DISTRICT:
        _transition(step, by=by)
        fields.append("reviewed_by")
    else:
        _transition(step)
    application.deadline = _level_deadline(application, application.next_level(level))
    return fields


def _return_for_correction(application: Application, *, by: User, level: str, items: list[dict] | None) -> list[str]:
    """The one-time notice: every missing or wrong item at once; the working days left are kept for the answer."""
    items = [i for i in (items or []) if str(i.get("message", "")).strip()]
    if not items:
        raise DomainError(_("List every missing or wrong item at once (one-time notice)."))
    _transition(application.return_for_correction)
    application.working_days_left = (
        max(calendar.working_days_between(_today(), application.deadline), 0) if application.deadline else None
    )
    application.deadline = None
    CorrectionRequest.objects.create(application=application, level=level, items=items, requested_by=by)
    return ["returned_from"]


def _reject(application: Application) -> list[str]:
    _transition(application.reject, at=timezone.now())
    application.deadline = None
    return ["decided_at"]


def review_task_assignment_record(*, application: Application, by: User, assignee: User, level: str) -> None:
    """Who holds a case's review task at `level`: the user who hands it on must be allowed to execute it, and so must
    the colleague who receives it (that level's permission and the case in their unit or below); else nothing
    changes. The caller holds the case lock and moves the task; this writes the audit row."""
    permission = level_permission(application=application, level=level)
    if not staff_may(user=by, permission=permission, application=application):
        raise PermissionDenied()
    if not staff_may(user=assignee, permission=permission, application=application):
        raise PermissionDenied(
            _("%(name)s may not execute this task: only a colleague allowed to decide it can be assigned it.")
            % {"name": assignee.get_full_name() or assignee.username}
        )
    name = assignee.get_full_name() or assignee.username
    audit_record(application=application, by=by, action=f"{level}:assigned", from_status=application.status, comment=name)
