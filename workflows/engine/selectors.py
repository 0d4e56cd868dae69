"""Reads of flow state, scoped like the cases they route (cases.selectors.applications_for_user)."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from cases import calendar
from cases.constants import AttachmentKind, UnitLevel
from cases.models import Application, Attachment, BudgetEnvelope, User
from cases.models.training import TrainingCertificate
from cases.services.training.certificates import certificate_cited
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
    # The training requirement: the certificate the training register holds for the applicant (it counts without a
    # file), and whether an uploaded certificate counts at all under the case's rules.
    certificate: TrainingCertificate | None = None
    upload_counts: bool = True


def required_documents(*, application: Application, attachments: list[Attachment]) -> list[RequiredDocument]:
    """The documents this case's rules ask of its category (this programme's only), each with the file that counts."""
    rules = application.rules_in_force
    kinds = list(rules.required_documents or []) if rules is not None else []
    current = {a.kind: a for a in attachments if not a.superseded}
    labels = dict(AttachmentKind.choices)
    required = [RequiredDocument(kind, str(labels.get(kind, kind)), current.get(kind)) for kind in dict.fromkeys(kinds)]
    eligibility = (rules.eligibility_rules or {}) if rules is not None else {}
    if application.category in eligibility.get("training_certificate_for", []):
        kind = AttachmentKind.TRAINING_CERTIFICATE
        required = [r for r in required if r.kind != kind]
        required.append(
            RequiredDocument(
                kind,
                str(labels[kind]),
                current.get(kind),
                certificate=certificate_cited(application=application),
                upload_counts=bool(eligibility.get("training_certificate_upload_accepted")),
            )
        )
    return required


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
