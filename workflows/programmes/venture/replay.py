"""The venture grant's part of `replay_report`: the report's enterprises file in one round of the second quarter,
pass the three levels, the panel is drawn and scores every project, the approver awards, publicity, payment. The
panel's tiers propose the amounts; the approver confirms them, and overrides (with the reason) the last ones as far
as the report's total asks, each within the programme's minimum and cap."""

import datetime as dt
from decimal import Decimal

from cases.constants import Role
from cases.models import Application, Programme, VentureRound
from cases.services import venture as venture_services
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.replay import Replay, adjusted_exact, on, publish_and_pay, working_day
from workflows.engine.replay_targets import Target
from workflows.programmes.venture import actions as venture_flow
from workflows.programmes.venture.simulation import _panel_score, _review, expert_pool, file_venture, open_round

OVERRIDE_REASON = "按本年度资助计划总额核定资助金额。"


def replay(*, replay: Replay, target: Target) -> list[Application]:
    programme = Programme.objects.get(code=target.code)
    rng, staff = replay.rng, replay.staff
    replay.envelope_at_least(programme, target.total)
    chair = simulation._staff_user("sim-panel-chair", Role.DISTRICT_REVIEWER, replay.district)
    pool = expert_pool(replay.district)
    opened = working_day(replay.day(4, 6))
    with on(opened):
        round_ = open_round(programme, by=staff.district_reviewer, chair=chair, today=opened)
    outcome_of = {}
    for _enterprise in range(target.count):
        with on(working_day(opened + dt.timedelta(days=rng.randrange(0, 20)))):
            application, user = file_venture(rng=rng, round_=round_, community=replay.community())
            application = flow_services.case_submit(application=application, by=user)
        with on(working_day(replay.day(5, 4))):
            _review(application, "paid", staff, user)
        outcome_of[application.pk] = "paid"
    with on(working_day(replay.day(5, 11))):
        _panel_score(round_=round_, pool=pool, outcome_of=outcome_of, staff=staff, chair=chair, rng=rng)
        venture_flow.venture_panel_close(round_=round_, by=chair)
    projects = list(venture_services.round_docket(round_=VentureRound.objects.get(pk=round_.pk)))
    proposed = [p.proposed_amount or Decimal("0") for p in projects]
    amounts = adjusted_exact(proposed, total=target.total, low=programme.min_amount, high=programme.max_amount)
    approved = []
    with on(working_day(replay.day(5, 18))):
        for project, amount in zip(projects, amounts, strict=True):
            task = flow_services.open_task(application=project.application, name="award")
            if amount == project.proposed_amount:
                venture_flow.venture_task_award(task_id=task.pk, by=staff.approver)
            else:
                venture_flow.venture_task_award(task_id=task.pk, by=staff.approver, amount=amount, reason=OVERRIDE_REASON)
            approved.append(Application.objects.get(pk=project.application_id))
    publish_and_pay(replay, programme, approved, replay.day(5, 25))
    return approved
