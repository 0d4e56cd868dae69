"""A programme the project does not ship (tests/workflows/programmes/pilot, listed in tests/settings.py) runs a case
from filing to payment through the registry alone: the engine, the staff site and the consistency check find it
without a line of shared code naming it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from viewflow.workflow.fields import get_flow_ref
from viewflow.workflow.status import PROCESS

from cases.constants import Decision, ReviewLevel, Status
from cases.exceptions import DomainError
from cases.models import Application, BudgetEnvelope, PaymentLine, Programme, ProgrammeRules
from cases.models.programme import RULE_FIELDS
from tests.workflows.programmes.pilot import PILOT_CAP
from tests.workflows.programmes.pilot.flow import PilotFlow
from workflows.engine import simulation
from workflows.engine import steps as flow_services
from workflows.engine.consistency import check_all
from workflows.engine.graph import ReviewGraph
from workflows.engine.registry import Programme as ProgrammeEntry
from workflows.engine.registry import Registry, registry


@pytest.fixture
def pilot(programme) -> Programme:
    """The pilot's record: the start-up programme's rules under the kind `pilot`, with its own envelope."""
    # (written directly: `pilot` is a kind the shipped programme choices do not list, and the test adds it alone)
    pilot = Programme.objects.create(code="pilot", name="试点补贴", kind="pilot", case_prefix="PL")
    rules = {field: getattr(programme.current_rules, field) for field in RULE_FIELDS}
    pilot.current_rules = ProgrammeRules.objects.create(programme=pilot, number=1, **rules)
    pilot.save(update_fields=["current_rules"])
    BudgetEnvelope.objects.create(programme=pilot, year=timezone.localdate().year, amount=Decimal("100000"))
    return pilot


def test_the_pilot_is_registered_from_the_settings_alone():
    assert "tests.workflows.programmes.pilot" in settings.SUBSIDY_PROGRAMMES
    assert registry.kinds() == ["startup", "venture", "loan", "social_insurance", "training", "disabled", "pilot"]
    assert registry.get("pilot").flow is PilotFlow
    assert get_flow_ref(PilotFlow) == "pilot/flow.PilotFlow"


def test_a_pilot_case_from_filing_to_payment(pilot, staff, community, rng, run_on_commit, client):
    application, applicant = simulation.file_draft(rng=rng, programme=pilot, community=community, category="unemployed")
    assert application.requested_amount == Decimal("5000") <= PILOT_CAP

    application = run_on_commit(flow_services.case_submit, application=application, by=applicant)
    assert application.process.flow_class is PilotFlow
    users = [
        (ReviewLevel.COMMUNITY, staff.community[community.pk]),
        (ReviewLevel.TOWN, staff.town[community.parent_id]),
        (ReviewLevel.DISTRICT, staff.district_reviewer),
        (ReviewLevel.APPROVAL, staff.approver),
    ]
    for level, user in users:
        application = run_on_commit(simulation.decide, application, user, level, Decision.PASS)
    assert application.status == Status.DISTRICT_APPROVED
    batch = run_on_commit(
        flow_services.publicity_publish,
        programme=pilot,
        applications=[application],
        by=staff.approver,
        starts_on=timezone.localdate(),
    )
    run_on_commit(flow_services.publicity_close_due, today=batch.ends_on + dt.timedelta(days=1))
    run_on_commit(simulation.pay, pilot, [Application.objects.get(pk=application.pk)], staff, set(), rng)

    application = Application.objects.select_related("process").get(pk=application.pk)
    assert application.status == Status.CLOSED
    assert application.process.status == PROCESS.DONE
    assert PaymentLine.objects.get(application=application).status == "paid"
    assert application.number.startswith("YH-PL-")
    problems = check_all()
    assert "pilot" in problems
    assert {name: found for name, found in problems.items() if found} == {}

    # the staff site serves the pilot's own section, scoped like the others
    client.force_login(staff.district_reviewer)
    page = client.get(f"/pilot/{application.process_id}/")
    assert page.status_code == 200
    assert application.number.encode() in page.content


def test_the_pilots_submit_rule_refuses_before_the_flow_starts(pilot, community, rng):
    application, applicant = simulation.file_draft(rng=rng, programme=pilot, community=community, amount=Decimal("9000"))
    with pytest.raises(DomainError):
        flow_services.case_submit(application=application, by=applicant)
    application.refresh_from_db()
    assert (application.status, application.process_id) == (Status.DRAFT, None)


def test_a_kind_registered_twice_stops_the_start_up():
    fresh = Registry()
    fresh.register(ProgrammeEntry(kind="pilot", flow=PilotFlow))
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        fresh.register(ProgrammeEntry(kind="pilot", flow=PilotFlow))


def test_a_flow_no_programme_registers_stops_the_start_up():
    fresh = Registry()
    fresh.load(["workflows.programmes.startup", "workflows.programmes.venture"])
    with pytest.raises(ImproperlyConfigured, match="runs the review graph but no programme registers it"):
        fresh.assert_every_flow_registered(ReviewGraph)


def test_a_package_without_register_stops_the_start_up():
    with pytest.raises(ImproperlyConfigured, match="has no register"):
        Registry().load(["workflows.engine"])
