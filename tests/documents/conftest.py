import datetime as dt

import pytest
from django.utils import timezone

from tests.lifecycle import filed
from workflows.engine import simulation
from workflows.engine import steps as flow_services


@pytest.fixture
def paid_case(programme, staff, community, rng, envelope, run_on_commit):
    """A start-up subsidy case driven through every step to payment, with every after-commit document issued."""
    application, applicant = filed(programme=programme, community=community, rng=rng)
    application = run_on_commit(flow_services.case_submit, application=application, by=applicant)
    from cases.constants import Decision, ReviewLevel

    for level, user in (
        (ReviewLevel.COMMUNITY, staff.community[community.pk]),
        (ReviewLevel.TOWN, staff.town[community.parent_id]),
        (ReviewLevel.DISTRICT, staff.district_reviewer),
        (ReviewLevel.APPROVAL, staff.approver),
    ):
        application = run_on_commit(simulation.decide, application, user, level, Decision.PASS)
    batch = run_on_commit(
        flow_services.publicity_publish,
        programme=programme,
        applications=[application],
        by=staff.approver,
        starts_on=timezone.localdate(),
    )
    run_on_commit(flow_services.publicity_close_due, today=batch.ends_on + dt.timedelta(days=1))
    run_on_commit(simulation.pay, programme, [application], staff, set(), rng)
    application.refresh_from_db()
    return application, applicant
