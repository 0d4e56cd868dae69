"""Filing the household grant: the facts beside the case, the amount the rules give, one grant per household, and a
case filed for the applicant (代办) that waits for the applicant's own confirmation by SMS code before submission."""

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import AttachmentKind, DisabledBusinessForm, ProxyRelation, Role, Status
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.identifiers import validate_credit_code
from cases.models import Applicant, Application, DisabledGrant, OrgUnit, Programme, SmsCode, User
from cases.services.applications import application_create, application_draft_update
from cases.services.audit import audit_record
from cases.services.locks import case_lock
from cases.services.sms_codes import sms_code_check, sms_code_issue

from .certificate import disability_certificate_parse

# The cases of a household that stand in the way of another: granted, or on their way to it.
NOT_HOLDING = [Status.DRAFT, Status.WITHDRAWN, Status.REJECTED]
_HOUSEHOLD_NUMBER = re.compile(r"[0-9A-Z]{6,20}")
_MOBILE = re.compile(r"1\d{10}")


def household_number_normal(value: str) -> str:
    number = "".join((value or "").split()).upper()
    if not _HOUSEHOLD_NUMBER.fullmatch(number):
        raise DomainError(
            _(
                "The household registration number (户号) is the number on the first page of the household register: 6 to 20 digits or letters."
            )
        )
    return number


def disabled_amount(*, programme: Programme, household_persons: int = 1) -> Decimal:
    """The grant the programme's current rules give: a fixed sum per household, or a sum per disabled person of the
    household working in the business (amount_rule {"per": "household" | "person", "amount": ...})."""
    rule = programme.current_rules.amount_rule or {}
    amount = Decimal(str(rule.get("amount", programme.min_amount)))
    if rule.get("per") == "person":
        amount *= max(int(household_persons), 1)
    return amount


def household_conflicts(*, household_number: str, programme: Programme, exclude_pk: int | None = None) -> list[Application]:
    """Other cases of the same household in this programme that are granted or under way."""
    cases = Application.objects.filter(programme=programme, disabled_grant__household_number=household_number).exclude(
        status__in=NOT_HOLDING
    )
    if exclude_pk is not None:
        cases = cases.exclude(pk=exclude_pk)
    return list(cases.order_by("id"))


def _household_refusal(conflicts: list[Application]) -> DomainError:
    return DomainError(
        _(
            "This household already has a disabled entrepreneur's household grant (case %(number)s). The grant is given once per household."
        )
        % {"number": conflicts[0].number},
        details=[c.number for c in conflicts],
    )


def _household_lock(household_number: str) -> None:
    """Serialise submissions of the same household on PostgreSQL (a transaction-level advisory lock), so that two
    cases of one household submitted at once cannot both pass the check. SQLite serialises writers anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"disabled-household:{household_number}"])


def _proxy_relation_of(*, by: User, applicant: Applicant) -> str:
    if applicant.user_id is not None and applicant.user_id == by.pk:
        return ""
    if by.role == Role.COMMUNITY_OFFICER:
        return ProxyRelation.COMMUNITY_OFFICER
    if by.role == Role.APPLICANT:
        return ProxyRelation.FAMILY
    raise PermissionDenied()


def _facts_checked(
    *,
    programme: Programme,
    applicant: Applicant,
    certificate_number: str,
    household_number: str,
    resident_in_district: bool,
    business_form: str,
    business_name: str,
    business_credit_code: str,
    household_persons: int,
    exclude_pk: int | None = None,
):
    """The filed facts checked one by one, the first problem refused in words the applicant understands; returns the
    certificate read into its parts and the household number as kept."""
    certificate = disability_certificate_parse(certificate_number)
    if applicant.id_number and certificate.id_number != applicant.id_number.upper():
        raise DomainError(_("The disability certificate number does not begin with the applicant's citizen ID number."))
    if not resident_in_district:
        raise DomainError(_("The grant is for households registered in this district."))
    if business_form not in DisabledBusinessForm.values:
        raise DomainError(_("Say how you run the business: an individual business in your name, or a firm you represent."))
    if not (business_name or "").strip():
        raise DomainError(_("Give the name of the business on its licence."))
    try:
        validate_credit_code((business_credit_code or "").upper())
    except ValidationError as error:
        raise DomainError(
            _("The unified social credit code of the business is not valid: %(problem)s") % {"problem": error.messages[0]}
        ) from error
    if not 1 <= int(household_persons) <= 9:
        raise DomainError(_("The number of disabled persons of the household in the business is 1 to 9."))
    household = household_number_normal(household_number)
    conflicts = household_conflicts(household_number=household, programme=programme, exclude_pk=exclude_pk)
    if conflicts:
        raise _household_refusal(conflicts)
    return certificate, household


@transaction.atomic
def disabled_application_create(
    *,
    programme: Programme,
    applicant: Applicant,
    org_unit: OrgUnit,
    by: User,
    certificate_number: str,
    household_number: str,
    resident_in_district: bool,
    business_form: str,
    business_name: str,
    business_credit_code: str,
    business_registered_on: dt.date | None,
    bank_name: str,
    bank_account_name: str,
    bank_account_number: str,
    household_persons: int = 1,
    confirmation_mobile: str = "",
    originals_checked: bool = False,
) -> Application:
    """A draft of the household grant with its facts. Filed by the applicant, by a family member (the case's proxy)
    or by a community officer at the window; filed for the applicant, it needs their confirmation before submission
    (disabled_confirm) and a power of attorney among its documents. Bad input: DomainError, nothing saved."""
    certificate, household = _facts_checked(
        programme=programme,
        applicant=applicant,
        certificate_number=certificate_number,
        household_number=household_number,
        resident_in_district=resident_in_district,
        business_form=business_form,
        business_name=business_name,
        business_credit_code=business_credit_code,
        household_persons=household_persons,
    )
    relation = _proxy_relation_of(by=by, applicant=applicant)
    mobile = _confirmation_mobile(applicant=applicant, relation=relation, given=confirmation_mobile)
    application = application_create(
        programme=programme,
        applicant=applicant,
        org_unit=org_unit,
        by=by,
        category="disabled",
        requested_amount=disabled_amount(programme=programme, household_persons=household_persons),
        bank_name=bank_name,
        bank_account_name=bank_account_name,
        bank_account_number=bank_account_number,
        business_name=business_name.strip(),
        business_credit_code=business_credit_code.upper(),
        business_registered_on=business_registered_on,
        originals_checked=originals_checked,
        proxy=by if relation == ProxyRelation.FAMILY else None,
    )
    _grant_record(application, certificate, household, household_persons, business_form, relation, by, mobile)
    return application


def _grant_record(application, certificate, household, household_persons, business_form, relation, by, mobile) -> None:
    """The grant's facts beside the new draft, with who filed it for the applicant (if anyone) and where the
    applicant's confirmation code goes."""
    DisabledGrant.objects.create(
        application=application,
        certificate_number=certificate.number,
        disability_category=certificate.category,
        disability_grade=certificate.grade,
        household_number=household,
        household_persons=household_persons,
        resident_in_district=True,
        business_form=business_form,
        proxy_relation=relation,
        proxy_name=(by.get_full_name() or by.real_name or by.username) if relation else "",
        confirmation_mobile=mobile if relation else "",
    )


def _confirmation_mobile(*, applicant: Applicant, relation: str, given: str) -> str:
    """The mobile the applicant's confirmation code goes to: the one the applicant is known by (their record, their
    own account) where there is one, not a number the person filing chose; only for a person unknown here is the
    number given taken, and the community checks the power of attorney against it at acceptance."""
    known = applicant.mobile or (applicant.user.mobile if applicant.user_id else "")
    mobile = "".join((known or given or "").split())
    if relation and not _MOBILE.fullmatch(mobile):
        raise DomainError(
            _(
                "Give the applicant's own mobile number (11 digits): the applicant confirms the application with a code sent to it."
            )
        )
    return mobile


@transaction.atomic
def disabled_facts_update(
    *,
    application: Application,
    by: User,
    certificate_number: str,
    household_number: str,
    resident_in_district: bool,
    business_form: str,
    business_name: str,
    business_credit_code: str,
    business_registered_on: dt.date | None,
    bank_name: str,
    bank_account_name: str,
    bank_account_number: str,
    household_persons: int = 1,
) -> Application:
    """Change the facts of a draft (the filing page saved again). A new certificate or household on a case filed for
    the applicant needs their confirmation again."""
    certificate, household = _facts_checked(
        programme=application.programme,
        applicant=application.applicant,
        certificate_number=certificate_number,
        household_number=household_number,
        resident_in_district=resident_in_district,
        business_form=business_form,
        business_name=business_name,
        business_credit_code=business_credit_code,
        household_persons=household_persons,
        exclude_pk=application.pk,
    )
    application = application_draft_update(
        application=application,
        by=by,
        requested_amount=disabled_amount(programme=application.programme, household_persons=household_persons),
        business_name=business_name.strip(),
        business_credit_code=business_credit_code.upper(),
        business_registered_on=business_registered_on,
        bank_name=bank_name,
        bank_account_name=bank_account_name,
        bank_account_number=bank_account_number,
    )
    grant = DisabledGrant.objects.select_for_update().get(application=application)
    changed = (grant.certificate_number, grant.household_number) != (certificate.number, household)
    grant.certificate_number = certificate.number
    grant.disability_category, grant.disability_grade = certificate.category, certificate.grade
    grant.household_number, grant.household_persons, grant.business_form = household, household_persons, business_form
    if changed and grant.confirmed_at is not None:
        grant.confirmed_at, grant.confirmed_by = None, None
    grant.save()
    audit_record(application=application, by=by, action="disabled_facts_update", from_status=application.status)
    return application


def filing_documents(*, application: Application) -> list[str]:
    """The documents a draft needs: its rules' list, and the power of attorney for a case filed for the applicant."""
    kinds = list(application.rules_in_force.required_documents)
    grant = DisabledGrant.objects.filter(application_id=application.pk).first()
    if grant is not None and grant.filed_by_proxy and AttachmentKind.POWER_OF_ATTORNEY not in kinds:
        kinds.append(AttachmentKind.POWER_OF_ATTORNEY)
    return kinds


def _grant_of(application: Application) -> DisabledGrant:
    grant = DisabledGrant.objects.filter(application_id=application.pk).first()
    if grant is None:
        raise DomainError(_("The facts of the disability certificate and the household are missing; file the application again."))
    return grant


def disabled_confirmation_issue(*, application: Application, by: User) -> tuple[str, str]:
    """A confirmation code for the applicant of a case filed for them: (mobile, code in clear) for the caller to send.
    Only the one who filed it asks, while it is a draft."""
    grant = _grant_of(application)
    if not grant.filed_by_proxy:
        raise DomainError(_("You filed this application yourself; no confirmation is needed."))
    if by.pk not in (application.filed_by_id, application.proxy_id):
        raise PermissionDenied()
    if application.status != Status.DRAFT:
        raise TransitionForbidden(_("Only a draft is confirmed."))
    if grant.confirmed_at is not None:
        raise DomainError(_("The applicant has confirmed this application already."))
    return grant.confirmation_mobile, sms_code_issue(mobile=grant.confirmation_mobile, purpose=SmsCode.Purpose.PROXY_CONFIRM)


def disabled_confirm(*, application: Application, by: User, code: str) -> DisabledGrant:
    """The applicant's confirmation of a case filed for them: the code sent to their mobile, entered by them or read
    out to the person filing. A wrong code counts a try and changes nothing else (DomainError)."""
    problem = None
    with transaction.atomic():
        application = case_lock(pk=application.pk)
        if by.pk not in (application.filed_by_id, application.proxy_id, application.applicant.user_id):
            raise PermissionDenied()
        if application.status != Status.DRAFT:
            raise TransitionForbidden(_("Only a draft is confirmed."))
        grant = DisabledGrant.objects.select_for_update().get(application=application)
        if not grant.filed_by_proxy or grant.confirmed_at is not None:
            return grant
        problem = sms_code_check(mobile=grant.confirmation_mobile, code=code, purpose=SmsCode.Purpose.PROXY_CONFIRM)
        if problem is None:
            grant.confirmed_at = timezone.now()
            grant.confirmed_by = by
            grant.save(update_fields=["confirmed_at", "confirmed_by"])
            audit_record(
                application=application,
                by=by,
                action="applicant_confirmed",
                from_status=application.status,
                comment=_("The applicant confirmed the application filed by %(name)s.") % {"name": grant.proxy_name},
            )
    if problem is not None:
        raise DomainError(problem)
    return grant


def disabled_submit_rules(application: Application) -> None:
    """Before submission (the case row locked by the caller): the certificate still the applicant's, one grant per
    household, and for a case filed for the applicant their confirmation and the power of attorney."""
    grant = _grant_of(application)
    applicant = application.applicant
    if applicant.id_number and grant.certificate_number[:18] != applicant.id_number.upper():
        raise DomainError(_("The disability certificate number does not begin with the applicant's citizen ID number."))
    _household_lock(grant.household_number)
    conflicts = household_conflicts(
        household_number=grant.household_number, programme=application.programme, exclude_pk=application.pk
    )
    if conflicts:
        raise _household_refusal(conflicts)
    if grant.filed_by_proxy:
        if not application.attachments.filter(kind=AttachmentKind.POWER_OF_ATTORNEY).exists():
            raise DomainError(_("Upload the applicant's signed power of attorney before submitting."))
        if grant.confirmed_at is None:
            raise DomainError(
                _("The applicant has not confirmed this application yet: send the code to their mobile and enter it first.")
            )
