"""The loan programme's part of the demo's work in progress (seed_demo)."""

from django.utils import timezone

from cases.constants import ReviewLevel
from cases.demo import BANKS
from cases.models import Bank, Programme
from workflows.engine.demo_work import DEMO_PROFILE, Demo
from workflows.engine.simulation import DraftProfile
from workflows.programmes.loan import actions as loan_flow
from workflows.programmes.loan.simulation import LOAN_DRAFT


def demo_work(demo: Demo) -> None:
    """A loan case at the community and two qualified loans waiting for the demo bank officer's decision."""
    programme = Programme.objects.get(code="loan")
    if not programme.active:
        return
    profile = DraftProfile(**{**LOAN_DRAFT.__dict__, "username_prefix": DEMO_PROFILE.username_prefix})
    demo.submitted(programme, profile=profile)
    demo.counts["loan cases at the community"] += 1
    # qualified and sent to the demo bank officer's bank for its lending decision
    bank = Bank.objects.get(code=BANKS[0][0])
    for _ in range(2):
        application = demo.through(
            demo.submitted(programme, profile=profile),
            [ReviewLevel.COMMUNITY, ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL],
        )
        loan_flow.loan_certificate_issue(application=application, bank=bank, by=demo.staff.approver, today=timezone.localdate())
    demo.counts["loans awaiting the bank"] += 2
