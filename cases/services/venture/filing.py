"""Filing a venture case (enterprise, legal representative, shareholders) and its eligibility, including the
once-only rule checked by credit code and by citizen ID number."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cases.crypto import lookup_digest
from cases.exceptions import DomainError, EntitlementConflict, IneligibleApplication, TransitionForbidden
from cases.models import (
    Applicant,
    Application,
    OrgUnit,
    Programme,
    Shareholder,
    User,
    VentureProject,
    VentureRound,
)
from cases.models.venture import RoundStatus
from cases.services.applications import application_create
from cases.services.eligibility import NOT_COUNTING, eligibility_problems
from cases.services.venture.rounds import _round_for_update


@transaction.atomic
def venture_application_create(
    *,
    round_: VentureRound,
    enterprise: Applicant,
    org_unit: OrgUnit,
    by: User,
    project_title: str,
    legal_representative_name: str,
    legal_representative_id_number: str,
    graduate_name: str,
    graduate_id_number: str,
    graduated_on: dt.date,
    business_registered_on: dt.date,
    shareholders: list[dict],
    requested_amount: Decimal,
    bank_name: str,
    bank_account_name: str,
    bank_account_number: str,
    jobs_created: int = 0,
) -> Application:
    """A draft case of an enterprise (credit code) with its legal representative and shareholders, in an open round."""
    round_ = _round_for_update(round_)  # a filing never races the draw
    if round_.status != RoundStatus.OPEN:
        raise TransitionForbidden(_("Round %(code)s no longer accepts applications.") % {"code": round_.code})
    if not enterprise.credit_code:
        raise DomainError(_("A venture grant is applied for by an enterprise with a unified social credit code."))
    earlier = funded_before(
        programme=round_.programme,
        credit_codes={enterprise.credit_code},
        id_numbers={legal_representative_id_number.strip().upper(), graduate_id_number.strip().upper()},
    )
    if earlier:
        raise _already_funded(earlier)
    application = application_create(
        programme=round_.programme,
        applicant=enterprise,
        org_unit=org_unit,
        by=by,
        category="graduate",
        requested_amount=requested_amount,
        bank_name=bank_name,
        bank_account_name=bank_account_name,
        bank_account_number=bank_account_number,
        business_name=enterprise.name,
        business_credit_code=enterprise.credit_code,
        business_registered_on=business_registered_on,
        graduated_on=graduated_on,
        jobs_created=jobs_created,
    )
    _project_create(
        application,
        round_=round_,
        project_title=project_title,
        legal_representative_name=legal_representative_name,
        legal_representative_id_number=legal_representative_id_number,
        graduate_name=graduate_name,
        graduate_id_number=graduate_id_number,
        shareholders=shareholders,
    )
    return application


def _project_create(
    application: Application,
    *,
    round_: VentureRound,
    project_title: str,
    legal_representative_name: str,
    legal_representative_id_number: str,
    graduate_name: str,
    graduate_id_number: str,
    shareholders: list[dict],
) -> VentureProject:
    """The case's venture project and its shareholders, checked by the models; the shares add up to 100 % at most."""
    project = VentureProject(
        application=application,
        round=round_,
        project_title=project_title,
        legal_representative_name=legal_representative_name,
        legal_representative_id_number=legal_representative_id_number.strip().upper(),
        graduate_name=graduate_name,
        graduate_id_number=graduate_id_number.strip().upper(),
    )
    rows = [Shareholder(project=project, **row) for row in shareholders]
    try:
        project.full_clean(exclude=["application", "round"])
        for row in rows:
            row.full_clean(exclude=["project"])
    except ValidationError as error:
        raise DomainError(_("The venture project data is not valid."), details=error.messages) from error
    if not rows or sum(r.capital_percent for r in rows) > 100:
        raise DomainError(_("List the shareholders; their shares of capital may not exceed 100 %."))
    project.save()
    Shareholder.objects.bulk_create(rows)
    return project


def funded_before(
    *, programme: Programme, credit_codes: set[str], id_numbers: set[str], exclude_pk: int | None = None
) -> list[Application]:
    """Earlier cases of this programme for the same enterprise (credit code) or the same graduate or legal
    representative (citizen ID number) that were not withdrawn or refused (drafts do not count)."""
    digests = {lookup_digest(number) for number in id_numbers if number}
    same = (
        Q(applicant__credit_code__in=credit_codes)
        | Q(business_credit_code__in=credit_codes)
        | Q(venture__legal_representative_id_number_digest__in=digests)
        | Q(venture__graduate_id_number_digest__in=digests)
    )
    return list(
        Application.objects.filter(same, programme=programme)
        .exclude(pk=exclude_pk)
        .exclude(status__in=NOT_COUNTING)
        .distinct()
        .order_by("id")
    )


def venture_funded_before(*, application: Application) -> list[Application]:
    project = application.venture
    return funded_before(
        programme=application.programme,
        credit_codes={c for c in (application.applicant.credit_code, application.business_credit_code) if c},
        id_numbers={project.legal_representative_id_number, project.graduate_id_number},
        exclude_pk=application.pk,
    )


def _already_funded(earlier: list[Application]) -> EntitlementConflict:
    return EntitlementConflict(
        _("This enterprise or its graduate already has case %(number)s in this programme; the grant is given once.")
        % {"number": earlier[0].number},
        details=[a.number for a in earlier],
    )


def venture_eligibility_problems(*, application: Application, today: dt.date) -> list[str]:
    rules = application.rules_in_force.eligibility_rules or {}
    project = application.venture
    problems = eligibility_problems(application=application, today=today)
    if project.legal_representative_id_number != project.graduate_id_number:
        problems.append(_("The legal representative must be the graduate."))
    minimum = Decimal(str(rules.get("graduate_capital_min_percent", 30)))
    held = sum((s.capital_percent for s in project.shareholders.all() if s.is_graduate), Decimal("0"))
    if held < minimum:
        problems.append(
            _("Graduates must hold at least %(minimum)s %% of the capital; they hold %(held)s %%.")
            % {"minimum": minimum, "held": held}
        )
    return problems


def venture_eligibility_assert(*, application: Application, today: dt.date) -> None:
    """Raise IneligibleApplication or EntitlementConflict (already funded: by credit code or by ID number)."""
    problems = venture_eligibility_problems(application=application, today=today)
    if problems:
        raise IneligibleApplication(details=problems)
    earlier = venture_funded_before(application=application)
    if earlier:
        raise _already_funded(earlier)
