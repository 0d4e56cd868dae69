"""Programme rules as versions: a filed case is judged by the version it was filed under, to the end; a new case by
the current one; review levels and level days come from the case's version (a version may leave out the town)."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from cases import calendar
from cases import services as case_services
from cases.constants import AttachmentKind, Decision, ReviewLevel, Role, Status
from cases.exceptions import DomainError, MissingDocuments, PermissionDenied, TransitionForbidden
from cases.models import Application, AuditEntry, Programme, ProgrammeRules, ReviewOpinion
from cases.services import programme_rules_change
from tests.conftest import make_user
from tests.lifecycle import advance, submitted, task_names
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.consistency import check_all

pytestmark = pytest.mark.django_db

WITHOUT_TOWN = [ReviewLevel.COMMUNITY, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL]


@pytest.fixture
def administrator(district):
    return make_user("programme-admin", Role.ADMINISTRATOR, district)


def reload(application: Application) -> Application:
    return Application.objects.select_related("rules", "programme__current_rules").get(pk=application.pk)


def assert_consistent():
    assert {k: v for k, v in check_all().items() if v} == {}


def days(n: int) -> dt.date:
    return calendar.add_working_days(timezone.localdate(), n)


def test_a_filed_case_completes_under_its_version_and_a_new_case_is_judged_by_the_new_one(
    programme, administrator, staff, community, run_on_commit
):
    # given a case filed (submitted) under version 1: cap 30000, five documents, 5 days for the community
    old_case, _ = submitted(programme=programme, community=community, rng=random.Random(1))
    version_1 = programme.current_rules
    assert (old_case.rules_id, version_1.number, version_1.max_amount) == (version_1.pk, 1, Decimal("30000"))
    assert old_case.requested_amount > Decimal("4000")
    assert reload(old_case).deadline == days(5)

    # when the administrator tightens the cap, asks one more document and shortens the community's days
    version_2 = programme_rules_change(
        programme=programme,
        by=administrator,
        max_amount=Decimal("4000"),
        required_documents=[*version_1.required_documents, AttachmentKind.GRADUATION_CERTIFICATE],
        level_days={**version_1.level_days, ReviewLevel.COMMUNITY: 2},
    )

    # then version 2 is current, with who and when; version 1 is unchanged
    programme.refresh_from_db()
    assert (programme.current_rules_id, version_2.number, version_2.created_by, programme.max_amount) == (
        version_2.pk,
        2,
        administrator,
        Decimal("4000"),
    )
    assert version_2.diff(version_1).keys() == {"max_amount", "required_documents", "level_days"}
    assert ProgrammeRules.objects.get(pk=version_1.pk).rules() == version_1.rules()

    # and the filed case completes under version 1: nothing missing, its own days, approved above the new cap, paid
    assert case_services.missing_documents(application=reload(old_case)) == []
    old_case = run_on_commit(simulation.decide, old_case, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.PASS)
    assert reload(old_case).deadline == days(5)  # version 1's town days
    for level, reviewer in [
        (ReviewLevel.TOWN, staff.town[community.parent_id]),
        (ReviewLevel.DISTRICT, staff.district_reviewer),
        (ReviewLevel.APPROVAL, staff.approver),
    ]:
        old_case = run_on_commit(simulation.decide, old_case, reviewer, level, Decision.PASS)
    assert (old_case.status, old_case.approved_amount) == (Status.DISTRICT_APPROVED, old_case.requested_amount)
    batch = flow_services.publicity_publish(
        programme=programme, applications=[old_case], by=staff.approver, starts_on=timezone.localdate()
    )
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))
    run_on_commit(simulation.pay, programme, [old_case], staff, set(), random.Random(2))
    old_case = reload(old_case)
    assert (old_case.status, old_case.rules_id) == (Status.CLOSED, version_1.pk)

    # and a new case is judged by version 2: the new document is missing, its amount is held to the new cap
    new_case, applicant = simulation.file_draft(
        rng=random.Random(3), programme=programme, community=community, amount=Decimal("4000")
    )
    new_case.attachments.filter(kind=AttachmentKind.GRADUATION_CERTIFICATE).delete()
    assert case_services.missing_documents(application=reload(new_case)) == [AttachmentKind.GRADUATION_CERTIFICATE]
    with pytest.raises(MissingDocuments) as refused:
        flow_services.case_submit(application=new_case, by=applicant)
    assert refused.value.details == [str(AttachmentKind.GRADUATION_CERTIFICATE.label)]
    assert (reload(new_case).status, reload(new_case).rules_id) == (Status.DRAFT, None)
    case_services.attachment_add(
        application=new_case,
        by=applicant,
        kind=AttachmentKind.GRADUATION_CERTIFICATE,
        content=simulation.SAMPLE_PDF,
        name="degree.pdf",
    )
    new_case = flow_services.case_submit(application=new_case, by=applicant)
    assert (new_case.rules_id, reload(new_case).deadline) == (version_2.pk, days(2))
    new_case = advance(new_case, staff, through=ReviewLevel.DISTRICT)
    task = flow_services.open_task(application=new_case)
    with pytest.raises(DomainError, match="4000"):
        flow_services.task_decide(
            task_id=task.pk, by=staff.approver, decision=Decision.PASS, opinion="同意", amount=Decimal("5000")
        )
    assert reload(new_case).status == Status.DISTRICT_REVIEWED
    new_case = flow_services.task_decide(
        task_id=task.pk, by=staff.approver, decision=Decision.PASS, opinion="同意", amount=Decimal("4000")
    )
    assert (new_case.status, new_case.approved_amount) == (Status.DISTRICT_APPROVED, Decimal("4000"))
    assert_consistent()

    # and seeding the demo afterwards leaves the edit in place
    call_command("seed_demo", "--reference-only")
    programme = Programme.objects.get(code="startup")
    assert (programme.current_rules_id, programme.max_amount, programme.rules_versions.count()) == (
        version_2.pk,
        Decimal("4000"),
        2,
    )


def test_a_programme_without_the_town_level_goes_from_community_to_district(
    programme, administrator, staff, community, run_on_commit
):
    # given a case filed while the programme has all four levels
    four_levels, _ = submitted(programme=programme, community=community, rng=random.Random(11))
    # when the administrator leaves the town level out and a new case is filed
    programme_rules_change(programme=programme, by=administrator, review_levels=WITHOUT_TOWN)
    case, applicant = submitted(programme=programme, community=community, rng=random.Random(12))
    assert task_names(case) == ["accept"]

    # then community acceptance sends the new case to the district, with the district's days
    case = run_on_commit(simulation.decide, case, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.PASS)
    assert (case.status, case.waiting_level, task_names(case)) == (Status.ACCEPTED, ReviewLevel.DISTRICT, ["district_review"])
    assert reload(case).deadline == days(10)
    # and the earlier case still goes to the town
    four_levels = simulation.decide(four_levels, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.PASS)
    assert (four_levels.waiting_level, task_names(four_levels)) == (ReviewLevel.TOWN, ["town_review"])
    assert_consistent()

    # and the town cannot review it
    with pytest.raises(TransitionForbidden):
        case_services.application_decide(
            application=case, by=staff.town[community.parent_id], level=ReviewLevel.TOWN, decision=Decision.PASS, opinion="同意"
        )

    # a correction asked by the district comes back to the district
    case = simulation.return_and_correct(case, staff.district_reviewer, ReviewLevel.DISTRICT, applicant)
    assert (case.status, task_names(case)) == (Status.ACCEPTED, ["district_review"])
    assert_consistent()

    # and district review and approval finish it
    case = run_on_commit(simulation.decide, case, staff.district_reviewer, ReviewLevel.DISTRICT, Decision.PASS)
    assert (case.status, task_names(case)) == (Status.DISTRICT_REVIEWED, ["approve"])
    case = run_on_commit(simulation.decide, case, staff.approver, ReviewLevel.APPROVAL, Decision.PASS)
    assert (case.status, task_names(case)) == (Status.DISTRICT_APPROVED, ["await_publicity"])
    assert list(AuditEntry.objects.filter(application=case).values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "accepted",
        "returned_for_correction",
        "accepted",
        "district_reviewed",
        "district_approved",
    ]
    assert list(ReviewOpinion.objects.filter(application=case).values_list("level", "decision")) == [
        (ReviewLevel.COMMUNITY, Decision.PASS),
        (ReviewLevel.DISTRICT, Decision.RETURN),
        (ReviewLevel.DISTRICT, Decision.PASS),
        (ReviewLevel.APPROVAL, Decision.PASS),
    ]
    assert_consistent()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"review_levels": [ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL]},
            "only the town level may be left out",
        ),
        ({"review_levels": [ReviewLevel.COMMUNITY, ReviewLevel.APPROVAL, ReviewLevel.DISTRICT]}, "in the order"),
        ({"review_levels": [ReviewLevel.COMMUNITY, "province", ReviewLevel.DISTRICT]}, "Unknown review levels: province"),
        ({"required_documents": ["id_card", "horoscope"]}, "Unknown document kinds: horoscope"),
        ({"min_amount": Decimal("50000")}, "may not exceed the cap"),
        ({"level_days": {"community": 0}}, "at least 1"),
        ({"publicity_days": 0}, "at least one working day"),
        ({"amount_rule": {"amounts": {}}}, "needs a type"),
    ],
)
def test_rules_that_fail_validation_are_refused_and_nothing_is_recorded(programme, administrator, fields, message):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        programme_rules_change(programme=programme, by=administrator, **fields)

    assert any(message in detail for detail in refused.value.details), refused.value.details
    programme.refresh_from_db()
    assert (programme.rules_versions.count(), programme.current_rules.number) == (1, 1)


def test_only_an_administrator_changes_rules_and_an_unchanged_save_records_no_version(programme, administrator, staff):
    with pytest.raises(PermissionDenied):
        programme_rules_change(programme=programme, by=staff.approver, max_amount=Decimal("1000"))

    current = programme_rules_change(programme=programme, by=administrator, max_amount=Decimal("30000"), publicity_days=5)

    assert (current.number, programme.rules_versions.count()) == (1, 1)


def test_a_version_is_never_edited_nor_deleted(programme):
    version = programme.current_rules
    version.max_amount = Decimal("1")

    with pytest.raises(ValueError, match="immutable"):
        version.save()
    with pytest.raises(ValueError, match="stays on record"):
        version.delete()
    assert ProgrammeRules.objects.get(pk=version.pk).max_amount == Decimal("30000")
