"""Who may hold a human task: one rule for every flow and every way a task gets an owner.

A user may claim a task, be assigned it by a colleague, or execute it only when they could decide it: an active
staff member (not an applicant, not a bank officer) holding the task's permission, whose org unit covers the case
(cases.selectors.application_visible_to), and for the approval not the person who reviewed the case at district level. A reviewer of another unit, or of another role, can neither claim nor be
given the task, so the real reviewer is never blocked by a wrong owner.

viewflow asks `node.can_assign` / `node.can_execute` (workflows.engine.nodes.ServiceTask) on its own pages; the
services of workflows.engine.steps ask `task_may_execute` before they complete a task, and the work queue's claim and
assignment (workflows.engine.claims: case and process locked first, an audit row per assignment) ask `task_refusal`
for both the one who acts and the colleague who receives the task.
"""

from cases.constants import Role
from cases.exceptions import DomainError, PermissionDenied, SameReviewerApproval
from cases.models import Application, User
from cases.selectors import application_visible_to

APPROVE = "cases.approve_application"


def task_refusal(*, user: User | None, task, application: Application | None = None) -> DomainError | None:
    """Why `user` may not decide `task` (and so may not claim it or be assigned it), or None if they may. `application`:
    the task's case when the caller holds it (locked), else it is read."""
    if user is None or not user.is_authenticated or not user.is_active:
        return PermissionDenied()
    if user.role in (Role.APPLICANT, Role.BANK_OFFICER) or user.org_unit_id is None:
        return PermissionDenied()
    if not task.owner_permission or not user.has_perm(task.owner_permission):
        return PermissionDenied()
    if application is None or application.process_id != task.process_id:
        application = Application.objects.select_related("org_unit").filter(process_id=task.process_id).first()
    if application is None or not application_visible_to(user=user, application=application):
        return PermissionDenied()
    # the amount is fixed by a second person (cases.services.reviews): the district reviewer may not take the approval
    if task.owner_permission == APPROVE and application.reviewed_by_id == user.pk:
        return SameReviewerApproval()
    return None


def task_may_execute(*, user: User | None, task) -> bool:
    """May `user` decide `task` (and so claim it or be assigned it)?"""
    return task_refusal(user=user, task=task) is None
