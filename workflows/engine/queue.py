"""The reviewers' work queue: the open review tasks a user may execute, in their unit and below.

One page is one query for the rows (the task, its case, programme, applicant, unit and town, holder, all joined),
whatever the number of rows; paging is by keyset on the sort key with the task id as tiebreaker, never OFFSET.
Working days left are counted on the official calendar (cases.calendar), whose exceptions are read once per year.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases import calendar
from cases.auth import ROLE_PERMISSIONS
from cases.identifiers import mask_citizen_id, mask_credit_code
from cases.models import Application, User
from cases.models.application import REVIEWABLE
from cases.selectors import ROLE_PROGRAMME_KINDS, case_scope_path
from cases.services.reviews import REVIEW_PERMISSIONS
from workflows.engine.registry import registry
from workflows.engine.steps import OPEN, TASK_LEVEL
from workflows.models import SCOPE, SubsidyTask

PAGE_SIZE = 25
SOON = 2  # working days left from which a row is flagged (amber); below zero it is overdue (red)
FAR_FUTURE = dt.date(9999, 12, 31)
# Sort name -> (the annotated key, how a cursor value is read back)
SORTS = {
    "deadline": ("queue_deadline", dt.date.fromisoformat),
    "amount": ("queue_amount", Decimal),
    "number": ("queue_number", str),
}


def review_permissions(*, user: User) -> list[str]:
    """The review levels' permissions the user holds (a community officer: acceptance; a town reviewer: town)."""
    if not user.is_authenticated or not user.is_active or user.org_unit_id is None:
        return []
    return sorted(p for p in REVIEW_PERMISSIONS if user.has_perm(p))


def review_nodes() -> list:
    """The review task nodes of every registered flow (the levels a decision completes)."""
    nodes = []
    for programme in registry.all():
        nodes += [getattr(programme.flow.instance, name) for name in TASK_LEVEL if hasattr(programme.flow.instance, name)]
    return nodes


@dataclass(frozen=True)
class QueueFilter:
    programme_id: int | None = None
    unit_path: str = ""
    status: str = ""
    due: str = ""  # "", "overdue", "soon" (within SOON working days, overdue included)
    due_by: dt.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    holder: str = ""  # "", "unclaimed", "mine", "others"
    sort: str = "deadline"
    descending: bool = False


def review_tasks_for_user(*, user: User) -> QuerySet[SubsidyTask]:
    """Every open review task the user may execute (their level's permission), on cases of their unit and below."""
    permissions = review_permissions(user=user)
    if not permissions:
        return SubsidyTask.objects.none()
    tasks = SubsidyTask.objects.filter(
        status__in=OPEN,
        flow_task__in=review_nodes(),
        owner_permission__in=permissions,
        **{f"data__{SCOPE}__startswith": case_scope_path(user=user)},  # the case's unit path, kept on the task
    )
    if user.role in ROLE_PROGRAMME_KINDS:
        tasks = tasks.filter(process__application__programme__kind=ROLE_PROGRAMME_KINDS[user.role])
    return tasks


def _filtered(tasks: QuerySet[SubsidyTask], *, user: User, spec: QueueFilter, today: dt.date) -> QuerySet[SubsidyTask]:
    case = "process__application__"
    if spec.programme_id:
        tasks = tasks.filter(**{f"{case}programme_id": spec.programme_id})
    if spec.unit_path:
        tasks = tasks.filter(**{f"data__{SCOPE}__startswith": spec.unit_path})
    if spec.status:
        tasks = tasks.filter(**{f"{case}status": spec.status})
    if spec.due == "overdue":
        tasks = tasks.filter(**{f"{case}deadline__lt": today})
    elif spec.due == "soon":
        tasks = tasks.filter(**{f"{case}deadline__lte": calendar.add_working_days(today, SOON)})
    if spec.due_by:
        tasks = tasks.filter(**{f"{case}deadline__lte": spec.due_by})
    if spec.amount_min is not None:
        tasks = tasks.filter(**{f"{case}requested_amount__gte": spec.amount_min})
    if spec.amount_max is not None:
        tasks = tasks.filter(**{f"{case}requested_amount__lte": spec.amount_max})
    if spec.holder == "unclaimed":
        tasks = tasks.filter(owner__isnull=True)
    elif spec.holder == "mine":
        tasks = tasks.filter(owner=user)
    elif spec.holder == "others":
        tasks = tasks.filter(owner__isnull=False).exclude(owner=user)
    return tasks


def cursor_read(spec: QueueFilter, cursor: str) -> tuple[object, int] | None:
    """The (key, task id) a `cursor` string names for this sort, or None when it is not one."""
    value, _, task_id = (cursor or "").rpartition("~")
    if not value or not task_id.isdigit():
        return None
    try:
        return SORTS[spec.sort][1](value), int(task_id)
    except (ValueError, InvalidOperation, KeyError):
        return None


def cursor_of(row: "QueueRow", spec: QueueFilter) -> str:
    key = getattr(row.task, SORTS[spec.sort][0])
    return f"{key.isoformat() if isinstance(key, dt.date) else key}~{row.task.pk}"


@dataclass(frozen=True)
class QueueRow:
    task: SubsidyTask
    case: Application
    working_days_left: int | None

    @property
    def urgency(self) -> str:
        """ "overdue" (red), "soon" (amber, SOON working days or fewer) or "" (in time)."""
        if self.working_days_left is None:
            return ""
        if self.working_days_left < 0:
            return "overdue"
        return "soon" if self.working_days_left <= SOON else ""

    @property
    def applicant_masked(self) -> str:
        """The applicant's citizen ID (a person) or credit code (an enterprise), masked as every page shows it."""
        applicant = self.case.applicant
        if applicant.id_number:
            return mask_citizen_id(applicant.id_number)
        return mask_credit_code(applicant.credit_code or "")

    @property
    def days_overdue(self) -> int:
        return -self.working_days_left if self.working_days_left is not None and self.working_days_left < 0 else 0


def queue_page(*, user: User, spec: QueueFilter, after: str = "", limit: int = PAGE_SIZE) -> tuple[list[QueueRow], str]:
    """One page of the user's queue and the cursor of the next page ("" on the last)."""
    today = timezone.localdate()
    key, _ = SORTS.get(spec.sort, SORTS["deadline"])
    tasks = _filtered(review_tasks_for_user(user=user), user=user, spec=spec, today=today)
    # a case with an open review task is under review: the cases' index of open deadlines gives the order
    tasks = tasks.filter(process__application__status__in=REVIEWABLE).annotate(
        queue_deadline=Coalesce(F("process__application__deadline"), Value(FAR_FUTURE)),
        queue_amount=F("process__application__requested_amount"),
        queue_number=F("process__application__number"),
    )
    position = cursor_read(spec, after)
    if position is not None:
        beyond = "lt" if spec.descending else "gt"
        tasks = tasks.filter(Q(**{f"{key}__{beyond}": position[0]}) | Q(**{key: position[0], f"pk__{beyond}": position[1]}))
    order = [f"-{key}", "-pk"] if spec.descending else [key, "pk"]
    found = list(
        tasks.select_related(
            "owner",
            "process__application__programme",
            "process__application__applicant",
            "process__application__org_unit__parent",
        ).order_by(*order)[: limit + 1]
    )
    rows = [
        QueueRow(
            task=task,
            case=task.process.application,
            working_days_left=(
                calendar.working_days_between(today, task.process.application.deadline)
                if task.process.application.deadline
                else None
            ),
        )
        for task in found[:limit]
    ]
    return rows, cursor_of(rows[-1], spec) if len(found) > limit else ""


def colleagues_for(*, user: User) -> QuerySet[User]:
    """Who the user may hand their tasks to: active staff of their unit and below whose role holds one of the user's
    review permissions (the service checks each task again: that level's permission and the case's unit)."""
    permissions = set(review_permissions(user=user))
    roles = [role for role, granted in ROLE_PERMISSIONS.items() if granted & permissions]
    if not roles:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True, role__in=roles, org_unit__path__startswith=user.org_unit.path)
        .exclude(pk=user.pk)
        .select_related("org_unit")
        .order_by("org_unit__path", "first_name", "username")
    )
