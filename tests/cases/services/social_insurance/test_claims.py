"""Who may open and file a quarterly claim, and a roster filed once: refusals change nothing."""

from decimal import Decimal

import pytest

from cases.constants import ApplicantKind, Role
from cases.exceptions import InvalidImport, PermissionDenied, TransitionForbidden
from cases.models import Applicant, Programme, User
from cases.models.social_insurance import ClaimStatus, PersonMonthEntitlement, RosterRow, SocialInsuranceClaim
from cases.services.programmes import programme_rules_change
from cases.services.social_insurance import roster_submit, social_insurance_claim_open
from tests.cases.services.social_insurance.given import AT_MINIMUM, citizen_id, employer, paid, roster

PERSON = citizen_id("19900101", "001")
ROW = [PERSON, "王伟", "就业困难人员", "2026-01-01", "2027-12-31", "2026-01~2026-03", "3480.36", "", ""]


@pytest.mark.django_db
def test_only_an_employers_own_account_opens_and_files_its_claims(si_programme, applicant_user):
    payer, other = employer(1), employer(2)
    person = Applicant.objects.create(kind=ApplicantKind.PERSON, name="张三", id_number=PERSON, user=applicant_user)
    with pytest.raises(PermissionDenied) as refusal:
        social_insurance_claim_open(employer=person, programme=si_programme, year=2026, quarter=1, by=applicant_user)
    assert str(refusal.value.message) == "只有具有统一社会信用代码的用人单位可以申报此项补贴。"
    with pytest.raises(PermissionDenied):
        social_insurance_claim_open(employer=payer, programme=si_programme, year=2026, quarter=1, by=other.user)
    with pytest.raises(TransitionForbidden) as refusal:
        social_insurance_claim_open(employer=payer, programme=si_programme, year=2026, quarter=5, by=payer.user)
    assert str(refusal.value.message) == "季度应为1、2、3或4。"
    startup = Programme.objects.get(code="startup")
    with pytest.raises(TransitionForbidden):
        social_insurance_claim_open(employer=payer, programme=startup, year=2026, quarter=1, by=payer.user)
    assert SocialInsuranceClaim.objects.count() == 0
    claim = social_insurance_claim_open(employer=payer, programme=si_programme, year=2026, quarter=1, by=payer.user)
    again = social_insurance_claim_open(employer=payer, programme=si_programme, year=2026, quarter=1, by=payer.user)
    assert (again.pk, claim.rules_id) == (claim.pk, si_programme.current_rules_id)
    with pytest.raises(PermissionDenied) as refusal:
        roster_submit(claim=claim, content=roster([ROW]), filename="r.csv", by=other.user)
    assert str(refusal.value.message) == "只有用人单位本单位账户可以申报。"
    assert (RosterRow.objects.count(), PersonMonthEntitlement.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_a_submitted_roster_is_not_filed_again(si_programme, bureau_user):
    payer = employer(1)
    paid(PERSON, payer, ["202601", "202602", "202603"], AT_MINIMUM, by=bureau_user)
    claim = social_insurance_claim_open(employer=payer, programme=si_programme, year=2026, quarter=1, by=payer.user)
    roster_submit(claim=claim, content=roster([ROW]), filename="r.csv", by=payer.user)
    with pytest.raises(TransitionForbidden) as refusal:
        roster_submit(claim=claim, content=roster([ROW]), filename="again.csv", by=payer.user)
    assert str(refusal.value.message) == "本季度花名册已经提交。"
    claim.refresh_from_db()
    # 3 x 1,160.12 = 3,480.36, once
    assert (claim.status, claim.roster_filename, claim.total_amount) == (ClaimStatus.SUBMITTED, "r.csv", Decimal("3480.36"))
    assert (RosterRow.objects.count(), PersonMonthEntitlement.objects.count()) == (1, 3)


@pytest.mark.django_db
def test_a_roster_is_judged_by_the_rules_version_its_claim_was_opened_under(si_programme, district, bureau_user):
    # given: a version capping a person at 2 months, the claim opened under it, then a version back at 36
    admin = User.objects.create_superuser(
        username="admin", password="correct-horse-battery", role=Role.ADMINISTRATOR, org_unit=district
    )
    base = si_programme.current_rules.amount_rule
    programme_rules_change(programme=si_programme, by=admin, amount_rule={**base, "max_months_per_person": 2})
    payer = employer(1)
    paid(PERSON, payer, ["202601", "202602", "202603"], AT_MINIMUM, by=bureau_user)
    claim = social_insurance_claim_open(employer=payer, programme=si_programme, year=2026, quarter=1, by=payer.user)
    programme_rules_change(programme=si_programme, by=admin, amount_rule=base)
    # when: three months are claimed: 0 + 3 > 2
    with pytest.raises(InvalidImport) as refusal:
        roster_submit(claim=claim, content=roster([ROW]), filename="r.csv", by=payer.user)
    # then
    assert refusal.value.details == ["第2行：该人员在此类别下已享受补贴0个月，再申报3个月将超过上限2个月。"]
    assert PersonMonthEntitlement.objects.count() == 0
