"""SYB training subsidy: the full-pay / share rule at the six-month boundary, one subsidised training per person,
the claim window, the minimum attendance, and the loan's training requirement read from the certificate register.
The calendar is in given.py."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.constants import Role, Status
from cases.exceptions import DomainError, InvalidImport, TransitionForbidden
from cases.models import Programme
from cases.models.training import ClaimRowOutcome, ClassStatus, Trainee, TrainingClaim
from cases.selectors import application_attachments
from cases.services import training
from cases.services.loans.rules import loan_eligibility_problems
from cases.services.programmes import programme_rules_change
from tests.cases.services.training import given
from tests.conftest import make_user
from workflows.engine import steps as flow_services
from workflows.engine.consistency import check_all
from workflows.engine.selectors import required_documents
from workflows.programmes.training import actions

pytestmark = pytest.mark.django_db

A = given.citizen_id(11)
B = given.citizen_id(13)
C = given.citizen_id(15)


def test_business_on_the_last_day_inside_pays_in_full_the_day_after_pays_the_share(
    training_programme, loan_programme, community, staff
):
    provider, agent = given.provider(1, community, staff.approver)
    training_class = given.class_held(
        provider, agent, training_programme, staff.district_reviewer, [(A, "王一", 100), (B, "王二", 90), (C, "王三", 80)]
    )
    with given.at(given.ENDS + dt.timedelta(days=10)):
        claim = training.claim_file(training_class=training_class, by=agent)
    assert claim.settles_on == given.LAST_DAY_INSIDE == dt.date(2026, 9, 25)
    # A registers a business on 2026-09-25, the last day inside the window; B on 2026-09-26, the day after; C never.
    given.business_registered(
        loan_programme, community, id_number=A, name="王一", on=given.LAST_DAY_INSIDE, filed=given.LAST_DAY_INSIDE
    )
    given.business_registered(loan_programme, community, id_number=B, name="王二", on=given.DAY_AFTER, filed=given.DAY_AFTER)
    with given.at(given.LAST_DAY_INSIDE):
        assert actions.claims_settle_due() == 0  # the window has not ended
    with given.at(given.DAY_AFTER):
        assert actions.claims_settle_due() == 1
        assert actions.claims_settle_due() == 0  # settled once
    claim.refresh_from_db()
    rows = {r.trainee.id_number: r for r in claim.rows.select_related("trainee")}
    # amount per trainee 1,000.00; share without a business 50 %:
    #   A: 1,000.00 (full)   B: 1,000.00 x 0.50 = 500.00   C: 1,000.00 x 0.50 = 500.00   total 2,000.00
    assert (rows[A].outcome, rows[A].business_started_on, rows[A].amount) == (
        ClaimRowOutcome.FULL,
        given.LAST_DAY_INSIDE,
        Decimal("1000.00"),
    )
    assert (rows[B].outcome, rows[B].business_started_on, rows[B].amount) == (ClaimRowOutcome.SHARE, None, Decimal("500.00"))
    assert (rows[C].outcome, rows[C].amount) == (ClaimRowOutcome.SHARE, Decimal("500.00"))
    assert claim.settled_amount == Decimal("2000.00")
    application = claim.application
    assert (application.status, application.requested_amount) == (Status.ACCEPTED, Decimal("2000.00"))
    assert application.bank_account_name == "示范培训学校1"

    with given.at(dt.date(2026, 9, 28)):
        task = flow_services.open_task(application=application, name="district_review")
        actions.task_claim_review(task_id=task.pk, by=staff.district_reviewer, passed=True, opinion="经审核")
        task = flow_services.open_task(application=application, name="approve")
        application = actions.task_claim_approve(task_id=task.pk, by=staff.approver, opinion="同意")
    assert (application.status, application.approved_amount) == (Status.DISTRICT_APPROVED, Decimal("2000.00"))
    assert check_all()["training"] == []


def test_one_subsidised_training_per_person_across_providers(training_programme, community, staff):
    first, first_agent = given.provider(1, community, staff.approver)
    second, second_agent = given.provider(2, community, staff.approver)
    earlier = given.class_held(first, first_agent, training_programme, staff.district_reviewer, [(A, "王一", 100)])
    later = given.class_filed(second, second_agent, training_programme)
    with given.at(given.APPROVED):
        training.class_decide(training_class=later, by=staff.district_reviewer, approve=True)
    with given.at(given.ENDS + dt.timedelta(days=1)), pytest.raises(InvalidImport) as refused:
        training.roster_file(
            training_class=later, content=given.roster_csv([(B, "王二", 95), (A, "王一", 95)]), filename="r.csv", by=second_agent
        )
    assert refused.value.details == [f"第 3 行：此人已参加过补贴的创业培训（班级 {earlier.number}），每人限一次"]
    later.refresh_from_db()
    assert later.status == ClassStatus.APPROVED
    assert Trainee.objects.filter(training_class=later).count() == 0  # nothing half-saved: B is not on it either


def test_attendance_below_the_minimum_refuses_the_roster_whole(training_programme, community, staff):
    provider, agent = given.provider(1, community, staff.approver)
    training_class = given.class_filed(provider, agent, training_programme)
    with given.at(given.APPROVED):
        training.class_decide(training_class=training_class, by=staff.district_reviewer, approve=True)
    content = given.roster_csv([(A, "王一", 80), (B, "王二", 79), ("330110199001010120", "王三", 90)])
    with given.at(given.ENDS + dt.timedelta(days=1)), pytest.raises(InvalidImport) as refused:
        training.roster_file(training_class=training_class, content=content, filename="r.csv", by=agent)
    assert refused.value.details == ["第 3 行：出勤率 79 % 低于本项目的最低要求 80 %", "第 4 行：身份证号码校验位不正确"]
    assert Trainee.objects.count() == 0
    # before the class's last day no roster is taken
    with given.at(given.ENDS), pytest.raises(TransitionForbidden):
        training.roster_file(
            training_class=training_class, content=given.roster_csv([(A, "王一", 80)]), filename="r.csv", by=agent
        )
    with given.at(given.ENDS + dt.timedelta(days=1)):
        training.roster_file(
            training_class=training_class, content=given.roster_csv([(A, "王一", 80)]), filename="r.csv", by=agent
        )
    assert Trainee.objects.get().attendance == 80


def test_a_claim_after_the_window_is_refused(training_programme, community, staff):
    provider, agent = given.provider(1, community, staff.approver)
    training_class = given.class_held(provider, agent, training_programme, staff.district_reviewer, [(A, "王一", 100)])
    with given.at(given.DAY_AFTER), pytest.raises(TransitionForbidden) as refused:
        training.claim_file(training_class=training_class, by=agent)
    assert refused.value.message == "该班级的申领期限已于 2026-09-25 届满，不再受理申领。"
    assert TrainingClaim.objects.count() == 0
    with given.at(given.LAST_DAY_INSIDE):
        claim = training.claim_file(training_class=training_class, by=agent)
    assert claim.rows.count() == 1


def test_a_class_is_filed_before_it_starts_and_approved_by_the_district(training_programme, community, staff):
    provider, agent = given.provider(1, community, staff.approver)
    with given.at(given.STARTS), pytest.raises(DomainError):
        training.class_file(
            provider=provider,
            programme=training_programme,
            plan="SYB",
            teacher="陈老师",
            starts_on=given.STARTS,
            ends_on=given.ENDS,
            place="中心",
            capacity=30,
            by=agent,
        )
    training_class = given.class_filed(provider, agent, training_programme)
    community_officer = staff.community[community.pk]
    with given.at(given.APPROVED), pytest.raises(DomainError):
        training.class_decide(training_class=training_class, by=community_officer, approve=True)
    with given.at(given.STARTS), pytest.raises(TransitionForbidden):
        training.class_decide(training_class=training_class, by=staff.district_reviewer, approve=True)


def test_the_loan_reads_a_certificate_of_the_training_programme(training_programme, loan_programme, community, staff):
    provider, agent = given.provider(1, community, staff.approver)
    training_class = given.class_held(
        provider, agent, training_programme, staff.district_reviewer, [(A, "王一", 100), (B, "王二", 100)]
    )
    certificates = {t.id_number: t.certificate.number for t in training_class.trainees.select_related("certificate")}
    assert certificates == {A: "SYB-2026-000001", B: "SYB-2026-000002"}
    admin = make_user("admin-rules", Role.ADMINISTRATOR, community.parent.parent)
    admin.is_superuser = True
    admin.save()
    rules = {**loan_programme.current_rules.eligibility_rules, "training_certificate_upload_accepted": False}
    programme_rules_change(programme=loan_programme, by=admin, eligibility_rules=rules)
    loan_programme = Programme.objects.get(pk=loan_programme.pk)

    with given.at(dt.date(2026, 4, 10)):
        holder = given.business_registered(
            loan_programme, community, id_number=A, name="王一", on=dt.date(2026, 4, 1), filed=dt.date(2026, 4, 10)
        )
        untrained = given.business_registered(
            loan_programme, community, id_number=C, name="王三", on=dt.date(2026, 4, 1), filed=dt.date(2026, 4, 10)
        )
    required = "该类别申请人须提供创业培训合格证书。"
    for application in (holder, untrained):
        application.category = "unemployed"  # a category the rules ask a training certificate of

    def problems(application):
        return loan_eligibility_problems(application=application, borrower_kind="individual", amount=Decimal("100000"))

    # the register holds A's certificate: no upload, no number needed; C has none and no upload counts now
    assert required not in problems(holder)
    assert training.certificate_cited(application=holder).number == certificates[A]
    assert required in problems(untrained)
    owner = untrained.applicant.user
    for forged in ("SYB-2026-999999", certificates[B]):  # unknown, and another person's
        with pytest.raises(DomainError) as refused:
            training.certificate_cite(application=untrained, number=forged, by=owner)
        assert refused.value.message == f"没有向该申请人颁发编号为 {forged} 的创业培训合格证书。"
    assert required in problems(untrained)
    # the holder cites the number (in lower case): the same certificate
    training.certificate_cite(application=holder, number=certificates[A].lower(), by=holder.applicant.user)
    assert training.certificate_cited(application=holder).number == certificates[A]

    # the reviewer's list of required documents reads the register as well: A's certificate counts without a file;
    # for C nothing counts (no certificate, and an upload would not count under these rules)
    def training_row(application):
        found = required_documents(application=application, attachments=list(application_attachments(application=application)))
        return [
            (r.certificate and r.certificate.number, r.file, r.upload_counts) for r in found if r.kind == "training_certificate"
        ]

    assert training_row(holder) == [(certificates[A], None, False)]
    assert training_row(untrained) == [(None, None, False)]
