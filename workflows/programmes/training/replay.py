"""The training subsidy's part of `replay_report`: designated providers hold the year's SYB classes in its first
five months (each filed and approved before it starts, its roster after it, every trainee certified), claim
within the window, the claims settle when the business window ends, the district reviews and approves them in
December; publicity and payment follow. The class sizes are drawn and the last ones adjusted so the trainees
claimed for are the report's; the report gives no amount (each trainee is paid by the rule: in full or the share)."""

import datetime as dt
from decimal import Decimal

from cases.models import Application, Programme
from cases.models.training import TrainingClaim
from cases.services import training as training_services
from cases.synthetic import person_name
from workflows.engine import identities
from workflows.engine import steps as flow_services
from workflows.engine.replay import Replay, counts_exact, on, publish_and_pay, working_day
from workflows.engine.replay_targets import Target
from workflows.programmes.training import actions
from workflows.programmes.training.simulation import CLASSES_PER_PROVIDER, _csv, _providers, class_approved

SMALLEST, LARGEST = 10, 40


def replay(*, replay: Replay, target: Target) -> list[Application]:
    programme = Programme.objects.get(code=target.code)
    rng, staff = replay.rng, replay.staff
    classes = target.sizes.get("classes", 1)
    replay.envelope_at_least(programme, Decimal(programme.current_rules.amount_rule["amount_per_trainee"]) * target.count)
    sizes = counts_exact(rng, count=classes, total=target.count, low=SMALLEST, high=LARGEST)
    with on(working_day(replay.day(1, 4))):
        providers = _providers(rng, max(1, -(-classes // CLASSES_PER_PROVIDER)), replay.communities, staff.approver)
    claims = []
    for index, size in enumerate(sizes):
        provider, provider_user = providers[index % len(providers)]
        claims.append(_class(replay, programme, provider, provider_user, size))
    with on(working_day(replay.day(12, 1))):
        actions.claims_settle_due()
    approved = []
    with on(working_day(replay.day(12, 3))):
        for claim in TrainingClaim.objects.filter(pk__in=[c.pk for c in claims]).select_related("application"):
            task = flow_services.open_task(application=claim.application, name="district_review")
            application = actions.task_claim_review(task_id=task.pk, by=staff.district_reviewer, passed=True, opinion="经审核")
            task = flow_services.open_task(application=application, name="approve")
            approved.append(actions.task_claim_approve(task_id=task.pk, by=staff.approver, opinion="同意"))
    publish_and_pay(replay, programme, approved, replay.day(12, 8))
    return approved


def _class(replay: Replay, programme: Programme, provider, provider_user, size: int) -> TrainingClaim:
    rng, reviewer = replay.rng, replay.staff.district_reviewer
    starts_on = working_day(replay.day(1, 18) + dt.timedelta(days=rng.randrange(0, 120)))
    training_class = class_approved(
        rng=rng,
        programme=programme,
        provider=provider,
        provider_user=provider_user,
        reviewer=reviewer,
        starts_on=starts_on,
        capacity=size,
        clock=on,
    )
    ends_on = training_class.ends_on
    people = [
        [identities.citizen_id(rng, born=dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(25 * 365))), person_name(rng)]
        for _ in range(size)
    ]
    with on(ends_on + dt.timedelta(days=1)):
        training_services.roster_file(
            training_class=training_class,
            content=_csv([[*p, str(rng.randrange(80, 101))] for p in people]),
            filename="roster.csv",
            by=provider_user,
        )
    with on(ends_on + dt.timedelta(days=3)):
        training_services.exam_results_record(
            training_class=training_class, passed_lines=[n + 2 for n in range(size)], by=provider_user
        )
    with on(ends_on + dt.timedelta(days=rng.randrange(5, 30))):
        return training_services.claim_file(training_class=training_class, by=provider_user)
