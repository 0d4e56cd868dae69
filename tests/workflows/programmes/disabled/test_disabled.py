"""The disabled entrepreneurs' household grant: the certificate number, one grant per household, the federation's
reviewer and what it sees, filing for the applicant confirmed by the applicant's SMS code."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from cases import services as case_services
from cases.constants import AttachmentKind, Decision, ReviewLevel, Role, Status
from cases.exceptions import DomainError, PermissionDenied
from cases.models import Application, AuditEntry, DisabledGrant, SmsLog
from cases.selectors import applications_for_user
from cases.synthetic import citizen_id
from tests.conftest import make_user
from tests.lifecycle import task_names
from workflows.engine import queue, simulation
from workflows.engine import steps as flow_services
from workflows.engine.assignment import task_may_execute
from workflows.engine.sms import proxy_confirmation_send
from workflows.programmes.disabled.simulation import CODE_IN_MESSAGE, confirm_by_sms, file_disabled_draft

pytestmark = pytest.mark.django_db

GOOD_ID = "11010519491231002X"  # a valid citizen ID (GB 11643 check character X)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- the certificate number ---------------------------------------------------------------------------------------


def test_a_good_certificate_number_reads_into_its_parts():
    certificate = case_services.disability_certificate_parse(f"{GOOD_ID[:-1]}x 4 2")
    assert (certificate.number, certificate.id_number, certificate.category, certificate.grade) == (
        f"{GOOD_ID}42",
        GOOD_ID,
        4,
        2,
    )


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (f"{GOOD_ID[:-1]}1" + "42", "fails its check digit"),
        (f"{GOOD_ID}02", "category of disability: a digit from 1 to 7, not 0"),
        (f"{GOOD_ID}82", "category of disability: a digit from 1 to 7, not 8"),
        (f"{GOOD_ID}45", "grade of disability: a digit from 1 to 4, not 5"),
        (f"{GOOD_ID}40", "grade of disability: a digit from 1 to 4, not 0"),
        (f"{GOOD_ID}4", "You entered 19 characters"),
    ],
    ids=["id-checksum", "category-0", "category-8", "grade-5", "grade-0", "too-short"],
)
def test_a_bad_certificate_number_is_refused_with_what_is_wrong(number, message):
    with pytest.raises(DomainError) as refused:
        case_services.disability_certificate_parse(number)
    assert message in str(refused.value)


def test_the_refusal_reads_in_chinese():
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        case_services.disability_certificate_parse(f"{GOOD_ID}82")
    assert "残疾类别" in str(refused.value)


def test_a_bad_certificate_files_nothing(disabled_programme, community, applicant_user, rng):
    id_number = citizen_id(rng)
    applicant = case_services.applicant_person_get_or_create(name="王五", id_number=id_number, user=applicant_user)
    bad_checksum = id_number[:17] + ("0" if id_number[17] != "0" else "1")
    for certificate in (f"{bad_checksum}42", f"{id_number}92", f"{id_number}47", f"{citizen_id(rng)}42"):
        with pytest.raises(DomainError):
            case_services.disabled_application_create(
                **_facts(disabled_programme, applicant, community, applicant_user, certificate)
            )
    assert Application.objects.count() == 0 and DisabledGrant.objects.count() == 0


def _facts(programme, applicant, community, by, certificate, household="330110000001", **extra):
    return dict(
        programme=programme,
        applicant=applicant,
        org_unit=community,
        by=by,
        certificate_number=certificate,
        household_number=household,
        resident_in_district=True,
        business_form="individual",
        business_name="王五便民服务部",
        business_credit_code="91330110MA2DEM901",
        business_registered_on=timezone.localdate() - dt.timedelta(days=100),
        bank_name="杭州余杭农村商业银行",
        bank_account_name=applicant.name,
        bank_account_number="6228480010001234567",
        **extra,
    )


# --- the amount and one grant per household -----------------------------------------------------------------------


def test_the_amount_is_the_rules_amount_per_household(disabled_programme, community, fstaff, rng):
    application, _, _ = file_disabled_draft(rng=rng, programme=disabled_programme, community=community, staff=fstaff)
    assert application.requested_amount == Decimal("3000")
    assert case_services.disabled.disabled_amount(programme=disabled_programme, household_persons=2) == Decimal("3000")


def test_a_second_grant_for_the_same_household_is_refused(disabled_programme, community, fstaff, rng):
    # given two drafts of one household (a draft holds nothing), and a third of another household
    first, first_user, _ = file_disabled_draft(
        rng=rng, programme=disabled_programme, community=community, staff=fstaff, household_number="330110777001"
    )
    second, second_user, _ = file_disabled_draft(
        rng=rng, programme=disabled_programme, community=community, staff=fstaff, household_number="330110777001"
    )
    flow_services.case_submit(application=first, by=first_user)

    # when the second is submitted, then it is refused with the first's number, and stays a draft
    with pytest.raises(DomainError) as refused:
        flow_services.case_submit(application=second, by=second_user)
    assert str(refused.value) == (
        f"This household already has a disabled entrepreneur's household grant (case {first.number}). "
        "The grant is given once per household."
    )
    assert Application.objects.get(pk=second.pk).status == Status.DRAFT
    # and a new filing for the household is refused at once, nothing saved
    with pytest.raises(DomainError):
        file_disabled_draft(
            rng=rng, programme=disabled_programme, community=community, staff=fstaff, household_number="330110777001"
        )
    assert Application.objects.filter(disabled_grant__household_number="330110777001").count() == 2

    # when the first is refused at the community, the household may file again
    simulation.decide(first, fstaff.community[community.pk], ReviewLevel.COMMUNITY, Decision.REJECT)
    flow_services.case_submit(application=second, by=second_user)
    assert Application.objects.get(pk=second.pk).status == Status.SUBMITTED


# --- the federation's reviewer -------------------------------------------------------------------------------------


def _at_federation(programme, community, staff, rng):
    application, user, _ = file_disabled_draft(rng=rng, programme=programme, community=community, staff=staff)
    application = flow_services.case_submit(application=application, by=user)
    application = simulation.decide(application, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.PASS)
    return simulation.decide(application, staff.town[community.parent_id], ReviewLevel.TOWN, Decision.PASS)


def test_the_federation_reviewer_sees_and_decides_only_its_programme(
    disabled_programme, programme, community, other_town_community, fstaff, rng
):
    # given a household grant and a start-up case, both at the district level, and a household grant at the community
    grant_case = _at_federation(disabled_programme, community, fstaff, rng)
    other_grant = file_disabled_draft(rng=rng, programme=disabled_programme, community=other_town_community, staff=fstaff)[0]
    startup = simulation.file_draft(rng=rng, programme=programme, community=community)
    startup_case = flow_services.case_submit(application=startup[0], by=startup[1])
    startup_case = simulation.decide(startup_case, fstaff.community[community.pk], ReviewLevel.COMMUNITY, Decision.PASS)
    startup_case = simulation.decide(startup_case, fstaff.town[community.parent_id], ReviewLevel.TOWN, Decision.PASS)
    federation = fstaff.district_reviewer
    district_reviewer = simulation.staff_for(community.parent.parent).district_reviewer
    assert federation.role == Role.FEDERATION_REVIEWER

    # then the federation reads the district's household grants only, and its queue holds the one at its level
    assert set(applications_for_user(user=federation)) == {grant_case, other_grant}
    assert [t.process_id for t in queue.review_tasks_for_user(user=federation)] == [grant_case.process_id]
    assert task_names(grant_case) == ["district_review"]
    grant_task = flow_services.open_task(application=grant_case)
    startup_task = flow_services.open_task(application=startup_case)
    assert task_may_execute(user=federation, task=grant_task)
    assert not task_may_execute(user=federation, task=startup_task)
    # and the district reviewer may not take the federation's step of the household grant
    assert not task_may_execute(user=district_reviewer, task=grant_task)
    assert grant_task.pk not in {t.pk for t in queue.review_tasks_for_user(user=district_reviewer)}
    with pytest.raises(PermissionDenied):
        simulation.decide(grant_case, district_reviewer, ReviewLevel.DISTRICT, Decision.PASS)
    with pytest.raises(PermissionDenied):
        simulation.decide(startup_case, federation, ReviewLevel.DISTRICT, Decision.PASS)

    # when the federation passes it, the bureau's approver has it next
    decided = simulation.decide(grant_case, federation, ReviewLevel.DISTRICT, Decision.PASS)
    assert (decided.status, decided.reviewed_by_id, task_names(decided)) == (Status.DISTRICT_REVIEWED, federation.pk, ["approve"])
    opinion = decided.opinions.get(level=ReviewLevel.DISTRICT)
    assert (opinion.reviewer_id, opinion.org_unit.level) == (federation.pk, "federation")


# --- filing for the applicant ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("filer", ["family", "officer"])
def test_a_case_filed_for_the_applicant_needs_their_sms_confirmation(disabled_programme, community, fstaff, rng, filer):
    application, applicant_user, by = file_disabled_draft(
        rng=rng, programme=disabled_programme, community=community, staff=fstaff, filer=filer
    )
    grant = application.disabled_grant
    assert grant.proxy_relation == {"family": "family", "officer": "community_officer"}[filer]
    assert application.proxy_id == (by.pk if filer == "family" else None)
    # the family member reads and acts on the case in the portal as the applicant does
    assert application in applications_for_user(user=by)

    # when it is submitted before the applicant confirmed, then it is refused and stays a draft
    with pytest.raises(DomainError) as refused:
        flow_services.case_submit(application=application, by=by)
    assert "has not confirmed this application yet" in str(refused.value)
    assert Application.objects.get(pk=application.pk).status == Status.DRAFT

    # when a wrong code is entered, then nothing is confirmed
    mobile = application.applicant.mobile
    assert proxy_confirmation_send(application=application, by=by) == mobile == grant.confirmation_mobile
    message = SmsLog.objects.filter(number=mobile).latest("id").message
    code = CODE_IN_MESSAGE.search(message).group(1)
    assert application.number in message
    with pytest.raises(DomainError):
        case_services.disabled_confirm(application=application, by=by, code="000000" if code != "000000" else "111111")
    assert DisabledGrant.objects.get(pk=grant.pk).confirmed_at is None

    # when the code the applicant received is entered, then it is confirmed on record, and the case may be submitted
    case_services.disabled_confirm(application=application, by=by, code=code)
    assert DisabledGrant.objects.get(pk=grant.pk).confirmed_at is not None
    assert AuditEntry.objects.filter(application=application, action="applicant_confirmed", actor=by).count() == 1
    submitted = flow_services.case_submit(application=application, by=by)
    assert submitted.status == Status.SUBMITTED


def test_a_case_filed_for_the_applicant_needs_the_power_of_attorney(disabled_programme, community, fstaff, rng):
    application, _, by = file_disabled_draft(
        rng=rng, programme=disabled_programme, community=community, staff=fstaff, filer="family"
    )
    application.attachments.filter(kind=AttachmentKind.POWER_OF_ATTORNEY).delete()
    confirm_by_sms(application, by)
    with pytest.raises(DomainError) as refused:
        flow_services.case_submit(application=application, by=by)
    assert str(refused.value) == "Upload the applicant's signed power of attorney before submitting."


def test_a_stranger_may_not_confirm_or_act(disabled_programme, community, fstaff, rng):
    application, _, _ = file_disabled_draft(
        rng=rng, programme=disabled_programme, community=community, staff=fstaff, filer="family"
    )
    stranger = make_user("stranger", Role.APPLICANT, None)
    with pytest.raises(PermissionDenied):
        case_services.disabled_confirmation_issue(application=application, by=stranger)
    with pytest.raises(PermissionDenied):
        case_services.disabled_confirm(application=application, by=stranger, code="123456")
    assert application not in applications_for_user(user=stranger)


def test_the_applicant_is_told_by_sms_and_in_the_portal(disabled_programme, community, fstaff, rng, run_on_commit):
    application, user, _ = file_disabled_draft(rng=rng, programme=disabled_programme, community=community, staff=fstaff)
    run_on_commit(flow_services.case_submit, application=application, by=user)
    channels = set(application.notifications.values_list("channel", flat=True))
    assert channels == {"portal", "sms"}
