"""Test helpers that move a case along by completing flow tasks through the services. Never set a status."""

import random

from cases.constants import Decision, ReviewLevel
from cases.models import Application, Programme, User
from workflows.engine import simulation
from workflows.engine import steps as flow_services


def filed(*, programme: Programme, community, rng: random.Random, officer: User | None = None) -> tuple[Application, User]:
    return simulation.file_draft(rng=rng, programme=programme, community=community, by_officer=officer)


def submitted(*, programme, community, rng) -> tuple[Application, User]:
    application, user = filed(programme=programme, community=community, rng=rng)
    return flow_services.case_submit(application=application, by=user), user


def advance(application: Application, staff: simulation.Staff, *, through: str) -> Application:
    """Pass every level up to and including `through`."""
    order = [ReviewLevel.COMMUNITY, ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL]
    users = {
        ReviewLevel.COMMUNITY: staff.community[application.org_unit_id],
        ReviewLevel.TOWN: staff.town[application.org_unit.parent_id],
        ReviewLevel.DISTRICT: staff.district_reviewer,
        ReviewLevel.APPROVAL: staff.approver,
    }
    for level in order[: order.index(through) + 1]:
        application = simulation.decide(application, users[level], level, Decision.PASS)
    return application


def task_names(application: Application) -> list[str]:
    task = flow_services.open_task(application=application)
    return [task.flow_task.name] if task else []
