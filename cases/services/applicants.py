"""Applicants and their portal accounts: the record of a person or an enterprise, registration, the real-name
binding, and claiming a case filed at the window (代办) with its claim code."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cases.constants import ApplicantKind, Role
from cases.crypto import lookup_digest
from cases.exceptions import DomainError, PermissionDenied
from cases.models import Applicant, Application, User
from cases.services.audit import audit_record
from cases.services.locks import case_lock
from cases.validators import validate_name


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


def applicant_user_register_confirmed(*, mobile: str, code: str, password: str, email: str = "") -> User:
    """A portal account whose mobile number (the login) is confirmed by the SMS code sent to it
    (cases.services.sms_codes); an e-mail address is optional. The password was validated by the caller.

    The code is spent in the same transaction that creates the account: if the account cannot be created, the code
    stays valid. A wrong code is counted (and refused) although nothing else changes."""
    from cases.services.sms_codes import SmsCodeRefused, sms_code_check

    mobile = mobile.strip()
    email = (email or "").strip().lower()
    taken = User.objects.filter(username__iexact=mobile).exists() or User.objects.filter(mobile=mobile).exists()
    if email and not taken:
        taken = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()
    if taken:
        raise DomainError(_("An account with this mobile number or e-mail address already exists."))
    with transaction.atomic():
        problem = sms_code_check(mobile=mobile, code=code)
        if problem is None:
            user = User(username=mobile, role=Role.APPLICANT, email=email, mobile=mobile)
            user.set_password(password)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:  # the same number registered a moment ago by a concurrent request
                raise DomainError(_("An account with this mobile number or e-mail address already exists.")) from None
    if problem is not None:
        raise SmsCodeRefused(problem)
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
