"""The start-up programme's part of the demo's work in progress (seed_demo)."""

import datetime as dt

from django.utils import timezone

from cases.constants import Decision, ReviewLevel
from cases.models import Application, BankFileLayout, Programme, User
from workflows.engine import steps as flow_services
from workflows.engine.demo_work import Demo, filed_on
from workflows.engine.simulation import decide


def demo_work(demo: Demo) -> None:
    """Start-up cases at every level, one back with the demo applicant, one in publicity, a batch for finance."""
    programme = Programme.objects.get(code="startup")
    if not programme.active:
        return
    levels = [ReviewLevel.COMMUNITY, ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL]
    # waiting at the community: two filed today, one with one working day left, one overdue by a day
    for _ in range(2):
        demo.submitted(programme)
    demo.submitted(programme, on=filed_on(programme=programme, working_days_left=1))
    demo.submitted(programme, on=filed_on(programme=programme, working_days_left=-1))
    demo.counts["start-up cases at the community"] += 4
    # at the town, at the district, at approval
    for waiting_at, count in ((1, 3), (2, 2), (3, 2)):
        for _ in range(count):
            demo.through(demo.submitted(programme), levels[:waiting_at])
        demo.counts[f"start-up cases at {levels[waiting_at]}"] += count
    # the demo applicant's own case, returned by the town for correction
    applicant = User.objects.get(username="applicant")
    case = demo.through(demo.submitted(programme, applicant_user=applicant, name="张三"), levels[:1])
    decide(
        case,
        demo.staff.town[case.org_unit.parent_id],
        ReviewLevel.TOWN,
        Decision.RETURN,
        items=[{"kind": "lease", "message": "租赁合同已过期，请上传有效期内的经营场所租赁合同。"}],
    )
    demo.counts["start-up cases returned for correction"] += 1
    # approved: one in publicity now; three whose publicity ended, two of them in a batch awaiting the checker
    in_publicity = demo.through(demo.submitted(programme), levels)
    flow_services.publicity_publish(
        programme=programme, applications=[in_publicity], by=demo.staff.approver, starts_on=timezone.localdate()
    )
    demo.counts["start-up cases in publicity"] += 1
    approved = [demo.through(demo.submitted(programme), levels) for _ in range(3)]
    batch = flow_services.publicity_publish(
        programme=programme, applications=approved, by=demo.staff.approver, starts_on=timezone.localdate() - dt.timedelta(days=30)
    )
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))
    payable = [Application.objects.get(pk=a.pk) for a in approved]
    flow_services.payment_batch_prepare(
        programme=programme,
        applications=payable[:2],
        by=demo.staff.finance_maker,
        layout=BankFileLayout.objects.get(code="yhrcb"),
        criteria={"programme": programme.code},
    )
    demo.counts["start-up cases payable"] += 1
    demo.counts["payment batches awaiting approval"] += 1
