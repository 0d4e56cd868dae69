"""Writes on a case. Order in every function: lock, check permission, transition, full_clean, save, audit.

Follow-up work (documents, notifications) is scheduled by the caller with transaction.on_commit:
cases knows nothing of the layers above it.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed

from cases import calendar
from cases.constants import ApplicantKind, Decision, ProgrammeKind, ReviewLevel, Role, Status
from cases.crypto import lookup_digest
from cases.exceptions import (
    DomainError,
    MissingDocuments,
    PermissionDenied,
    SameReviewerApproval,
    TransitionForbidden,
)
from cases.models import Applicant, Application, Attachment, CorrectionRequest, OrgUnit, Programme, ReviewOpinion, User
from cases.models.application import PASSED_LEVEL
from cases.selectors import application_visible_to
from cases.services.audit import audit_record
from cases.services.budget import budget_commit
from cases.services.eligibility import eligibility_assert
from cases.services.locks import case_lock
from cases.services.numbering import case_number_next
from cases.uploads import CleanUpload, upload_clean
from cases.validators import validate_name

LEVEL_PERMISSION = {
    ReviewLevel.COMMUNITY: "cases.accept_application",
    ReviewLevel.TOWN: "cases.review_town",
    ReviewLevel.DISTRICT: "cases.review_district",
    ReviewLevel.APPROVAL: "cases.approve_application",
}


def _save(application: Application, *fields: str) -> None:
    try:
        application.full_clean(exclude=["status", "process", "filed_by", "reviewed_by"])
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
    """The applicant themselves, or a community officer of the case's unit acting at the window (代办)."""
    if application.applicant.user_id is not None and application.applicant.user_id == user.pk:
        return
    if staff_may(user=user, permission="cases.accept_application", application=application):
        return
    raise PermissionDenied()


def _level_deadline(application: Application, level: str) -> dt.date:
    return calendar.add_working_days(_today(), application.rules_in_force.days_for(level))


# --- applicants and drafts ---------------------------------------------------------------


def applicant_person_get_or_create(
    *, name: str, id_number: str, mobile: str = "", email: str = "", user: User | None = None
) -> Applicant:
    id_number = id_number.strip().upper()
    existing = Applicant.objects.filter(id_number_digest=lookup_digest(id_number)).first()
    if existing:
        return existing
    applicant = Applicant(kind=ApplicantKind.PERSON, name=name, id_number=id_number, mobile=mobile, email=email, user=user)
    try:
        applicant.full_clean()
    except ValidationError as error:
        raise DomainError(_("The applicant data is not valid."), details=error.messages) from error
    applicant.save()
    return applicant


def applicant_enterprise_get_or_create(
    *, name: str, credit_code: str, mobile: str = "", email: str = "", user: User | None = None
) -> Applicant:
    credit_code = credit_code.strip().upper()
    existing = Applicant.objects.filter(credit_code=credit_code).first()
    if existing:
        return existing
    applicant = Applicant(
        kind=ApplicantKind.ENTERPRISE, name=name, credit_code=credit_code, mobile=mobile, email=email, user=user
    )
    try:
        applicant.full_clean()
    except ValidationError as error:
        raise DomainError(_("The applicant data is not valid."), details=error.messages) from error
    applicant.save()
    return applicant


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
        application.full_clean(exclude=["status", "number", "process", "filed_by", "reviewed_by"])
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
    application = case_lock(pk=application.pk)
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


def attachment_add(*, application: Application, by: User, kind: str, content: bytes, name: str) -> Attachment:
    """Store one evidence file. It is parsed and cleaned first (cases.uploads.upload_clean), before the case is
    locked: a refused file raises UploadRejected and changes nothing. What is stored is the cleaned file."""
    clean = upload_clean(content=content, name=name)
    return _attachment_store(application=application, by=by, kind=kind, clean=clean)


@transaction.atomic
def _attachment_store(*, application: Application, by: User, kind: str, clean: CleanUpload) -> Attachment:
    application = case_lock(pk=application.pk)
    _assert_applicant_side(user=by, application=application)
    if application.status not in (Status.DRAFT, Status.RETURNED_FOR_CORRECTION):
        raise TransitionForbidden(_("Documents can be added only to a draft or a case returned for correction."))
    from django.core.files.base import ContentFile

    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=clean.name[:200],
        content_type=clean.content_type,
        size=clean.size,
        sha256=clean.sha256,
        uploaded_by=by,
    )
    attachment.file.save(clean.name, ContentFile(clean.content), save=False)
    attachment.save()
    return attachment


def missing_documents(*, application: Application) -> list[str]:
    """Against the case's own rules version; a draft's is the programme's current one (the one submission records)."""
    present = set(application.attachments.values_list("kind", flat=True))
    return [kind for kind in application.rules_in_force.required_documents if kind not in present]


@transaction.atomic
def application_submit(*, application: Application, by: User) -> Application:
    application = case_lock(pk=application.pk)
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


# --- review levels ---------------------------------------------------------------------------


@transaction.atomic
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
    application = case_lock(pk=application.pk)
    if not staff_may(user=by, permission=LEVEL_PERMISSION[ReviewLevel(level)], application=application):
        raise PermissionDenied()
    if application.waiting_level != level:
        raise TransitionForbidden()
    opinion = (opinion or "").strip()
    if not opinion:
        raise DomainError(_("An opinion is required."))
    before = application.status
    fields = ["deadline", "working_days_left"]
    if decision == Decision.PASS:
        if level == ReviewLevel.APPROVAL:
            if application.reviewed_by_id == by.pk:
                raise SameReviewerApproval()
            amount = Decimal(amount if amount is not None else application.requested_amount)
            cap = application.rules_in_force.max_amount
            if amount <= 0 or amount > cap:
                raise DomainError(_("The amount must be above zero and at most the programme cap %(cap)s.") % {"cap": cap})
            application.approved_amount = amount
            if application.programme.kind != ProgrammeKind.LOAN:
                # A loan's principal is the bank's money: the envelope carries the interest subsidies, committed
                # claim by claim (cases.services.loans.subsidy_claim_review_record; ADR 0007).
                budget_commit(application=application, amount=amount, year=_today().year)
            _transition(application.approve, at=timezone.now())
            application.deadline = None
            fields += ["approved_amount", "decided_at"]
        else:
            step = {
                ReviewLevel.COMMUNITY: application.accept,
                ReviewLevel.TOWN: application.pass_town_review,
                ReviewLevel.DISTRICT: application.pass_district_review,
            }[ReviewLevel(level)]
            if level == ReviewLevel.DISTRICT:
                _transition(step, by=by)
                fields.append("reviewed_by")
            else:
                _transition(step)
            application.deadline = _level_deadline(application, application.next_level(level))
        assert application.status == PASSED_LEVEL[ReviewLevel(level)]
    elif decision == Decision.RETURN:
        items = [i for i in (items or []) if str(i.get("message", "")).strip()]
        if not items:
            raise DomainError(_("List every missing or wrong item at once (one-time notice)."))
        _transition(application.return_for_correction)
        application.working_days_left = (
            max(calendar.working_days_between(_today(), application.deadline), 0) if application.deadline else None
        )
        application.deadline = None
        fields.append("returned_from")
        CorrectionRequest.objects.create(application=application, level=level, items=items, requested_by=by)
    elif decision == Decision.REJECT:
        _transition(application.reject, at=timezone.now())
        application.deadline = None
        fields.append("decided_at")
    else:
        raise DomainError(_("Unknown decision."))
    _save(application, *fields)
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
    return application


@transaction.atomic
def application_resubmit(*, application: Application, by: User, answer: str = "") -> Application:
    """The applicant answers the one-time notice; every document item needs a new upload after the request."""
    application = case_lock(pk=application.pk)
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


@transaction.atomic
def application_withdraw(*, application: Application, by: User, reason: str = "") -> Application:
    application = case_lock(pk=application.pk)
    _assert_applicant_side(user=by, application=application)
    before = application.status
    _transition(application.withdraw)
    application.deadline = None
    _save(application, "deadline")
    audit_record(application=application, by=by, action="withdraw", from_status=before, comment=reason)
    return application


@transaction.atomic
def application_close(*, application: Application, by: User | None = None) -> Application:
    application = case_lock(pk=application.pk)
    before = application.status
    _transition(application.close)
    _save(application)
    audit_record(application=application, by=by, action="close", from_status=before)
    return application


# --- portal accounts and claims -----------------------------------------------------------------


def claim_code_new() -> str:
    """Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L), printed for the applicant."""
    import secrets

    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


@transaction.atomic
def applicant_user_register(*, login: str, password: str) -> User:
    """A portal account; the login is a mobile number or an e-mail address. The password was validated by the caller."""
    login = login.strip()
    is_email = "@" in login
    login = login.lower() if is_email else login
    taken = User.objects.filter(username__iexact=login).exists() or (
        User.objects.filter(email__iexact=login).exists() if is_email else User.objects.filter(mobile=login).exists()
    )
    if taken:
        raise DomainError(_("An account with this mobile number or e-mail address already exists."))
    user = User(username=login, role=Role.APPLICANT, email=login if is_email else "", mobile="" if is_email else login)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same login registered a moment ago by a concurrent request
        raise DomainError(_("An account with this mobile number or e-mail address already exists.")) from None
    return user


@transaction.atomic
def user_real_name_bind(*, user: User, name: str, id_number: str = "", credit_code: str = "") -> User:
    """Bind a portal account to a citizen ID number (a person) or a credit code (an enterprise contact), once.

    A person's Applicant record is created and linked here, unless one exists already (filed at the window):
    that record is linked only through its claim code (applicant_claim).
    """
    from cases.identifiers import validate_citizen_id, validate_credit_code

    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role != Role.APPLICANT:
        raise PermissionDenied()
    if user.id_number or user.credit_code:
        raise DomainError(_("This account is already bound to a real name."))
    name = (name or "").strip()
    id_number = (id_number or "").strip().upper()
    credit_code = (credit_code or "").strip().upper()
    if not name or bool(id_number) == bool(credit_code):
        raise DomainError(_("Enter your name and either a citizen ID number or a unified social credit code."))
    try:
        validate_name(name)
        if id_number:
            validate_citizen_id(id_number)
        else:
            validate_credit_code(credit_code)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from error
    if id_number and User.objects.filter(id_number_digest=lookup_digest(id_number)).exclude(pk=user.pk).exists():
        raise DomainError(_("This citizen ID number is already bound to another account."))
    if credit_code and User.objects.filter(credit_code=credit_code).exclude(pk=user.pk).exists():
        raise DomainError(_("This credit code is already bound to another account."))
    user.real_name, user.id_number, user.credit_code = name, id_number, credit_code
    user.save(update_fields=["real_name", "id_number", "credit_code"])
    if id_number and not Applicant.objects.filter(id_number_digest=lookup_digest(id_number)).exists():
        applicant_person_get_or_create(name=name, id_number=id_number, mobile=user.mobile, email=user.email, user=user)
    if credit_code and not Applicant.objects.filter(credit_code=credit_code).exists():
        applicant_enterprise_get_or_create(name=name, credit_code=credit_code, mobile=user.mobile, email=user.email, user=user)
    return user


@transaction.atomic
def applicant_claim(*, code: str, user: User) -> Application:
    """Take a case filed at the window into one's own account: the claim code and the real-name binding must match."""
    code = (code or "").strip().upper()
    pk = Application.objects.filter(claim_code=code).order_by("pk").values_list("pk", flat=True).first() if code else None
    if pk is None:
        raise DomainError(_("No case has this claim code."))
    application = case_lock(pk=pk)
    applicant = Applicant.objects.select_for_update().get(pk=application.applicant_id)
    matches = (applicant.id_number and applicant.id_number == user.id_number) or (
        applicant.credit_code and applicant.credit_code == user.credit_code
    )
    if user.role != Role.APPLICANT or not matches:
        raise PermissionDenied(
            _("The case belongs to another citizen ID number or credit code than the one bound to your account.")
        )
    if applicant.user_id not in (None, user.pk):
        raise DomainError(_("This case has already been claimed by another account."))
    if applicant.user_id is None:
        applicant.user = user
        applicant.save(update_fields=["user"])
        audit_record(application=application, by=user, action="claim", from_status=application.status)
    return application
