"""Every path of the case lifecycle, driven by completing flow tasks through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from viewflow.workflow.status import PROCESS

from cases import services as case_services
from cases.constants import Decision, ReviewLevel, Status
from cases.demo import standard_layout
from cases.exceptions import TransitionForbidden
from cases.models import Application, AuditEntry, PaymentLine
from documents.models import Document
from tests.lifecycle import advance, filed, submitted, task_names
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.consistency import check_all

pytestmark = pytest.mark.django_db


def reload(application: Application) -> Application:
    return Application.objects.select_related("process", "org_unit").get(pk=application.pk)


def assert_consistent():
    assert {k: v for k, v in check_all().items() if v} == {}


def publish_and_pass(programme, staff, applications):
    batch = flow_services.publicity_publish(
        programme=programme, applications=applications, by=staff.approver, starts_on=timezone.localdate()
    )
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))
    return batch


def test_happy_path_from_filing_to_payment(programme, staff, community, rng, envelope, run_on_commit):
    # given a complete draft filed by the applicant
    application, applicant = filed(programme=programme, community=community, rng=rng)
    assert application.status == Status.DRAFT
    assert application.number.startswith(f"YH-CY-{timezone.localdate().year}-")

    # when it is submitted and every level passes it
    application = run_on_commit(flow_services.case_submit, application=application, by=applicant)
    assert task_names(application) == ["accept"]
    steps = [
        (ReviewLevel.COMMUNITY, staff.community[community.pk], Status.ACCEPTED, "town_review"),
        (ReviewLevel.TOWN, staff.town[community.parent_id], Status.TOWN_REVIEWED, "district_review"),
        (ReviewLevel.DISTRICT, staff.district_reviewer, Status.DISTRICT_REVIEWED, "approve"),
        (ReviewLevel.APPROVAL, staff.approver, Status.DISTRICT_APPROVED, "await_publicity"),
    ]
    for level, user, status, next_task in steps:
        application = run_on_commit(simulation.decide, application, user, level, Decision.PASS)
        assert application.status == status
        assert task_names(application) == [next_task]

    # then the money is committed
    envelope.refresh_from_db()
    assert envelope.committed == application.approved_amount == application.requested_amount

    # publicity passes, finance pays through a batch, the bank confirms
    run_on_commit(publish_and_pass, programme, staff, [application])
    assert reload(application).status == Status.PUBLICITY_PASSED
    assert task_names(application) == ["payment"]
    run_on_commit(simulation.pay, programme, [application], staff, set(), rng)

    application = reload(application)
    assert application.status == Status.CLOSED
    assert application.process.status == PROCESS.DONE
    assert task_names(application) == []
    envelope.refresh_from_db()
    assert (envelope.committed, envelope.paid) == (Decimal("0"), application.approved_amount)
    assert PaymentLine.objects.get(application=application).status == "paid"
    assert list(AuditEntry.objects.filter(application=application).values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "accepted",
        "town_reviewed",
        "district_reviewed",
        "district_approved",
        "in_publicity",
        "publicity_passed",
        "payment_pending",
        "paid",
        "closed",
    ]
    kinds = sorted(Document.objects.filter(application=application).values_list("kind", flat=True))
    assert kinds == [
        "acceptance_notice",
        "approval_decision",
        "payment_notice",
        "review_opinion",
        "review_opinion",
        "submission_receipt",
    ]
    assert Document.objects.filter(publicity_batch__isnull=False).count() == 1
    assert Document.objects.filter(payment_batch__isnull=False).count() == 1
    assert_consistent()


@pytest.mark.parametrize("level", [ReviewLevel.COMMUNITY, ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL])
def test_correction_pauses_the_clock_and_returns_to_the_same_level(level, programme, staff, community, rng, run_on_commit):
    application, applicant = submitted(programme=programme, community=community, rng=rng)
    order = [ReviewLevel.COMMUNITY, ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL]
    if level != ReviewLevel.COMMUNITY:
        application = advance(application, staff, through=order[order.index(level) - 1])
    waiting = application.status
    deadline = reload(application).deadline
    reviewer = {
        ReviewLevel.COMMUNITY: staff.community[community.pk],
        ReviewLevel.TOWN: staff.town[community.parent_id],
        ReviewLevel.DISTRICT: staff.district_reviewer,
        ReviewLevel.APPROVAL: staff.approver,
    }[level]
    items = [{"kind": "lease", "message": "租赁合同过期"}, {"kind": "", "message": "说明实际经营地址"}]

    application = run_on_commit(simulation.decide, application, reviewer, level, Decision.RETURN, items=items)

    assert application.status == Status.RETURNED_FOR_CORRECTION
    assert application.deadline is None
    from cases import calendar

    assert application.working_days_left == calendar.working_days_between(timezone.localdate(), deadline)
    assert task_names(application) == ["await_correction"]
    correction = application.corrections.get()
    assert correction.items == items and correction.level == level
    assert Document.objects.filter(application=application, kind="correction_notice").count() == 1

    # resubmitting without the new lease is refused and changes nothing
    with pytest.raises(case_services.applications.MissingDocuments):
        flow_services.case_resubmit(application=application, by=applicant)
    assert reload(application).status == Status.RETURNED_FOR_CORRECTION

    case_services.attachment_add(
        application=application,
        by=applicant,
        kind="lease",
        content=simulation.SAMPLE_PDF,
        name="lease.pdf",
    )
    application = flow_services.case_resubmit(application=application, by=applicant, answer="已补正")
    assert application.status == waiting
    assert application.deadline == calendar.add_working_days(timezone.localdate(), application_working_days(deadline))
    assert task_names(application) == [
        {
            ReviewLevel.COMMUNITY: "accept",
            ReviewLevel.TOWN: "town_review",
            ReviewLevel.DISTRICT: "district_review",
            ReviewLevel.APPROVAL: "approve",
        }[level]
    ]
    assert_consistent()


def application_working_days(deadline):
    from cases import calendar

    return calendar.working_days_between(timezone.localdate(), deadline)


@pytest.mark.parametrize("level", [ReviewLevel.COMMUNITY, ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL])
def test_rejection_at_each_level_ends_the_flow(level, programme, staff, community, rng, envelope, run_on_commit):
    application, _ = submitted(programme=programme, community=community, rng=rng)
    order = [ReviewLevel.COMMUNITY, ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL]
    if level != ReviewLevel.COMMUNITY:
        application = advance(application, staff, through=order[order.index(level) - 1])
    reviewer = {
        ReviewLevel.COMMUNITY: staff.community[community.pk],
        ReviewLevel.TOWN: staff.town[community.parent_id],
        ReviewLevel.DISTRICT: staff.district_reviewer,
        ReviewLevel.APPROVAL: staff.approver,
    }[level]

    application = run_on_commit(simulation.decide, application, reviewer, level, Decision.REJECT)

    application = reload(application)
    assert application.status == Status.REJECTED
    assert application.process.status == PROCESS.DONE
    assert task_names(application) == []
    assert Document.objects.filter(application=application, kind="refusal_notice").count() == 1
    envelope.refresh_from_db()
    assert envelope.committed == 0
    assert_consistent()


def test_withdrawal_from_draft_submitted_and_returned(programme, staff, community, rng):
    draft, applicant = filed(programme=programme, community=community, rng=rng)
    assert flow_services.case_withdraw(application=draft, by=applicant).status == Status.WITHDRAWN

    submitted_case, applicant2 = submitted(programme=programme, community=community, rng=rng)
    submitted_case = flow_services.case_withdraw(application=submitted_case, by=applicant2)
    assert reload(submitted_case).process.status == PROCESS.CANCELED

    returned, applicant3 = submitted(programme=programme, community=community, rng=rng)
    simulation.decide(
        returned,
        staff.community[community.pk],
        ReviewLevel.COMMUNITY,
        Decision.RETURN,
        items=[{"kind": "", "message": "补充说明"}],
    )
    returned = flow_services.case_withdraw(application=returned, by=applicant3)
    assert returned.status == Status.WITHDRAWN
    assert task_names(returned) == []

    accepted, applicant4 = submitted(programme=programme, community=community, rng=rng)
    accepted = advance(accepted, staff, through=ReviewLevel.COMMUNITY)
    with pytest.raises(case_services.applications.TransitionForbidden):
        flow_services.case_withdraw(application=accepted, by=applicant4)
    assert reload(accepted).status == Status.ACCEPTED
    assert_consistent()


@pytest.mark.parametrize("upheld", [True, False])
def test_objection_during_publicity(upheld, programme, staff, community, rng, envelope, run_on_commit):
    application, _ = submitted(programme=programme, community=community, rng=rng)
    application = advance(application, staff, through=ReviewLevel.APPROVAL)
    batch = flow_services.publicity_publish(
        programme=programme, applications=[application], by=staff.approver, starts_on=timezone.localdate()
    )
    assert reload(application).status == Status.IN_PUBLICITY
    assert task_names(application) == ["publicity"]

    flow_services.objection_record(
        application=application, by=staff.approver, objector_name="李四", objector_contact="12333", reason="未实际经营"
    )
    assert reload(application).status == Status.OBJECTION_RAISED
    assert task_names(application) == ["investigate_objection"]
    # the period ends while the objection is open: the case stays with the investigation
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))
    assert reload(application).status == Status.OBJECTION_RAISED

    task = flow_services.open_task(application=application)
    run_on_commit(flow_services.task_objection_decide, task_id=task.pk, by=staff.approver, upheld=upheld, reason="经核查")

    application = reload(application)
    envelope.refresh_from_db()
    if upheld:
        assert application.status == Status.REJECTED
        assert envelope.committed == 0
        assert task_names(application) == []
        assert Document.objects.filter(application=application, kind="refusal_notice").count() == 1
    else:
        assert application.status == Status.PUBLICITY_PASSED
        assert envelope.committed == application.approved_amount
        assert task_names(application) == ["payment"]
    assert_consistent()


def test_payment_returned_then_reissued_and_never_paid_twice(programme, staff, community, rng, envelope):
    application, applicant = submitted(programme=programme, community=community, rng=rng)
    application = advance(application, staff, through=ReviewLevel.APPROVAL)
    publish_and_pass(programme, staff, [application])

    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=[application], by=staff.finance_maker, layout=standard_layout()
    )
    flow_services.payment_batch_approve(batch=batch, by=staff.finance_checker)
    bank_file = case_services.payment_batch_export(batch=batch, by=staff.finance_maker)
    returns = simulation.bank_return_file(bank_file, {application.pk})
    counts = flow_services.payment_return_import(batch=batch, by=staff.finance_maker, content=returns)
    assert counts == {"paid": 0, "returned": 1, "unchanged": 0}
    assert reload(application).status == Status.PAYMENT_RETURNED
    assert task_names(application) == ["payment"]

    # the same return file again changes nothing
    assert flow_services.payment_return_import(batch=batch, by=staff.finance_maker, content=returns) == {
        "paid": 0,
        "returned": 0,
        "unchanged": 1,
    }

    # a returned case cannot join a batch before the account is corrected? It can: its line is no longer live.
    case_services.bank_account_correct(
        application=application, by=applicant, bank_name="建设银行", account_name="某某", account_number="6217000011112222333"
    )
    second = flow_services.payment_batch_prepare(
        programme=programme, applications=[application], by=staff.finance_maker, layout=standard_layout()
    )
    flow_services.payment_batch_approve(batch=second, by=staff.finance_checker)
    content = case_services.payment_batch_export(batch=second, by=staff.finance_maker)
    assert b"6217000011112222333" in content
    flow_services.payment_return_import(batch=second, by=staff.finance_maker, content=simulation.bank_return_file(content, set()))
    application = reload(application)
    assert application.status == Status.CLOSED
    assert PaymentLine.objects.filter(application=application, status="paid").count() == 1
    assert PaymentLine.objects.filter(application=application).count() == 2
    envelope.refresh_from_db()
    assert envelope.paid == application.approved_amount and envelope.committed == 0

    # a closed case can never join another batch
    with pytest.raises(TransitionForbidden):
        flow_services.payment_batch_prepare(
            programme=programme, applications=[application], by=staff.finance_maker, layout=standard_layout()
        )
    assert_consistent()


def test_clawback_returns_money_to_the_envelope(programme, staff, community, rng, envelope):
    application, _ = submitted(programme=programme, community=community, rng=rng)
    application = advance(application, staff, through=ReviewLevel.APPROVAL)
    publish_and_pass(programme, staff, [application])
    simulation.pay(programme, [application], staff, set(), rng)
    application = reload(application)

    clawback = case_services.clawback_open(
        application=application, by=staff.approver, amount=application.approved_amount, reason="虚报"
    )
    assert reload(application).status == Status.CLAWBACK
    case_services.clawback_recovered(clawback=clawback, by=staff.finance_maker)
    envelope.refresh_from_db()
    assert (envelope.committed, envelope.paid) == (Decimal("0"), Decimal("0"))
    assert_consistent()
