"""Reads. Access control lives here: every list a user sees goes through a *_for_user selector."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases import calendar
from cases.constants import AttachmentKind, ProgrammeKind, PublicityBatchStatus, Role, Status, UnitLevel
from cases.crypto import lookup_digest, normalise
from cases.identifiers import mask_citizen_id, mask_credit_code, mask_name
from cases.models import (
    Applicant,
    Application,
    Attachment,
    AuditEntry,
    CorrectionRequest,
    Employer,
    OrgUnit,
    PaymentLine,
    PublicityBatch,
    SocialInsuranceClaim,
    User,
)
from cases.models.training import TrainingClass, TrainingProvider

# The finance office's cases (docs/access-matrix.md): those that passed publicity and went on to payment, and any
# case that ever had a payment line (paid, closed, clawed back). Cases still under review are not its business.
PAYMENT_STATUSES = frozenset({Status.PUBLICITY_PASSED, Status.PAYMENT_PENDING, Status.PAYMENT_RETURNED, Status.PAID})


def case_scope_path(*, user: User) -> str:
    """The org unit path under which the user's cases lie: their unit's, except for a reviewer of the disabled
    persons' federation, a body beside the towns, whose cases are the district's (their unit's parent)."""
    unit = user.org_unit
    if user.role == Role.FEDERATION_REVIEWER and unit.level == UnitLevel.FEDERATION and unit.parent_id is not None:
        return unit.parent.path
    return unit.path


# A role that reads only its own programme's cases (docs/access-matrix.md).
ROLE_PROGRAMME_KINDS = {Role.FEDERATION_REVIEWER: ProgrammeKind.DISABLED}


def org_units_for_user(*, user: User) -> QuerySet[OrgUnit]:
    if not user.is_authenticated or user.role == Role.APPLICANT or user.org_unit_id is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=user.org_unit.path)


def applications_for_user(*, user: User) -> QuerySet[Application]:
    """The cases a user may list and read (docs/access-matrix.md).

    Staff: their unit and below. Finance officers: of those, only the cases that reached payment. Applicants: their
    own cases. Bank officers: the cases whose loan is routed to their bank. Experts: none (their panel pages show
    them, blinded, the projects they score). Anyone else: nothing."""
    base = Application.objects.select_related("programme", "applicant", "org_unit")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.role == Role.APPLICANT:  # their own cases, and those they file for someone else (the case's proxy)
        return base.filter(Q(applicant__user=user) | Q(proxy=user))
    if user.role == Role.BANK_OFFICER:  # not government staff: only cases whose loan is routed to their bank
        return base.filter(loan__bank__officers__user=user)
    if user.role == Role.EXPERT or user.org_unit_id is None:
        return base.none()
    cases = base.filter(org_unit__path__startswith=case_scope_path(user=user))
    if user.role in ROLE_PROGRAMME_KINDS:
        cases = cases.filter(programme__kind=ROLE_PROGRAMME_KINDS[user.role])
    if user.role == Role.FINANCE_OFFICER:
        paid_once = Exists(PaymentLine.objects.filter(application=OuterRef("pk")))
        cases = cases.filter(Q(status__in=PAYMENT_STATUSES) | paid_once)
    return cases


def application_visible_to(*, user: User, application: Application) -> bool:
    """One case, by the same rule as applications_for_user (read from the instance where it can: a service asks
    before the case is saved)."""
    if not user.is_authenticated or not user.is_active or user.role == Role.EXPERT:
        return False
    if user.role == Role.APPLICANT:
        return application.applicant.user_id == user.pk or (application.proxy_id is not None and application.proxy_id == user.pk)
    if user.role == Role.BANK_OFFICER:
        return Application.objects.filter(pk=application.pk, loan__bank__officers__user=user).exists()
    if user.org_unit_id is None or not application.org_unit.path.startswith(case_scope_path(user=user)):
        return False
    if user.role in ROLE_PROGRAMME_KINDS and application.programme.kind != ROLE_PROGRAMME_KINDS[user.role]:
        return False
    if user.role == Role.FINANCE_OFFICER:
        return application.status in PAYMENT_STATUSES or (
            application.pk is not None and PaymentLine.objects.filter(application=application).exists()
        )
    return True


def application_timeline(*, application: Application) -> QuerySet[AuditEntry]:
    return application.audit_entries.select_related("actor", "org_unit").order_by("created_at", "id")


def application_attachments(*, application: Application) -> QuerySet[Attachment]:
    """The case's evidence files, by kind and upload time. Each carries `superseded`: a newer file of the same kind
    was uploaded (an answer to a correction notice), so this one no longer counts."""
    newer = Attachment.objects.filter(application=OuterRef("application"), kind=OuterRef("kind"), slot=OuterRef("slot")).filter(
        Q(uploaded_at__gt=OuterRef("uploaded_at")) | Q(uploaded_at=OuterRef("uploaded_at"), pk__gt=OuterRef("pk"))
    )
    return application.attachments.annotate(superseded=Exists(newer)).order_by("kind", "slot", "uploaded_at", "id")


def application_attachments_current(*, application: Application) -> list[Attachment]:
    """The file that counts in each slot (the newest); superseded versions left out."""
    return [a for a in application_attachments(application=application) if not a.superseded]


def application_decision_expected_on(*, application: Application) -> dt.date | None:
    """When a decision is expected: the working-day limits of every review level of the case's rules version, added
    up and counted on the official calendar from the day of submission (the day itself not counted). Time spent
    waiting for the applicant's corrections is not counted in the limits, so a correction moves the real date."""
    if application.submitted_at is None:
        return None
    rules = application.rules_in_force
    days = sum(rules.days_for(level) for level in rules.review_levels)
    return calendar.add_working_days(timezone.localdate(application.submitted_at), days)


@dataclass(frozen=True)
class CorrectionSlot:
    """One item of a correction notice as the applicant answers it: the reviewer's reason and the upload slot."""

    index: int
    kind: str  # the document kind named, or "other" for a free-text item
    slot: str  # "" for a document kind; "correction-<request>-<index>" for a free-text item
    reason: str
    named_kind: bool


def correction_slots(*, request: CorrectionRequest) -> list[CorrectionSlot]:
    """Every item the reviewer named, each with an upload slot: a document kind's own slot, or one per free-text
    item."""
    slots = []
    for index, item in enumerate(request.items, start=1):
        kind = item.get("kind") or ""
        named = kind in AttachmentKind.values and kind != AttachmentKind.OTHER
        slots.append(
            CorrectionSlot(
                index=index,
                kind=kind if named else AttachmentKind.OTHER,
                slot="" if named else f"correction-{request.pk}-{index}",
                reason=str(item.get("message", "")),
                named_kind=named,
            )
        )
    return slots


def correction_due_on(*, request: CorrectionRequest) -> dt.date:
    """The last day to answer a correction notice: settings.CORRECTION_WORKING_DAYS working days after the notice."""
    return calendar.add_working_days(timezone.localdate(request.requested_at), settings.CORRECTION_WORKING_DAYS)


def attachment_for_user(*, user: User, public_id, pk: int) -> Attachment | None:
    """One evidence file of a case the user may read (applications_for_user, as the case pages), else None.

    Experts read none: their panel pages show them what they score, and their district unit is no reason to open
    every case's papers."""
    if user.is_authenticated and user.role == Role.EXPERT:
        return None
    application = applications_for_user(user=user).filter(public_id=public_id).first()
    if application is None:
        return None
    return application.attachments.select_related("application").filter(pk=pk).first()


# --- staff pages -------------------------------------------------------------------------------------------


def applications_awaiting_publicity_for_user(*, user: User) -> QuerySet[Application]:
    """Approved cases not yet published, in the user's scope, for staff who manage publicity."""
    if not user.is_authenticated or not user.has_perm("cases.manage_publicity"):
        return Application.objects.none()
    return applications_for_user(user=user).filter(status=Status.DISTRICT_APPROVED).order_by("programme_id", "id")


def applications_in_publicity_for_user(*, user: User) -> QuerySet[Application]:
    """Cases on an open publicity list (objections may be recorded), in the user's scope."""
    if not user.is_authenticated or not user.has_perm("cases.manage_publicity"):
        return Application.objects.none()
    return (
        applications_for_user(user=user)
        .filter(status=Status.IN_PUBLICITY)
        .select_related("publicity_entry__batch")
        .order_by("publicity_entry__batch__ends_on", "id")
    )


SEARCH_PAGE_SIZE = 50


# A name is at most this long (Applicant.name): a longer text can only be an identifier, and is looked up as one.
SEARCH_TEXT_LONGEST = 200
# Three letters or digits in a row: what a trigram index needs to find "contains" (pg_trgm counts CJK as word characters).
TRIGRAM_WORD = re.compile(r"[^\W_]{3}")


def applications_search_for_user(
    *, user: User, text: str = "", status: str = "", after_id: int | None = None, limit: int = SEARCH_PAGE_SIZE
) -> list[Application]:
    """One page of the user's cases, newest first, by keyset (id < after_id), never OFFSET.

    Returns up to limit + 1 rows: the caller shows `limit` and knows a next page exists when it got more.
    A `text` that is a whole citizen ID, credit code, account number or case number (their unique / digest indexes,
    queries of their own) answers with those cases alone. Otherwise it matches the case number or the applicant's
    name containing it (trigram indexes on PostgreSQL); a text without three letters or digits in a row (one or two
    Chinese characters, wildcards, punctuation) matches the start of a name only, which a prefix index answers at
    any size. Each way is its own indexed query for the page's ids; the page is then read in one query.
    """
    cases = applications_for_user(user=user)
    if status:
        cases = cases.filter(status=status)
    if after_id is not None:
        cases = cases.filter(id__lt=after_id)
    text = text.strip()
    if not text:
        return list(cases.order_by("-id")[: limit + 1])

    digest = lookup_digest(text)
    if digest:
        code = normalise(text)
        identified = Q(id_number_digest=digest) | Q(credit_code=code) if len(code) <= 18 else Q(id_number_digest=digest)
        applicants = list(Applicant.objects.filter(identified).values_list("pk", flat=True))
        exact = Q(bank_account_number_digest=digest) | Q(number=code)
        found = list(cases.filter(Q(applicant_id__in=applicants) | exact if applicants else exact).order_by("-id")[: limit + 1])
        if found:
            return found
    if len(text) > SEARCH_TEXT_LONGEST:
        return []
    if TRIGRAM_WORD.search(text):
        ways = [Q(number__icontains=text), Q(applicant__name__icontains=text)]
    else:
        ways = [Q(applicant__name__startswith=text)]
    ids: set[int] = set()
    for way in ways:
        ids.update(cases.filter(way).order_by("-id").values_list("pk", flat=True)[: limit + 1])
    page = sorted(ids, reverse=True)[: limit + 1]
    return list(cases.filter(pk__in=page).order_by("-id")) if page else []


# --- the public publicity board (no sign-in: masked fields only) ------------------------------------------------

PAST_LISTS_SHOWN = 20


@dataclass(frozen=True)
class PublicRow:
    """One line of a public list: what a passer-by may read, and nothing else."""

    seq: int
    masked_name: str
    masked_id: str
    unit: str
    amount: Decimal
    open_for_objection: bool


def publicity_batch_is_current(batch: PublicityBatch, today) -> bool:
    return batch.status == PublicityBatchStatus.OPEN and batch.starts_on <= today <= batch.ends_on


def publicity_board(*, today) -> list[dict]:
    """Per programme with a list: its current lists and its latest past ones (programme order, newest first)."""
    board: dict[int, dict] = {}
    batches = PublicityBatch.objects.select_related("programme", "org_unit").filter(starts_on__lte=today)
    for batch in batches.order_by("programme__code", "-starts_on", "-id"):
        group = board.setdefault(batch.programme_id, {"programme": batch.programme, "current": [], "past": []})
        if publicity_batch_is_current(batch, today):
            group["current"].append(batch)
        elif len(group["past"]) < PAST_LISTS_SHOWN:
            group["past"].append(batch)
    return list(board.values())


def publicity_batch_public(*, number: str, today) -> PublicityBatch | None:
    """A published list by its number; a list whose period has not begun is not public yet."""
    return PublicityBatch.objects.select_related("programme", "org_unit").filter(number=number, starts_on__lte=today).first()


def publicity_rows_public(*, batch: PublicityBatch) -> list[PublicRow]:
    entries = batch.entries.select_related("application__applicant", "application__org_unit").order_by("id")
    rows = []
    for seq, entry in enumerate(entries, start=1):
        application, applicant = entry.application, entry.application.applicant
        identifier = (
            mask_citizen_id(applicant.id_number) if applicant.id_number else mask_credit_code(applicant.credit_code or "")
        )
        rows.append(
            PublicRow(
                seq=seq,
                masked_name=mask_name(applicant.name),
                masked_id=identifier,
                unit=application.org_unit.name,
                amount=entry.amount,
                open_for_objection=application.status in (Status.IN_PUBLICITY, Status.OBJECTION_RAISED),
            )
        )
    return rows


def publicity_entry_application(*, batch: PublicityBatch, seq: int) -> Application | None:
    """The case on line `seq` (1, 2, ...) of a list: how the public names the case it objects to."""
    if seq < 1:
        return None
    entry = batch.entries.select_related("application__programme").order_by("id")[seq - 1 : seq].first()
    return entry.application if entry is not None else None


def employer_window_town(*, user: User) -> OrgUnit | None:
    """The town whose employers a window officer (代办) may serve: the town of the officer's unit."""
    if not user.is_authenticated or not user.is_active or user.role != Role.COMMUNITY_OFFICER or user.org_unit_id is None:
        return None
    if not user.has_perm("cases.accept_application"):
        return None
    return user.org_unit.ancestor_at(UnitLevel.TOWN)


def employers_for_user(*, user: User) -> QuerySet[Employer]:
    """Agents: their own organisation. Window officers: the employers of their town. Anyone else: nothing."""
    base = Employer.objects.select_related("applicant", "org_unit")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.role == Role.APPLICANT:
        return base.filter(Q(agents__user=user) | Q(applicant__user=user)).distinct()
    town = employer_window_town(user=user)
    if town is None:
        return base.none()
    return base.filter(org_unit__path__startswith=town.path)


def social_insurance_claims_for_user(*, user: User) -> QuerySet[SocialInsuranceClaim]:
    """The claims of the employers the user acts for (employers_for_user), and no other."""
    employers = employers_for_user(user=user).values("applicant_id")
    return SocialInsuranceClaim.objects.filter(employer_id__in=employers).select_related("programme", "employer")


def employer_acts_for(*, employer: Applicant, by: User) -> bool:
    """Whether `by` may file for the enterprise applicant `employer`: its own account, one of its agents, or a
    window officer of its town."""
    if employer.user_id is not None and employer.user_id == by.pk:
        return True
    return employers_for_user(user=by).filter(applicant_id=employer.pk).exists()


TRAINING_STAFF_ROLES = (Role.DISTRICT_REVIEWER, Role.DISTRICT_APPROVER, Role.MANAGER, Role.ADMINISTRATOR)


def training_providers_for_user(*, user: User) -> QuerySet:
    """Training providers (docs/access-matrix.md): an agent's own, a window officer's town's (employers_for_user);
    district reviewers, approvers, managers and administrators: those of their unit. Anyone else: nothing."""
    base = TrainingProvider.objects.select_related("employer__applicant", "employer__org_unit")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.role in TRAINING_STAFF_ROLES and user.org_unit_id is not None:
        return base.filter(employer__org_unit__path__startswith=user.org_unit.path)
    return base.filter(employer__in=employers_for_user(user=user))


def training_classes_for_user(*, user: User) -> QuerySet:
    """The classes of the providers the user may see (training_providers_for_user), and no other."""
    providers = training_providers_for_user(user=user).values("pk")
    return TrainingClass.objects.filter(provider_id__in=providers).select_related("provider__employer__applicant")


def training_employers_to_designate(*, user: User) -> QuerySet[Employer]:
    """Organisation accounts of a district approver's unit not designated yet."""
    if not user.is_authenticated or user.role != Role.DISTRICT_APPROVER or user.org_unit_id is None:
        return Employer.objects.none()
    employers = Employer.objects.filter(org_unit__path__startswith=user.org_unit.path, training_provider__isnull=True)
    return employers.select_related("applicant").order_by("id")
