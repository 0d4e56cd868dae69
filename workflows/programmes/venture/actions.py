"""The venture programme's write entry: the panel's close and the award task (the cases services change the
record, then the flow moves), and the rules checked before submission."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.exceptions import TransitionForbidden
from cases.models import Application, User, VentureProject, VentureRound
from cases.services import venture as venture_services

# Writes that change the round's own record and move no flow pass straight through: pages call them from here, so
# every write of the programme has one entry.
from cases.services.venture import (  # noqa: F401
    outlier_confirm,
    panel_draw,
    panel_replace,
    panel_seat_add,
    score_submit,
    venture_round_open,
)
from documents.constants import DocumentKind
from documents.tasks import schedule_case_document
from workflows.engine.locks import cases_and_processes_lock
from workflows.engine.steps import human_task_complete, open_task
from workflows.models import SubsidyTask

# --- orchestration: the cases services change the record, then the flow moves --------------------


def venture_rules(application: Application) -> None:
    """Before submission: graduate legal representative, capital share, never funded before."""
    venture_services.venture_eligibility_assert(application=application, today=timezone.localdate())


def venture_panel_close(*, round_: VentureRound, by: User) -> list[VentureProject]:
    """Close the panel; every scored case moves from await_panel to award and gets its panel record.
    Lock order: every case of the round (ascending pk), their processes, then the round and its projects."""
    with transaction.atomic():
        cases = {a.pk: a for a in cases_and_processes_lock(pks=venture_services.round_case_ids(round_=round_))}
        projects = venture_services.panel_close(round_=round_, by=by)
        for project in projects:
            application = cases.get(project.application_id)  # None: moved into the round after the lock, refused
            task = open_task(application=application, name="await_panel") if application else None
            if task is None:
                raise TransitionForbidden(
                    _("Case %(number)s is not waiting for the panel.") % {"number": project.application.number}
                )
            task.flow_task.run(task)
            step = application.audit_entries.order_by("-id").first()
            schedule_case_document(kind=DocumentKind.VENTURE_PANEL_RECORD, application_id=application.pk, step_id=step.pk)
    return projects


def venture_task_award(
    *, task_id: int, by: User, refuse: bool = False, amount: Decimal | None = None, reason: str = ""
) -> Application:
    """Complete the award task: confirm the proposed amount, override it with a reason, or refuse."""

    def award(application: Application, task: SubsidyTask) -> Application:
        return venture_services.venture_award_decide(application=application, by=by, refuse=refuse, amount=amount, reason=reason)

    with transaction.atomic():
        application = human_task_complete(task_id=task_id, by=by, nodes={"award"}, action=award)
        kind = DocumentKind.VENTURE_REFUSAL_NOTICE if refuse else DocumentKind.VENTURE_APPROVAL_DECISION
        step = application.audit_entries.order_by("-id").first()
        schedule_case_document(kind=kind, application_id=application.pk, step_id=step.pk)
    return application
