"""The start-up subsidy's part of `replay_report`: the report's people file on days of the first half of the year,
pass every level, are published and paid; the amounts drawn within the year's cap and adjusted to the report's
total. The report's average (31,057 yuan) is above today's cap of 30,000: the cases are filed under a version of the
rules with the cap of that year (50,000), and the rules in force before are restored as the next version."""

import datetime as dt
from decimal import Decimal

from cases.models import Application, Programme
from workflows.engine import steps as flow_services
from workflows.engine.replay import Replay, amounts_exact, on, publish_and_pay, working_day
from workflows.engine.replay_targets import Target
from workflows.engine.simulation import Plan, file_draft, review_to_approval

YEAR_CAP = Decimal("50000")
LOWEST = Decimal("3000")


def replay(*, replay: Replay, target: Target) -> list[Application]:
    programme = Programme.objects.get(code=target.code)
    rng = replay.rng
    replay.envelope_at_least(programme, target.total)
    amounts = amounts_exact(rng, count=target.count, total=target.total, low=LOWEST, high=YEAR_CAP, step=Decimal("100"))
    plans = []
    with replay.rules(programme, max_amount=YEAR_CAP):
        for amount in amounts:
            with on(working_day(replay.day(2, 1) + dt.timedelta(days=rng.randrange(0, 90)))):
                community = replay.community()
                application, user = file_draft(rng=rng, programme=programme, community=community, amount=amount)
                application = flow_services.case_submit(application=application, by=user)
            plans.append(Plan(outcome="paid", application=application, applicant_user=user))
    with on(working_day(replay.day(5, 10))):
        for plan in plans:
            review_to_approval(plan, replay.staff)
    approved = [Application.objects.get(pk=p.application.pk) for p in plans]
    publish_and_pay(replay, programme, approved, replay.day(5, 17))
    return approved
