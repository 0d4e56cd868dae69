"""Reads of flow state, scoped like the cases they route (cases.selectors.applications_for_user)."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from cases import calendar
from cases.constants import AttachmentKind, UnitLevel
from cases.models import Application, Attachment, BudgetEnvelope, User
from workflows.models import SubsidyProcess, SubsidyTask


def tasks_for_user(*, user: User) -> QuerySet[SubsidyTask]:
    """Tasks of the cases the user may see: staff their org unit and below, never beside it."""
    return SubsidyTask.objects.for_user(user)


def processes_for_user(*, user: User) -> QuerySet[SubsidyProcess]:
    return SubsidyProcess.objects.for_user(user)


def task_visible_to(*, user: User, process_id: int, task_id: int | None = None) -> bool:
    """One query: is the process (and the task, which must belong to it) in the user's scope?"""
    if task_id is None:
        return processes_for_user(user=user).filter(pk=process_id).exists()
    return tasks_for_user(user=user).filter(pk=task_id, process_id=process_id).exists()


# --- the reviewer's task page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequiredDocument:
    kind: str
    label: str
    file: Attachment | None  # the file that counts now (not superseded), or None when it is missing


def required_documents(*, application: Application, attachments: list[Attachment]) -> list[RequiredDocument]:
    """The documents this case's rules ask of its category (this programme's only), each with the file that counts."""
    rules = application.rules_in_force
    kinds = list(rules.required_documents or []) if rules is not None else []
    if rules is not None and application.category in (rules.eligibility_rules or {}).get("training_certificate_for", []):
        kinds.append(AttachmentKind.TRAINING_CERTIFICATE)
    current = {a.kind: a for a in attachments if not a.superseded}
    labels = dict(AttachmentKind.choices)
    return [RequiredDocument(kind, str(labels.get(kind, kind)), current.get(kind)) for kind in dict.fromkeys(kinds)]


def envelope_in_force(*, application: Application) -> BudgetEnvelope | None:
    """This year's envelope an approval of the case would draw on: its town's own, else the district-wide one."""
    envelopes = BudgetEnvelope.objects.filter(programme_id=application.programme_id, year=timezone.localdate().year)
    town = application.org_unit.ancestor_at(UnitLevel.TOWN)
    return (envelopes.filter(org_unit=town).first() if town else None) or envelopes.filter(org_unit__isnull=True).first()


def working_days_left(*, application: Application) -> int | None:
    """Working days from today to the case's current deadline (negative once past it), or None without one."""
    if application.deadline is None:
        return None
    return calendar.working_days_between(timezone.localdate(), application.deadline)
