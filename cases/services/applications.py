"""Writes on a case: filing, drafts, evidence, submission, the answer to a correction notice, withdrawal and
closure (review decisions: cases.services.reviews; applicants and accounts: cases.services.applicants).
Order in every function: lock, check permission, transition, full_clean, save, audit.

Follow-up work (documents, notifications) is scheduled by the caller with transaction.on_commit:
cases knows nothing of the layers above it.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed

from cases import calendar
from cases.constants import Role, Status
from cases.exceptions import DomainError, MissingDocuments, PermissionDenied, TransitionForbidden
from cases.models import Applicant, Application, OrgUnit, Programme, User
from cases.selectors import application_visible_to
from cases.services.applicants import claim_code_new
from cases.services.audit import audit_record
from cases.services.eligibility import eligibility_assert
from cases.services.locks import case_atomic, case_locked
from cases.services.numbering import case_number_next

NOT_VALIDATED = frozenset({"status", "process", "filed_by", "reviewed_by"})  # set by transitions and services only

# Sent with application and by inside the transaction that rejects a case (at a review level, or an objection upheld
# during publicity), once its status is saved: a programme that holds something for the case gives it back there
# (the social-insurance ledger releases the claim's person-months).
case_rejected = Signal()


def _save(application: Application, *fields: str) -> None:
    """Validate what this save writes, then write it: the fields named, the model's own rules (clean) and every check
    constraint on them. The fields not written are what the row already holds; a foreign key the transaction read
    with the case lock (the rules version, from the programme) is known to exist, and the database's foreign key
    backs it. So a step issues no lookup per unchanged field."""
    written = {"updated_at", *fields}
    unchecked = [f.name for f in Application._meta.concrete_fields if f.name not in written or f.name in NOT_VALIDATED]
    known_rows = [
        name
        for name in written
        if (field := Application._meta.get_field(name)).is_relation
        and getattr(application, field.attname) is not None
        and field.is_cached(application)
        and getattr(application, name).pk == getattr(application, field.attname)
    ]
    try:
        application.clean_fields(exclude=[*unchecked, *known_rows])
        application.clean()
        application.validate_unique(exclude=unchecked)
        application.validate_constraints(exclude=unchecked)
    except ValidationError as error:
        raise DomainError(_("The case data is not valid."), details=error.messages) from error
    application.save(update_fields=["status", "updated_at", *fields])


def _transition(method, *args, **kwargs) -> None:
    if not can_proceed(method):
        raise TransitionForbidden()
    try:
        method(*args, **kwargs)
    except TransitionNotAllowed as error:
        raise TransitionForbidden() from error


def _today() -> dt.date:
    return timezone.localdate()


def staff_may(*, user: User, permission: str, application: Application) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role != Role.APPLICANT
        and user.has_perm(permission)
        and application_visible_to(user=user, application=application)
    )


def _assert_applicant_side(*, user: User, application: Application) -> None:
    """The applicant themselves, the family member filing for them with their power of attorney (the case's proxy),
    or a community officer of the case's unit acting at the window (代办)."""
    if application.applicant.user_id is not None and application.applicant.user_id == user.pk:
        return
    if application.proxy_id is not None and application.proxy_id == user.pk:
        return
    if staff_may(user=user, permission="cases.accept_application", application=application):
        return
    raise PermissionDenied()


def _level_deadline(application: Application, level: str) -> dt.date:
    return calendar.add_working_days(_today(), application.rules_in_force.days_for(level))


# --- drafts, submission and the applicant's side of the review -------------------------------


@transaction.atomic
def application_create(
    *,
    programme: Programme,
    applicant: Applicant,
    org_unit: OrgUnit,
    by: User,
    category: str,
    requested_amount: Decimal,
    bank_name: str,
    bank_account_name: str,
    bank_account_number: str,
    business_name: str = "",
    business_credit_code: str = "",
    business_registered_on: dt.date | None = None,
    graduated_on: dt.date | None = None,
    jobs_created: int = 0,
    originals_checked: bool = False,
    proxy: User | None = None,
) -> Application:
    if not programme.active:
        raise DomainError(_("The programme is not open for applications."))
    application = Application(
        number="pending",
        programme=programme,
        applicant=applicant,
        org_unit=org_unit,
        category=category,
        requested_amount=requested_amount,
        bank_name=bank_name,
        bank_account_name=bank_account_name,
        bank_account_number=bank_account_number,
        business_name=business_name,
        business_credit_code=business_credit_code,
        business_registered_on=business_registered_on,
        graduated_on=graduated_on,
        jobs_created=jobs_created,
        originals_checked=originals_checked,
        filed_by=by,
        proxy=proxy,
    )
    _assert_applicant_side(user=by, application=application)
    if org_unit.level != "community":
        raise DomainError(_("A case is filed at a community or village."))
    if business_credit_code:
        from cases.identifiers import validate_credit_code

        try:
            validate_credit_code(business_credit_code)
        except ValidationError as error:
            raise DomainError(error.messages[0]) from error
    try:
        application.full_clean(exclude=["status", "number", "process", "filed_by", "reviewed_by", "proxy"])
    except ValidationError as error:
        raise DomainError(_("The application is not valid."), details=error.messages) from error
    application.number = case_number_next(programme=programme, year=_today().year)
    if applicant.user_id is None or applicant.user_id != by.pk:
        application.claim_code = claim_code_new()
    application.save()
    audit_record(application=application, by=by, action="create", from_status="", comment="")
    return application


DRAFT_FIELDS = frozenset(
    {
        "category",
        "requested_amount",
        "bank_name",
        "bank_account_name",
        "bank_account_number",
        "business_name",
        "business_credit_code",
        "business_registered_on",
        "graduated_on",
        "jobs_created",
        "originals_checked",
    }
)


@transaction.atomic
def application_draft_update(*, application: Application, by: User, **fields) -> Application:
    """Change the data of a draft (the portal saves at every step). Only the fields above; never the status."""
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    application = case_locked(application)
    _assert_applicant_side(user=by, application=application)
    if application.status != Status.DRAFT:
        raise TransitionForbidden(_("Only a draft can be changed."))
    if fields.get("business_credit_code"):
        from cases.identifiers import validate_credit_code

        try:
            validate_credit_code(fields["business_credit_code"])
        except ValidationError as error:
            raise DomainError(error.messages[0]) from error
    changed = [name for name, value in fields.items() if getattr(application, name) != value]
    for name in changed:
        setattr(application, name, fields[name])
    if changed:
        _save(application, *changed)
        audit_record(application=application, by=by, action="draft_update", from_status=application.status)
    return application


def missing_documents(*, application: Application) -> list[str]:
    """Against the case's own rules version; a draft's is the programme's current one (the one submission records)."""
    present = set(application.attachments.values_list("kind", flat=True))
    return [kind for kind in application.rules_in_force.required_documents if kind not in present]


@case_atomic
def application_submit(*, application: Application, by: User) -> Application:
    application = case_locked(application)
    _assert_applicant_side(user=by, application=application)
    if application.status != Status.DRAFT:
        raise TransitionForbidden()
    # Filed under the version current now: the draft was shown it, and it judges the case to the end.
    application.rules = application.programme.current_rules
    missing = missing_documents(application=application)
    if missing:
        from cases.constants import AttachmentKind

        raise MissingDocuments(details=[str(AttachmentKind(kind).label) for kind in missing])
    eligibility_assert(application=application, today=_today())
    before = application.status
    _transition(application.submit, at=timezone.now())
    application.deadline = _level_deadline(application, application.review_levels[0])
    _save(application, "submitted_at", "deadline", "rules")
    audit_record(application=application, by=by, action="submit", from_status=before)
    return application


@case_atomic
def application_resubmit(*, application: Application, by: User, answer: str = "") -> Application:
    """The applicant answers the one-time notice; every document item needs a new upload after the request."""
    application = case_locked(application)
    _assert_applicant_side(user=by, application=application)
    if application.status != Status.RETURNED_FOR_CORRECTION:
        raise TransitionForbidden()
    request = application.corrections.filter(answered_at__isnull=True).get()
    unanswered = [
        item
        for item in request.items
        if item.get("kind")
        and not application.attachments.filter(kind=item["kind"], uploaded_at__gt=request.requested_at).exists()
    ]
    if unanswered:
        raise MissingDocuments(
            _("Upload a new document for every item of the notice before resubmitting."),
            details=[item["message"] for item in unanswered],
        )
    before = application.status
    _transition(application.resubmit)
    left = application.working_days_left
    application.deadline = calendar.add_working_days(
        _today(), left if left is not None else application.rules_in_force.days_for(application.waiting_level)
    )
    application.working_days_left = None
    _save(application, "deadline", "working_days_left")
    request.answered_at = timezone.now()
    request.answer = answer
    request.save(update_fields=["answered_at", "answer"])
    audit_record(application=application, by=by, action="resubmit", from_status=before, comment=answer)
    return application


@case_atomic
def application_withdraw(*, application: Application, by: User, reason: str = "") -> Application:
    application = case_locked(application)
    _assert_applicant_side(user=by, application=application)
    before = application.status
    _transition(application.withdraw)
    application.deadline = None
    _save(application, "deadline")
    audit_record(application=application, by=by, action="withdraw", from_status=before, comment=reason)
    return application


@case_atomic
def application_close(*, application: Application, by: User | None = None) -> Application:
    application = case_locked(application)
    before = application.status
    _transition(application.close)
    _save(application)
    audit_record(application=application, by=by, action="close", from_status=before)
    return application
