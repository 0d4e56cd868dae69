"""The household grant's part of `replay_report`: the report's households file (the applicant for itself) in the
first months of the year, pass every level (the district level decided by the federation), are published and
paid. The grant is the rule's fixed amount per household, so the report's total is the households times it: a
target that is not is refused before anything is filed."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from cases.models import Application, Programme
from workflows.engine import steps as flow_services
from workflows.engine.replay import Replay, on, publish_and_pay, working_day
from workflows.engine.replay_targets import ReplayRefused, Target
from workflows.engine.simulation import Plan, review_to_approval
from workflows.programmes.disabled.simulation import federation_staff, file_disabled_draft


def replay(*, replay: Replay, target: Target) -> list[Application]:
    programme = Programme.objects.get(code=target.code)
    grant = Decimal(programme.current_rules.amount_rule["amount"])
    if grant * target.count != target.total:
        raise ReplayRefused(
            _("%(count)s households at %(grant)s yuan each do not make %(total)s.")
            % {"count": target.count, "grant": grant, "total": target.total}
        )
    rng = replay.rng
    replay.envelope_at_least(programme, target.total)
    staff = federation_staff(replay.district)
    plans = []
    for _household in range(target.count):
        with on(working_day(replay.day(3, 1) + dt.timedelta(days=rng.randrange(0, 90)))):
            application, user, by = file_disabled_draft(rng=rng, programme=programme, community=replay.community(), staff=staff)
            application = flow_services.case_submit(application=application, by=by)
        plans.append(Plan(outcome="paid", application=application, applicant_user=user))
    with on(working_day(replay.day(6, 14))):
        for plan in plans:
            review_to_approval(plan, staff)
    approved = [Application.objects.get(pk=p.application.pk) for p in plans]
    publish_and_pay(replay, programme, approved, replay.day(6, 21))
    return approved
