"""Services behind the portal: registration, real-name binding, draft updates and claims."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import services
from cases.constants import Status
from cases.crypto import lookup_digest
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.models import Applicant, AuditEntry, User
from cases.synthetic import citizen_id
from tests import lifecycle
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "Long-enough-pass-2026"


def test_register_refuses_a_second_account_for_the_same_email(db):
    services.applicant_user_register(login="A@Example.cn", password=PASSWORD)
    with pytest.raises(DomainError):
        services.applicant_user_register(login="a@example.cn", password=PASSWORD)
    assert User.objects.count() == 1


def test_binding_twice_or_to_a_taken_number_is_refused(programme, rng):
    number = citizen_id(rng)
    first = services.applicant_user_register(login="13500000001", password=PASSWORD)
    services.user_real_name_bind(user=first, name="甲", id_number=number)
    with pytest.raises(DomainError, match="已完成实名认证"):
        services.user_real_name_bind(user=first, name="甲", id_number=citizen_id(rng))
    second = services.applicant_user_register(login="13500000002", password=PASSWORD)
    with pytest.raises(DomainError, match="已绑定其他账户"):
        services.user_real_name_bind(user=second, name="乙", id_number=number)
    second.refresh_from_db()
    assert second.id_number == ""
    assert Applicant.objects.filter(id_number_digest=lookup_digest(number)).count() == 1


def test_draft_update_changes_only_draft_fields_of_a_draft(programme, community, rng):
    application, user = lifecycle.filed(programme=programme, community=community, rng=rng)
    services.application_draft_update(application=application, by=user, jobs_created=7, requested_amount=Decimal("5000"))
    application.refresh_from_db()
    assert application.jobs_created == 7
    with pytest.raises(DomainError):
        services.application_draft_update(application=application, by=user, status="submitted")
    stranger = make_user("stranger", "applicant", None)
    with pytest.raises(PermissionDenied):
        services.application_draft_update(application=application, by=stranger, jobs_created=1)
    services.application_submit(application=application, by=user)
    audit = AuditEntry.objects.count()
    with pytest.raises(TransitionForbidden):
        services.application_draft_update(application=application, by=user, jobs_created=2)
    application.refresh_from_db()
    assert (application.status, application.jobs_created, AuditEntry.objects.count()) == (Status.SUBMITTED, 7, audit)


def test_claim_binds_once_and_only_with_the_matching_number(programme, community, staff, rng):
    officer = staff.community[community.pk]
    number = citizen_id(rng)
    applicant = services.applicant_person_get_or_create(name="丙", id_number=number)
    application = services.application_create(
        programme=programme,
        applicant=applicant,
        org_unit=community,
        by=officer,
        category="unemployed",
        requested_amount=Decimal("5000"),
        bank_name="银行",
        bank_account_name="丙",
        bank_account_number="6228480012345678901",
        business_registered_on=timezone.localdate() - dt.timedelta(days=400),
        originals_checked=True,
    )
    assert len(application.claim_code) == 10
    with pytest.raises(DomainError, match="没有与该认领码对应的案件"):
        services.applicant_claim(code="WRONGCODE1", user=officer)
    owner = services.applicant_user_register(login="13500000003", password=PASSWORD)
    services.user_real_name_bind(user=owner, name="丙", id_number=number)
    owner.refresh_from_db()
    applicant.refresh_from_db()
    assert applicant.user is None  # binding alone does not take a window case
    services.applicant_claim(code=application.claim_code, user=owner)
    services.applicant_claim(code=application.claim_code, user=owner)  # twice: a no-op
    applicant.refresh_from_db()
    assert applicant.user == owner
    assert AuditEntry.objects.filter(application=application, action="claim").count() == 1


def test_an_applicant_filing_for_themselves_gets_no_claim_code(programme, community, rng):
    application, _user = lifecycle.filed(programme=programme, community=community, rng=rng)
    assert application.claim_code == ""
