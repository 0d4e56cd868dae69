"""A claim from submission to payment and clawback, through the programme's actions and the common publicity and
payment steps. The year's standard (tests.cases.services.social_insurance.given): a person-month pays at most
4,462.00 x 26 % = 1,160.12."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import PROCESS

from cases import crypto
from cases.constants import Status
from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden
from cases.models import Application, Clawback, PaymentLine
from cases.models.social_insurance import EntitlementStatus, PersonMonthEntitlement, RowDecision, SocialInsuranceClaim
from cases.services.social_insurance import review, roster_submit, settlement, social_insurance_claim_open
from cases.services.social_insurance.review import BankAccount
from documents.models import Document
from tests.auth import sign_in
from tests.cases.services.social_insurance.given import ABOVE_CAP, AT_MINIMUM, BELOW_CAP, citizen_id, employer, paid, roster
from tests.documents.pdf import pdf_flat_text
from tests.lifecycle import task_names
from workflows.engine import claims, simulation
from workflows.engine import steps as flow_services
from workflows.engine.consistency import check_all
from workflows.programmes.social_insurance import actions

pytestmark = pytest.mark.django_db

Q1 = ["202601", "202602", "202603"]
WANG = citizen_id("19900101", "001")  # at the minimum base: 3 x 1,160.12 = 3,480.36
# base 6,000: the employer paid 1,560.00 a month (3 x 1,560.00 = 4,680.00 on the roster), capped at 1,160.12:
# 3 x 1,160.12 = 3,480.36
LI = citizen_id("19850315", "013")
ZHAO = citizen_id("19920621", "023")  # medical at 9 %: 1,137.81 a month: 3 x 1,137.81 = 3,413.43
SUN = citizen_id("19880808", "031")  # at the minimum base: 3,480.36


def row(person: str, name: str, amount: str, months: str = "2026-01~2026-03") -> list[str]:
    return [person, name, "就业困难人员", "2026-01-01", "2027-12-31", months, amount, "", ""]


def bank(payer) -> BankAccount:
    return BankAccount("中国工商银行余杭支行", payer.name, "6222021202001234567")


def submit(programme, payer, rows, *, community, only_valid_rows=False) -> SocialInsuranceClaim:
    claim = social_insurance_claim_open(employer=payer, programme=programme, year=2026, quarter=1, by=payer.user)
    roster_submit(
        claim=claim,
        content=roster(rows),
        filename="roster.csv",
        by=payer.user,
        org_unit=community,
        bank=bank(payer),
        only_valid_rows=only_valid_rows,
    )
    return SocialInsuranceClaim.objects.select_related("application").get(pk=claim.pk)


def task_id(application: Application, name: str) -> int:
    return flow_services.open_task(application=Application.objects.get(pk=application.pk), name=name).pk


def case(claim: SocialInsuranceClaim) -> Application:
    return Application.objects.select_related("process").get(pk=claim.application_id)


def decisions(claim) -> list[tuple[int, str, str, str]]:
    return list(claim.roster_rows.order_by("line").values_list("line", "town_decision", "district_decision", "refusal_reason"))


def review_through(claim, staff, community, *, town_refuse=None, district_refuse=None):
    """Town: the listed lines refused, the rest approved at once; district likewise; then the approver."""
    application = case(claim)
    town = staff.town[community.parent_id]
    if town_refuse:
        actions.task_rows_decide(task_id=task_id(application, "town_review"), by=town, refuse=town_refuse)
    actions.task_rows_decide_remaining(task_id=task_id(application, "town_review"), by=town, decision=RowDecision.APPROVED)
    actions.task_level_complete(task_id=task_id(application, "town_review"), by=town, opinion="同意")
    reviewer = staff.district_reviewer
    if district_refuse:
        actions.task_rows_decide(task_id=task_id(application, "district_review"), by=reviewer, refuse=district_refuse)
    actions.task_rows_decide_remaining(
        task_id=task_id(application, "district_review"), by=reviewer, decision=RowDecision.APPROVED
    )
    actions.task_level_complete(task_id=task_id(application, "district_review"), by=reviewer, opinion="同意")
    return actions.task_claim_approve(task_id=task_id(application, "approve"), by=staff.approver, opinion="同意拨付")


def publish_and_pass(programme, staff, applications):
    batch = flow_services.publicity_publish(
        programme=programme, applications=applications, by=staff.approver, starts_on=timezone.localdate()
    )
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))
    return batch


def paid_sum(**filters) -> Decimal:
    return sum(
        PersonMonthEntitlement.objects.filter(status=EntitlementStatus.PAID, **filters).values_list("amount", flat=True),
        Decimal("0"),
    )


def test_a_claim_through_town_and_district_review_with_refused_rows_publicity_and_payment(
    si_programme, bureau_user, staff, community, rng, run_on_commit, client
):
    payer = employer(1)
    for person, amounts in ((WANG, AT_MINIMUM), (LI, ABOVE_CAP), (ZHAO, BELOW_CAP), (SUN, AT_MINIMUM)):
        paid(person, payer, Q1, amounts, by=bureau_user)
    rows = [row(WANG, "王伟", "3480.36"), row(LI, "李娜", "4680.00"), row(ZHAO, "赵敏", "3413.43"), row(SUN, "孙强", "3480.36")]

    # submission opens the case, accepted at once, and starts the flow at the town review
    claim = run_on_commit(submit, si_programme, payer, rows, community=community)
    application = case(claim)
    # claimed, each month capped: 3,480.36 + 3,480.36 + 3,413.43 + 3,480.36 = 13,854.51
    assert (application.status, application.requested_amount) == (Status.ACCEPTED, Decimal("13854.51"))
    assert task_names(application) == ["town_review"]

    # the town refuses 赵敏 (line 4) and approves the rest at once; the district refuses 孙强 (line 5)
    town = staff.town[community.parent_id]
    with pytest.raises(DomainError) as refusal:
        actions.task_rows_decide(task_id=task_id(application, "town_review"), by=town, refuse={4: " "})
    assert str(refusal.value.message) == "不予通过的行须写明理由。"
    with pytest.raises(DomainError) as refusal:
        actions.task_level_complete(task_id=task_id(application, "town_review"), by=town, opinion="同意")
    assert str(refusal.value.message) == "还有4行未作决定。"
    with pytest.raises(PermissionDenied):
        actions.task_rows_decide(task_id=task_id(application, "town_review"), by=staff.district_reviewer, approve=[2])
    run_on_commit(
        review_through,
        claim,
        staff,
        community,
        town_refuse={4: "非登记失业人员"},
        district_refuse={5: "劳动合同未备案"},
    )
    application = case(claim)
    assert decisions(claim) == [
        (2, "approved", "approved", ""),
        (3, "approved", "approved", ""),
        (4, "refused", "pending", "非登记失业人员"),
        (5, "approved", "refused", "劳动合同未备案"),
    ]
    # approved: 王伟 3,480.36 + 李娜 3,480.36 = 6,960.72; the refused rows' months left the ledger
    assert (application.status, application.approved_amount) == (Status.DISTRICT_APPROVED, Decimal("6960.72"))
    assert PersonMonthEntitlement.objects.filter(status=EntitlementStatus.APPROVED).count() == 6
    assert not PersonMonthEntitlement.objects.filter(person_digest__in=[crypto.lookup_digest(p) for p in (ZHAO, SUN)]).exists()
    assert task_names(application) == ["await_publicity"]

    # publicity of the approved rows: masked ID, name, employer, months, amount
    batch = run_on_commit(publish_and_pass, si_programme, staff, [application])
    assert case(claim).status == Status.PUBLICITY_PASSED
    published = review.publicity_batch_rows(batch=batch)
    assert [(r.masked_id, r.name, r.employer, r.months, r.month_count, r.amount) for r in published] == [
        (f"330110********{WANG[14:]}", "王*", payer.name, "2026-01~2026-03", 3, Decimal("3480.36")),
        (f"330110********{LI[14:]}", "李*", payer.name, "2026-01~2026-03", 3, Decimal("3480.36")),
    ]

    # on the public board and in the list's PDF, the refused people nowhere
    page = client.get(reverse("portal:publicity_batch", args=[batch.number])).content.decode()
    listed = pdf_flat_text(Document.objects.get(publicity_batch=batch).file.read())
    for text in (page, listed):
        assert f"330110********{WANG[14:]}" in text and f"330110********{LI[14:]}" in text and "2026-01~2026-03" in text
        assert ZHAO[14:] not in text and SUN[14:] not in text and "赵" not in text and "孙" not in text

    # payment through a finance batch: the line pays exactly the approved person-months
    run_on_commit(simulation.pay, si_programme, [application], staff, set(), rng)
    application = case(claim)
    line = PaymentLine.objects.get(application=application)
    assert (application.status, application.process.status) == (Status.CLOSED, PROCESS.DONE)
    # 6 person-months: 6 x 1,160.12 = 6,960.72
    assert line.amount == paid_sum() == Decimal("6960.72")
    assert set(PersonMonthEntitlement.objects.values_list("status", "payment_line")) == {(EntitlementStatus.PAID, line.pk)}
    assert line.key == f"{application.number}/1/1"
    kinds = sorted(Document.objects.filter(application=application).values_list("kind", flat=True))
    assert kinds == ["acceptance_notice", "approval_decision", "payment_notice", "review_opinion", "review_opinion"]
    assert {k: v for k, v in check_all().items() if v} == {}


def test_a_reversal_becomes_a_clawback_of_exactly_the_affected_months(
    si_programme, bureau_user, staff, community, rng, run_on_commit
):
    payer = employer(1)
    paid(WANG, payer, Q1, AT_MINIMUM, by=bureau_user)
    paid(LI, payer, Q1, ABOVE_CAP, by=bureau_user)
    claim = submit(si_programme, payer, [row(WANG, "王伟", "3480.36"), row(LI, "李娜", "4680.00")], community=community)
    review_through(claim, staff, community)
    application = case(claim)
    publish_and_pass(si_programme, staff, [application])
    simulation.pay(si_programme, [application], staff, set(), rng)
    assert paid_sum() == Decimal("6960.72")  # 6 x 1,160.12

    # the agency's later file reverses 李娜's February and March (退保)
    counts = paid(LI, payer, ["202602", "202603"], ABOVE_CAP, by=bureau_user, reversal="1")
    assert counts["reversed"] == 2
    clawbacks = actions.reversal_clawbacks_raise(by=staff.approver)
    # 2 months x 1,160.12 (the ledger's amounts, not the 1,560.00 contributed) = 2,320.24
    assert [(c.application_id, c.amount) for c in clawbacks] == [(application.pk, Decimal("2320.24"))]
    recovered = PersonMonthEntitlement.objects.filter(status=EntitlementStatus.RECOVERED).order_by("month")
    assert [(m.person_digest, m.month, m.clawback_id) for m in recovered] == [
        (crypto.lookup_digest(LI), dt.date(2026, 2, 1), clawbacks[0].pk),
        (crypto.lookup_digest(LI), dt.date(2026, 3, 1), clawbacks[0].pk),
    ]
    # still paid: 6,960.72 - 2,320.24 = 4,640.48 (王伟's three months and 李娜's January)
    assert paid_sum() == Decimal("4640.48")
    assert case(claim).status == Status.CLAWBACK
    assert application.audit_entries.filter(action="clawback_opened").count() == 1
    # run again after the next file: nothing is recovered twice
    assert actions.reversal_clawbacks_raise(by=staff.approver) == []

    # an ineligibility found later: 王伟's March; a second clawback on the case under clawback, 1,160.12
    wang = claim.roster_rows.get(line=2)
    with pytest.raises(PermissionDenied):
        settlement.ineligible_months_recover(
            row=wang, months=[dt.date(2026, 3, 1)], by=staff.district_reviewer, reason="重复享受"
        )
    later = settlement.ineligible_months_recover(row=wang, months=[dt.date(2026, 3, 1)], by=staff.approver, reason="重复享受")
    assert [c.amount for c in later] == [Decimal("1160.12")]
    # recovered in all: 2,320.24 + 1,160.12 = 3,480.36; paid still: 4,640.48 - 1,160.12 = 3,480.36
    assert sum(Clawback.objects.values_list("amount", flat=True), Decimal("0")) == Decimal("3480.36")
    assert paid_sum() == Decimal("3480.36")
    assert {k: v for k, v in check_all().items() if v} == {}


def test_a_month_claimed_by_two_employers_is_paid_once(si_programme, bureau_user, staff, community, rng):
    # both employers show contributions for 王伟 in January to March
    first, second = employer(1), employer(2)
    for payer in (first, second):
        paid(WANG, payer, Q1, AT_MINIMUM, by=bureau_user)
    paid(LI, first, Q1, ABOVE_CAP, by=bureau_user)
    claim_a = submit(si_programme, first, [row(WANG, "王伟", "3480.36"), row(LI, "李娜", "4680.00")], community=community)
    # the second employer's roster for the same months is refused while the first holds them
    claim_b = social_insurance_claim_open(employer=second, programme=si_programme, year=2026, quarter=1, by=second.user)
    with pytest.raises(DomainError):
        roster_submit(claim=claim_b, content=roster([row(WANG, "王伟", "3480.36")]), filename="b.csv", by=second.user)
    # the town refuses 王伟 on the first claim (he worked for the second employer): his months leave the ledger
    review_through(claim_a, staff, community, town_refuse={2: "实际用工单位为其他单位"})
    claim_b = submit(si_programme, second, [row(WANG, "王伟", "3480.36")], community=community)
    review_through(claim_b, staff, community)
    applications = [case(claim_a), case(claim_b)]
    publish_and_pass(si_programme, staff, applications)
    simulation.pay(si_programme, applications, staff, set(), rng)

    # each person-month once in the ledger, paid to one employer
    wang = PersonMonthEntitlement.objects.filter(person_digest=crypto.lookup_digest(WANG))
    assert list(wang.values_list("month", "employer_id", "status")) == [
        (dt.date(2026, month, 1), second.pk, EntitlementStatus.PAID) for month in (1, 2, 3)
    ]
    # paid: first 李娜 3 x 1,160.12 (capped) = 3,480.36; second 王伟 3,480.36; in all 6,960.72 = the two lines
    lines = PaymentLine.objects.order_by("application_id")
    assert [line.amount for line in lines] == [Decimal("3480.36"), Decimal("3480.36")]
    assert paid_sum() == sum(line.amount for line in lines) == Decimal("6960.72")
    # a second confirmation of the same line pays nothing more
    with pytest.raises(DomainError):
        settlement.claim_paid(application=applications[0], line=lines[0])
    assert {k: v for k, v in check_all().items() if v} == {}
    # the ledger check sees a month paid on a line that does not pay it
    PersonMonthEntitlement.objects.filter(person_digest=crypto.lookup_digest(LI), month=dt.date(2026, 1, 1)).update(
        payment_line=lines[1]
    )
    assert check_all()["social_insurance_ledger"] == [
        f"payment line {lines[0].key}: 3480.36 paid != 2320.24 in its person-months",
        f"payment line {lines[1].key}: 3480.36 paid != 4640.48 in its person-months",
    ]


def test_the_town_reviewer_decides_rows_on_the_task_page(si_programme, bureau_user, staff, community, client):
    payer = employer(1)
    paid(WANG, payer, Q1, AT_MINIMUM, by=bureau_user)
    paid(SUN, payer, Q1, AT_MINIMUM, by=bureau_user)
    claim = submit(si_programme, payer, [row(WANG, "王伟", "3480.36"), row(SUN, "孙强", "3480.36")], community=community)
    task = flow_services.open_task(application=case(claim), name="town_review")
    url = f"/socialinsurance/{task.process_id}/town_review/{task.pk}/execute/"
    sign_in(client, staff.town[community.parent_id])
    page = client.get(url)
    assert page.status_code == 200
    assert "王伟" in page.content.decode() and "孙强" in page.content.decode()

    # a bad line list: the form says so, nothing changed
    response = client.post(url, {"action": "rows", "refuse_lines": "3，x", "reason": "未实际就业"})
    assert response.status_code == 200 and "请填写行号，以逗号分隔。" in response.content.decode()
    client.post(url, {"action": "rows", "refuse_lines": "3", "reason": "未实际就业"})
    client.post(url, {"action": "remaining", "remaining": "approved"})
    response = client.post(url, {"action": "complete", "opinion": "同意"})
    assert response.status_code == 302
    assert decisions(claim) == [(2, "approved", "pending", ""), (3, "refused", "pending", "未实际就业")]
    assert task_names(case(claim)) == ["district_review"]


def test_the_common_decision_and_the_queues_bulk_pass_refuse_a_claim(si_programme, bureau_user, staff, community):
    # a claim is decided row by row on its task page; one decision on the whole case would approve unseen rows
    payer = employer(1)
    paid(WANG, payer, Q1, AT_MINIMUM, by=bureau_user)
    claim = submit(si_programme, payer, [row(WANG, "王伟", "3480.36")], community=community)
    task = flow_services.open_task(application=case(claim), name="town_review")
    town = staff.town[community.parent_id]
    with pytest.raises(TransitionForbidden) as refused:
        flow_services.task_decide(task_id=task.pk, by=town, decision="pass", opinion="同意")
    assert str(refused.value.message) == "此类案件须在其任务页面逐行审核，不能对整件作出一个决定。"
    [outcome] = claims.tasks_pass(task_ids=[task.pk], by=town, opinion="同意")
    assert (outcome.done, outcome.reason) == (False, "此类案件须在其任务页面逐行审核，不能对整件作出一个决定。")
    assert decisions(claim) == [(2, "pending", "pending", "")]
    assert task_names(case(claim)) == ["town_review"] and case(claim).status == Status.ACCEPTED


def test_an_objection_upheld_after_approval_gives_back_exactly_the_claims_person_months(
    si_programme, bureau_user, staff, community
):
    first, second, third = employer(1), employer(2), employer(3)
    for person, amounts in ((WANG, AT_MINIMUM), (LI, ABOVE_CAP), (SUN, AT_MINIMUM)):
        paid(person, first, Q1, amounts, by=bureau_user)
    paid(ZHAO, second, Q1, BELOW_CAP, by=bureau_user)
    paid(WANG, third, Q1, AT_MINIMUM, by=bureau_user)
    rows = [row(WANG, "王伟", "3480.36"), row(LI, "李娜", "4680.00"), row(SUN, "孙强", "3480.36")]
    claim_a = submit(si_programme, first, rows, community=community)
    claim_b = submit(si_programme, second, [row(ZHAO, "赵敏", "3413.43")], community=community)
    # the district refuses 孙强 on the first claim: his 3 months leave the ledger at once
    review_through(claim_a, staff, community, district_refuse={4: "劳动合同未备案"})
    review_through(claim_b, staff, community)
    # held: first 王伟 3 + 李娜 3 = 6 months x 1,160.12 = 6,960.72; second 赵敏 3 x 1,137.81 = 3,413.43
    assert (case(claim_a).approved_amount, case(claim_b).approved_amount) == (Decimal("6960.72"), Decimal("3413.43"))
    assert PersonMonthEntitlement.objects.count() == 9
    # while the first claim holds 王伟's months, a third employer's roster for them is refused
    claim_c = social_insurance_claim_open(employer=third, programme=si_programme, year=2026, quarter=1, by=third.user)
    with pytest.raises(DomainError):
        roster_submit(claim=claim_c, content=roster([row(WANG, "王伟", "3480.36")]), filename="c.csv", by=third.user)

    # publicity: an objection against the first claim, upheld after investigation
    batch = flow_services.publicity_publish(
        programme=si_programme, applications=[case(claim_a), case(claim_b)], by=staff.approver, starts_on=timezone.localdate()
    )
    flow_services.objection_record(
        application=case(claim_a), by=staff.approver, objector_name="匿名群众", objector_contact="12333", reason="未实际用工"
    )
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))
    investigation = flow_services.open_task(application=case(claim_a), name="investigate_objection")
    flow_services.task_objection_decide(task_id=investigation.pk, by=staff.approver, upheld=True, reason="经核查属实。")

    # the first claim is rejected and holds nothing; the second keeps exactly its 3 months, 3,413.43
    assert case(claim_a).status == Status.REJECTED and case(claim_b).status == Status.PUBLICITY_PASSED
    assert not review.claim_person_months(claim=claim_a).exists()
    held = PersonMonthEntitlement.objects.order_by("month")
    assert list(held.values_list("person_digest", "month", "status", "amount")) == [
        (crypto.lookup_digest(ZHAO), dt.date(2026, month, 1), EntitlementStatus.APPROVED, Decimal("1137.81"))
        for month in (1, 2, 3)
    ]
    released = case(claim_a).audit_entries.get(action="social_insurance:months_released")
    assert released.comment == "6个人月（6960.72元）已从台账释放"
    assert {k: v for k, v in check_all().items() if v} == {}

    # 王伟's months are free again: the third employer's roster for them is accepted
    claim_c = submit(si_programme, third, [row(WANG, "王伟", "3480.36")], community=community)
    assert case(claim_c).requested_amount == Decimal("3480.36")
    assert set(review.claim_person_months(claim=claim_c).values_list("month", flat=True)) == {
        dt.date(2026, month, 1) for month in (1, 2, 3)
    }
    # the ledger check sees a rejected claim still holding a month
    PersonMonthEntitlement.objects.filter(roster_row__claim=claim_c, month=dt.date(2026, 1, 1)).update(
        roster_row=claim_a.roster_rows.get(line=2)
    )
    assert check_all()["social_insurance_ledger"] == [
        f"claim {case(claim_a).number}: rejected but holds 1 person-months in the ledger"
    ]
